"""Two years of hourly air-quality data for the demo city, written to the lake.

``generate_air_history(lake_dir)`` writes hourly readings of the 10
national-control stations (``GK01``–``GK10``, placed as the demo city's
monitoring points), a provincial station in each county without one
(``SK01``, ``SK02``) and 229 micro-stations (``WZ001``–``WZ229``) of 辽东市
from 2025-01-01 to 2026-12-31 (or an earlier ``end``), in the lake's long
layout through :func:`greenloop.analytics.lake.write_readings` — the
mover's own API — and the stations table ``meta/stations.parquet`` with
each station's district. ``stations=`` takes the stations from elsewhere
(the device registry) instead.

The series is a product of city-wide drivers and station terms:

* season (heating-season coal and stagnant winters for PM, SO2, CO;
  summer sun for O3), hour of day (traffic peaks for NO2, an afternoon peak
  for O3, a night-time peak for PM), a slowly varying weather factor (an
  hourly AR(1) process in log space, shared by the city);
* episodes: winter haze (PM2.5 ×2–3.5 over 3–5 days), spring dust (PM10),
  summer ozone;
* a year-on-year improvement (PM2.5 −10 %/year, PM10 −7 %, SO2 −10 %, NO2
  −5 %, CO −6 %; O3 flat);
* station terms: a bias per station and pollutant, urban districts dirtier
  than counties, noisier micro-stations (which upload averages only), a
  few micro-station hotspots (construction dust) that run hotter than
  their district;
* data quality: ~1 % missing hours, fault outages (flag ``D`` or no row),
  weekly calibration (``C``) and monthly maintenance (``M``) hours.

Deterministic: each day draws from its own generator seeded by ``(seed,
day)``, each station's terms from one seeded by its code, and the city
drivers from their own, so the same seed gives the same lake and a shorter
``end`` gives a prefix of it.

Districts are the county-level regions of the demo city
(:mod:`greenloop.demo.regions`), read from that module's source without
importing it (it needs Django); their boxes are re-planned with the same
seeded generator, so station coordinates fall inside their district.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import math
import random
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from greenloop.analytics.air import AIR_FACTORS
from greenloop.analytics.lake import LOCAL_OFFSET, write_readings, write_stations
from greenloop.demo.geometry import Box, random_point, split

START = dt.date(2025, 1, 1)
END = dt.date(2026, 12, 31)
POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "co", "o3", "pm25")
_P = {p: i for i, p in enumerate(POLLUTANTS)}

#: Mean level of each pollutant before the multipliers (µg/m³, CO mg/m³),
#: tuned so that 2025 looks like a north-eastern industrial city: PM2.5
#: annual ≈ 40, O3 P90 ≈ 160, good-day ratio ≈ 80 %.
_BASE = np.array([14.0, 30.0, 62.0, 0.85, 55.0, 32.0])
#: Relative change per year (year-on-year improvement).
_TREND = np.array([-0.10, -0.05, -0.07, -0.06, 0.0, -0.10])
#: Amplitude of the seasonal cosine (peak in mid-January; O3 mid-June).
_SEASON = np.array([0.75, 0.25, 0.45, 0.45, 0.65, 0.55])
_FLAGS = pa.array(["N", "M", "C", "D"], pa.string())


@dataclass(frozen=True, slots=True)
class District:
    """A county-level region of the demo city."""

    code: str
    name: str
    kind: str  # DISTRICT, COUNTY or ZONE (RegionKind names)
    box: Box


@dataclass(frozen=True, slots=True)
class AirStation:
    """One air station of the history (a row of ``meta/stations.parquet``)."""

    site: str
    mn: str
    name: str
    kind: str  # national | provincial | micro
    district: str
    district_name: str
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class AirHistorySummary:
    stations: int
    national: int
    provincial: int
    micro: int
    start: dt.date
    end: dt.date
    rows: int
    partitions: int


# --- the demo city, without Django ----------------------------------------------


def _regions_source() -> str:
    spec = importlib.util.find_spec("greenloop.demo.regions")
    if spec is None or spec.origin is None:  # pragma: no cover
        raise LookupError("greenloop.demo.regions not found")
    return Path(spec.origin).read_text(encoding="utf-8")


def _constant(node: ast.expr) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute):
        return node.attr  # RegionKind.DISTRICT -> "DISTRICT"
    if isinstance(node, ast.Call):
        return tuple(_constant(a) for a in node.args)
    if isinstance(node, ast.Tuple):
        return tuple(_constant(e) for e in node.elts)
    raise ValueError(f"unexpected expression in greenloop/demo/regions.py: {ast.dump(node)}")


def demo_city_plan() -> dict[str, object]:
    """``CITY_CODE``, ``CITY_NAME``, ``CITY_BOX``, ``COUNTY_LEVEL`` of
    :mod:`greenloop.demo.regions`, read from its source (no Django import)."""
    wanted = {"CITY_CODE", "CITY_NAME", "CITY_BOX", "COUNTY_LEVEL"}
    found: dict[str, object] = {}
    for node in ast.parse(_regions_source()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in wanted:
                found[target.id] = _constant(node.value)
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"greenloop/demo/regions.py no longer defines {sorted(missing)}")
    return found


def demo_districts(seed: int = 2026) -> tuple[str, str, list[District]]:
    """City code, city name and the county-level districts of the demo city.

    The boxes repeat :func:`greenloop.demo.regions.plan_regions`: the city
    box split with the ``regions`` generator that
    :func:`greenloop.demo.city.build_demo_city` derives from ``seed``.
    """
    plan = demo_city_plan()
    city_code, city_name = str(plan["CITY_CODE"]), str(plan["CITY_NAME"])
    corners: tuple[float, float, float, float] = plan["CITY_BOX"]  # type: ignore[assignment]
    county_level: Sequence[tuple[str, str, str, int]] = plan["COUNTY_LEVEL"]  # type: ignore[assignment]
    rng = random.Random(f"greenloop-demo:{seed}:regions")
    boxes = split(Box(*corners), len(county_level), rng, jitter=0.3)
    districts = [
        District(city_code[:4] + digits + "000000", name, kind, box)
        for (digits, name, kind, _), box in zip(county_level, boxes, strict=True)
    ]
    return city_code, city_name, districts


def _national_counts(districts: Sequence[District], national: int) -> list[int]:
    """National stations per district, as the demo city places them
    (``greenloop.demo.chiefs``: two in each urban district, one in the
    development zone, one in the first county), then evened out when
    ``national`` differs."""
    counts = [{"DISTRICT": 2, "ZONE": 1}.get(d.kind, 0) for d in districts]
    first_county = next((i for i, d in enumerate(districts) if d.kind == "COUNTY"), None)
    if first_county is not None:
        counts[first_county] = 1
    if sum(counts) != national:
        counts = [
            national // len(districts) + (i < national % len(districts))
            for i in range(len(districts))
        ]
    return counts


def plan_air_stations(
    districts: Sequence[District],
    *,
    national: int = 10,
    micro: int = 229,
    provincial: bool = True,
    seed: int = 2026,
) -> list[AirStation]:
    """National, provincial and micro-stations spread over the districts.

    * National-control stations ``GK01 …`` in the order and districts of
      the demo city's monitoring points (``greenloop.demo.chiefs``), so the
      codes and districts are those the device registry holds.
    * With ``provincial``, a provincial station ``SK01 …`` in each district
      without a national one, so that every district can be evaluated.
    * Micro-stations ``WZ001 …``: three to an urban district for every two
      to the development zone and one and a half to a county.

    Locations are random points of the district's box.
    """
    rng = random.Random(f"greenloop-demo:{seed}:air-stations")
    stations: list[AirStation] = []

    def add(site: str, name: str, kind: str, district: District, margin: float) -> None:
        lon, lat = random_point(district.box, rng, margin=margin)
        stations.append(
            AirStation(site, f"LDAIR{site}", name, kind, district.code, district.name, lon, lat)
        )

    serial = 0
    for district, count in zip(districts, _national_counts(districts, national), strict=True):
        for n in range(count):
            serial += 1
            add(f"GK{serial:02d}", f"{district.name}{_ORDINAL[n]}国控站", "national", district, 0.2)
    if provincial:
        covered = {s.district for s in stations}
        for i, district in enumerate((d for d in districts if d.code not in covered), start=1):
            add(f"SK{i:02d}", f"{district.name}省控站", "provincial", district, 0.2)
    weights = np.array([{"DISTRICT": 3.0, "ZONE": 2.0}.get(d.kind, 1.5) for d in districts])
    share = np.floor(weights / weights.sum() * micro).astype(int)
    for i in np.argsort(-weights, kind="stable")[: micro - int(share.sum())]:
        share[i] += 1
    serial = 0
    for district, k in zip(districts, share.tolist(), strict=True):
        for n in range(1, k + 1):
            serial += 1
            add(f"WZ{serial:03d}", f"{district.name}微站{n:03d}", "micro", district, 0.05)
    return stations


_ORDINAL = ("", "二", "三", "四", "五", "六", "七", "八", "九")


def _district_kind(code: str) -> str:
    """Kind of a county-level division from its code (demo scheme, see
    ``greenloop.demo.regions``: 01–20 districts, 21–70 counties, 71– zones)."""
    digits = int(code[4:6])
    return "DISTRICT" if digits <= 20 else "COUNTY" if digits <= 70 else "ZONE"


def _area_factor(kind: str) -> np.ndarray:
    if kind == "COUNTY":  # less traffic and industry, a little more O3
        return np.array([0.9, 0.7, 0.9, 0.9, 1.06, 0.88])
    if kind == "ZONE":
        return np.array([1.15, 1.05, 1.05, 1.0, 1.0, 1.02])
    return np.ones(len(POLLUTANTS))


def station_terms(
    station: AirStation, seed: int, hotspots: Collection[str] | None = None
) -> tuple[np.ndarray, float]:
    """Multiplier of each pollutant and relative hourly noise of a station.

    Drawn from a generator seeded by the station's code, so a station's
    series does not depend on which other stations are generated. Without
    ``hotspots`` about one micro-station in twelve is a hotspot; with it,
    exactly the stations named, and the other micro-stations stay close to
    their district (calibrated against the control stations), so that the
    hotspot rule (decision 0015) finds the planted ones.
    """
    rng = np.random.default_rng([seed, 19, zlib.crc32(station.site.encode())])
    micro = station.kind == "micro"
    factor = rng.lognormal(0.0, 0.15 if micro else 0.06, len(POLLUTANTS))
    factor *= _area_factor(_district_kind(station.district))
    drawn_hotspot = rng.random() < 0.08
    if hotspots is not None:
        if micro:
            factor = np.clip(factor, 0.95, 1.05) * _area_factor(_district_kind(station.district))
        hotspot = station.site in hotspots
    else:
        hotspot = micro and drawn_hotspot
    if hotspot:  # construction or traffic hotspot
        factor[_P["pm10"]] *= 1.6
        factor[_P["pm25"]] *= 1.35
    if hotspots is not None and micro:
        return factor, 0.07
    return factor, 0.22 if micro else 0.10


def stations_table(stations: Sequence[AirStation], city_code: str, city_name: str) -> pa.Table:
    """The lake's ``meta/stations.parquet`` rows for ``stations``."""
    return pa.table(
        {
            "site": [s.site for s in stations],
            "mn": [s.mn for s in stations],
            "name": [s.name for s in stations],
            "kind": [s.kind for s in stations],
            "district": [s.district for s in stations],
            "district_name": [s.district_name for s in stations],
            "city": [city_code] * len(stations),
            "city_name": [city_name] * len(stations),
            "lon": [s.lon for s in stations],
            "lat": [s.lat for s in stations],
        }
    )


