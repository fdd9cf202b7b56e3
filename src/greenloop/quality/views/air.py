"""Air-quality pages: the live AQI map with each station's last 48 hours,
the calendar of daily AQI. The same map, limited to the stations the bureau
publishes, is the public page (``public.py``)."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from greenloop.monitoring.models import Site, SiteKind
from greenloop.org.models import Region, RegionLevel
from greenloop.quality.exports import Sheet, filename
from greenloop.quality.models import AirDay, AirHour, Scope
from greenloop.quality.views._common import (
    POLLUTANT_LABELS,
    POLLUTANTS,
    HtmxHttpRequest,
    choice,
    legend,
    level_info,
    level_of,
    login_required_htmx,
    primary_label,
    staff,
    wants_xlsx,
    xlsx_response,
)

#: Air station kinds on the map, in legend order, with their short names.
AIR_KINDS: tuple[str, ...] = (SiteKind.NATIONAL_AIR, SiteKind.PROVINCIAL_AIR, SiteKind.MICRO_AIR)
#: What the public page shows: the stations of the official network.
PUBLIC_KINDS: frozenset[str] = frozenset({SiteKind.NATIONAL_AIR, SiteKind.PROVINCIAL_AIR})
CHART_HOURS = 48


def kind_labels() -> dict[str, str]:
    return {
        SiteKind.NATIONAL_AIR: _("国控"),
        SiteKind.PROVINCIAL_AIR: _("省控"),
        SiteKind.MICRO_AIR: _("微站"),
    }


def _units() -> dict[str, str]:
    return {p: ("mg/m³" if p == "co" else "µg/m³") for p in POLLUTANTS}


# --- live map ----------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One AirHour row as the pages show it."""

    code: str
    name: str
    aqi: int | None
    level: Any
    primary: str
    values: dict[str, float | None]
    standard: str
    kind: str = ""
    kind_label: str = ""
    district: str = ""
    lon: float | None = None
    lat: float | None = None
    #: a micro-station measuring only PM has no AQI (HJ 633 §5 needs all six
    #: pollutants); its map colour is then the higher PM IAQI (decision 0014)
    pm_index: int | None = None


def _pm_index(row: AirHour) -> int | None:
    found = [v for k, v in (row.iaqi or {}).items() if k in ("pm25", "pm10") and v is not None]
    return max(found) if found else None


def _districts(sites: Iterable[Site]) -> dict[str, str]:
    """Site code → name of its county-level region (the site may sit in a
    township or village): one query for all sites."""
    paths = {s.code: [c for c in s.region.path.split("/") if c] for s in sites}
    codes = {c for path in paths.values() for c in path}
    names = dict(
        Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).values_list("code", "name")
    )
    return {site: next((names[c] for c in path if c in names), "") for site, path in paths.items()}


def _figure(pollutant: str, value: float | None) -> float | None:
    """A concentration as reported: CO one decimal, the others integers."""
    if value is None:
        return None
    return round(value, 1) if pollutant == "co" else round(value)


def _reading(
    row: AirHour,
    site: Site | None = None,
    kinds: dict[str, str] | None = None,
    district: str = "",
) -> Reading:
    kind = site.kind if site else ""
    return Reading(
        code=row.code,
        name=row.name or (site.name if site else row.code),
        aqi=row.aqi,
        level=level_info(level_of(row.aqi, row.level)),
        primary=primary_label(row.primary),
        values={p: _figure(p, getattr(row, p)) for p in POLLUTANTS},
        standard=row.standard,
        kind=kind,
        kind_label=(kinds or {}).get(kind, ""),
        district=district or (site.region.name if site else ""),
        lon=site.lon if site else None,
        lat=site.lat if site else None,
        pm_index=_pm_index(row) if row.aqi is None else None,
    )


def _pm_marker(s: Reading) -> dict[str, Any]:
    """For a station without AQI but with PM: colour and label by the
    particulate sub-index, never presented as an AQI."""
    pm = level_info(level_of(s.pm_index)) if s.aqi is None and s.pm_index is not None else None
    if pm is None:
        return {"pm_index": None}
    return {
        "pm_index": s.pm_index,
        "level": pm.number,
        "colour": pm.colour,
        "category": pm.category,
    }


