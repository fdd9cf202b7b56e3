"""The engine's daily values recomputed by the pure kernel, on pandas.

:func:`kernel_daily_values` reads the same Parquet partitions with pyarrow,
pivots them with pandas and runs :func:`greenloop.airquality.station_mean`
and :func:`greenloop.airquality.daily_statistics`. It returns what
:func:`greenloop.analytics.evaluate.daily_values` returns, so it serves as
the oracle of the tests ("the lake path equals the kernel") and as the
baseline of ``bench/analytics``. It holds everything in memory: fine for a
city-year of evaluation stations, not for the whole lake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from greenloop.airquality import AqiOptions, daily_statistics, station_mean
from greenloop.airquality._fixed import MAX_CONCENTRATION
from greenloop.analytics import lake
from greenloop.analytics.air import AIR_FACTORS
from greenloop.analytics.evaluate import By, StationChoice, station_groups

_START_LABELS = AqiOptions(hour_label="start")


def hourly_frame(readings: pa.Table, *, value: str = "avg") -> pd.DataFrame:
    """Long lake readings → the kernel's hourly frame (a numpy pivot).

    Columns ``station``, ``time`` (naive Beijing time, labelled by the
    hour's start) and ``so2 … pm25`` (NaN = missing or invalid). A
    station-hour with readings but no valid value is kept, all NaN; of two
    valid values of one station, factor and hour the larger is taken (as
    :func:`~greenloop.analytics.air.hourly_wide`).
    """
    codes = list(AIR_FACTORS.values())
    readings = readings.filter(pc.is_in(readings.column("factor"), value_set=pa.array(codes)))
    site = readings.column("site").combine_chunks().dictionary_encode()
    site_code = np.asarray(site.indices, dtype=np.int64)
    factor = readings.column("factor").combine_chunks().dictionary_encode()
    factor_index = np.array([codes.index(c) for c in factor.dictionary.to_pylist()], dtype=np.int64)
    pollutant = factor_index[np.asarray(factor.indices, dtype=np.int64)]
    micros = np.asarray(
        readings.column("data_time").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    )
    offset = int(lake.LOCAL_OFFSET.total_seconds()) * 10**6
    hour = np.floor_divide(micros + offset, 3_600 * 10**6)
    values = readings.column(value).to_numpy(zero_copy_only=False).astype(np.float64)
    valid = np.asarray(readings.column("valid").fill_null(False))
    ok = valid & ~np.isnan(values) & (values >= 0) & (values <= MAX_CONCENTRATION)
    first = int(hour.min()) if hour.size else 0
    span = (int(hour.max()) - first + 1) if hour.size else 1
    key = site_code * span + (hour - first)
    uniq, row = np.unique(key, return_inverse=True)
    out: dict[str, object] = {
        "station": np.asarray(site.dictionary.to_pylist(), dtype=object)[uniq // span],
        "time": (first + uniq % span).astype("datetime64[h]").astype("datetime64[ns]"),
    }
    for i, name in enumerate(AIR_FACTORS):
        column = np.full(uniq.size, np.nan)
        mask = ok & (pollutant == i)
        order = np.argsort(values[mask], kind="stable")
        # Ascending order: the last (largest) value of a cell wins.
        column[row[mask][order]] = values[mask][order]
        out[name] = column
    return pd.DataFrame(out)


def kernel_daily_values(
    lake_dir: Path | str,
    ranges: Sequence[tuple[dt.date, dt.date]],
    *,
    by: By = "city",
    stations: StationChoice = "official",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`~greenloop.analytics.evaluate.daily_values`, by the kernel.

    1. Read the partition files of the ranges (``pyarrow.dataset``, the
       needed columns, the stations of the level).
    2. Pivot to the kernel's hourly frame (:func:`hourly_frame`).
    3. For districts and the city: hourly mean of the stations
       (:func:`greenloop.airquality.station_mean`).
    4. :func:`greenloop.airquality.daily_statistics` with start labels.
    """
    lake_dir = Path(lake_dir)
    sites, groups = station_groups(lake_dir, by, stations)
    files: list[Path] = []
    for start, end in ranges:
        files.extend(lake.readings_files(lake_dir, "hour", start, end))
    columns = ["site", "factor", "data_time", "avg", "valid"]
    if files:
        dataset = ds.dataset([str(f) for f in sorted(set(files))], format="parquet")
        where = pc.field("site").isin(sites) if sites is not None else None
        readings = dataset.to_table(columns=columns, filter=where)
    else:
        readings = lake.READINGS_SCHEMA.empty_table().select(columns)
    hourly = hourly_frame(readings)
    if by != "station":
        mapping = dict(zip(groups["site"], groups["group"], strict=True))
        hourly = station_mean(hourly, mapping).drop(columns=["stations"])
    daily = daily_statistics(hourly, options=_START_LABELS)
    daily = daily.rename(columns={"station": "group"})
    daily["group"] = daily["group"].astype(str)
    daily["date"] = pd.to_datetime(daily["date"]).astype("datetime64[ns]")
    if by == "station" and groups.empty:
        groups = pd.DataFrame({"site": daily["group"].unique()})
        groups["group"] = groups["site"]
        groups["name"] = None
        groups["district"] = None
    return daily.sort_values(["group", "date"], ignore_index=True), groups


__all__ = ["hourly_frame", "kernel_daily_values"]
