"""监测点位: live values (polled by htmx) and 24-hour charts per factor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from django.db.models import Count, F, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from greenloop.monitoring.models import (
    Device,
    FactorCode,
    InboxPacket,
    LatestValue,
    MonitoringAlert,
    Site,
)
from greenloop.monitoring.values import number, value_field
from greenloop.monitoring.views._common import (
    DATA_COMMANDS,
    SECRETS,
    STATE_LABELS,
    device_state,
    flag_meaning,
    login_required_htmx,
    viewer,
)
from greenloop.org.access import get_for_user, has_perm, scope_queryset
from greenloop.org.roles import Perm
from greenloop.web.charts import line_chart

TEMPLATE: Final = "monitoring/site_detail.html"
#: Commands the 24-hour chart can draw: real-time values and hourly averages.
CHART_COMMANDS: Final = ("2011", "2061")
CHART_WINDOW: Final = timedelta(hours=24)
#: Real-time values are averaged into slots of the first of these lengths
#: (seconds) that holds an upload interval: a day is at most 288 points
#: however often the devices send, and every slot divides an hour.
SLOT_SECONDS: Final = (300, 600, 900, 1200, 1800, 3600)


@dataclass
class LiveRow:
    code: str
    name: str
    unit: str
    device_mn: str
    value: str
    field: str
    flag: str
    flag_meaning: str
    data_time: datetime | None
    received_at: datetime


@dataclass
class LiveGroup:
    cn: str
    label: str
    rows: list[LiveRow] = field(default_factory=list)


@dataclass
class Chart:
    code: str
    name: str
    unit: str
    svg: SafeString


def _site(request: HttpRequest, pk: int) -> tuple[Any, Site]:
    user = viewer(request)
    site = get_for_user(user, Site.objects.select_related("region", "grid"), pk=pk)
    return user, site


def _factors(codes: set[str]) -> dict[str, FactorCode]:
    return {f.code: f for f in FactorCode.objects.filter(code__in=sorted(codes))}


def _unit(factor: FactorCode | None, value_field: str) -> str:
    if factor is None:
        return ""
    return factor.amount_unit if value_field == "Cou" and factor.amount_unit else factor.unit


def _latest(user: Any, site: Site) -> Any:
    return scope_queryset(user, LatestValue.objects.filter(site=site, cn__in=list(DATA_COMMANDS)))


def _stamp(user: Any, site: Site) -> str:
    """The newest receipt time of the site's live values, as the version the
    polling client holds."""
    newest = _latest(user, site).aggregate(newest=Max("received_at"))["newest"]
    return newest.isoformat() if newest else ""


def _live_context(user: Any, site: Site) -> dict[str, Any]:
    rows = list(_latest(user, site).annotate(device_mn=F("device__mn")).order_by("cn", "device_mn"))
    per_row = [(r, r.factors()) for r in rows]
    factors = _factors({f.code for _, fs in per_row for f in fs})
    groups = {cn: LiveGroup(cn, str(label)) for cn, label in DATA_COMMANDS.items()}
    for r, row_factors in per_row:
        for f in row_factors:
            factor = factors.get(f.code)
            groups[r.cn].rows.append(
                LiveRow(
                    code=f.code,
                    name=factor.name if factor else f.code,
                    unit=_unit(factor, f.field),
                    device_mn=r.device_mn,
                    value=f.text,
                    field=f.field,
                    flag=f.flag,
                    flag_meaning=flag_meaning(f.flag),
                    data_time=f.data_time,
                    received_at=r.received_at,
                )
            )
    for group in groups.values():
        group.rows.sort(key=lambda row: (row.code, row.device_mn))
    newest = max((r.received_at for r in rows), default=None)
    return {
        "site": site,
        "live_groups": [g for g in groups.values() if g.rows],
        "live_stamp": newest.isoformat() if newest else "",
        "live_updated_at": newest,
        "several_devices": len({r.device_id for r in rows}) > 1,
    }


@login_required_htmx
@require_GET
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A site: its devices and open alerts, live values, 24-hour charts."""
    user, site = _site(request, pk)
    now = timezone.now()
    devices = list(
        Device.objects.visible_to(user)
        .filter(site=site)
        .defer(*SECRETS)
        .annotate(
            open_alerts=Count("alerts", filter=Q(alerts__ended_at__isnull=True), distinct=True)
        )
        .order_by("mn", "pk")
    )
    for device in devices:
        device.state = device_state(device, now=now)
        device.state_label = STATE_LABELS[device.state]
    alerts = (
        MonitoringAlert.objects.visible_to(user)
        .filter(device__in=devices, ended_at__isnull=True)
        .select_related("device")
        .order_by("-started_at", "pk")
    )
    context = _live_context(user, site)
    context.update(
        _charts(user, devices, now=now, wanted=request.GET.get("series", "")),
        devices=devices,
        alerts=alerts,
        can_inspect=has_perm(user, Perm.INSPECT_PACKETS),
    )
    return render(request, TEMPLATE, context)