def live_context(*, public: bool, kind: str) -> dict[str, Any]:
    """Stations, districts and the city at the latest hour with station data.

    ``public`` keeps to the official network (国控, 省控); ``kind`` filters
    the stations ("" = all shown)."""
    hour = AirHour.objects.filter(scope=Scope.STATION).aggregate(h=Max("hour"))["h"]
    kinds = kind_labels()
    allowed = [k for k in AIR_KINDS if not public or k in PUBLIC_KINDS]
    if kind and kind in allowed:
        allowed = [kind]
    stations: list[Reading] = []
    areas: list[Reading] = []
    city: Reading | None = None
    if hour is not None:
        rows = list(AirHour.objects.filter(scope=Scope.STATION, hour=hour).order_by("code"))
        sites = {
            s.code: s
            # Air quality is public information: stations are not scoped.
            for s in Site.objects.filter(code__in=[r.code for r in rows]).select_related("region")
        }
        districts = _districts(sites.values())
        for row in rows:
            site = sites.get(row.code)
            if site is None or site.kind not in allowed:
                continue
            stations.append(_reading(row, site, kinds, districts.get(site.code, "")))
        area_rows = AirHour.objects.filter(
            scope__in=[Scope.CITY, Scope.DISTRICT], hour=hour
        ).order_by("scope", "code")
        # City first, then districts by code.
        areas = [_reading(r) for r in area_rows]
        city = next((_reading(r) for r in area_rows if r.scope == Scope.CITY), None)
    markers = [
        {
            "code": s.code,
            "name": s.name,
            "kind": s.kind_label,
            "micro": s.kind == SiteKind.MICRO_AIR,
            "district": s.district,
            "lon": s.lon,
            "lat": s.lat,
            "aqi": s.aqi,
            "level": s.level.number if s.level else None,
            "colour": s.level.colour if s.level else "#9ca3af",
            "category": s.level.category if s.level else "",
            "primary": s.primary,
            **_pm_marker(s),
        }
        for s in stations
        if s.lon is not None and s.lat is not None
    ]
    return {
        "hour": hour,
        "stations": stations,
        "areas": areas,
        "city": city,
        "markers": markers,
        "kinds": [(k, kinds[k]) for k in AIR_KINDS if not public or k in PUBLIC_KINDS],
        "kind": kind if kind in kinds else "",
        "legend": [(lv, r, None) for lv, r in legend()],
        "pollutants": [(p, POLLUTANT_LABELS[p], u) for p, u in _units().items()],
        "tile_url": settings.GREENLOOP_TILE_URL,
        "tile_attribution": settings.GREENLOOP_TILE_ATTRIBUTION,
        "public": public,
    }


def live_sheets(context: dict[str, Any]) -> list[Sheet]:
    hour = context["hour"]
    when = timezone.localtime(hour).strftime("%Y-%m-%d %H:00") if hour else ""
    figures = [f"{POLLUTANT_LABELS[p]}（{u}）" for p, u in _units().items()]

    def cells(r: Reading) -> list[Any]:
        return [
            r.aqi,
            r.level.category if r.level else "",
            r.primary,
            *(r.values[p] for p in POLLUTANTS),
        ]

    head = ["AQI", _("类别"), _("首要污染物"), *figures]
    return [
        Sheet(
            _("城市和区县实时空气质量 %(hour)s") % {"hour": when},
            [_("名称"), _("编码"), *head],
            [[r.name, r.code, *cells(r)] for r in context["areas"]],
        ),
        Sheet(
            _("站点实时空气质量 %(hour)s") % {"hour": when},
            [_("站点"), _("编码"), _("类型"), _("所在区县"), *head, _("依据标准")],
            [
                [r.name, r.code, r.kind_label, r.district, *cells(r), r.standard]
                for r in context["stations"]
            ],
        ),
    ]


def render_live(request: HttpRequest, *, public: bool) -> HttpResponse:
    context = live_context(public=public, kind=request.GET.get("kind", ""))
    if wants_xlsx(request):
        return xlsx_response(filename(_("实时空气质量")), live_sheets(context))
    context["chart_url"] = reverse(
        "public_air_station" if public else "quality:station_chart", args=["CODE"]
    )
    return render(request, "quality/air_map.html", context)


