"""Air quality results for the pages: hourly AQI, daily AQI, evaluations.

Each job of :mod:`greenloop.quality.jobs` calls one function here with
explicit arguments (the hours, the day, the period, ``now``), so the
arithmetic is testable without the runner. The standards' arithmetic is the
kernel's (:mod:`greenloop.airquality`); this module only gathers the data
and writes the rows.

Stations are the air sites of the device registry (``monitoring.Site`` of
kind national, provincial or micro); a station's district is the
county-level ancestor of its region, its city the root of the region tree.

* **Station** rows: every air station.
* **District** rows: the mean of the district's control stations (national
  and provincial), as ``greenloop evaluate air --by district`` (HJ 663;
  ``docs/lake.md`` decision 5). Micro-stations serve hotspot detection.
* **City** rows: the mean of the city's national-control stations (HJ 663).

The AQI of a district or city is computed from its mean concentrations,
never as the mean of AQIs (HJ 663, ``airquality.station_mean``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import transaction

from greenloop.airquality import AqiOptions, daily_arrays, hourly_arrays, names_of
from greenloop.airquality._fixed import SCALE, round_half_even, to_scaled
from greenloop.airquality.rulesets import POLLUTANTS, quantum
from greenloop.analytics import lake
from greenloop.analytics.air import AIR_FACTORS
from greenloop.hj212 import normalise_code
from greenloop.quality.models import AirDay, AirEvaluation, AirHour, Scope

logger = logging.getLogger(__name__)

LOCAL = lake.LOCAL_TZ
HOUR = dt.timedelta(hours=1)
#: The lake stores hours by their start (HJ 212 ``DataTime``).
OPTIONS = AqiOptions(hour_label="start")
#: Hours recomputed before the newest closed hour, so that late packets
#: (re-sent after an outage) still count.
RECOMPUTE_HOURS = 3
#: Hours of history read before the first hour computed: the 24-h moving
#: averages (HJ 633-2012 Table 1 note 2 substitutes SO2 24 h above 800).
LOOKBACK_HOURS = 24

_CODE_OF = dict(AIR_FACTORS)  # pollutant → factor code
_POLLUTANT_OF = {code: p for p, code in AIR_FACTORS.items()}
KIND_OF_SITE = {
    "NATIONAL_AIR": "national",
    "PROVINCIAL_AIR": "provincial",
    "MICRO_AIR": "micro",
}
CONTROL = ("national", "provincial")


def upsert(model: type[Any], rows: Sequence[dict[str, Any]], *, unique: Sequence[str]) -> int:
    """Insert ``rows`` (field → value) or update those with the same
    ``unique`` key: one ``INSERT … ON CONFLICT … DO UPDATE`` per batch
    (SQLite ≥ 3.24 and PostgreSQL).

    The jobs write a few hundred rows; the demo writes tens of thousands,
    for which ``bulk_create(update_conflicts=True)`` spends most of its time
    preparing each value through its field. Values here are prepared once
    per column kind: JSON, dates and aware datetimes; numbers and text as
    they are.
    """
    import json

    from django.db import connection, models

    if not rows:
        return 0
    names = list(rows[0])
    fields = [model._meta.get_field(n) for n in names]
    ops = connection.ops

    def prepare(field: Any) -> Any:
        if isinstance(field, models.JSONField):
            return lambda v: json.dumps(v, ensure_ascii=False)
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        return None

    preparers = [prepare(f) for f in fields]
    q = ops.quote_name
    columns = [f.column for f in fields]
    keys = [model._meta.get_field(n).column for n in unique]
    updates = [c for c in columns if c not in keys]
    placeholders = ", ".join(["%s"] * len(columns))
    # Identifiers come from the model's meta, quoted; values are parameters.
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({placeholders}) ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updates)
    )
    values = [
        tuple(
            v if prep is None or v is None else prep(v)
            for v, prep in zip((row[n] for n in names), preparers, strict=True)
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(values), 5000):
            cursor.executemany(sql, values[i : i + 5000])
    return len(values)


# --- stations ------------------------------------------------------------------


def air_stations() -> pd.DataFrame:
    """The air stations of the registry with their district and city.

    Columns: ``site_id``, ``site``, ``name``, ``kind`` (national,
    provincial, micro), ``region_id``, ``grid_id``, ``district``,
    ``district_name``, ``city``, ``city_name``, ``lon``, ``lat``, ``mn``
    (the first active device's MN, for the lake snapshot).
    """
    from greenloop.monitoring.models import Device, Site
    from greenloop.org.models import Region, RegionLevel

    sites = list(
        Site.objects.filter(kind__in=list(KIND_OF_SITE))
        .select_related("region", "grid")
        .order_by("code")
    )
    names = dict(Region.objects.filter(level__lte=RegionLevel.COUNTY).values_list("code", "name"))
    levels = dict(Region.objects.filter(level__lte=RegionLevel.COUNTY).values_list("code", "level"))
    mns: dict[int, str] = {}
    for site_id, mn in (
        Device.objects.filter(site__in=sites).order_by("pk").values_list("site_id", "mn")
    ):
        mns.setdefault(site_id, mn)
    rows = []
    for s in sites:
        codes = [c for c in s.region.path.split("/") if c]
        district = next((c for c in codes if levels.get(c) == RegionLevel.COUNTY), "")
        city = next((c for c in codes if levels.get(c) == RegionLevel.CITY), codes[0])
        rows.append(
            {
                "site_id": s.pk,
                "site": s.code,
                "name": s.name,
                "kind": KIND_OF_SITE[s.kind],
                "region_id": s.region_id,
                "grid_id": s.grid_id,
                "grid": s.grid.code if s.grid else "",
                "district": district,
                "district_name": names.get(district, ""),
                "city": city,
                "city_name": names.get(city, ""),
                "lon": s.lon,
                "lat": s.lat,
                "mn": mns.get(s.pk, s.code),
            }
        )
    columns = [
        "site_id",
        "site",
        "name",
        "kind",
        "region_id",
        "grid_id",
        "grid",
        "district",
        "district_name",
        "city",
        "city_name",
        "lon",
        "lat",
        "mn",
    ]
    return pd.DataFrame(rows, columns=columns)


def refresh_lake_stations(lake_dir: Path | str, stations: pd.DataFrame | None = None) -> int:
    """Write ``meta/stations.parquet`` from the registry (``docs/lake.md``)."""
    frame = air_stations() if stations is None else stations
    table = pa.table(
        {
            "site": pa.array(frame["site"].tolist(), pa.string()),
            "mn": pa.array(frame["mn"].tolist(), pa.string()),
            "name": pa.array(frame["name"].tolist(), pa.string()),
            "kind": pa.array(frame["kind"].tolist(), pa.string()),
            "district": pa.array([d or None for d in frame["district"]], pa.string()),
            "district_name": pa.array([d or None for d in frame["district_name"]], pa.string()),
            "city": pa.array(frame["city"].tolist(), pa.string()),
            "city_name": pa.array(frame["city_name"].tolist(), pa.string()),
            "grid": pa.array([g or None for g in frame["grid"]], pa.string()),
            "lon": pa.array(frame["lon"].tolist(), pa.float64()),
            "lat": pa.array(frame["lat"].tolist(), pa.float64()),
        }
    )
    lake.write_stations(lake_dir, table)
    return table.num_rows


# --- hourly values ---------------------------------------------------------------


def closed_hour(now: dt.datetime) -> dt.datetime:
    """Start of the newest hour that has ended by ``now`` (aware, UTC)."""
    utc = now.astimezone(dt.UTC)
    return utc.replace(minute=0, second=0, microsecond=0) - HOUR


def _local_date(t: dt.datetime) -> dt.date:
    return t.astimezone(LOCAL).date()


def _lake_hours(
    lake_dir: Path, start: dt.datetime, end: dt.datetime, sites: Sequence[str]
) -> pd.DataFrame:
    files = lake.readings_files(lake_dir, "hour", _local_date(start), _local_date(end - HOUR))
    if not files:
        return pd.DataFrame(columns=["site", "factor", "data_time", "value"])
    table = pa.concat_tables(
        pq.read_table(f, columns=["site", "factor", "data_time", "avg", "valid"]) for f in files
    )
    t0 = pa.scalar(start.astimezone(dt.UTC), pa.timestamp("us", tz="UTC"))
    t1 = pa.scalar(end.astimezone(dt.UTC), pa.timestamp("us", tz="UTC"))
    mask = pc.and_(
        pc.and_(pc.greater_equal(table["data_time"], t0), pc.less(table["data_time"], t1)),
        pc.and_(
            pc.is_in(table["factor"], value_set=pa.array(list(_POLLUTANT_OF), pa.string())),
            pc.is_in(table["site"], value_set=pa.array(list(sites), pa.string())),
        ),
    )
    table = table.filter(pc.and_(mask, table["valid"]))
    frame = table.select(["site", "factor", "data_time", "avg"]).to_pandas()
    return frame.rename(columns={"avg": "value"})


def _inbox_hours(
    start: dt.datetime, end: dt.datetime, site_of_device: dict[int, str]
) -> pd.DataFrame:
    """CN 2061 hourly values of the inbox: ``Avg`` with a valid flag."""
    from greenloop.monitoring.models import InboxPacket

    rows: list[tuple[str, str, dt.datetime, float]] = []
    packets = InboxPacket.objects.filter(
        cn="2061",
        data_time__gte=start,
        data_time__lt=end,
        device_id__in=list(site_of_device),
    ).values_list("device_id", "data_time", "pollutants")
    for device_id, data_time, pollutants in packets.iterator(chunk_size=2000):
        site = site_of_device[device_id]
        for code, fields in (pollutants or {}).items():
            factor = normalise_code(code)
            if factor not in _POLLUTANT_OF or not isinstance(fields, dict):
                continue
            flag = fields.get("Flag")
            # HJ 212-2017 Table 8: only N is valid; a missing flag counts
            # as N (docs/lake.md, "Validity").
            if flag not in (None, "", *lake.VALID_FLAGS):
                continue
            try:
                value = float(fields.get("Avg", ""))
            except (TypeError, ValueError):
                continue
            rows.append((site, factor, data_time, value))
    return pd.DataFrame(rows, columns=["site", "factor", "data_time", "value"])


@dataclass(frozen=True)
class HourGrid:
    """Hourly concentrations of stations: one matrix per pollutant.

    ``values[p]`` has one row per station (``sites``) and one column per
    hour (``hours``, aware UTC starts, consecutive); ``NaN`` = missing.
    """

    sites: list[str]
    hours: pd.DatetimeIndex
    values: dict[str, np.ndarray]

    def frame(self, first: int = 0) -> pd.DataFrame:
        """Long frame ``station, time`` (naive local start), pollutants."""
        n_s, n_h = len(self.sites), len(self.hours)
        local = self.hours.tz_convert(LOCAL).tz_localize(None)
        data: dict[str, Any] = {
            "station": np.repeat(np.array(self.sites, dtype=object), n_h - first),
            "time": np.tile(local[first:].to_numpy(), n_s),
        }
        for p in POLLUTANTS:
            data[p] = self.values[p][:, first:].reshape(-1)
        return pd.DataFrame(data)


def load_hour_grid(
    start: dt.datetime,
    end: dt.datetime,
    stations: pd.DataFrame,
    *,
    lake_dir: Path | str | None = None,
) -> HourGrid:
    """Valid hourly averages of ``stations`` for hours ``start`` ≤ h < ``end``.

    Read from the lake (hours the mover has moved) and the inbox (the rest);
    a value that appears in both, or from two devices of one site, counts
    once, the larger (``docs/lake.md`` decision 4). Values that are
    negative or absurd count as missing, never as zero (GB 3095 §6.4).
    """
    from greenloop.monitoring.models import Device

    lake_path = Path(lake_dir) if lake_dir is not None else _default_lake()
    sites = list(stations["site"])
    hours = pd.date_range(
        start.astimezone(dt.UTC), end.astimezone(dt.UTC), freq="h", inclusive="left"
    )
    site_of_device = dict(
        Device.objects.filter(site__code__in=sites).values_list("pk", "site__code")
    )
    parts = [_lake_hours(lake_path, start, end, sites), _inbox_hours(start, end, site_of_device)]
    long = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else parts[0]
    )
    values = {p: np.full((len(sites), len(hours)), np.nan) for p in POLLUTANTS}
    if not long.empty:
        v = long["value"].to_numpy(dtype=np.float64)
        ok = np.isfinite(v) & (v >= 0) & (v <= 1e8)
        long = long[ok]
        t = pd.DatetimeIndex(pd.to_datetime(long["data_time"], utc=True)).floor("h")
        col = hours.get_indexer(t)
        row = pd.Index(sites).get_indexer(long["site"])
        keep = (col >= 0) & (row >= 0)
        factor = long["factor"].to_numpy()[keep]
        col, row, v = col[keep], row[keep], long["value"].to_numpy(dtype=np.float64)[keep]
        for p in POLLUTANTS:
            sel = factor == _CODE_OF[p]
            m = values[p]
            # Larger value wins: fmax ignores the NaN of an empty cell.
            np.fmax.at(m, (row[sel], col[sel]), v[sel])
    return HourGrid(sites, hours, values)


def _report(values: np.ndarray, pollutant: str) -> np.ndarray:
    """Concentrations as reported: GB/T 8170 half-even, integers (CO 0.1)."""
    flat = np.asarray(values, dtype=np.float64)
    scaled, valid = to_scaled(flat, check=False)
    rounded = round_half_even(scaled, 1, quantum(pollutant)) / SCALE
    return np.where(valid, rounded, np.nan)


def group_means(
    grid: HourGrid, stations: pd.DataFrame
) -> tuple[HourGrid, HourGrid, dict[str, int], dict[str, int]]:
    """District (control stations) and city (national stations) hourly means.

    Returns the two grids (rows = district / city codes) and the number of
    stations of each group.
    """
    index = {s: i for i, s in enumerate(grid.sites)}

    def mean(keys: pd.Series, member: pd.Series) -> tuple[HourGrid, dict[str, int]]:
        groups: dict[str, list[int]] = {}
        for site, key, ok in zip(stations["site"], keys, member, strict=True):
            if ok and key and site in index:
                groups.setdefault(key, []).append(index[site])
        codes = sorted(groups)
        out = {}
        for p in POLLUTANTS:
            m = np.full((len(codes), len(grid.hours)), np.nan)
            for i, code in enumerate(codes):
                block = grid.values[p][groups[code]]
                count = (~np.isnan(block)).sum(axis=0)
                total = np.nansum(block, axis=0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    m[i] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
            out[p] = m
        return HourGrid(codes, grid.hours, out), {c: len(groups[c]) for c in codes}

    districts, n_d = mean(stations["district"], stations["kind"].isin(CONTROL))
    cities, n_c = mean(stations["city"], stations["kind"] == "national")
    return districts, cities, n_d, n_c


def _moving(values: np.ndarray, window: int, min_count: int) -> np.ndarray:
    """Moving average along hours (axis 1), labelled by the last hour."""
    valid = ~np.isnan(values)
    cs = np.concatenate(
        [np.zeros((values.shape[0], 1)), np.cumsum(np.where(valid, values, 0.0), axis=1)], axis=1
    )
    cc = np.concatenate(
        [np.zeros((values.shape[0], 1), dtype=np.int64), np.cumsum(valid, axis=1)], axis=1
    )
    idx = np.arange(1, values.shape[1] + 1)
    lo = np.maximum(idx - window, 0)
    sums, counts = cs[:, idx] - cs[:, lo], cc[:, idx] - cc[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts >= min_count, sums / np.maximum(counts, 1), np.nan)


def _hour_rows(
    scope: str,
    grid: HourGrid,
    first: int,
    names: dict[str, str],
    counts: dict[str, int] | None,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """AirHour rows of ``grid`` from hour index ``first`` on (kernel AQI)."""
    if not grid.sites or first >= len(grid.hours):
        return []
    reported = HourGrid(grid.sites, grid.hours, {p: _report(grid.values[p], p) for p in POLLUTANTS})
    frame = reported.frame()
    arrays = hourly_arrays(frame, options=OPTIONS)
    moving = {
        "pm25_24h": _report(_moving(grid.values["pm25"], 24, OPTIONS.moving_24h_min_hours), "pm25"),
        "pm10_24h": _report(_moving(grid.values["pm10"], 24, OPTIONS.moving_24h_min_hours), "pm10"),
        "o3_8h": _report(_moving(grid.values["o3"], 8, 6), "o3"),
    }
    n_h = len(grid.hours)
    rows: list[dict[str, Any]] = []
    for s, code in enumerate(grid.sites):
        for h in range(first, n_h):
            i = s * n_h + h
            conc = {p: reported.values[p][s, h] for p in POLLUTANTS}
            if all(np.isnan(v) for v in conc.values()):
                continue
            rows.append(
                {
                    "scope": scope,
                    "code": code,
                    "hour": grid.hours[h].to_pydatetime(),
                    "name": names.get(code, "")[:100],
                    "stations": 1 if counts is None else counts.get(code, 0),
                    "moving": {
                        k: float(v[s, h]) for k, v in moving.items() if not np.isnan(v[s, h])
                    },
                    **_figures(arrays, i, conc),
                    "computed_at": now,
                }
            )
    return rows


def _figures(arrays: Any, i: int, conc: dict[str, float]) -> dict[str, Any]:
    aqi = int(arrays.aqi[i])
    return {
        **{p: None if np.isnan(v) else float(v) for p, v in conc.items()},
        "iaqi": {p: int(arrays.iaqi[p][i]) for p in POLLUTANTS if arrays.iaqi[p][i] >= 0},
        "aqi": None if aqi < 0 else aqi,
        "primary": ";".join(names_of(int(arrays.primary[i]))),
        "level": int(arrays.level[i]) or None,
        "standard": arrays.rulesets[int(arrays.ruleset[i])].code,
    }


@dataclass(frozen=True)
class HourlySummary:
    hours: int
    rows: int
    grid: HourGrid
    districts: HourGrid
    stations: pd.DataFrame


def compute_air_hours(
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    lake_dir: Path | str | None = None,
    stations: pd.DataFrame | None = None,
) -> HourlySummary:
    """Hourly AQI of every station, district and city for ``start`` ≤ h < ``end``.

    1. Read the valid hourly averages from ``LOOKBACK_HOURS`` before
       ``start`` (:func:`load_hour_grid`).
    2. District and city means (:func:`group_means`).
    3. Kernel: IAQI, AQI, primary pollutant and level of each row, the rule
       set by the hour's date (HJ 633-2012 before 2026-03-01 00:00 Beijing
       time, HJ 633-2026 from then on), concentrations rounded per
       GB/T 8170 first; 24-h and 8-h moving averages for display.
    4. Upsert the ``AirHour`` rows (idempotent: a rerun replaces them).
    """
    stations = air_stations() if stations is None else stations
    grid = load_hour_grid(start - LOOKBACK_HOURS * HOUR, end, stations, lake_dir=lake_dir)
    districts, cities, n_d, n_c = group_means(grid, stations)
    names = dict(zip(stations["site"], stations["name"], strict=True))
    d_names = dict(zip(stations["district"], stations["district_name"], strict=False))
    c_names = dict(zip(stations["city"], stations["city_name"], strict=False))
    rows = (
        _hour_rows(Scope.STATION, grid, LOOKBACK_HOURS, names, None, now)
        + _hour_rows(Scope.DISTRICT, districts, LOOKBACK_HOURS, d_names, n_d, now)
        + _hour_rows(Scope.CITY, cities, LOOKBACK_HOURS, c_names, n_c, now)
    )
    with transaction.atomic():
        upsert(AirHour, rows, unique=["scope", "code", "hour"])
    n_hours = len(grid.hours) - LOOKBACK_HOURS
    return HourlySummary(n_hours, len(rows), grid, districts, stations)


def run_hourly_aqi(*, now: dt.datetime, lake_dir: Path | str | None = None) -> HourlySummary:
    """The hourly job: the newest closed hour and the ``RECOMPUTE_HOURS``
    before it."""
    last = closed_hour(now)
    return compute_air_hours(
        start=last - RECOMPUTE_HOURS * HOUR, end=last + HOUR, now=now, lake_dir=lake_dir
    )


# --- daily values ---------------------------------------------------------------


Level = Literal["station", "district", "city"]


def daily_frames(
    start: dt.date,
    end: dt.date,
    *,
    lake_dir: Path | str | None = None,
    con: Any = None,
) -> dict[Level, tuple[pd.DataFrame, pd.DataFrame]]:
    """Daily values (HJ 663) of every station, district and city over the lake.

    The engine's expressions (:mod:`greenloop.analytics.air`, as
    ``evaluate.daily_values``) in one query for the three levels: each
    station is a group of its own, a district the group of its control
    stations, the city the group of its national stations; the hourly group
    means are then reduced to daily means with 20 valid hours, the O3 daily
    maximum 8 h (6 of 8 hours, 14 windows) and the O3 daily maximum 1 h.

    Returns, per level, the daily values (``group``, ``date``, ``so2 …
    o3_1h``) and the group table (``site``, ``group``, ``name``; stations
    also ``district``).
    """
    import ibis

    from greenloop.analytics import air, engine

    lake_path = Path(lake_dir) if lake_dir is not None else _default_lake()
    con = con or engine.connect()
    table = lake.read_stations(lake_path).to_pandas()
    control = table["kind"].isin(CONTROL)
    national = table["kind"] == "national"
    groups: dict[Level, pd.DataFrame] = {
        "station": pd.DataFrame(
            {
                "site": table["site"],
                "group": table["site"],
                "name": table["name"],
                "district": table["district"],
            }
        ),
        "district": pd.DataFrame(
            {
                "site": table.loc[control, "site"],
                "group": table.loc[control, "district"],
                "name": table.loc[control, "district_name"],
            }
        ).dropna(subset=["group"]),
        "city": pd.DataFrame(
            {
                "site": table.loc[national, "site"],
                "group": table.loc[national, "city"],
                "name": table.loc[national, "city_name"],
            }
        ).dropna(subset=["group"]),
    }
    membership = pd.concat([g[["site", "group"]] for g in groups.values()], ignore_index=True)
    readings = lake.read_readings(con, lake_path, "hour", start, end)
    hourly = air.hourly_wide(readings, sites=sorted(table["site"]))
    grouped = air.group_hourly_mean(hourly, ibis.memtable(membership), key="group")
    daily = con.execute(air.daily_statistics(grouped, key="group"))
    daily["date"] = pd.to_datetime(daily["date"]).astype("datetime64[ns]")
    daily = daily.sort_values(["group", "date"], ignore_index=True)
    return {
        level: (daily[daily["group"].isin(set(g["group"]))].reset_index(drop=True), g)
        for level, g in groups.items()
    }


def _default_lake() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "GREENLOOP_LAKE_DIR", lake.default_lake_dir()))


def day_rows(
    level: Level, daily: pd.DataFrame, groups: pd.DataFrame, *, now: dt.datetime
) -> list[dict[str, Any]]:
    """AirDay rows from daily values: kernel daily AQI (HJ 633 by date)."""
    if daily.empty:
        return []
    frame = daily.rename(columns={"group": "station"}).reset_index(drop=True)
    arrays = daily_arrays(frame, options=OPTIONS)
    names = groups.drop_duplicates("group").set_index("group")["name"].to_dict()
    counts = groups.groupby("group")["site"].nunique().to_dict()
    rows = []
    reported = {
        p: _report(frame[c].to_numpy(dtype=np.float64, na_value=np.nan), p)
        for p, c in (
            ("so2", "so2"),
            ("no2", "no2"),
            ("pm10", "pm10"),
            ("co", "co"),
            ("o3", "o3_8h"),
            ("pm25", "pm25"),
        )
    }
    o3_1h = _report(frame["o3_1h"].to_numpy(dtype=np.float64, na_value=np.nan), "o3")
    dates = pd.DatetimeIndex(frame["date"]).date
    stations = frame["station"].to_numpy()
    for i in range(len(frame)):
        conc = {p: reported[p][i] for p in POLLUTANTS}
        figures = _figures(arrays, i, conc)
        rows.append(
            {
                "scope": level,
                "code": str(stations[i]),
                "date": dates[i],
                "name": str(names.get(stations[i]) or "")[:100],
                "o3_1h": None if np.isnan(o3_1h[i]) else float(o3_1h[i]),
                "valid": bool(arrays.complete[i]),
                "stations": 1 if level == "station" else int(counts.get(stations[i], 0)),
                **figures,
                "computed_at": now,
            }
        )
    return rows


def compute_air_days(
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    lake_dir: Path | str | None = None,
    con: Any = None,
    frames: dict[Level, tuple[pd.DataFrame, pd.DataFrame]] | None = None,
) -> int:
    """Daily AQI of every station, district and city for ``start`` … ``end``
    (local dates), from the lake (or the ``frames`` of :func:`daily_frames`
    already computed); upserted. Returns the rows written."""
    if frames is None:
        frames = daily_frames(start, end, lake_dir=lake_dir, con=con)
    frames = {
        level: (
            daily[(daily["date"] >= pd.Timestamp(start)) & (daily["date"] <= pd.Timestamp(end))],
            groups,
        )
        for level, (daily, groups) in frames.items()
    }
    rows: list[dict[str, Any]] = []
    for level, (daily, groups) in frames.items():
        rows += day_rows(level, daily, groups, now=now)
    with transaction.atomic():
        upsert(AirDay, rows, unique=["scope", "code", "date"])
    return len(rows)


def recent_daily_frames(
    start: dt.date,
    end: dt.date,
    *,
    lake_dir: Path | str | None = None,
    stations: pd.DataFrame | None = None,
) -> dict[Level, tuple[pd.DataFrame, pd.DataFrame]]:
    """As :func:`daily_frames`, for a few recent days, from the inbox and
    the lake: the mover keeps a day in the inbox for two days after it ends
    (``docs/lake.md``, "The mover"), so the daily job cannot wait for the
    lake. The kernel's ``daily_statistics`` (HJ 663) on the stations' hours
    and on the district and city hourly means gives the engine's values.
    """
    from greenloop.airquality import daily_statistics

    stations = air_stations() if stations is None else stations
    first = dt.datetime.combine(start, dt.time(0), tzinfo=LOCAL)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)
    grid = load_hour_grid(first, last, stations, lake_dir=lake_dir)
    districts, cities, _n_d, _n_c = group_means(grid, stations)
    control = stations["kind"].isin(CONTROL)
    national = stations["kind"] == "national"
    groups: dict[Level, pd.DataFrame] = {
        "station": pd.DataFrame(
            {
                "site": stations["site"],
                "group": stations["site"],
                "name": stations["name"],
                "district": stations["district"],
            }
        ),
        "district": pd.DataFrame(
            {
                "site": stations.loc[control, "site"],
                "group": stations.loc[control, "district"],
                "name": stations.loc[control, "district_name"],
            }
        ),
        "city": pd.DataFrame(
            {
                "site": stations.loc[national, "site"],
                "group": stations.loc[national, "city"],
                "name": stations.loc[national, "city_name"],
            }
        ),
    }
    out: dict[Level, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for level, g in (("station", grid), ("district", districts), ("city", cities)):
        frame = g.frame()
        if frame.empty:
            daily = pd.DataFrame(columns=["group", "date"])
        else:
            daily = daily_statistics(frame, options=OPTIONS).rename(columns={"station": "group"})
        out[level] = (daily, groups[level])  # type: ignore[index]
    return out


def run_daily_aqi(*, now: dt.datetime, lake_dir: Path | str | None = None) -> int:
    """The daily job: yesterday and the day before (late data), local dates,
    from the inbox and the lake."""
    today = now.astimezone(LOCAL).date()
    start, end = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    frames = recent_daily_frames(start, end, lake_dir=lake_dir)
    return compute_air_days(start=start, end=end, now=now, lake_dir=lake_dir, frames=frames)


# --- evaluations -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    kind: Literal["month", "year"]


def month_periods(first: dt.date, last: dt.date) -> list[Period]:
    """Calendar months from ``first``'s month to ``last``; the last one ends
    on ``last`` (month to date) when ``last`` is not a month's end."""
    out = []
    day = first.replace(day=1)
    while day <= last:
        following = (day + dt.timedelta(days=32)).replace(day=1)
        out.append(Period(day, min(following - dt.timedelta(days=1), last), "month"))
        day = following
    return out