# --- city-wide drivers -------------------------------------------------------------


def _hours(start: dt.date, end: dt.date) -> int:
    return ((end - start).days + 1) * 24


def _weather(seed: int, stream: int, n_hours: int, sd: float, phi: float = 0.97) -> np.ndarray:
    """Log-space AR(1) of hourly steps from START: same prefix for any end."""
    rng = np.random.default_rng([seed, stream])
    eps = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n_hours)
    x = np.empty(n_hours)
    level = rng.normal(0.0, sd)
    for i in range(n_hours):  # 17,520 steps: cheap, and the recursion is inherent
        level = phi * level + eps[i]
        x[i] = level
    return x


def _episodes(seed: int, years: Sequence[int], n_hours: int) -> np.ndarray:
    """Multiplier (hours × pollutants) of haze, dust and ozone episodes."""
    out = np.ones((n_hours, len(POLLUTANTS)))
    t = np.arange(n_hours)
    for year in years:
        rng = np.random.default_rng([seed, 11, year])
        kinds = (
            # (count, season start, season end, days, pollutant peaks)
            (
                7,
                (year, 1, 3),
                (year, 3, 10),
                (3, 6),
                {"pm25": 2.6, "pm10": 1.9, "co": 1.6, "so2": 1.5, "no2": 1.3},
            ),
            (
                4,
                (year, 11, 1),
                (year, 12, 24),
                (3, 5),
                {"pm25": 2.4, "pm10": 1.8, "co": 1.5, "so2": 1.5, "no2": 1.3},
            ),
            (3, (year, 3, 15), (year, 5, 15), (1, 2), {"pm10": 3.5, "pm25": 1.7}),
            (4, (year, 5, 20), (year, 8, 31), (3, 5), {"o3": 1.35}),
        )
        for count, lo, hi, (dmin, dmax), peaks in kinds:
            first = (dt.date(*lo) - START).days * 24
            last = (dt.date(*hi) - START).days * 24
            for _ in range(count):
                length = int(rng.integers(dmin, dmax + 1)) * 24
                begin = int(rng.integers(first, max(first + 1, last - length)))
                scale = rng.uniform(0.8, 1.25)
                # A triangular build-up and clean-out.
                shape = 1 - np.abs((t - begin - length / 2) / (length / 2))
                shape = np.clip(shape, 0, None)
                for p, peak in peaks.items():
                    out[:, _P[p]] *= 1 + (peak * scale - 1) * shape
    return out


