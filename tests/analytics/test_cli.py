"""``greenloop evaluate air``: the evaluation over the lake equals the kernel's."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from greenloop.airquality import (
    attainment,
    composite_index,
    daily_aqi,
    good_day_ratio,
    period_statistics,
)
from greenloop.analytics import lake
from greenloop.analytics.cli import evaluate
from greenloop.analytics.evaluate import output_columns
from greenloop.analytics.reference import kernel_daily_values

from .conftest import random_readings

DISTRICTS = {
    "A1": "219902000000",
    "A2": "219902000000",
    "B1": "219903000000",
    "B2": "219903000000",
    "M1": "219903000000",
}


@pytest.fixture(scope="module")
def random_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of hostile random hours (gaps, bad flags, rounding ties) of
    four control stations and one micro-station in two districts."""
    root = tmp_path_factory.mktemp("random-lake")
    readings = random_readings(
        np.random.default_rng(11),
        list(DISTRICTS),
        dt.date(2025, 1, 1),
        365,
        missing=0.03,
        invalid=0.02,
        sparse=0.04,
        highs={"so2": 50, "no2": 80, "pm10": 150, "pm25": 90, "o3": 200, "co": 2.5},
    )
    lake.write_readings(root, "hour", readings, durable=False)
    lake.write_stations(
        root,
        pa.table(
            {
                "site": list(DISTRICTS),
                "name": [f"站{s}" for s in DISTRICTS],
                "kind": ["national", "provincial", "national", "national", "micro"],
                "district": list(DISTRICTS.values()),
                "district_name": [
                    "东区" if d.endswith("02000000") else "西区" for d in DISTRICTS.values()
                ],
                "city": ["219900000000"] * len(DISTRICTS),
                "city_name": ["辽东市"] * len(DISTRICTS),
            }
        ),
    )
    return root


def run(*args: str) -> Any:
    return CliRunner().invoke(evaluate, ["air", *args], catch_exceptions=False)


def csv(result: Any) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)


def kernel_evaluation(
    lake_dir: Path, start: dt.date, end: dt.date, by: str, **kwargs: Any
) -> pd.DataFrame:
    """The same evaluation by the kernel alone, step by step."""
    daily, _ = kernel_daily_values(lake_dir, [(start, end)], by=by, **kwargs)
    frame = daily.rename(columns={"group": "station"})
    stats = period_statistics(frame, by=["station"], freq="year")
    judged = attainment(stats)
    aqi = daily_aqi(frame)
    ratio = good_day_ratio(
        pd.DataFrame(
            {
                "station": frame["station"],
                "date": frame["date"],
                "aqi": aqi["aqi"],
                "standard": aqi["standard"],
            }
        )
    )
    index = composite_index(stats)
    out = judged.merge(ratio, on=["station", "period"]).merge(
        index[["station", "period", "composite_index", "main_pollutant"]], on=["station", "period"]
    )
    return out.set_index("station")


def number(text: str) -> float:
    return float(text) if text else float("nan")


def assert_matches_kernel(printed: pd.DataFrame, key: str, expected: pd.DataFrame) -> None:
    printed = printed.set_index(key)
    assert sorted(printed.index) == sorted(expected.index.astype(str))
    for code, row in printed.iterrows():
        kernel = expected.loc[code]
        for column, decimals in [
            ("so2_mean", 0), ("so2_p98", 0), ("no2_mean", 0), ("no2_p98", 0), ("pm10_mean", 0), ("pm10_p95", 0),
            ("pm25_mean", 0), ("pm25_p95", 0), ("co_p95", 1), ("o3_8h_p90", 0), ("good_ratio", 1), ("composite_index", 3),
        ]:  # fmt: skip
            want = kernel[column]
            got = number(row[column])
            if np.isnan(want):
                assert np.isnan(got), (code, column)
            else:
                assert got == round(float(want), decimals), (code, column, got, want)
        for column in ("pm25_days", "o3_8h_days", "days_valid", "days_good", "days_heavy"):
            assert int(row[column]) == int(kernel[column]), (code, column)
        for column in ("pm25_attained", "o3_attained", "attained"):
            want = kernel[column]
            assert row[column] == ("" if pd.isna(want) else str(bool(want)).lower()), (code, column)
        assert row["main_pollutant"] == (kernel["main_pollutant"] or "")


@pytest.mark.parametrize("by", ["station", "district", "city"])
def test_the_annual_evaluation_equals_the_kernel_on_random_data(random_lake: Path, by: str) -> None:
    result = run(
        "--from", "2025-01-01", "--to", "2025-12-31", "--by", by, "--lake", str(random_lake)
    )

    printed = csv(result)

    assert result.exit_code == 0, result.stderr
    assert list(printed.columns) == output_columns(by, yoy=False)  # type: ignore[arg-type]
    expected = kernel_evaluation(random_lake, dt.date(2025, 1, 1), dt.date(2025, 12, 31), by)
    assert_matches_kernel(printed, by, expected)
    assert set(printed["standards"]) == {"HJ 633-2012"}
    assert set(printed["limits"]) == {"GB 3095-2012"}


def test_a_district_is_the_mean_of_its_control_stations_only(random_lake: Path) -> None:
    official = csv(
        run(
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--by",
            "district",
            "--lake",
            str(random_lake),
        )
    )
    everything = csv(
        run(
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--by",
            "district",
            "--stations",
            "all",
            "--lake",
            str(random_lake),
        )
    )

    west_official = official.set_index("district").loc["219903000000"]
    west_all = everything.set_index("district").loc["219903000000"]
    assert (
        west_official["pm25_mean"] != west_all["pm25_mean"]
        or west_official["so2_mean"] != west_all["so2_mean"]
    )
    expected = kernel_evaluation(
        random_lake, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "district", stations="all"
    )
    assert_matches_kernel(everything, "district", expected)


