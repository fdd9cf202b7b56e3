"""The home page's figures: where things stand, within the reader's reach.

One section per domain, each computed only for readers holding its
permission and always over ``Model.objects.visible_to(user)`` (the shared
access policy), with the definitions of the domain's own statistics:

* cases (``cases.view``): inbox, red and yellow cards, open cases by state
  and the on-time closure rate (:mod:`greenloop.cases.statistics`), and the
  open cases and cards per region below the reader's jurisdiction;
* petitions (``complaints.view``): awaiting routing, with pending repeat
  candidates, overdue (:mod:`greenloop.complaints.statistics`), replied
  this month;
* air quality (``org.view``; public information): the city's latest hourly
  AQI, the reader's district's when the reader governs one, today's and
  yesterday's daily AQI, and open hotspot alerts at sites in reach;
* monitoring (``monitoring.view``): devices online and offline, open alerts.

Every figure comes from a bounded number of aggregate queries (no rows are
loaded and nothing reads the lake), so the page costs the same whatever the
size of the city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from greenloop.org.access import Scope, get_scope
from greenloop.org.models import Region
from greenloop.org.roles import Perm

#: An hourly AQI older than this (from the end of its hour) is flagged as
#: not current: the reader should not take it for the air outside now.
STALE_AFTER = dt.timedelta(hours=2)


# --- cases ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFigures:
    inbox: int
    red: int
    yellow: int
    open: int
    #: open cases per state, in the order of the loop: (state, label, count)
    states: list[tuple[str, str, int]]
    closed_on_time: int
    due: int
    #: on-time closure rate in percent, one decimal; None when nothing is due
    on_time_pct: float | None
    #: open cases and cards per child region of the jurisdiction's root
    regions: list[dict[str, Any]]
    regions_of: str


def case_figures(
    user: Any, scope: Scope, today: dt.date, seat: Region | None = None
) -> CaseFigures:
    from greenloop.cases.models import OPEN_STATES, Case
    from greenloop.cases.statistics import count_by, summarize
    from greenloop.cases.views.lists import home_context

    cards = home_context(user)["case_counts"]
    visible = Case.objects.visible_to(user)
    summary = summarize(visible, today)
    states = [
        (c["key"], c["label"], c["count"])
        for c in count_by(visible, "state")
        if c["key"] in OPEN_STATES
    ]
    root = _jurisdiction_root(scope, seat)
    regions: list[dict[str, Any]] = []
    if root is not None:
        regions = [dict(r) for r in visible.counts_by_region(root, today)]
    rate = summary["on_time_rate"]
    return CaseFigures(
        inbox=cards["inbox"],
        red=cards["red"],
        yellow=cards["yellow"],
        open=sum(n for _key, _label, n in states),
        states=states,
        closed_on_time=summary["closed_on_time"],
        due=summary["due"],
        on_time_pct=None if rate is None else round(rate * 100, 1),
        regions=regions,
        regions_of=root.name if root is not None else "",
    )


def _jurisdiction_root(scope: Scope, seat: Region | None) -> Region | None:
    """The region a territorial reader governs (the city for the city-wide
    office): ``seat``, the region of the reader's unit, when it is that one;
    ``None`` for departments and the administrators, whose cases are not a
    territory's."""
    if not scope.region_path:
        return None
    if seat is not None and seat.path == scope.region_path:
        return seat
    code = [c for c in scope.region_path.split("/") if c][-1]
    return Region.objects.filter(code=code).only("pk", "code", "name", "path").first()


# --- petitions -------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionFigures:
    awaiting_routing: int
    pending_repeats: int
    overdue: int
    replied_this_month: int
    on_time_pct: float | None


def petition_figures(user: Any, today: dt.date) -> PetitionFigures:
    from greenloop.complaints.models import DuplicateDecision, Petition, PetitionState
    from greenloop.complaints.statistics import summarize

    petitions = Petition.objects.visible_to(user)
    summary = summarize(petitions, today)
    # Midnight (Beijing, the current time zone) on the 1st: comparing the
    # instant, not the date of each row, keeps the count off a per-row
    # time-zone conversion.
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    counts = petitions.order_by().aggregate(
        awaiting=Count("pk", filter=Q(state=PetitionState.RECEIVED)),
        replied=Count("pk", filter=Q(replied_at__gte=month_start)),
    )
    # The same petitions as the queue's "仅看有疑似重复" filter.
    repeats = (
        petitions.filter(duplicate_candidates__decision=DuplicateDecision.PENDING)
        .order_by()
        .values("pk")
        .distinct()
        .count()
    )
    rate = summary["on_time_rate"]
    return PetitionFigures(
        awaiting_routing=counts["awaiting"],
        pending_repeats=repeats,
        overdue=summary["overdue"],
        replied_this_month=counts["replied"],
        on_time_pct=None if rate is None else round(rate * 100, 1),
    )