def _diurnal(hour: np.ndarray) -> np.ndarray:
    """Hour-of-day multiplier (hours labelled by their start, local time)."""
    h = hour.astype(float)
    two_pi = 2 * math.pi
    pm = 1 + 0.16 * np.cos(two_pi * (h - 22) / 24) + 0.06 * np.cos(2 * two_pi * (h - 8) / 24)
    no2 = 1 + 0.12 * np.cos(two_pi * (h - 21) / 24) + 0.2 * np.cos(2 * two_pi * (h - 8) / 24)
    so2 = 1 + 0.15 * np.cos(two_pi * (h - 11) / 24)
    co = 1 + 0.12 * np.cos(two_pi * (h - 22) / 24) + 0.08 * np.cos(2 * two_pi * (h - 8) / 24)
    o3 = np.clip(1 + 0.8 * np.cos(two_pi * (h - 14.5) / 24), 0.2, None)
    return np.stack([so2, no2, pm, co, o3, pm], axis=-1)


def city_drivers(seed: int, end: dt.date) -> np.ndarray:
    """City-wide multiplier × base level, hours × pollutants, from START."""
    n = _hours(START, max(end, END))
    t = np.arange(n)
    day = t // 24
    dates = np.datetime64(START) + day.astype("timedelta64[D]")
    doy = (dates - dates.astype("datetime64[Y]")).astype(int) + 1
    season = np.empty((n, len(POLLUTANTS)))
    for p, i in _P.items():
        peak = 167 if p == "o3" else 15
        season[:, i] = 1 + _SEASON[i] * np.cos(2 * math.pi * (doy - peak) / 365.25)
    # Spring dust season lifts PM10 a little more.
    season[:, _P["pm10"]] *= 1 + 0.25 * np.exp(-(((doy - 110) / 25) ** 2))
    primary = np.exp(_weather(seed, 1, n, 0.42))
    sunny = np.exp(_weather(seed, 2, n, 0.18, phi=0.95))
    weather = np.repeat(primary[:, None], len(POLLUTANTS), axis=1)
    weather[:, _P["so2"]] = np.exp(0.7 * np.log(primary))
    weather[:, _P["o3"]] = sunny
    years = t / (24 * 365.25)
    trend = np.exp(np.log1p(_TREND)[None, :] * years[:, None])
    years_covered = range(START.year, max(end, END).year + 1)
    result: np.ndarray = (
        _BASE[None, :]
        * season
        * _diurnal(t % 24)
        * weather
        * trend
        * _episodes(seed, years_covered, n)
    )
    return result