def test_the_annual_evaluation_of_the_demo_lake_equals_the_kernel(demo_lake: Path) -> None:
    result = run(
        "--from", "2026-01-01", "--to", "2026-12-31", "--by", "district", "--lake", str(demo_lake)
    )

    printed = csv(result)

    expected = kernel_evaluation(demo_lake, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "district")
    assert_matches_kernel(printed, "district", expected)
    assert set(printed["standards"]) == {"HJ 633-2012+HJ 633-2026"}
    assert set(printed["evaluation"]) == {"HJ 663-2013+HJ 663-2026"}
    assert set(printed["limits"]) == {"GB 3095-2026 (过渡期限值)"}


def test_yoy_names_the_rule_sets_of_both_sides(demo_lake: Path) -> None:
    result = run(
        "--from",
        "2026-01-01",
        "--to",
        "2026-10-31",
        "--by",
        "city",
        "--yoy",
        "--lake",
        str(demo_lake),
    )

    row = csv(result).iloc[0]

    assert result.exit_code == 0
    assert (row["period"], row["period_previous"]) == (
        "2026-01-01~2026-10-31",
        "2025-01-01~2025-10-31",
    )
    assert (row["standards"], row["standards_previous"]) == (
        "HJ 633-2012+HJ 633-2026",
        "HJ 633-2012",
    )
    assert (row["evaluation"], row["evaluation_previous"]) == (
        "HJ 663-2013+HJ 663-2026",
        "HJ 663-2013",
    )
    assert (row["limits"], row["limits_previous"]) == ("GB 3095-2026 (过渡期限值)", "GB 3095-2012")
    assert row["composite_method"] == row["composite_method_previous"] == "环办〔2014〕64号"
    assert "本期 2026-01-01~2026-10-31" in result.stderr
    assert (
        "上年同期 2025-01-01~2025-10-31：AQI HJ 633-2012；评价 HJ 663-2013；限值 GB 3095-2012"
        in result.stderr
    )


def test_yoy_changes_are_against_the_previous_period(demo_lake: Path) -> None:
    now = csv(
        run(
            "--from",
            "2026-01-01",
            "--to",
            "2026-10-31",
            "--by",
            "city",
            "--yoy",
            "--lake",
            str(demo_lake),
        )
    ).iloc[0]
    before = csv(
        run("--from", "2025-01-01", "--to", "2025-10-31", "--by", "city", "--lake", str(demo_lake))
    ).iloc[0]

    assert now["pm25_mean_previous"] == before["pm25_mean"]
    assert now["composite_index_previous"] == before["composite_index"]
    assert int(now["pm25_mean_change"]) == int(now["pm25_mean"]) - int(before["pm25_mean"])
    pct = (int(now["pm25_mean"]) - int(before["pm25_mean"])) / int(before["pm25_mean"]) * 100
    assert now["pm25_mean_change_pct"] == f"{pct:.1f}"
    assert now["good_ratio_previous"] == before["good_ratio"]


def test_a_partial_year_is_a_cumulative_period_without_validity_flags(demo_lake: Path) -> None:
    row = csv(run("--from", "2026-01-01", "--to", "2026-10-31", "--lake", str(demo_lake))).iloc[0]

    assert row["days"] == "304"
    assert int(row["pm25_days"]) <= 304
    assert row["pm25_valid"] == ""
    assert row["pm25_mean"] != ""


def test_a_lake_without_data_for_the_period_is_an_error(demo_lake: Path) -> None:
    result = run("--from", "2024-01-01", "--to", "2024-12-31", "--lake", str(demo_lake))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "错误" in result.stderr


def test_districts_need_the_stations_table(tmp_path: Path) -> None:
    readings = random_readings(np.random.default_rng(1), ["A"], dt.date(2025, 1, 1), 2)
    lake.write_readings(tmp_path, "hour", readings)

    by_district = run(
        "--from", "2025-01-01", "--to", "2025-01-02", "--by", "district", "--lake", str(tmp_path)
    )
    by_station = run(
        "--from", "2025-01-01", "--to", "2025-01-02", "--by", "station", "--lake", str(tmp_path)
    )

    assert by_district.exit_code == 1 and "站点表" in by_district.stderr
    assert by_station.exit_code == 0
    assert csv(by_station)["station"].tolist() == ["A"]


def test_an_end_before_the_start_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--from", "2025-02-01", "--to", "2025-01-01", "--lake", str(tmp_path))

    assert result.exit_code == 2


def test_the_lake_defaults_to_the_data_directory(
    demo_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(demo_lake.parent))
    (demo_lake.parent / "lake").symlink_to(demo_lake)

    result = run("--from", "2025-03-01", "--to", "2025-03-31")

    assert result.exit_code == 0
    assert csv(result)["period"].tolist() == ["2025-03-01~2025-03-31"]


def test_yoy_without_data_a_year_earlier_still_names_that_year_s_rules(demo_lake: Path) -> None:
    result = run("--from", "2025-01-01", "--to", "2025-03-31", "--yoy", "--lake", str(demo_lake))

    row = csv(result).iloc[0]

    assert result.exit_code == 0
    assert row["pm25_mean"] != "" and row["pm25_mean_previous"] == ""
    assert (row["period_previous"], row["standards_previous"], row["limits_previous"]) == (
        "2024-01-01~2024-03-31",
        "HJ 633-2012",
        "GB 3095-2012",
    )
