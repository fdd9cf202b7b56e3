"""The demo city's monitoring devices: register them, and read them back.

:func:`provision_demo_fleet` registers a site and a device for every air
monitoring point of the demo city (national stations ``GK..``,
micro-stations ``WZ..``), a water section on every river (``HL..``), and in
every county two enterprises, each with a flue-gas outlet and a pair of
electricity meters (production and treatment facility). It is idempotent
(sites are keyed by code) and deterministic for a seed. Protocol versions
are mixed as in the field: stations and water sections HJ 212-2017, one
outlet in three an old HJ/T 212-2005 logger, electricity meters HJ 212-2025
with an SM4 key.

:func:`load_sim_devices` turns the active devices of the registry into the
simulator's :class:`~greenloop.demo.simulator.SimDevice` list.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from django.db import transaction

from greenloop.demo.simulator import SimDevice
from greenloop.hj212 import Version
from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    ProtocolVersion,
    Site,
    SiteKind,
)
from greenloop.org.models import ChiefObject, ChiefSystem, Region, RegionLevel

_ST = {
    SiteKind.NATIONAL_AIR: "22",
    SiteKind.PROVINCIAL_AIR: "22",
    SiteKind.MICRO_AIR: "22",
    SiteKind.DUST_MONITOR: "39",
    SiteKind.WATER_SECTION: "21",
    SiteKind.ENTERPRISE_OUTLET: "31",
    # ⚠ ST 44 (electricity-use monitoring) is known from one source only
    # (hj212-2025.md C1).
    SiteKind.ELECTRICITY_METER: "44",
}
_FACTORS = {
    SiteKind.NATIONAL_AIR: ["a34004", "a34002", "a05024", "a21004", "a21026", "a21005"],
    SiteKind.MICRO_AIR: ["a34004", "a34002"],
    SiteKind.WATER_SECTION: ["w01001", "w01009", "w01018", "w21003", "w21011"],
    SiteKind.ENTERPRISE_OUTLET: ["a34013", "a21026", "a21002"],
    SiteKind.ELECTRICITY_METER: ["i33200"],
}
_ENTERPRISES = (
    "热电有限公司",
    "水泥有限公司",
    "钢铁集团",
    "化工有限公司",
    "造纸厂",
    "制药有限公司",
)


class UnableToProvision(Exception):
    """There is no demo city (no regions) to put devices in."""


def _point(geometry: Any) -> tuple[float | None, float | None]:
    try:
        lon, lat = geometry["coordinates"][:2]
        return float(lon), float(lat)
    except (TypeError, KeyError, ValueError, IndexError):
        return None, None


@transaction.atomic
def provision_demo_fleet(*, seed: int, now: datetime) -> int:
    """Register the demo fleet; returns how many devices were added."""
    rng = random.Random(seed)
    plan: list[tuple[str, str, str, Region, float | None, float | None]] = []
    for obj in ChiefObject.objects.filter(system=ChiefSystem.POINT).order_by("code"):
        kind = SiteKind.NATIONAL_AIR if obj.code.startswith("GK") else SiteKind.MICRO_AIR
        plan.append((obj.code, obj.name, kind, obj.region, *_point(obj.geometry)))
    rivers = ChiefObject.objects.filter(system=ChiefSystem.RIVER, code__regex=r"^HL[0-9]{2}$")
    for obj in rivers.order_by("code"):
        plan.append(
            (
                f"SZ{obj.code[2:]}",
                f"{obj.name}监测断面",
                SiteKind.WATER_SECTION,
                obj.region,
                None,
                None,
            )
        )
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    if not counties:
        counties = list(Region.objects.order_by("level", "code")[:1])
    if not counties:
        raise UnableToProvision("没有行政区划：请先生成演示城市（greenloop demo）。")
    for county in counties:
        for n in (1, 2):
            name = f"{county.name[:2]}{rng.choice(_ENTERPRISES)}"
            code = f"QY{county.code[2:6]}{n}"
            plan.append(
                (
                    f"{code}-PK",
                    f"{name}1#排放口",
                    SiteKind.ENTERPRISE_OUTLET,
                    county,
                    None,
                    None,
                )
            )
            for role, label in (("P", "生产设施"), ("T", "治污设施")):
                plan.append(
                    (
                        f"{code}-{role[0].upper()}",
                        f"{name}{label}用电",
                        SiteKind.ELECTRICITY_METER,
                        county,
                        None,
                        None,
                    )
                )
    existing = set(
        Site.objects.filter(code__in=[p[0] for p in plan]).values_list("code", flat=True)
    )
    added = outlets = 0
    for index, (code, name, kind, region, lon, lat) in enumerate(plan):
        if code in existing:
            continue
        site = Site.objects.create(
            code=code, name=name[:100], kind=kind, region=region, lon=lon, lat=lat
        )
        version = ProtocolVersion.HJ212_2017
        key = ""
        if kind == SiteKind.ELECTRICITY_METER:
            version, key = ProtocolVersion.HJ212_2025, f"{rng.getrandbits(128):032X}"
        elif kind == SiteKind.ENTERPRISE_OUTLET:
            outlets += 1
            if outlets % 3 == 1:
                version = ProtocolVersion.HJT212_2005
        Device.objects.create(
            mn=f"0100{seed % 0x10000:04X}{index:016X}",
            password=f"{rng.randrange(10**6):06d}",
            site=site,
            st=_ST.get(kind, "22"),
            protocol_version=version,
            sm4_key=key,
            expected_factors=_FACTORS.get(kind, []),
            interval_seconds=60,
            status=DeviceStatus.ACTIVE,
            created_at=now,
            accepted_at=now,
        )
        added += 1
    return added


_VERSIONS = {
    ProtocolVersion.HJT212_2005: Version.HJT212_2005,
    ProtocolVersion.HJ212_2017: Version.HJ212_2017,
    ProtocolVersion.HJ212_2025: Version.HJ212_2025,
}


def load_sim_devices(*, limit: int | None = None) -> list[SimDevice]:
    """The active devices of the registry, as the simulator needs them."""
    devices = (
        Device.objects.filter(status=DeviceStatus.ACTIVE, site__isnull=False)
        .select_related("site")
        .order_by("pk")
    )
    if limit is not None:
        devices = devices[:limit]
    return [
        SimDevice(
            mn=d.mn,
            password=d.password,
            kind=d.site.kind,
            st=d.st or _ST.get(d.site.kind, "22"),
            version=_VERSIONS[ProtocolVersion(d.protocol_version)],
            sm4_key=bytes.fromhex(d.sm4_key) if d.sm4_key else None,
            # A meter's site code ends in -P (production) or -T (treatment).
            role={"P": "production", "T": "treatment"}.get(d.site.code[-1:], "")
            if d.site.kind == SiteKind.ELECTRICITY_METER
            else "",
        )
        for d in devices
    ]
