"""Air and water quality of the demo city: registry, lake, results, hotspots.

:func:`build_demo_quality` is called by
:func:`greenloop.demo.city.build_demo_city` once the city, its grids and its
chiefs exist:

1. Register the monitoring fleet (:func:`greenloop.demo.fleet.provision_demo_fleet`):
   the air stations of the air history, twelve water sections, enterprises.
2. Water-section profiles (river or lake, target class, 国控/省控).
3. The air history of the registry's stations up to the last closed hour
   before ``now`` — micro-stations measuring PM only, and three planted
   hotspot episodes at micro-stations of hotspot grids with point chiefs,
   two of them still running at ``now`` — and the water samples.
4. What the jobs would have computed: ``AirDay`` for every day, station,
   district and the city; ``AirEvaluation`` for every month and the years;
   ``AirHour`` for the last 48 hours; hotspot detection over those hours,
   which opens the alerts and their cases.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from greenloop.analytics import lake
from greenloop.demo.air_history import START, AirStation, generate_air_history
from greenloop.demo.fleet import provision_demo_fleet
from greenloop.demo.water_history import DemoSection, generate_water_history
from greenloop.monitoring.models import Site, SiteKind
from greenloop.quality import services_air
from greenloop.quality.hotspots import HotspotRule, detect_hotspots
from greenloop.quality.models import WaterBody, WaterSection

HOURS = 48
#: The micro-stations have the whole two years, like the control stations
#: (issue #6: "two years of hourly data for ~10 national-control stations and
#: 229 micro-stations"); they measure PM only.

#: Water-section profiles by code: (target class, control level, pollution level).
_WATER = {
    "SZ01": (2, "国控", 0.6),
    "SZ02": (3, "国控", 1.05),
    "SZ03": (3, "省控", 0.8),
    "SZ04": (3, "省控", 1.25),
    "SZ05": (3, "国控", 0.75),
    "SZ06": (4, "国控", 1.5),
    "SZ07": (3, "省控", 0.7),
    "SZ08": (3, "省控", 1.15),
    "SZ09": (2, "国控", 0.5),
    "SZ10": (2, "省控", 0.55),
    "SZ11": (3, "省控", 0.9),
    "SZ12": (3, "省控", 0.7),
}


@dataclass(frozen=True, slots=True)
class QualitySummary:
    air_stations: int
    water_sections: int
    lake_rows: int
    air_days: int
    evaluations: int
    air_hours: int
    hotspot_alerts: int
    hotspot_cases: int


def _lake_dir() -> Path:
    return Path(getattr(settings, "GREENLOOP_LAKE_DIR", lake.default_lake_dir()))


def _drop_after(lake_dir: Path, kind: str, last: dt.date) -> None:
    """Partitions of an older demo build that lie after ``last``: the lake
    never holds the future."""
    for day in lake.partition_dates(lake_dir, kind):
        if day > last:
            shutil.rmtree(lake.partition_dir(lake_dir, kind, day), ignore_errors=True)


def _water_sections() -> list[DemoSection]:
    sections = []
    for site in Site.objects.filter(kind=SiteKind.WATER_SECTION).order_by("code"):
        target, control, level = _WATER.get(site.code, (3, "市控", 0.8))
        lake_point = site.name.endswith("点位")
        river = site.name.removesuffix("点位")
        for suffix in ("入境断面", "出境断面"):
            river = river.removesuffix(suffix)
        WaterSection.objects.update_or_create(
            site=site,
            defaults={
                "body": WaterBody.LAKE if lake_point else WaterBody.RIVER,
                "target_class": target,
                "control": control,
                "river": river,
            },
        )
        device = site.devices.order_by("pk").first()
        sections.append(
            DemoSection(
                site.code,
                device.mn if device else site.code,
                "lake" if lake_point else "river",
                level,
            )
        )
    return sections


def _episodes(
    stations: list[AirStation], last: dt.datetime, seed: int
) -> dict[str, list[tuple[dt.datetime, dt.datetime, float]]]:
    """Three construction-dust episodes at micro-stations of hotspot grids
    with a point chief: two running now, one over a day ago."""
    from greenloop.org.models import Chief, ChiefSystem, GridKind

    chiefs = set(
        Chief.objects.filter(obj__system=ChiefSystem.POINT).values_list("obj__code", flat=True)
    )
    in_hotspots = set(
        Site.objects.filter(grid__kind=GridKind.HOTSPOT, kind=SiteKind.MICRO_AIR).values_list(
            "code", flat=True
        )
    )
    candidates = sorted(s.site for s in stations if s.site in chiefs & in_hotspots)
    rng = random.Random(f"greenloop-demo:{seed}:hotspot-episodes")
    chosen = rng.sample(candidates, min(3, len(candidates)))
    hour = dt.timedelta(hours=1)
    windows = [
        (last - 5 * hour, last + hour, 1.9),
        (last - 3 * hour, last + hour, 2.1),
        (last - 30 * hour, last - 23 * hour, 1.9),
    ]
    return {site: [w] for site, w in zip(chosen, windows, strict=False)}


def build_demo_quality(
    *, seed: int, now: dt.datetime, lake_dir: Path | str | None = None
) -> QualitySummary:
    """Build the demo city's monitoring data and results (see module doc)."""
    root = Path(lake_dir) if lake_dir is not None else _lake_dir()
    provision_demo_fleet(seed=seed, now=now)
    sections = _water_sections()
    frame = services_air.air_stations()
    stations = [
        AirStation(r.site, r.mn, r.name, r.kind, r.district, r.district_name, r.lon, r.lat)
        for r in frame.itertuples(index=False)
    ]
    last = services_air.closed_hour(now)
    local_last = (last + lake.LOCAL_OFFSET).date()
    _drop_after(root, "hour", local_last)
    _drop_after(root, "day", local_last)
    history = generate_air_history(
        root,
        seed=seed,
        start=START,
        end=local_last,
        stations=stations,
        until=last + dt.timedelta(hours=1),
        hotspots=set(),
        episodes=_episodes(stations, last, seed),
        micro_pollutants=("pm10", "pm25"),
        micro_since=None,
        durable=False,
    )
    services_air.refresh_lake_stations(root, frame)
    water_rows = generate_water_history(root, sections, until=now, seed=seed)

    from greenloop.analytics import engine

    con = engine.connect()
    yesterday = (now.astimezone(lake.LOCAL_TZ) - dt.timedelta(days=1)).date()
    # One pass over the lake per level serves the daily AQI and the
    # evaluations alike.
    frames = services_air.daily_frames(START, yesterday, lake_dir=root, con=con)
    days = services_air.compute_air_days(
        start=START, end=yesterday, now=now, lake_dir=root, frames=frames
    )
    periods = services_air.month_periods(yesterday.replace(month=1, day=1), yesterday)
    periods += [
        services_air.Period(dt.date(y, 1, 1), min(dt.date(y, 12, 31), yesterday), "year")
        for y in range(START.year, yesterday.year + 1)
    ]
    evaluations = services_air.evaluate_periods(
        periods, now=now, lake_dir=root, con=con, frames=frames
    )
    first = last - (HOURS - 1) * dt.timedelta(hours=1)
    hourly = services_air.compute_air_hours(
        start=first, end=last + dt.timedelta(hours=1), now=now, lake_dir=root, stations=frame
    )
    rule = HotspotRule.from_settings()
    found = detect_hotspots(
        now=now, start=first + rule.hours * dt.timedelta(hours=1), end=last, rule=rule
    )
    return QualitySummary(
        air_stations=len(stations),
        water_sections=len(sections),
        lake_rows=history.rows + water_rows,
        air_days=days,
        evaluations=evaluations,
        air_hours=hourly.rows,
        hotspot_alerts=found.opened,
        hotspot_cases=found.cases,
    )
