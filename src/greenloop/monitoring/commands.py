"""HJ 212-2025 onboarding and key flows, driven from the registry.

hj212-2025.md C3/C4/B9/D3, with the flows of the one implementation that
has them (caoyiliang/HJ212, Appendix C examples C2, C3, C7, C8; ⚠ single
source, see docs/decisions/0018-hj212-2025-provisioning.md):

* **1001** — the logger reports its hardware fingerprint
  (``i23005-Info`` logger id, ``i23006-Info`` CPU id, ``i23007-Info`` /
  ``i23008-Info`` MACs). The gateway keeps it on the device
  (:attr:`Device.hardware`, or on the quarantined newcomer) and answers 9013.
* **1002** — the platform sets the MN: an administrator asks
  (:func:`request_mn_assignment`, admin action), the gateway sends
  ``CN=1002`` with the new MN in the header and the logger id in
  ``i23005-Info`` when the device is connected; the device answers 9011
  (``QnRtn``) and 9012 (``ExeRtn``); on ``ExeRtn=1`` the device's MN is
  changed in the registry.
* **1014** — a new SM4 key: an administrator asks
  (:func:`request_key_rotation`), or the device itself asks with
  ``CN=1014 CP=&&SKCreateTime=…&&`` (answered 9013). The gateway sends
  ``CN=1014 CP=&&SKCreateTime=…;NewSK=…&&``, encrypted with the current
  key (1014 is in the encrypted set, 2025 §6.4.4). The registry switches
  to the new key only when the device has answered ``ExeRtn=1`` (or its
  data decrypts with the new key); until then the old key is the one.

Commands are rows (:class:`DeviceCommand`) so they survive restarts and
wait for a device that is offline; the gateway polls the open ones and
reports what happened as :class:`CommandEvent` records, applied in the
transaction of its next commit (:func:`apply_command_events`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from greenloop.audit.log import record
from greenloop.monitoring.models import (
    OPEN_COMMAND_STATUSES,
    CommandKind,
    CommandStatus,
    Device,
    DeviceCommand,
    ProtocolVersion,
)
from greenloop.monitoring.records import CommandEvent, HardwareReport, PendingCommand

logger = logging.getLogger(__name__)

BEIJING: Final = ZoneInfo("Asia/Shanghai")
_MN: Final = re.compile(r"^[0-9A-F]{24}$")


class UnableToCommandDevice(Exception):
    """The command cannot be issued to this device (reason in the message)."""


def mn_from_hardware(hardware: dict[str, Any]) -> str:
    """A 24-hex-digit MN derived from the fingerprint (hj212-2025.md A8).

    Examples
    --------
    >>> mn_from_hardware({"logger_id": "L1", "cpu_id": "C", "mac1": "M"})
    'B5A62A2FD8B5BA6FB1A4A2E6'
    """
    text = "|".join(str(hardware.get(k, "")) for k in ("logger_id", "cpu_id", "mac1", "mac2"))
    return hashlib.sha256(text.encode()).hexdigest()[:24].upper()


def new_qn(now: datetime) -> str:
    """A QN for a platform request: Beijing time to the millisecond (2017 Table 3)."""
    local = now.astimezone(BEIJING)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"


def _require_2025(device: Device) -> None:
    if device.protocol_version != ProtocolVersion.HJ212_2025:
        raise UnableToCommandDevice(f"{device.mn}: only HJ 212-2025 devices know 1002/1014")


def request_mn_assignment(
    *, device: Device, now: datetime, new_mn: str | None = None, actor: Any = None
) -> DeviceCommand:
    """Store a 1002 "set MN" for the gateway to deliver.

    ``new_mn`` defaults to :func:`mn_from_hardware` of the fingerprint the
    device reported with 1001.

    Raises
    ------
    UnableToCommandDevice
        Not a 2025 device, no fingerprint, an MN that is not 24 hex digits
        or belongs to another device, or a 1002 already open.
    """
    _require_2025(device)
    logger_id = str(device.hardware.get("logger_id", ""))
    if new_mn is None:
        if not device.hardware:
            raise UnableToCommandDevice(f"{device.mn}: no hardware fingerprint (CN 1001) yet")
        new_mn = mn_from_hardware(device.hardware)
    new_mn = new_mn.upper()
    if not _MN.match(new_mn):
        raise UnableToCommandDevice(f"{new_mn}: an MN is 24 hexadecimal digits")
    if Device.objects.filter(mn=new_mn).exclude(pk=device.pk).exists():
        raise UnableToCommandDevice(f"{new_mn} is the MN of another device")
    command = _create(
        device=device,
        kind=CommandKind.SET_MN,
        now=now,
        actor=actor,
        new_mn=new_mn,
        logger_id=logger_id,
    )
    record(
        "greenloop.monitoring.device.mn_requested",
        actor=actor,
        target=device.mn,
        data={"new_mn": new_mn, "qn": command.qn},
    )
    return command


def request_key_rotation(
    *, device: Device, now: datetime, actor: Any = None, by_device: bool = False
) -> DeviceCommand:
    """Store a 1014 "set key" with a fresh random SM4 key for the gateway.

    The device keeps its current key until it confirms the new one.

    Raises
    ------
    UnableToCommandDevice
        Not a 2025 device, a device without a key (its first key is
        registered out of band, hj212-2025.md B8 and open question 3: a
        1014 sent in clear would show the key to the network), or a 1014
        already open.
    """
    _require_2025(device)
    if not device.sm4_key:
        raise UnableToCommandDevice(
            f"{device.mn}: no current SM4 key to protect a new one; register its key first"
        )
    command = _create(
        device=device,
        kind=CommandKind.SET_KEY,
        now=now,
        actor=actor if not by_device else None,
        new_sm4_key=secrets.token_bytes(16).hex().upper(),
        sk_created_at=now,
        created_by="device" if by_device else "",
    )
    record(
        "greenloop.monitoring.device.key_requested",
        actor=actor,
        target=device.mn,
        data={"qn": command.qn, "by_device": by_device},
    )
    return command


def _create(
    *, device: Device, kind: str, now: datetime, actor: Any, **fields: Any
) -> DeviceCommand:
    name = fields.pop("created_by", "") or (
        actor.get_username() if getattr(actor, "is_authenticated", False) else ""
    )
    command = DeviceCommand(
        device=device, kind=kind, qn=new_qn(now), created_at=now, created_by=name, **fields
    )
    try:
        with transaction.atomic():
            command.save()
    except IntegrityError:
        raise UnableToCommandDevice(
            f"{device.mn}: a {kind} command is already waiting for the device"
        ) from None
    return command


def cancel_command(*, command: DeviceCommand, now: datetime, actor: Any = None) -> DeviceCommand:
    """Withdraw an open command (a key not yet confirmed is never used)."""
    updated = DeviceCommand.objects.filter(pk=command.pk, status__in=OPEN_COMMAND_STATUSES).update(
        status=CommandStatus.CANCELLED, finished_at=now
    )
    if updated:
        record(
            "greenloop.monitoring.device.command_cancelled",
            actor=actor,
            target=command.device.mn,
            data={"kind": command.kind, "qn": command.qn},
        )
    command.refresh_from_db()
    return command


# --- the gateway's side (worker threads) -------------------------------------


def load_open_commands(limit: int = 10_000) -> list[PendingCommand]:
    """Open commands, oldest first, as the gateway needs them."""
    rows = (
        DeviceCommand.objects.filter(status__in=OPEN_COMMAND_STATUSES)
        .order_by("pk")
        .values_list(
            "id",
            "device_id",
            "kind",
            "qn",
            "status",
            "new_mn",
            "logger_id",
            "new_sm4_key",
            "sk_created_at",
        )[:limit]
    )
    return [
        PendingCommand(
            id=pk,
            device_id=device_id,
            kind=kind,
            qn=qn,
            status=status,
            new_mn=new_mn,
            logger_id=logger_id,
            new_sm4_key=bytes.fromhex(key) if key else None,
            sk_created_at=f"{sk_at.astimezone(BEIJING):%Y%m%d%H%M%S}" if sk_at else "",
        )
        for pk, device_id, kind, qn, status, new_mn, logger_id, key, sk_at in rows
    ]


def apply_command_events(events: Iterable[CommandEvent]) -> None:
    """Record what the gateway saw, in the caller's transaction.

    1. ``sent``: SENT, one more attempt.
    2. ``answered`` (9011): ACKNOWLEDGED when ``QnRtn=1``, else FAILED.
    3. ``executed`` (9012) with ``ExeRtn=1``, or ``confirmed``: the change is
       made in the registry (new MN; new key and its creation time) and the
       command is DONE; another ``ExeRtn`` fails it.

    Events for a command that is no longer open are ignored (a repeated
    9012, a command cancelled meanwhile).
    """
    for event in events:
        command = (
            DeviceCommand.objects.select_for_update()
            .select_related("device")
            .filter(pk=event.command_id, status__in=OPEN_COMMAND_STATUSES)
            .first()
        )
        if command is None:
            continue
        if event.event == "sent":
            command.status = CommandStatus.SENT
            command.sent_at = event.at
            command.attempts += 1
        elif event.event == "answered":
            command.qn_rtn = event.code
            command.answered_at = event.at
            if event.code == 1:
                command.status = CommandStatus.ACKNOWLEDGED
            else:
                _fail(command, event.at, f"QnRtn={event.code}")
        elif event.event in ("executed", "confirmed"):
            if event.event == "executed":
                command.exe_rtn = event.code
            if event.event == "confirmed" or event.code == 1:
                _finish(command, event.at, confirmed=event.event == "confirmed")
            else:
                _fail(command, event.at, f"ExeRtn={event.code}")
        command.save()


def _fail(command: DeviceCommand, at: datetime, detail: str) -> None:
    command.status = CommandStatus.FAILED
    command.finished_at = at
    command.detail = detail[:200]
    logger.warning("Device %s refused command %s: %s", command.device.mn, command.kind, detail)


def _finish(command: DeviceCommand, at: datetime, *, confirmed: bool) -> None:
    device = command.device
    old_mn = device.mn
    if command.kind == CommandKind.SET_MN:
        if Device.objects.filter(mn=command.new_mn).exclude(pk=device.pk).exists():
            _fail(command, at, f"{command.new_mn} was given to another device meanwhile")
            return
        Device.objects.filter(pk=device.pk).update(mn=command.new_mn)
        action, data = "greenloop.monitoring.device.mn_assigned", {"new_mn": command.new_mn}
    else:
        Device.objects.filter(pk=device.pk).update(
            sm4_key=command.new_sm4_key, sm4_key_created_at=command.sk_created_at
        )
        action, data = "greenloop.monitoring.device.key_changed", {}
    command.status = CommandStatus.DONE
    command.finished_at = at
    if confirmed:
        command.detail = "confirmed by data encrypted with the new key"
    record(action, target=old_mn, data={**data, "qn": command.qn}, actor_name="gateway")


def record_reports(reports: Iterable[HardwareReport]) -> None:
    """Keep 1001 fingerprints; turn a device's 1014 key request into a command."""
    for report in reports:
        if report.hardware:
            Device.objects.filter(pk=report.device_id).update(
                hardware={**report.hardware, "reported_at": report.at.isoformat()}
            )
        if report.key_request:
            device = Device.objects.filter(pk=report.device_id).first()
            if device is None:
                continue
            try:
                with transaction.atomic():
                    request_key_rotation(device=device, now=report.at, by_device=True)
            except UnableToCommandDevice as exc:
                logger.info("Key request of %s not followed: %s", device.mn, exc)
