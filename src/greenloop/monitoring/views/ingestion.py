"""接入状态: how the gateway is doing — packets per second, refusals by kind,
the inbox and the lake, devices online and open alerts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Final

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from greenloop.monitoring.models import (
    AlertKind,
    Device,
    DeviceStatus,
    InboxPacket,
    MonitoringAlert,
    RejectCount,
    RejectKind,
)
from greenloop.monitoring.views._common import inspector, login_required_htmx, online_q
from greenloop.org.access import scope_queryset
from greenloop.web.charts import bar_chart

logger = logging.getLogger(__name__)

#: The windows of the packets-per-second figures, in minutes.
RATE_WINDOWS: Final = (1, 5, 60)
REJECT_WINDOW: Final = timedelta(hours=24)


def _lake_status(now: datetime) -> Any:
    """``mover.lake_status(now)``, or ``None`` while there is no mover (or it
    cannot answer: the page must still show the gateway's own figures)."""
    try:
        from greenloop.monitoring.mover import lake_status
    except ImportError:
        return None
    try:
        return lake_status(now)
    except Exception:
        logger.exception("Unable to read the lake status")
        return None


@login_required_htmx
@require_GET
def ingestion_health(request: HttpRequest) -> HttpResponse:
    """The figures of one moment; htmx polls the figures alone every 30 s."""
    user = inspector(request)
    now = timezone.now()

    inbox = scope_queryset(user, InboxPacket.objects.all())
    counts = inbox.filter(received_at__gt=now - timedelta(minutes=max(RATE_WINDOWS))).aggregate(
        **{
            f"m{minutes}": Count("pk", filter=Q(received_at__gt=now - timedelta(minutes=minutes)))
            for minutes in RATE_WINDOWS
        }
    )
    rates = [
        {
            "minutes": minutes,
            "count": counts[f"m{minutes}"],
            "per_second": counts[f"m{minutes}"] / (minutes * 60),
        }
        for minutes in RATE_WINDOWS
    ]

    since = (now - REJECT_WINDOW).replace(minute=0, second=0, microsecond=0)
    per_kind = dict(
        scope_queryset(user, RejectCount.objects.filter(hour__gte=since))
        .values_list("kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    labels = dict(RejectKind.choices)
    rejects = [
        {"kind": kind, "label": labels.get(kind, kind), "count": n}
        for kind, n in sorted(per_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    reject_chart = (
        bar_chart([str(r["label"]) for r in rejects], [r["count"] for r in rejects], height=240)
        if rejects
        else ""
    )

    devices = Device.objects.visible_to(user)
    device_counts = devices.aggregate(
        active=Count("pk", filter=Q(status=DeviceStatus.ACTIVE)),
        online=Count("pk", filter=online_q(devices, now=now)),
        quarantined=Count("pk", filter=Q(status=DeviceStatus.QUARANTINED)),
    )
    device_counts["offline"] = device_counts["active"] - device_counts["online"]
    alerts = dict(
        MonitoringAlert.objects.visible_to(user)
        .filter(ended_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )

    lake = _lake_status(now)
    template = "monitoring/ingestion_health.html"
    return render(
        request,
        f"{template}#figures" if getattr(request, "htmx", False) else template,
        {
            "now": now,
            "rates": rates,
            "rejects": rejects,
            "reject_total": sum(per_kind.values()),
            "reject_since": since,
            "reject_chart": reject_chart,
            "lake": lake,
            "lake_lag": _duration(getattr(lake, "lake_lag", None)),
            "devices": device_counts,
            "alerts": alerts,
            "alert_total": sum(alerts.values()),
            "alert_kinds": [(k, lbl, alerts.get(k, 0)) for k, lbl in AlertKind.choices],
        },
    )


def _duration(value: timedelta | None) -> str:
    """A lag for people: ``3 分钟``, ``2 小时 5 分钟``, ``1 天 3 小时``."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d 小时 %(minutes)d 分钟") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d 分钟") % {"minutes": minutes}