@login_required
@require_GET
def air_map(request: HttpRequest) -> HttpResponse:
    staff(request)
    return render_live(request, public=False)


# --- a station's last 48 hours -----------------------------------------------


def chart_context(code: str, *, public: bool) -> dict[str, Any]:
    """AQI bars coloured by level and the six pollutants over the 48 hours
    up to the station's latest hour; ``None`` hours stay gaps."""
    site = Site.objects.filter(code=code).select_related("region").first()
    if site is None or site.kind not in AIR_KINDS or (public and site.kind not in PUBLIC_KINDS):
        raise Http404
    rows = AirHour.objects.filter(scope=Scope.STATION, code=code)
    last = rows.aggregate(h=Max("hour"))["h"]
    if last is None:
        raise Http404
    start = last - dt.timedelta(hours=CHART_HOURS - 1)
    by_hour = {r.hour: r for r in rows.filter(hour__gte=start, hour__lte=last)}
    hours = [start + dt.timedelta(hours=i) for i in range(CHART_HOURS)]
    local = [timezone.localtime(h) for h in hours]
    # pygal shortens labels that do not fit: the line charts get the hour
    # ("08"), the bars a date and hour every sixth bar.
    labels = [t.strftime("%H") for t in local]
    bar_labels = [t.strftime("%m-%d %H:00") if t.hour % 6 == 0 else "" for t in local]
    aqi: list[float | None] = []
    colours: list[str] = []
    for h in hours:
        row = by_hour.get(h)
        info = level_info(level_of(row.aqi, row.level)) if row else None
        aqi.append(row.aqi if row else None)
        colours.append(info.colour if info else "#9ca3af")

    def series(p: str) -> list[float | None]:
        return [getattr(by_hour[h], p) if h in by_hour else None for h in hours]

    from greenloop.web.charts import bar_chart, line_chart

    district = _districts([site])[site.code]

    concentrations = {POLLUTANT_LABELS[p]: series(p) for p in POLLUTANTS if p != "co"}
    return {
        "site": site,
        "hours": hours,
        "by_hour": by_hour,
        "kind_label": kind_labels().get(site.kind, ""),
        "latest": _reading(by_hour[last], site, district=district),
        "district": district,
        "last": last,
        "start": start,
        "pollutants": [(p, POLLUTANT_LABELS[p], u) for p, u in _units().items()],
        "aqi_chart": bar_chart(bar_labels, aqi, colors=colours, y_title="AQI", height=240),
        "pollutant_chart": line_chart(
            labels,
            concentrations,
            y_title="µg/m³",
            show_every=6,
            height=260,
        ),
        "co_chart": line_chart(
            labels, {"CO": series("co")}, y_title="mg/m³", show_every=6, height=200
        ),
    }


def _chart_sheet(context: dict[str, Any]) -> Sheet:
    figures = [f"{POLLUTANT_LABELS[p]}（{u}）" for p, u in _units().items()]
    rows = []
    for hour in context["hours"]:
        row = context["by_hour"].get(hour)
        info = level_info(level_of(row.aqi, row.level)) if row else None
        rows.append(
            [
                timezone.localtime(hour).strftime("%Y-%m-%d %H:00"),
                row.aqi if row else None,
                info.category if info else "",
                primary_label(row.primary) if row else "",
                *((_figure(p, getattr(row, p)) if row else None) for p in POLLUTANTS),
            ]
        )
    return Sheet(
        _("%(name)s 近48小时空气质量") % {"name": context["site"].name},
        [_("时段"), "AQI", _("类别"), _("首要污染物"), *figures],
        rows,
    )


def render_chart(request: HtmxHttpRequest, code: str, *, public: bool) -> HttpResponse:
    context = chart_context(code, public=public)
    if wants_xlsx(request):
        sheet = _chart_sheet(context)
        return xlsx_response(filename(sheet.title), [sheet])
    context["public"] = public
    template = "quality/station_chart.html"
    if request.htmx:
        template += "#chart"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@login_required_htmx
