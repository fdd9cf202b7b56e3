"""Use cases of the device registry: sites, devices, factor codes.

Keyword-only arguments, time passed in, the changed object returned
(STYLE.md §3). The gateway writes through :mod:`greenloop.monitoring.ingest`
and health checks live in :mod:`greenloop.monitoring.health`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from greenloop.audit.log import record
from greenloop.hj212.factors import FACTORS
from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    FactorCode,
    ProtocolVersion,
    Site,
)


class UnableToAcceptDevice(Exception):
    """The device cannot be accepted (not quarantined, or no site)."""


def create_site(
    *,
    code: str,
    name: str,
    kind: str,
    region: Any,
    grid: Any = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Site:
    """Register a monitored place."""
    site = Site(code=code, name=name, kind=kind, region=region, grid=grid, lon=lon, lat=lat)
    site.full_clean()
    site.save()
    return site


def register_device(
    *,
    mn: str,
    password: str,
    site: Site,
    now: datetime,
    st: str = "",
    protocol_version: str = ProtocolVersion.HJ212_2017,
    sm4_key: str = "",
    expected_factors: Iterable[str] = (),
    interval_seconds: int = 3600,
    actor: Any = None,
) -> Device:
    """Register an active device at ``site``.

    The gateway sees it within its registry cache TTL.
    """
    device = Device(
        mn=mn,
        password=password,
        site=site,
        st=st,
        protocol_version=protocol_version,
        sm4_key=sm4_key.upper(),
        expected_factors=list(expected_factors),
        interval_seconds=interval_seconds,
        status=DeviceStatus.ACTIVE,
        created_at=now,
        accepted_at=now,
    )
    device.full_clean()
    device.save()
    record(
        "greenloop.monitoring.device.registered",
        actor=actor,
        target=mn,
        data={"site": site.code, "version": protocol_version},
    )
    return device


def accept_device(
    *,
    device: Device,
    site: Site,
    now: datetime,
    expected_factors: Iterable[str] | None = None,
    interval_seconds: int | None = None,
    actor: Any = None,
) -> Device:
    """Accept a device the gateway quarantined: it sends data from now on.

    The password, ST and protocol version it presented when first seen are
    kept. Its earlier packets were refused and never acknowledged, so the
    device re-sends them.

    Raises
    ------
    UnableToAcceptDevice
        The device is not quarantined.
    """
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if locked.status != DeviceStatus.QUARANTINED:
            raise UnableToAcceptDevice(f"device {locked.mn} is not waiting to be accepted")
        locked.site = site
        locked.status = DeviceStatus.ACTIVE
        locked.accepted_at = now
        if expected_factors is not None:
            locked.expected_factors = list(expected_factors)
        if interval_seconds is not None:
            locked.interval_seconds = interval_seconds
        locked.full_clean()
        locked.save()
        record(
            "greenloop.monitoring.device.accepted",
            actor=actor,
            target=locked.mn,
            data={"site": site.code},
        )
    return locked


def disable_device(*, device: Device, actor: Any = None) -> Device:
    """Stop accepting data from a device; its history stays."""
    Device.objects.filter(pk=device.pk).update(status=DeviceStatus.DISABLED)
    record("greenloop.monitoring.device.disabled", actor=actor, target=device.mn)
    device.refresh_from_db()
    return device


def sync_factor_codes(*, model: Any = None, using: str = "default") -> int:
    """Add or update the factor codes of :mod:`greenloop.hj212.factors`.

    Idempotent; runs after every ``migrate`` (with the migration state's
    ``model``) so the table follows the kernel's code list. Returns the
    number of codes.
    """
    model = model or FactorCode
    rows = [
        model(
            code=f.code,
            name=f.name_zh,
            name_en=f.name_en,
            unit=f.unit or "",
            amount_unit=f.amount_unit or "",
            data_type=f.data_type or "",
            code_2005=f.code_2005 or "",
            note=(f.note or "")[:200],
        )
        for f in FACTORS.values()
    ]
    model.objects.using(using).bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_en", "unit", "amount_unit", "data_type", "code_2005", "note"],
    )
    return len(rows)


def reencrypt_secrets(*, batch: int = 500) -> int:
    """Re-encrypt every stored device secret that is not under the current
    key (after a new key was put first, decision 0017). Idempotent; returns
    the number of rows rewritten.
    """
    from django.db.models import CharField, ExpressionWrapper, F

    from greenloop.monitoring.models import DeviceCommand
    from greenloop.monitoring.secrets import decrypt, get_keyring, key_id

    current = get_keyring().current
    rewritten = 0
    for model, columns in ((Device, ("password", "sm4_key")), (DeviceCommand, ("new_sm4_key",))):
        table = model._meta.db_table
        raw = {c: ExpressionWrapper(F(c), output_field=CharField()) for c in columns}
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last)
                .order_by("pk")
                .annotate(**{f"raw_{c}": e for c, e in raw.items()})
                .values_list("pk", *(f"raw_{c}" for c in columns))[:batch]
            )
            if not rows:
                break
            last = rows[-1][0]
            with transaction.atomic():
                for pk, *stored in rows:
                    stale = {
                        c: decrypt(v, label=f"{table}.{c}")
                        for c, v in zip(columns, stored, strict=True)
                        if v and key_id(v) != current
                    }
                    if stale:
                        model.objects.filter(pk=pk).update(**stale)
                        rewritten += 1
    return rewritten
