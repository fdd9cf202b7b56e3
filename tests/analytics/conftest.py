"""Fixtures of the analytics tests: one DuckDB connection per run, random
hourly readings with gaps and invalid flags, and a small demo lake built
once per run (two years, six stations)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from greenloop.analytics import engine
from greenloop.analytics.air import AIR_FACTORS

#: Flags drawn for invalid rows (HJ 212-2017 Table 8).
BAD_FLAGS = ("F", "M", "S", "D", "C", "T", "B")


@pytest.fixture(scope="session")
def con() -> Any:
    """One in-memory DuckDB connection for the whole run (built once)."""
    connection = engine.connect("duckdb")
    yield connection
    connection.disconnect()


def random_readings(
    rng: np.random.Generator,
    sites: Sequence[str],
    start: dt.date,
    days: int,
    *,
    missing: float = 0.12,
    invalid: float = 0.08,
    sparse: float = 0.25,
    ties: bool = True,
    highs: dict[str, float] | None = None,
) -> pa.Table:
    """Hourly long readings of ``sites`` with gaps and invalid flags.

    ``highs`` caps the values of each pollutant (default 300, CO 4).

    Values are integers or halves (CO: hundredths), so that daily means
    and 8-h means often land exactly on a rounding boundary; some days
    lose most of their hours so that the 20-hour and 14-window rules bite.
    """
    hours = np.arange(days * 24)
    local = np.datetime64(start) + hours.astype("timedelta64[h]")
    utc = (local - np.timedelta64(8, "h")).astype("datetime64[us]")
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("site", "factor", "data_time", "avg", "flag")
    }
    for site in sites:
        sparse_days = rng.random(days) < sparse  # days with many hours missing
        for pollutant, code in AIR_FACTORS.items():
            high = (highs or {}).get(pollutant, 4.0 if pollutant == "co" else 300.0)
            if pollutant == "co":
                value = rng.integers(1, int(high * 100), hours.size) / 100
            elif ties:
                value = rng.integers(0, int(high * 2), hours.size) / 2
            else:
                value = np.round(rng.gamma(2.0, high / 7.5, hours.size), 1)
            drop = rng.random(hours.size) < np.where(np.repeat(sparse_days, 24), 0.45, missing)
            flag = np.where(
                rng.random(hours.size) < invalid, rng.choice(BAD_FLAGS, hours.size), "N"
            )
            keep = ~drop
            parts["site"].append(np.full(int(keep.sum()), site, dtype=object))
            parts["factor"].append(np.full(int(keep.sum()), code, dtype=object))
            parts["data_time"].append(utc[keep])
            parts["avg"].append(value[keep])
            parts["flag"].append(flag[keep].astype(object))
    site_column = np.concatenate(parts["site"])
    return pa.table(
        {
            "mn": pa.array(["MN" + s for s in site_column], pa.string()),
            "site": pa.array(site_column, pa.string()),
            "factor": pa.array(np.concatenate(parts["factor"]), pa.string()),
            "data_time": pa.array(np.concatenate(parts["data_time"])).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "avg": pa.array(np.concatenate(parts["avg"]), pa.float64()),
            "flag": pa.array(np.concatenate(parts["flag"]), pa.string()),
        }
    )


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo history for 2025–2026 with 4 national and 2 micro-stations."""
    from greenloop.demo.air_history import generate_air_history

    lake = tmp_path_factory.mktemp("demo-lake")
    generate_air_history(lake, national=4, micro=2, durable=False)
    return lake


#: Warnings of the installed Ibis 12 / DuckDB 2 / pandas 3 combination, raised
#: inside Ibis itself (the suite turns warnings into errors).
LIBRARY_WARNINGS = (
    "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning",
    "ignore:The 'future.infer_string' option is deprecated",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            for spec in LIBRARY_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))