@require_GET
def station_chart(request: HtmxHttpRequest, code: str) -> HttpResponse:
    staff(request)
    return render_chart(request, code, public=False)


# --- calendar of daily AQI ----------------------------------------------------


@dataclass(frozen=True)
class DayCell:
    date: dt.date
    in_month: bool
    row: AirDay | None
    level: Any
    primary: str


def _month_grid(year: int, month: int, days: dict[dt.date, AirDay]) -> list[list[DayCell]]:
    weeks = []
    for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for d in week:
            row = days.get(d) if d.month == month else None
            cells.append(
                DayCell(
                    date=d,
                    in_month=d.month == month,
                    row=row,
                    # An invalid day (too few hours) is shown as such, uncoloured.
                    level=level_info(level_of(row.aqi, row.level)) if row and row.valid else None,
                    primary=primary_label(row.primary) if row else "",
                )
            )
        weeks.append(cells)
    return weeks


def _int(text: str | None, low: int, high: int) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if low <= value <= high else None


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Daily AQI as a month grid, or a year of twelve, for one station,
    district or the city."""
    staff(request)
    scope = choice(request, "scope", [s.value for s in Scope], Scope.CITY)
    options = list(
        AirDay.objects.filter(scope=scope)
        .values_list("code", "name")
        .order_by("code", "name")
        .distinct()
    )
    names: dict[str, str] = {}
    for c, n in options:
        names.setdefault(c, n or c)
    code = request.GET.get("code", "")
    if code not in names:
        code = next(iter(names), "")
    latest = AirDay.objects.filter(scope=scope, code=code).aggregate(d=Max("date"))["d"]
    today = latest or timezone.localdate()
    year = _int(request.GET.get("year"), 2000, 2100) or today.year
    view = choice(request, "view", ["month", "year"], "month")
    month = _int(request.GET.get("month"), 1, 12) or (today.month if year == today.year else 1)
    if view == "year":
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        months = list(range(1, 13))
    else:
        start = dt.date(year, month, 1)
        end = dt.date(year, month, _calendar.monthrange(year, month)[1])
        months = [month]
    rows = AirDay.objects.filter(scope=scope, code=code, date__gte=start, date__lte=end).order_by(
        "date"
    )
    days = {r.date: r for r in rows}
    title = _("%(name)s 日空气质量") % {"name": names.get(code, code)}
    if wants_xlsx(request):
        figures = [f"{POLLUTANT_LABELS[p]}（{u}）" for p, u in _units().items()]
        sheet_rows = []
        for r in days.values():
            info = level_info(level_of(r.aqi, r.level)) if r.valid else None
            sheet_rows.append(
                [
                    r.date.isoformat(),
                    r.aqi,
                    info.name if info else "",
                    info.category if info else "",
                    primary_label(r.primary),
                    *(_figure(p, getattr(r, p)) for p in POLLUTANTS),
                    _("是") if r.valid else _("否"),
                    r.standard,
                ]
            )
        period = f"{year}" if view == "year" else f"{year}-{month:02d}"
        return xlsx_response(
            filename(f"{title} {period}"),
            [
                Sheet(
                    f"{title} {period}",
                    [
                        _("日期"),
                        "AQI",
                        _("级别"),
                        _("类别"),
                        _("首要污染物"),
                        *figures,
                        _("有效"),
                        _("依据标准"),
                    ],
                    sheet_rows,
                )
            ],
        )
    previous = dt.date(year, month, 1) - dt.timedelta(days=1)
    following = dt.date(year, month, 28) + dt.timedelta(days=4)
    counts = [0] * 6
    for r in days.values():
        level = level_of(r.aqi, r.level) if r.valid else None
        if level:
            counts[level - 1] += 1
    return render(
        request,
        "quality/calendar.html",
        {
            "scope": scope,
            "scopes": Scope.choices,
            "code": code,
            "names": sorted(names.items()),
            "title": title,
            "year": year,
            "month": month,
            "view": view,
            "month_choices": list(range(1, 13)),
            "grids": [(m, _month_grid(year, m, days)) for m in months],
            "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
            "previous": previous,
            "following": following,
            "legend": [(lv, r, counts[i]) for i, (lv, r) in enumerate(legend())],
            "total": len(days),
        },
    )
