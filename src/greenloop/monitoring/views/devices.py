"""在线监测设备: the device list with online status, filters and counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    MonitoringAlert,
    SiteKind,
)
from greenloop.monitoring.views._common import (
    PER_PAGE,
    SECRETS,
    STATE_LABELS,
    device_state,
    online_q,
    region_choices,
    viewer,
)
from greenloop.org.access import has_perm
from greenloop.org.models import Region
from greenloop.org.roles import Perm


@login_required
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    """Devices in reach with site, kind, region, protocol, online status,
    latest packet and open alerts; filters by kind, region, status and MN or
    name; online/offline counts over the filtered devices."""
    user = viewer(request)
    now = timezone.now()
    visible = Device.objects.visible_to(user)
    kind = request.GET.get("kind", "")
    region_code = request.GET.get("region", "")
    state = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()

    filtered = visible
    if kind in SiteKind.values:
        filtered = filtered.filter(site__kind=kind)
    else:
        kind = ""
    if region_code:
        region = Region.objects.visible_to(user).filter(code=region_code).only("path").first()
        if region is None:
            region_code = ""
        else:
            filtered = filtered.filter(site__region__path__startswith=region.path)
    if q:
        filtered = filtered.filter(
            Q(mn__icontains=q) | Q(site__name__icontains=q) | Q(site__code__icontains=q)
        )

    online = online_q(filtered, now=now)
    counts = filtered.aggregate(
        total=Count("pk"),
        online=Count("pk", filter=online),
        active=Count("pk", filter=Q(status=DeviceStatus.ACTIVE)),
        quarantined=Count("pk", filter=Q(status=DeviceStatus.QUARANTINED)),
        disabled=Count("pk", filter=Q(status=DeviceStatus.DISABLED)),
    )
    counts["offline"] = counts["active"] - counts["online"]

    rows = filtered
    if state == "online":
        rows = rows.filter(online)
    elif state == "offline":
        rows = rows.filter(status=DeviceStatus.ACTIVE).exclude(online)
    elif state == "quarantined":
        rows = rows.filter(status=DeviceStatus.QUARANTINED)
    elif state == "disabled":
        rows = rows.filter(status=DeviceStatus.DISABLED)
    else:
        state = ""
    rows = (
        rows.select_related("site__region")
        .defer(*SECRETS)
        .annotate(
            open_alerts=Count("alerts", filter=Q(alerts__ended_at__isnull=True), distinct=True)
        )
        .order_by("site__region__path", "site__code", "mn", "pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for device in page:
        device.state = device_state(device, now=now)
        device.state_label = STATE_LABELS[device.state]

    return render(
        request,
        "monitoring/device_list.html",
        {
            "page": page,
            "counts": counts,
            "open_alerts": MonitoringAlert.objects.visible_to(user)
            .filter(ended_at__isnull=True)
            .count(),
            "filters": {"kind": kind, "region": region_code, "status": state, "q": q},
            "kinds": SiteKind.choices,
            "regions": region_choices(user),
            "states": list(STATE_LABELS.items()),
            "can_inspect": has_perm(user, Perm.INSPECT_PACKETS),
        },
    )