def evaluate_periods(
    periods: Iterable[Period],
    *,
    now: dt.datetime,
    lake_dir: Path | str | None = None,
    con: Any = None,
    frames: dict[Level, tuple[pd.DataFrame, pd.DataFrame]] | None = None,
) -> int:
    """AirEvaluation rows of ``periods`` by station, district and city.

    The steps of :func:`greenloop.analytics.evaluate.evaluate_air` with
    ``yoy=True`` — HJ 663 statistics, GB 3095 attainment, composite index
    and ranks, the same period a year earlier — over the daily values of
    :func:`daily_frames` (read once for all periods and levels; the demo
    evaluates over a dozen periods). Stations are the control stations;
    ``rank_composite`` and ``rank_pm25`` rank the districts (1 = best).
    ``figures`` holds the row as ``greenloop evaluate air`` prints it.
    """
    from greenloop.airquality import rank, year_on_year
    from greenloop.analytics.evaluate import (
        RULE_LABELS,
        YOY_COLUMNS,
        Side,
        evaluate_side,
        previous_range,
        rules_of_period,
        to_csv_frame,
    )
    from greenloop.analytics.evaluate import AirEvaluation as Evaluation

    periods = list(periods)
    if not periods:
        return 0
    if frames is None:
        first = min(previous_range(p.start, p.end)[0] for p in periods)
        last = max(p.end for p in periods)
        frames = daily_frames(first, last, lake_dir=lake_dir, con=con)
    lake_path = Path(lake_dir) if lake_dir is not None else _default_lake()
    table = lake.read_stations(lake_path).to_pandas()
    official = set(table.loc[table["kind"].isin(CONTROL), "site"])
    parts: list[tuple[Level, pd.DataFrame]] = []
    days = []
    for level, (daily, groups) in frames.items():
        if level == "station":
            daily = daily[daily["group"].isin(official)]
            groups = groups[groups["site"].isin(official)]
        parts.append((level, groups))
        days.append(daily)
    combined = pd.concat(days, ignore_index=True)
    rows: list[dict[str, Any]] = []
    for period in periods:
        # One kernel pass for the three levels (their codes differ); the
        # ranks are recomputed within each level below.
        current = evaluate_side(combined, period.start, period.end, options=OPTIONS)
        if current.empty:
            continue
        p_start, p_end = previous_range(period.start, period.end)
        before = evaluate_side(combined, p_start, p_end, options=OPTIONS)
        if before.empty:
            before = current.iloc[0:0].copy()
        merged = year_on_year(
            current, before, on=["group"], columns=YOY_COLUMNS, labels=("range", *RULE_LABELS)
        )
        now_rules = rules_of_period(period.start, period.end)
        then_rules = rules_of_period(p_start, p_end)
        merged["range_previous"] = f"{p_start.isoformat()}~{p_end.isoformat()}"
        for label in RULE_LABELS:
            merged[f"{label}_previous"] = merged[f"{label}_previous"].fillna(then_rules[label])
        for level, groups in parts:
            names = groups.drop_duplicates("group").set_index("group")
            frame = merged[merged["group"].isin(names.index)].copy()
            if frame.empty:
                continue
            frame["rank_composite"] = rank(frame, "composite_index")
            frame["rank_pm25"] = rank(frame, "pm25_mean")
            frame["name"] = frame["group"].map(names["name"])
            if level == "station":
                frame["district"] = frame["group"].map(names["district"])
            frame = frame.sort_values("group", ignore_index=True)
            result = Evaluation(
                frame,
                level,
                Side(period.start, period.end, now_rules),
                Side(p_start, p_end, then_rules),
                groups,
            )
            text = to_csv_frame(result)
            ranked = level == "district"
            for i, record in enumerate(text.to_dict("records")):
                rows.append(
                    {
                        "period_start": period.start,
                        "period_end": period.end,
                        "scope": level,
                        "code": str(frame["group"].iloc[i]),
                        "period_kind": period.kind,
                        "name": str(frame["name"].iloc[i] or "")[:100],
                        "figures": record,
                        "rules": {"current": now_rules, "previous": then_rules},
                        "rank_composite": _rank(record.get("rank_composite")) if ranked else None,
                        "rank_pm25": _rank(record.get("rank_pm25")) if ranked else None,
                        "computed_at": now,
                    }
                )
    with transaction.atomic():
        upsert(AirEvaluation, rows, unique=["period_start", "period_end", "scope", "code"])
    return len(rows)


def _rank(text: Any) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


#: Days into a month during which the month before is evaluated again.
FINAL_DAYS = 5


def run_evaluations(*, now: dt.datetime, lake_dir: Path | str | None = None) -> int:
    """The daily evaluation job: the current month and year to yesterday,
    and, on the first days of a month, the month just ended in full."""
    yesterday = now.astimezone(LOCAL).date() - dt.timedelta(days=1)
    periods = [
        Period(yesterday.replace(day=1), yesterday, "month"),
        Period(yesterday.replace(month=1, day=1), yesterday, "year"),
    ]
    if yesterday.day <= FINAL_DAYS:
        # The mover brings the last days of the month ended into the lake
        # two days late: evaluate that month (and year) in full again.
        ended = yesterday.replace(day=1) - dt.timedelta(days=1)
        periods.append(Period(ended.replace(day=1), ended, "month"))
        if ended.month == 12:
            periods.append(Period(ended.replace(month=1, day=1), ended, "year"))
    try:
        return evaluate_periods(periods, now=now, lake_dir=lake_dir)
    except lake.MissingStations:
        # No stations table yet (a new installation): nothing to evaluate.
        logger.warning("No stations table in the lake; air evaluation skipped")
        return 0
