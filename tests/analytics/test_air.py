"""The Ibis expressions over the lake equal the pure kernel on the same data."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenloop.airquality import AqiOptions, daily_statistics, period_statistics, station_mean
from greenloop.analytics import air, lake
from greenloop.analytics.reference import hourly_frame

from .conftest import random_readings

SNAPSHOTS = Path(__file__).parent / "snapshots"
START_LABELS = AqiOptions(hour_label="start")


def engine_daily(con: Any, readings: pa.Table, **kwargs: Any) -> pd.DataFrame:
    table = ibis.memtable(lake.conform_readings(readings))
    frame = con.execute(air.daily_statistics(air.hourly_wide(table), **kwargs))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame.rename(columns={"site": "station"}).sort_values(
        ["station", "date"], ignore_index=True
    )


def kernel_daily(readings: pa.Table, **kwargs: Any) -> pd.DataFrame:
    hourly = hourly_frame(lake.conform_readings(readings))
    options = AqiOptions(hour_label="start", **kwargs)
    return daily_statistics(hourly, options=options)


def assert_same(engine: pd.DataFrame, kernel: pd.DataFrame) -> None:
    kernel = kernel.assign(station=kernel["station"].astype(str))[list(engine.columns)]
    pd.testing.assert_frame_equal(engine, kernel, check_dtype=False)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_daily_statistics_equal_the_kernel_on_random_hours(con: Any, seed: int) -> None:
    """Gaps, invalid flags, sparse days and exact rounding ties across the
    2026-03-01 switch: every daily value, count and validity is the same."""
    readings = random_readings(
        np.random.default_rng(seed), ["A", "B", "C"], dt.date(2026, 2, 20), 14
    )

    engine = engine_daily(con, readings)
    kernel = kernel_daily(readings)

    assert len(engine) == 42
    assert engine["o3_8h"].isna().any() and engine["pm25"].isna().any()
    assert_same(engine, kernel)


def test_daily_statistics_equal_the_kernel_on_decimal_values(con: Any) -> None:
    readings = random_readings(
        np.random.default_rng(4), ["A", "B"], dt.date(2025, 7, 1), 10, ties=False
    )

    assert_same(engine_daily(con, readings), kernel_daily(readings))


def test_unrounded_daily_means_equal_the_kernel(con: Any) -> None:
    readings = random_readings(np.random.default_rng(5), ["A"], dt.date(2025, 7, 1), 5)

    engine = engine_daily(con, readings, round_concentrations=False)
    kernel = kernel_daily(readings, round_concentrations=False)

    assert_same(engine, kernel)


hour_cell = st.one_of(
    st.none(),  # no row
    st.tuples(st.integers(0, 700).map(lambda v: v / 2), st.sampled_from(["N", "N", "N", "M", "D"])),
)


@functools.cache
def daily_sql() -> str:
    """The daily-statistics expression over a table named ``readings``,
    compiled once (compiling takes longer than running it)."""
    return str(
        ibis.to_sql(air.daily_statistics(air.hourly_wide(_readings_table())), dialect="duckdb")
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=st.lists(st.lists(hour_cell, min_size=24, max_size=24), min_size=1, max_size=4))
def test_any_pattern_of_o3_hours_gives_the_kernel_mda8(con: Any, days: list[list[Any]]) -> None:
    """O3 alone: any subset of hours, any flags — the 6-of-8 and 14-window
    rules, the exceedance exception and the 1-h maximum agree."""
    start = dt.datetime(2026, 2, 27, tzinfo=lake.LOCAL_TZ)
    times, values, flags = [], [], []
    for d, cells in enumerate(days):
        for h, cell in enumerate(cells):
            if cell is not None:
                times.append(start + dt.timedelta(days=d, hours=h))
                values.append(cell[0])
                flags.append(cell[1])
    if not times:
        return
    readings = pa.table(
        {
            "mn": ["M"] * len(times),
            "site": ["A"] * len(times),
            "factor": ["a05024"] * len(times),
            "data_time": pa.array(times, pa.timestamp("us", tz="UTC")),
            "avg": values,
            "flag": flags,
        }
    )
    con.con.register("readings", lake.conform_readings(readings))

    engine = con.con.execute(daily_sql()).df()
    kernel = kernel_daily(readings)

    engine["date"] = pd.to_datetime(engine["date"]).astype("datetime64[ns]")
    engine = engine.rename(columns={"site": "station"}).sort_values("date", ignore_index=True)
    assert_same(engine, kernel)


def o3_hours(values: dict[int, float], day: dt.date = dt.date(2026, 7, 1)) -> pa.Table:
    start = dt.datetime.combine(day, dt.time(), tzinfo=lake.LOCAL_TZ)
    return pa.table(
        {
            "mn": ["M"] * len(values),
            "site": ["A"] * len(values),
            "factor": ["a05024"] * len(values),
            "data_time": pa.array(
                [start + dt.timedelta(hours=h) for h in values], pa.timestamp("us", tz="UTC")
            ),
            "avg": list(values.values()),
        }
    )


@pytest.mark.parametrize(
    ("level", "valid"),
    [(160.0, False), (160.4, False), (160.5, False), (160.6, True), (161.0, True)],
)
def test_an_mda8_from_few_windows_counts_only_above_the_limit(
    con: Any, level: float, valid: bool
) -> None:
    """HJ 663 §6.1.2: with fewer than 14 valid windows the MDA8 stands only
    if it exceeds 160 µg/m³ — judged on the rounded value (decision 0007
    #10): 160.5 rounds (half to even) to 160 and does not exceed."""
    readings = o3_hours(dict.fromkeys(range(8), level))

    engine = engine_daily(con, readings)

    assert engine.loc[0, "windows_o3_8h"] == 3
    assert engine["o3_8h"].notna().tolist() == [valid]
    assert_same(engine, kernel_daily(readings))


@pytest.mark.parametrize(("level", "valid"), [(200.0, False), (200.4, True), (201.0, True)])
def test_an_o3_1h_maximum_from_few_hours_counts_only_above_the_limit(
    con: Any, level: float, valid: bool
) -> None:
    readings = o3_hours({0: level, 1: 50.0})

    engine = engine_daily(con, readings)

    assert engine["o3_1h"].notna().tolist() == [valid]
    assert_same(engine, kernel_daily(readings))


def test_a_day_needs_20_valid_hours_for_its_mean(con: Any) -> None:
    t = dt.datetime(2026, 7, 1, tzinfo=lake.LOCAL_TZ)
    readings = pa.table(
        {
            "mn": ["M"] * 48,
            "site": ["A"] * 24 + ["B"] * 24,
            "factor": ["a34004"] * 48,
            "data_time": pa.array(
                [t + dt.timedelta(hours=h % 24) for h in range(48)], pa.timestamp("us", tz="UTC")
            ),
            "avg": [30.0] * 48,
            # A: 20 valid hours; B: 19.
            "flag": ["N"] * 20 + ["M"] * 4 + ["N"] * 19 + ["D"] * 5,
        }
    )

    engine = engine_daily(con, readings)

    assert engine["pm25"].isna().tolist() == [False, True]
    assert engine["hours_pm25"].tolist() == [20, 19]
    assert_same(engine, kernel_daily(readings))


def test_the_reference_mda8_example_through_the_lake(con: Any, tmp_path: Path) -> None:
    o3 = [
        40,
        35,
        30,
        28,
        25,
        24,
        30,
        45,
        62,
        80,
        101,
        122,
        140,
        155,
        166,
        172,
        170,
        160,
        140,
        118,
        96,
        80,
        66,
        55,
    ]
    start = dt.datetime(2025, 7, 1, tzinfo=lake.LOCAL_TZ)  # hour 1 = 00:00–01:00
    readings = pa.table(
        {
            "mn": ["M"] * 24,
            "site": ["A"] * 24,
            "factor": ["a05024"] * 24,
            "data_time": pa.array(
                [start + dt.timedelta(hours=h) for h in range(24)], pa.timestamp("us", tz="UTC")
            ),
            "avg": [float(v) for v in o3],
            "flag": ["N"] * 24,
        }
    )
    lake.write_readings(tmp_path, "hour", readings)

    table = lake.read_readings(con, tmp_path, "hour", dt.date(2025, 7, 1), dt.date(2025, 7, 1))
    day = con.execute(air.daily_statistics(air.hourly_wide(table))).iloc[0]

    assert (day["o3_8h"], day["windows_o3_8h"], day["o3_1h"]) == (153.0, 17, 172.0)


def test_district_means_equal_the_kernel_station_mean(con: Any) -> None:
    """Hourly means of the districts' stations, then daily values."""
    readings = random_readings(
        np.random.default_rng(6), ["A", "B", "C", "D", "E"], dt.date(2026, 2, 25), 8
    )
    groups = {
        "A": "219902000000",
        "B": "219902000000",
        "C": "219902000000",
        "D": "219903000000",
        "E": "219903000000",
    }
    membership = ibis.memtable(
        pd.DataFrame({"site": list(groups), "district": list(groups.values())})
    )
    table = ibis.memtable(lake.conform_readings(readings))

    hourly = air.group_hourly_mean(air.hourly_wide(table), membership, key="district")
    engine = con.execute(air.daily_statistics(hourly, key="district"))
    engine["date"] = pd.to_datetime(engine["date"]).astype("datetime64[ns]")
    engine = engine.rename(columns={"district": "station"}).sort_values(
        ["station", "date"], ignore_index=True
    )
    kernel_hourly = station_mean(hourly_frame(lake.conform_readings(readings)), groups)
    kernel = daily_statistics(kernel_hourly.drop(columns=["stations"]), options=START_LABELS)

    assert len(engine) == 16
    assert_same(engine, kernel)


def test_the_station_count_of_a_district_hour_counts_stations_with_a_row(con: Any) -> None:
    t = pd.Timestamp("2026-05-01 08:00", tz="Asia/Shanghai").tz_convert("UTC")
    readings = pd.DataFrame(
        {
            "site": ["A", "B", "B"],
            "factor": ["a34004", "a34004", "a34002"],
            "data_time": [t, t, t],
            "avg": [30.0, 41.0, 60.0],
            "valid": [True, False, True],
        }
    )
    membership = ibis.memtable(pd.DataFrame({"site": ["A", "B"], "district": ["D", "D"]}))

    out = con.execute(
        air.group_hourly_mean(air.hourly_wide(ibis.memtable(readings)), membership, key="district")
    )

    assert out[["pm25", "pm10", "stations"]].values.tolist() == [[30_000_000, 60_000_000, 2]]


@pytest.mark.parametrize("freq", ["month", "year"])
def test_period_means_equal_the_kernel_period_statistics(con: Any, freq: str) -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2025-01-01", "2026-12-31")
    daily = pd.DataFrame({"site": np.repeat(["A", "B"], len(days)), "date": np.tile(days, 2)})
    for item in air.PERIOD_ITEMS:
        values = (
            rng.integers(0, 300, len(daily)).astype(float)
            if item != "co"
            else rng.integers(1, 40, len(daily)) / 10
        )
        values[rng.random(len(daily)) < (0.2 if item == "so2" else 0.05)] = np.nan
        daily[item] = values

    engine = con.execute(
        air.period_means(ibis.memtable(daily.assign(date=daily.date.dt.date)), freq=freq)
    )
    kernel = period_statistics(daily.rename(columns={"site": "station"}), freq=freq)

    engine = engine.sort_values(["site", "period"], ignore_index=True)
    assert len(engine) == len(kernel)
    for item in air.PERIOD_ITEMS:
        assert engine[f"{item}_days"].tolist() == kernel[f"{item}_days"].tolist()
        assert engine[f"{item}_valid"].tolist() == kernel[f"{item}_valid"].tolist()
        np.testing.assert_array_equal(
            engine[f"{item}_mean"].to_numpy(dtype=float), kernel[f"{item}_mean"].to_numpy()
        )


def test_scaling_rounds_half_to_even_like_numpy(con: Any) -> None:
    values = [0.0000005, 0.0000015, 0.0000025, 35.1, 1.3, 2.2, 0.1 + 0.2]
    t = ibis.memtable(pd.DataFrame({"x": values}))

    got = con.execute(t.select(s=air.to_scaled(t.x)))["s"].tolist()

    assert got == np.rint(np.array(values) * 1_000_000).astype(np.int64).tolist()


def test_ratios_round_half_to_even_by_integer_arithmetic(con: Any) -> None:
    num = [1_225_000_000, 2_500_000, 3_500_000, 2_500_001, 12_345_678_901, 0]
    den = [8, 1, 1, 1, 7, 3]
    t = ibis.memtable(pd.DataFrame({"n": num, "d": den}))

    got = con.execute(t.select(r=air.round_ratio(t.n, t.d, 1_000_000)))["r"].tolist()

    assert got == [153_000_000, 2_000_000, 4_000_000, 3_000_000, 1_764_000_000, 0]


def _readings_table() -> ibis.Table:
    return ibis.table(ibis.Schema.from_pyarrow(lake.READINGS_SCHEMA), name="readings")


def test_the_hourly_pivot_compiles_to_the_snapshot_sql() -> None:
    """STYLE §11: the SQL an expression compiles to is part of its review."""
    sql = ibis.to_sql(air.hourly_wide(_readings_table(), sites=["219902A01"]), dialect="duckdb")
    snapshot = SNAPSHOTS / "hourly_wide.duckdb.sql"
    if os.environ.get("GREENLOOP_UPDATE_SNAPSHOTS"):
        snapshot.write_text(str(sql) + "\n", encoding="utf-8")

    assert str(sql) + "\n" == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("dialect", ["postgres", "trino"])
def test_the_expressions_compile_for_other_engines(dialect: str) -> None:
    """No DuckDB-only operation: the same expressions compile for other
    Ibis backends (Spark needs a live session to compile, see engine.py)."""
    readings = _readings_table()
    membership = ibis.table({"site": "string", "district": "string"}, name="stations")
    hourly = air.group_hourly_mean(air.hourly_wide(readings), membership, key="district")
    daily = air.daily_statistics(hourly, key="district")

    sql = ibis.to_sql(air.period_means(daily, key="district", freq="month"), dialect=dialect)

    assert "GROUP BY" in str(sql)
