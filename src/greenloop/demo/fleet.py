"""The demo city's monitoring devices: register them, and read them back.

:func:`provision_demo_fleet` registers a site and a device for

* every air station of the demo city's air history
  (:mod:`greenloop.demo.air_history`): the national-control stations
  ``GK01``–``GK10`` at the point-chief objects of that code, a provincial
  station ``SK..`` in each county without a national one, the micro-stations
  ``WZ001``–``WZ029`` at the point-chief objects of the hotspot grids (in
  those grids), and further micro-stations up to ``WZ229`` in the townships
  of every district (in the township's grid) — one station, one site;
* twelve water sections ``SZ01``–``SZ12``: an inflow and an outflow section
  on each river (``HL..``) and four lake and reservoir points;
* in every county two enterprises, each with a flue-gas outlet and a pair of
  electricity meters (production and treatment facility).

It is idempotent (sites are keyed by code) and deterministic for a seed.
Protocol versions are mixed as in the field: stations and water sections
HJ 212-2017, one outlet in three an old HJ/T 212-2005 logger, electricity
meters HJ 212-2025 with an SM4 key.

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
from greenloop.org.models import ChiefObject, ChiefSystem, Grid, Region, RegionLevel

#: Micro-stations of the demo city in all (as the air history plans them).
MICRO_STATIONS = 229
#: Lake and reservoir points (name) of the water network, after the rivers.
LAKES = ("青云湖", "白云水库", "月牙湖", "大黑山水库")
_MICRO_WEIGHT = {"DISTRICT": 3.0, "ZONE": 2.0}

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
    SiteKind.PROVINCIAL_AIR: ["a34004", "a34002", "a05024", "a21004", "a21026", "a21005"],
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


_Plan = list[tuple[str, str, str, Region, float | None, float | None, Grid | None]]


def _bbox(region: Region) -> tuple[float, float, float, float] | None:
    try:
        ring = region.boundary["coordinates"][0]  # type: ignore[index]
        lons = [float(p[0]) for p in ring]
        lats = [float(p[1]) for p in ring]
    except (TypeError, KeyError, ValueError, IndexError):
        return None
    return min(lons), min(lats), max(lons), max(lats)


def _inside(region: Region, rng: random.Random, margin: float) -> tuple[float | None, float | None]:
    box = _bbox(region)
    if box is None:
        return region.center_lon, region.center_lat
    w, s, e, n = box
    dx, dy = (e - w) * margin, (n - s) * margin
    return round(rng.uniform(w + dx, e - dx), 6), round(rng.uniform(s + dy, n - dy), 6)


def _containing(regions: list[Region], lon: float, lat: float) -> Region | None:
    for region in regions:
        box = _bbox(region)
        if box and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return region
    return None


def _air_plan(counties: list[Region], rng: random.Random) -> _Plan:
    """The air stations: point-chief objects, provincial and further micro."""
    grids = {g.code: g for g in Grid.objects.filter(code__regex=r"^(WG|RD)")}
    townships: dict[int, list[Region]] = {}
    for t in Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code"):
        townships.setdefault(t.parent_id, []).append(t)  # type: ignore[arg-type]
    county_of = {c.code: c for c in counties}
    plan: _Plan = []
    covered: set[str] = set()
    micro_in: dict[str, int] = {}
    points = ChiefObject.objects.filter(system=ChiefSystem.POINT).select_related("region")
    for obj in points.order_by("code"):
        national = obj.code.startswith("GK")
        kind = SiteKind.NATIONAL_AIR if national else SiteKind.MICRO_AIR
        prefix = "WG" if national else "RD"
        county = next((county_of[c] for c in obj.region.path.split("/") if c in county_of), None)
        if county is not None and national:
            covered.add(county.code)
        elif county is not None:
            micro_in[county.code] = micro_in.get(county.code, 0) + 1
        grid = grids.get(f"{prefix}{obj.region.code}") or grids.get(f"WG{obj.region.code}")
        plan.append((obj.code, obj.name, kind, obj.region, *_point(obj.geometry), grid))
    if not plan:
        return plan
    serial = 0
    for county in counties:
        if county.code in covered or not townships.get(county.pk):
            continue
        serial += 1
        streets = [t for t in townships[county.pk] if t.kind == "STREET"] or townships[county.pk]
        township = streets[0]
        plan.append(
            (
                f"SK{serial:02d}",
                f"{county.name}省控站",
                SiteKind.PROVINCIAL_AIR,
                township,
                *_inside(township, rng, 0.2),
                grids.get(f"WG{township.code}"),
            )
        )
    # Further micro-stations: three to an urban district for every two to
    # the zone and one and a half to a county, as the air history plans.
    have = sum(micro_in.values())
    extra = max(0, MICRO_STATIONS - have)
    weights = [_MICRO_WEIGHT.get(c.kind, 1.5) for c in counties]
    total = sum(weights)
    share = [int(w / total * extra) for w in weights]
    order = sorted(range(len(counties)), key=lambda i: -weights[i])
    for i in order[: extra - sum(share)]:
        share[i] += 1
    serial = have
    for county, k in zip(counties, share, strict=True):
        pool = townships.get(county.pk, [])
        counts: dict[str, int] = {}
        for _ in range(k if pool else 0):
            township = rng.choice(pool)
            counts[township.code] = counts.get(township.code, 0) + 1
            serial += 1
            plan.append(
                (
                    f"WZ{serial:03d}",
                    f"{township.name}微站{counts[township.code]:02d}",
                    SiteKind.MICRO_AIR,
                    township,
                    *_inside(township, rng, 0.1),
                    grids.get(f"WG{township.code}"),
                )
            )
    return plan


def _water_plan(counties: list[Region], rng: random.Random) -> _Plan:
    """An inflow and an outflow section on each river, then lake points."""
    plan: _Plan = []
    rivers = ChiefObject.objects.filter(system=ChiefSystem.RIVER, code__regex=r"^HL[0-9]{2}$")
    serial = 0
    for obj in rivers.select_related("region").order_by("code"):
        coords = (obj.geometry or {}).get("coordinates") or []
        for label, at in (("入境", len(coords) // 6), ("出境", len(coords) - 1 - len(coords) // 6)):
            serial += 1
            lon = lat = None
            region = obj.region
            if coords:
                lon, lat = float(coords[at][0]), float(coords[at][1])
                region = _containing(counties, lon, lat) or obj.region
            plan.append(
                (
                    f"SZ{serial:02d}",
                    f"{obj.name}{label}断面",
                    SiteKind.WATER_SECTION,
                    region,
                    lon,
                    lat,
                    None,
                )
            )
    rural = [c for c in counties if c.kind == "COUNTY"] or counties
    for i, name in enumerate(LAKES if plan else ()):
        serial += 1
        county = rural[i % len(rural)]
        plan.append(
            (
                f"SZ{serial:02d}",
                f"{name}点位",
                SiteKind.WATER_SECTION,
                county,
                *_inside(county, rng, 0.25),
                None,
            )
        )
    return plan


@transaction.atomic
def provision_demo_fleet(*, seed: int, now: datetime) -> int:
    """Register the demo fleet; returns how many devices were added."""
    rng = random.Random(seed)
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    sites_rng = random.Random(f"greenloop-demo:{seed}:fleet-sites")
    plan = _air_plan(counties, sites_rng) + _water_plan(counties, sites_rng)
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
                        None,
                    )
                )
    existing = set(
        Site.objects.filter(code__in=[p[0] for p in plan]).values_list("code", flat=True)
    )
    added = outlets = 0
    for index, (code, name, kind, region, lon, lat, grid) in enumerate(plan):
        if code in existing:
            continue
        site = Site.objects.create(
            code=code, name=name[:100], kind=kind, region=region, grid=grid, lon=lon, lat=lat
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