@login_required_htmx
@require_GET
def site_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live values alone, for htmx polling; 204 (nothing to swap) when
    the client already shows the newest values."""
    user, site = _site(request, pk)
    since = request.GET.get("since")
    if since is not None and since == _stamp(user, site):
        return HttpResponse(status=204)
    return render(request, f"{TEMPLATE}#live", _live_context(user, site))


# --- 24-hour charts -------------------------------------------------------------


def _value(fields: dict[str, Any]) -> tuple[str, float | None]:
    """The field that is the factor's value (as on live pages) and its number."""
    name = value_field(fields)
    return (name, number(fields[name])) if name else ("", None)


def _charts(user: Any, devices: list[Device], *, now: datetime, wanted: str) -> dict[str, Any]:
    """One line chart per factor over the last 24 hours.

    1. Count the packets of each chartable command in the window, offer those
       with data, draw the one asked for (default: real-time if there is any,
       else hourly).
    2. Put every value in its time slot (hourly data: one per hour;
       real-time: the mean of each slot of 5 min to 1 h, by upload interval).
    3. One series per device (one device: named after the factor); an empty
       slot is a gap in the line, never 0.
    """
    # Slots start on a whole hour (Beijing time is a whole number of hours
    # from UTC), so the thinned labels read 00:00, 02:00, …
    first = int((now - CHART_WINDOW).timestamp()) // 3600 * 3600
    since = datetime.fromtimestamp(first, tz=UTC)
    packets = scope_queryset(
        user,
        InboxPacket.objects.filter(
            device_id__in=[d.pk for d in devices],
            mn__in=[d.mn for d in devices],
            data_time__gte=since,
            data_time__lte=now,
        ),
    )
    available = dict(
        packets.filter(cn__in=CHART_COMMANDS).values_list("cn").annotate(n=Count("pk")).order_by()
    )
    cn = wanted if wanted in available else next((c for c in CHART_COMMANDS if c in available), "")
    series_tabs = [
        {"cn": c, "label": DATA_COMMANDS[c], "count": available.get(c, 0), "active": c == cn}
        for c in CHART_COMMANDS
    ]
    if not cn:
        return {"charts": [], "series_tabs": series_tabs, "chart_cn": ""}

    if cn == "2061":
        step = 3600
    else:
        shortest = min(d.interval_seconds for d in devices)
        step = next((size for size in SLOT_SECONDS if size >= shortest), SLOT_SECONDS[-1])
    last = int(now.timestamp()) // step * step
    count = (last - first) // step + 1
    # sums[(code, device_id)][slot] = (sum, n)
    sums: dict[tuple[str, int], dict[int, tuple[float, int]]] = {}
    value_field: dict[str, str] = {}
    for device_id, data_time, pollutants in packets.filter(cn=cn).values_list(
        "device_id", "data_time", "pollutants"
    ):
        index = (int(data_time.timestamp()) - first) // step
        if not 0 <= index < count:
            continue
        for code, fields in (pollutants or {}).items():
            if not isinstance(fields, dict):
                continue
            name, number = _value(fields)
            if number is None:
                continue
            value_field.setdefault(code, name)
            cell = sums.setdefault((code, device_id), {})
            total, n = cell.get(index, (0.0, 0))
            cell[index] = (total + number, n + 1)

    labels = [
        timezone.localtime(datetime.fromtimestamp(first + i * step, tz=UTC)).strftime("%H:%M")
        for i in range(count)
    ]
    factors = _factors({code for code, _ in sums})
    mn_of = {d.pk: d.mn for d in devices}
    charts = []
    for code in sorted({code for code, _ in sums}):
        factor = factors.get(code)
        name = factor.name if factor else code
        unit = _unit(factor, value_field.get(code, ""))
        series: dict[str, list[float | None]] = {}
        for (c, device_id), cells in sorted(sums.items(), key=lambda kv: mn_of[kv[0][1]]):
            if c != code:
                continue
            label = name if len(devices) == 1 else mn_of[device_id]
            series[label] = [
                round(cells[i][0] / cells[i][1], 4) if i in cells else None for i in range(count)
            ]
        svg = line_chart(labels, series, y_title=unit, show_every=max(1, 7200 // step), height=260)
        charts.append(Chart(code=code, name=name, unit=unit, svg=svg))
    return {"charts": charts, "series_tabs": series_tabs, "chart_cn": cn}