# --- air quality -----------------------------------------------------------------


@dataclass(frozen=True)
class AirNow:
    name: str
    aqi: int | None
    level: Any  # quality.views._common.Level | None
    primary: str
    hour: str
    stale: bool


@dataclass(frozen=True)
class AirDayFigure:
    aqi: int | None
    level: Any
    primary: str


@dataclass(frozen=True)
class AirFigures:
    city: AirNow | None
    district: AirNow | None
    today: AirDayFigure | None
    yesterday: AirDayFigure | None
    #: open hotspot alerts at sites in reach; None for readers without a
    #: territory (their reach holds no sites)
    hotspots: int | None


def air_figures(user: Any, scope: Scope, now: dt.datetime, today: dt.date) -> AirFigures:
    from greenloop.monitoring.models import Site
    from greenloop.quality.models import AirDay, AirHour, HotspotAlert
    from greenloop.quality.models import Scope as AirScope

    # Air quality is public information: the rows carry no jurisdiction.
    city_row = AirHour.objects.filter(scope=AirScope.CITY).order_by("-hour", "code").first()
    district_row = None
    codes = [c for c in (scope.region_path or "").split("/") if c]
    if len(codes) >= 2:
        district_row = (
            AirHour.objects.filter(scope=AirScope.DISTRICT, code=codes[1]).order_by("-hour").first()
        )
    days: dict[dt.date, Any] = {}
    if city_row is not None:
        yesterday = today - dt.timedelta(days=1)
        days = {
            d.date: d
            for d in AirDay.objects.filter(
                scope=AirScope.CITY, code=city_row.code, date__in=[today, yesterday]
            )
        }
    hotspots = None
    if scope.is_territorial:
        hotspots = HotspotAlert.objects.filter(
            closed_at__isnull=True, site__in=Site.objects.visible_to(user).values("pk")
        ).count()
    return AirFigures(
        city=_air_now(city_row, now),
        district=_air_now(district_row, now),
        today=_air_day(days.get(today)),
        yesterday=_air_day(days.get(today - dt.timedelta(days=1))),
        hotspots=hotspots,
    )


def _air_now(row: Any, now: dt.datetime) -> AirNow | None:
    from greenloop.quality.views._common import (
        level_info,
        level_of,
        local_hour_label,
        primary_label,
    )

    if row is None:
        return None
    return AirNow(
        name=row.name or row.code,
        aqi=row.aqi,
        level=level_info(level_of(row.aqi, row.level)),
        primary=primary_label(row.primary),
        hour=local_hour_label(row.hour),
        stale=row.hour + dt.timedelta(hours=1) < now - STALE_AFTER,
    )


def _air_day(row: Any) -> AirDayFigure | None:
    from greenloop.quality.views._common import level_info, level_of, primary_label

    if row is None:
        return None
    return AirDayFigure(
        aqi=row.aqi,
        level=level_info(level_of(row.aqi, row.level)),
        primary=primary_label(row.primary),
    )


# --- monitoring ------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringFigures:
    active: int
    online: int
    offline: int
    open_alerts: int


def monitoring_figures(user: Any, now: dt.datetime) -> MonitoringFigures:
    from greenloop.monitoring.models import Device, DeviceStatus, MonitoringAlert
    from greenloop.monitoring.views._common import online_q

    devices = Device.objects.visible_to(user)
    counts = devices.order_by().aggregate(
        active=Count("pk", filter=Q(status=DeviceStatus.ACTIVE)),
        online=Count("pk", filter=online_q(devices, now=now)),
    )
    alerts = MonitoringAlert.objects.visible_to(user).filter(ended_at__isnull=True).count()
    return MonitoringFigures(
        active=counts["active"],
        online=counts["online"],
        offline=counts["active"] - counts["online"],
        open_alerts=alerts,
    )


# --- the page ----------------------------------------------------------------------


def where_things_stand(
    user: Any, *, now: dt.datetime, today: dt.date, seat: Region | None = None
) -> dict[str, Any]:
    """The home page's sections the reader may see; a section the reader's
    roles do not grant is absent (``None``), not empty. ``seat`` is the
    region of the reader's unit, when the caller has it at hand."""
    scope = get_scope(user)
    return {
        "cases": case_figures(user, scope, today, seat) if scope.has(Perm.VIEW_CASES) else None,
        "petitions": (petition_figures(user, today) if scope.has(Perm.VIEW_COMPLAINTS) else None),
        "air": air_figures(user, scope, now, today) if scope.has(Perm.VIEW_ORG) else None,
        "monitoring": (monitoring_figures(user, now) if scope.has(Perm.VIEW_MONITORING) else None),
    }
