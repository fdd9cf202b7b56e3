"""Online status and offline / data-gap alerts of the registered devices.

:func:`check_device_health` is a plain function that runs inline; the
scheduler calls it every few minutes. Time is passed in.

Rules, with ``threshold = interval_seconds × missed_intervals`` per device:

* **offline** — nothing heard (data, heartbeat, any packet) for longer than
  the threshold; a device never heard from counts from its acceptance;
* **data gap** — online, but an expected factor has no value whose
  DataTime is within the threshold (the newest of any command), or, for a
  device without expected factors, no data packet received within it.

Each episode is one :class:`~greenloop.monitoring.models.MonitoringAlert`,
opened when the condition is first seen and closed (``ended_at``) when it
clears; a database constraint keeps one open episode per device and kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import transaction

from greenloop.monitoring.models import (
    AlertKind,
    Device,
    DeviceStatus,
    LatestValue,
    MonitoringAlert,
)

DEFAULT_MISSED_INTERVALS: Final = 3


def missed_intervals_setting() -> int:
    """``GREENLOOP_MONITORING_MISSED_INTERVALS`` (default 3)."""
    return int(getattr(settings, "GREENLOOP_MONITORING_MISSED_INTERVALS", DEFAULT_MISSED_INTERVALS))


@dataclass
class HealthReport:
    """What one check changed."""

    online: int = 0
    offline: int = 0
    opened: list[MonitoringAlert] = field(default_factory=list)
    closed: list[MonitoringAlert] = field(default_factory=list)


def check_device_health(*, now: datetime, missed_intervals: int | None = None) -> HealthReport:
    """Open and close offline and data-gap alerts of active devices as of ``now``.

    1. Read the active devices, their open alerts and the newest DataTime
       of each of their factors (three queries, whatever the fleet size).
    2. Decide per device whether it is offline and which factors are late.
    3. Open the episodes that started, close those that ended, update the
       missing-factor list of the gaps still open.
    """
    missed = missed_intervals or missed_intervals_setting()
    devices = list(Device.objects.filter(status=DeviceStatus.ACTIVE).order_by("pk"))
    newest: dict[tuple[int, str], datetime] = {}
    for device_id, times in LatestValue.objects.filter(
        device__status=DeviceStatus.ACTIVE
    ).values_list("device_id", "factor_times"):
        for code, seconds in (times or {}).items():
            if not isinstance(seconds, int | float):
                continue
            at = datetime.fromtimestamp(seconds, UTC)
            key = (device_id, code)
            if key not in newest or newest[key] < at:
                newest[key] = at
    report = HealthReport()
    with transaction.atomic():
        open_alerts = {
            (a.device_id, a.kind): a
            for a in MonitoringAlert.objects.select_for_update().filter(ended_at__isnull=True)
        }
        for device in devices:
            threshold = device.offline_after(missed)
            offline = _is_offline(device, now=now, threshold=threshold)
            if offline:
                report.offline += 1
            else:
                report.online += 1
            _settle(
                report,
                open_alerts.get((device.pk, AlertKind.OFFLINE)),
                device=device,
                kind=AlertKind.OFFLINE,
                detail={"last_seen_at": _iso(device.last_seen_at)} if offline else None,
                now=now,
            )
            missing = (
                None if offline else _late_factors(device, newest, now=now, threshold=threshold)
            )
            _settle(
                report,
                open_alerts.get((device.pk, AlertKind.DATA_GAP)),
                device=device,
                kind=AlertKind.DATA_GAP,
                detail={"factors": missing, "last_data_at": _iso(device.last_data_at)}
                if missing is not None
                else None,
                now=now,
            )
    return report


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _is_offline(device: Device, *, now: datetime, threshold: timedelta) -> bool:
    if device.last_seen_at is not None:
        return now - device.last_seen_at > threshold
    start = device.accepted_at or device.created_at
    return now - start > threshold


def _late_factors(
    device: Device,
    newest: dict[tuple[int, str], datetime],
    *,
    now: datetime,
    threshold: timedelta,
) -> list[str] | None:
    """The expected factors without recent data; ``None`` if there is no gap."""
    if not device.expected_factors:
        start = device.last_data_at or device.accepted_at or device.created_at
        return [] if now - start > threshold else None
    # A factor never received is late only once the device has been in
    # service longer than the threshold, like an offline device.
    since = device.accepted_at or device.created_at
    late = [
        code
        for code in device.expected_factors
        if now - (newest.get((device.pk, code)) or since) > threshold
    ]
    return late or None


def _settle(
    report: HealthReport,
    alert: MonitoringAlert | None,
    *,
    device: Device,
    kind: str,
    detail: dict[str, object] | None,
    now: datetime,
) -> None:
    """Open, update or close the episode of ``kind`` so it matches ``detail``."""
    if detail is None:
        if alert is not None:
            alert.ended_at = now
            alert.save(update_fields=["ended_at"])
            report.closed.append(alert)
        return
    if alert is None:
        report.opened.append(
            MonitoringAlert.objects.create(
                device=device, site_id=device.site_id, kind=kind, started_at=now, detail=detail
            )
        )
    elif kind == AlertKind.DATA_GAP and alert.detail.get("factors") != detail["factors"]:
        alert.detail = detail
        alert.save(update_fields=["detail"])