def _outages(seed: int, sites: Sequence[str], n_hours: int) -> np.ndarray:
    """Fault hours per station: (station, hour) → 0 none, 1 flag D, 2 no row."""
    out = np.zeros((len(sites), n_hours), dtype=np.int8)
    years = n_hours / (24 * 365.25)
    for s, site in enumerate(sites):
        rng = np.random.default_rng([seed, 13, zlib.crc32(site.encode())])
        for _ in range(int(round(3 * years))):
            length = int(rng.integers(6, 73))
            begin = int(rng.integers(0, max(1, n_hours - length)))
            out[s, begin : begin + length] = 1 + int(rng.random() < 0.5)
    return out


# --- writing -----------------------------------------------------------------------


def generate_air_history(
    lake_dir: Path | str,
    *,
    seed: int = 2026,
    start: dt.date = START,
    end: dt.date = END,
    national: int = 10,
    micro: int = 229,
    districts: Sequence[District] | None = None,
    stations: Sequence[AirStation] | None = None,
    durable: bool = True,
    until: dt.datetime | None = None,
    hotspots: Collection[str] | None = None,
    episodes: Mapping[str, Sequence[tuple[dt.datetime, dt.datetime, float]]] | None = None,
    micro_pollutants: Sequence[str] = POLLUTANTS,
    micro_since: dt.date | None = None,
) -> AirHistorySummary:
    """Generate the demo air history into ``lake_dir``.

    1. Plan the stations (:func:`plan_air_stations`) and write
       ``meta/stations.parquet``.
    2. Compute the city drivers for every hour from 2025-01-01.
    3. For each day from ``start`` to ``end``: station terms, noise, data
       flags and gaps; write the day with
       :func:`~greenloop.analytics.lake.write_readings` (``replace``).

    Parameters
    ----------
    lake_dir
        Lake root.
    seed
        Same seed, same data.
    start, end
        Local dates to write (``start`` not before 2025-01-01).
    national, micro
        Numbers of stations.
    districts
        County-level regions to place the stations in, instead of the demo
        city's (:func:`demo_districts`).
    stations
        The stations themselves (e.g. the sites of the device registry,
        with their district codes); ``national``, ``micro`` and
        ``districts`` are then not used.
    durable
        Flush each partition file to disk (as the mover does); ``False``
        skips the ``fsync`` for a faster demo build.
    until
        An aware instant: hours starting at or after it are not written
        (the demo stops at the last closed hour, never in the future).
    hotspots
        Micro-stations that run hotter than their district all the time
        (see :func:`station_terms`).
    episodes
        Station → ``(start, end, multiplier)`` windows in which its PM2.5
        and PM10 are multiplied (a construction site starting work): the
        planted hotspot episodes of the demo.
    micro_pollutants
        What micro-stations measure (the demo registry's micro-stations
        measure PM2.5 and PM10 only).
    micro_since
        First day of the micro-stations' data (when the network went into
        service); all days when ``None``.
    """
    if start < START:
        raise ValueError(f"the demo history starts on {START}")
    city_code, city_name, planned = demo_districts(seed)
    if stations is None:
        stations = plan_air_stations(
            planned if districts is None else districts, national=national, micro=micro, seed=seed
        )
    write_stations(lake_dir, stations_table(stations, city_code, city_name))
    drivers = city_drivers(seed, end)
    outages = _outages(seed, [s.site for s in stations], drivers.shape[0])
    terms = [station_terms(s, seed, hotspots) for s in stations]
    factor = np.array([t[0] for t in terms])  # stations × pollutants
    noise = np.array([t[1] for t in terms])
    # Control stations run full analysers (Min/Avg/Max, calibration checks).
    is_control = np.array([s.kind != "micro" for s in stations])
    sites = pa.array([s.site for s in stations], pa.string())
    mns = pa.array([s.mn for s in stations], pa.string())
    codes = pa.array([AIR_FACTORS[p] for p in POLLUTANTS], pa.string())
    n_st = len(stations)
    measured = np.ones((n_st, 1, len(POLLUTANTS)), dtype=bool)
    for i, s in enumerate(stations):
        if s.kind == "micro":
            measured[i, 0, :] = [p in micro_pollutants for p in POLLUTANTS]
    until_us = None
    if until is not None:
        until_us = np.datetime64(until.astimezone(dt.UTC).replace(tzinfo=None), "us")
        end = min(end, (until.astimezone(dt.UTC) + LOCAL_OFFSET).date())
    site_index = {s.site: i for i, s in enumerate(stations)}
    planted = [
        (
            site_index[site],
            np.datetime64(a.astimezone(dt.UTC).replace(tzinfo=None), "us"),
            np.datetime64(b.astimezone(dt.UTC).replace(tzinfo=None), "us"),
            k,
        )
        for site, windows in (episodes or {}).items()
        if site in site_index
        for a, b, k in windows
    ]
    rows = partitions = 0
    day = start
    while day <= end:
        index = (day - START).days
        hours = slice(index * 24, index * 24 + 24)
        rng = np.random.default_rng([seed, 17, index])
        base = drivers[hours][None, :, :] * factor[:, None, :]  # stations × 24 × pollutants
        local = np.datetime64(day) + np.arange(24).astype("timedelta64[h]")
        utc = (local - np.timedelta64(int(LOCAL_OFFSET.total_seconds()), "s")).astype(
            "datetime64[us]"
        )
        fault = outages[:, hours].copy()  # stations × 24: 1 flag D, 2 no row
        for s_i, a, b, k in planted:
            inside = (utc >= a) & (utc < b)
            if inside.any():
                base[s_i, inside, _P["pm25"]] *= k
                base[s_i, inside, _P["pm10"]] *= k * 1.15
                fault[s_i, inside] = 0  # the planted episode is on record
        noisy = base * rng.lognormal(0.0, 1.0, base.shape) ** noise[:, None, None]
        values = _round(noisy)
        # Data flags as codes into _FLAGS: N, M (maintenance), C, D.
        flags = np.zeros(base.shape, dtype=np.int8)
        dice = rng.random(base.shape)
        flags[dice < 0.004] = 1
        if index % 7 == 3:  # weekly zero/span checks of the gas analysers, 02:00
            for p in ("so2", "no2", "co", "o3"):
                flags[is_control, 2, _P[p]] = 2
        flags[fault == 1] = 3
        present = (fault != 2)[:, :, None] & (dice < 0.99) & measured
        if micro_since is not None and day < micro_since:
            present &= is_control[:, None, None]
        if until_us is not None:
            present &= (utc < until_us)[None, :, None]
        s_idx, h_idx, p_idx = np.nonzero(present)
        avg = values[s_idx, h_idx, p_idx]
        spread = rng.uniform(0.05, 0.35, (2, avg.size))
        nat = is_control[s_idx]
        table = pa.table(
            {
                "mn": mns.take(pa.array(s_idx)),
                "site": sites.take(pa.array(s_idx)),
                "factor": codes.take(pa.array(p_idx)),
                "data_time": pa.array(utc[h_idx], pa.timestamp("us", tz="UTC")),
                "avg": avg,
                # National stations upload Min/Avg/Max (HJ 212 2061);
                # micro-stations only the average.
                "min": np.where(nat, _round_like(avg * (1 - spread[0]), p_idx), np.nan),
                "max": np.where(nat, _round_like(avg * (1 + spread[1]), p_idx), np.nan),
                "flag": _FLAGS.take(pa.array(flags[s_idx, h_idx, p_idx])),
            }
        )
        if table.num_rows == 0:  # ``until`` at midnight: nothing of this day yet
            break
        summary = write_readings(lake_dir, "hour", table, mode="replace", durable=durable)
        rows += summary.rows
        partitions += len(summary.partitions)
        day += dt.timedelta(days=1)
    kinds = [s.kind for s in stations]
    return AirHistorySummary(
        stations=n_st,
        national=kinds.count("national"),
        provincial=kinds.count("provincial"),
        micro=kinds.count("micro"),
        start=start,
        end=end,
        rows=rows,
        partitions=partitions,
    )


def _round(values: np.ndarray) -> np.ndarray:
    """Round each pollutant to the digits a station uploads (CO 3, others 1)."""
    out = np.round(values, 1)
    out[..., _P["co"]] = np.round(values[..., _P["co"]], 3)
    return out


def _round_like(values: np.ndarray, pollutant: np.ndarray) -> np.ndarray:
    return np.where(pollutant == _P["co"], np.round(values, 3), np.round(values, 1))


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m greenloop.demo.air_history [--lake DIR] [--end DATE] [--seed N]``."""
    import argparse

    from greenloop.analytics.lake import default_lake_dir

    parser = argparse.ArgumentParser(description="演示城市两年小时空气质量数据 → 数据湖")
    parser.add_argument("--lake", type=Path, default=None)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=END)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    lake_dir = args.lake or default_lake_dir()
    summary = generate_air_history(lake_dir, seed=args.seed, end=args.end, durable=False)
    print(
        f"{lake_dir}: {summary.stations} 个站点（国控 {summary.national}，省控 {summary.provincial}，"
        f"微站 {summary.micro}），"
        f"{summary.start}–{summary.end}，{summary.rows} 行，{summary.partitions} 个分区"
    )


if __name__ == "__main__":
    main()
