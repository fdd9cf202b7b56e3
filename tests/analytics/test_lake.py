"""The lake: layout, atomic and idempotent partition writes, reading back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from greenloop.analytics import lake

from .conftest import random_readings

UTC = dt.UTC


def rows(*items: tuple[str, dt.datetime, float | None, str | None], site: str = "S1") -> pa.Table:
    return pa.table(
        {
            "mn": pa.array(["M1"] * len(items)),
            "site": pa.array([site] * len(items)),
            "factor": pa.array([i[0] for i in items]),
            "data_time": pa.array([i[1] for i in items], pa.timestamp("us", tz="UTC")),
            "avg": pa.array([i[2] for i in items], pa.float64()),
            "flag": pa.array([i[3] for i in items], pa.string()),
        }
    )


def read_back(con: Any, lake_dir: Path, start: dt.date, end: dt.date) -> Any:
    table = lake.read_readings(con, lake_dir, "hour", start, end)
    return con.execute(table).sort_values(["site", "factor", "data_time"], ignore_index=True)


def test_written_readings_read_back_unchanged(con: Any, tmp_path: Path) -> None:
    readings = random_readings(np.random.default_rng(1), ["S1", "S2"], dt.date(2026, 2, 27), 3)

    summary = lake.write_readings(tmp_path, "hour", readings)
    back = read_back(con, tmp_path, dt.date(2026, 2, 27), dt.date(2026, 3, 1))

    assert summary.rows == readings.num_rows
    assert summary.partitions == (dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2026, 3, 1))
    expected = lake.conform_readings(readings).to_pandas()
    expected = expected.sort_values(["site", "factor", "data_time"], ignore_index=True)
    assert list(back.columns) == lake.READINGS_SCHEMA.names
    assert back[["mn", "site", "factor", "flag", "valid"]].equals(
        expected[["mn", "site", "factor", "flag", "valid"]]
    )
    assert np.array_equal(back["avg"].to_numpy(), expected["avg"].to_numpy())
    assert (back["data_time"] == expected["data_time"]).all()


def test_the_layout_is_kind_then_local_date(tmp_path: Path) -> None:
    # 2026-02-28 16:00 UTC is 2026-03-01 00:00 in Beijing: the first hour
    # of 1 March, the day HJ 633-2026 applies from.
    readings = rows(("a34004", dt.datetime(2026, 2, 28, 16, tzinfo=UTC), 35.0, "N"))

    lake.write_readings(tmp_path, "hour", readings)

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert files == ["readings/kind=hour/date=2026-03-01/part-0.parquet"]


def test_the_valid_column_follows_the_data_flag() -> None:
    t = dt.datetime(2026, 5, 1, tzinfo=UTC)
    readings = rows(
        *[("a34004", t + dt.timedelta(hours=i), 1.0, f) for i, f in enumerate("NFMSDCTB")]
    )

    conformed = lake.conform_readings(readings)

    assert conformed.column("valid").to_pylist() == [True] + [False] * 7


def test_a_missing_flag_counts_as_normal_and_nan_becomes_null() -> None:
    t = dt.datetime(2026, 5, 1, tzinfo=UTC)

    conformed = lake.conform_readings(rows(("a34004", t, float("nan"), None)))

    assert conformed.column("valid").to_pylist() == [True]
    assert conformed.column("avg").to_pylist() == [None]


def test_rewriting_the_same_rows_leaves_the_partition_unchanged(tmp_path: Path) -> None:
    readings = random_readings(np.random.default_rng(2), ["S1"], dt.date(2026, 6, 1), 1)
    lake.write_readings(tmp_path, "hour", readings)
    path = lake.partition_dir(tmp_path, "hour", dt.date(2026, 6, 1)) / lake.PART
    before = pq.read_table(path)

    summary = lake.write_readings(tmp_path, "hour", readings)

    assert summary.replaced == readings.num_rows
    assert pq.read_table(path).equals(before)


def test_a_merge_replaces_rows_with_the_same_key_and_keeps_the_others(tmp_path: Path) -> None:
    t = dt.datetime(2026, 6, 1, 2, tzinfo=UTC)
    lake.write_readings(tmp_path, "hour", rows(("a34004", t, 35.0, "N"), ("a34002", t, 60.0, "N")))

    summary = lake.write_readings(
        tmp_path,
        "hour",
        rows(("a34004", t, 36.0, "M"), ("a34004", t + dt.timedelta(hours=1), 40.0, "N")),
    )

    path = lake.partition_dir(tmp_path, "hour", dt.date(2026, 6, 1)) / lake.PART
    table = pq.read_table(path).to_pylist()
    assert summary.replaced == 1
    assert [(r["factor"], r["avg"], r["flag"], r["valid"]) for r in table] == [
        ("a34002", 60.0, "N", True),
        ("a34004", 36.0, "M", False),
        ("a34004", 40.0, "N", True),
    ]


def test_replace_mode_makes_the_rows_the_whole_partition(tmp_path: Path) -> None:
    t = dt.datetime(2026, 6, 1, 2, tzinfo=UTC)
    lake.write_readings(tmp_path, "hour", rows(("a34004", t, 35.0, "N"), ("a34002", t, 60.0, "N")))

    lake.write_readings(tmp_path, "hour", rows(("a34004", t, 37.0, "N")), mode="replace")

    path = lake.partition_dir(tmp_path, "hour", dt.date(2026, 6, 1)) / lake.PART
    assert pq.read_table(path).column("avg").to_pylist() == [37.0]


def test_the_last_of_repeated_rows_in_one_batch_wins(tmp_path: Path) -> None:
    t = dt.datetime(2026, 6, 1, 2, tzinfo=UTC)

    summary = lake.write_readings(
        tmp_path, "hour", rows(("a34004", t, 1.0, "N"), ("a34004", t, 2.0, "N"))
    )

    path = lake.partition_dir(tmp_path, "hour", dt.date(2026, 6, 1)) / lake.PART
    assert summary.rows == 1
    assert pq.read_table(path).column("avg").to_pylist() == [2.0]


def test_a_failed_write_leaves_the_old_partition_and_no_stray_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = dt.datetime(2026, 6, 1, 2, tzinfo=UTC)
    lake.write_readings(tmp_path, "hour", rows(("a34004", t, 35.0, "N")))
    directory = lake.partition_dir(tmp_path, "hour", dt.date(2026, 6, 1))
    real_write = pq.write_table

    def write_half_then_crash(table: pa.Table, where: Any, **kwargs: Any) -> None:
        real_write(table.slice(0, 0), where, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", write_half_then_crash)

    with pytest.raises(OSError, match="disk full"):
        lake.write_readings(tmp_path, "hour", rows(("a34004", t, 99.0, "N")))

    assert pq.read_table(directory / lake.PART).column("avg").to_pylist() == [35.0]
    assert sorted(p.name for p in directory.iterdir()) == [".lock", lake.PART]


def test_the_partition_is_replaced_by_a_rename_of_a_hidden_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = dt.datetime(2026, 6, 1, 2, tzinfo=UTC)
    renames: list[tuple[str, str]] = []
    real_replace = lake.os.replace

    def record(src: Any, dst: Any) -> None:
        renames.append((Path(src).name, Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(lake.os, "replace", record)

    lake.write_readings(tmp_path, "hour", rows(("a34004", t, 35.0, "N")))

    ((src, dst),) = renames
    assert src.startswith(".part-0.parquet.") and src.endswith(".tmp")
    assert dst == lake.PART


def test_reading_a_date_range_reads_only_its_partitions(con: Any, tmp_path: Path) -> None:
    readings = random_readings(np.random.default_rng(3), ["S1"], dt.date(2026, 1, 30), 4)
    lake.write_readings(tmp_path, "hour", readings)

    back = read_back(con, tmp_path, dt.date(2026, 1, 31), dt.date(2026, 2, 1))

    local = back["data_time"].dt.tz_convert("Asia/Shanghai").dt.date
    assert set(local) == {dt.date(2026, 1, 31), dt.date(2026, 2, 1)}
    assert (
        len(lake.readings_files(tmp_path, "hour", dt.date(2026, 1, 31), dt.date(2026, 2, 1))) == 2
    )


def test_an_empty_range_reads_as_an_empty_table_with_the_schema(con: Any, tmp_path: Path) -> None:
    table = lake.read_readings(con, tmp_path, "hour", dt.date(2026, 1, 1), dt.date(2026, 1, 31))

    frame = con.execute(table)

    assert frame.empty
    assert list(frame.columns) == lake.READINGS_SCHEMA.names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop_columns(["site"]), "缺少必需的列：site"),
        (lambda t: t.append_column("colour", pa.array(["red"])), "未知的列：colour"),
        (
            lambda t: t.set_column(
                3, "data_time", pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us"))
            ),
            "带时区",
        ),
        (lambda t: t.set_column(0, "mn", pa.array([None], pa.string())), "列 mn 不能有空值"),
        (lambda t: t.set_column(4, "avg", pa.array(["x"])), "列 avg 必须是数值"),
    ],
)
def test_bad_rows_are_refused_naming_the_column(tmp_path: Path, change: Any, message: str) -> None:
    bad = change(rows(("a34004", dt.datetime(2026, 1, 1, tzinfo=UTC), 1.0, "N")))

    with pytest.raises(lake.InvalidReadings, match=message):
        lake.write_readings(tmp_path, "hour", bad)

    assert not list(tmp_path.rglob("*.parquet"))


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(lake.UnknownKind):
        lake.write_readings(tmp_path, "second", rows())


def test_the_stations_table_round_trips_and_checks_codes(tmp_path: Path) -> None:
    table = pa.table(
        {
            "site": ["A1", "B1"],
            "kind": ["national", "micro"],
            "district": ["219902000000", "219903000000"],
        }
    )

    lake.write_stations(tmp_path, table)
    back = lake.read_stations(tmp_path)

    assert back.schema.equals(lake.STATIONS_SCHEMA)
    assert back.column("district").to_pylist() == ["219902000000", "219903000000"]
    with pytest.raises(lake.InvalidReadings, match="12 位"):
        lake.write_stations(tmp_path, table.set_column(2, "district", pa.array(["2199", None])))
    with pytest.raises(lake.InvalidReadings, match="重复"):
        lake.write_stations(tmp_path, pa.table({"site": ["A1", "A1"]}))


def test_reading_stations_of_a_lake_without_them_says_so(tmp_path: Path) -> None:
    with pytest.raises(lake.MissingStations):
        lake.read_stations(tmp_path)


def test_the_default_lake_is_under_the_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLOOP_DATA_DIR", "/srv/greenloop")

    assert lake.default_lake_dir() == Path("/srv/greenloop/lake")
