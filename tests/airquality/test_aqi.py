"""AQI, primary pollutants, levels and report rules (HJ 633 §5–§7 of the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.airquality import (
    CATEGORIES,
    COLOURS,
    AqiOptions,
    DuplicateHour,
    MissingColumns,
    category_of,
    colour_of,
    daily_aqi,
    daily_arrays,
    hourly_aqi,
    level_of,
)

EXAMPLE_A = {"so2": 12, "no2": 45, "pm10": 160, "pm25": 118, "co": 1.3, "o3_1h": 180, "o3_8h": 150}


def daily_row(date: str, **values: float | None) -> dict[str, object]:
    return {"station": "A", "date": pd.Timestamp(date), **values}


def hourly_row(time: str, station: str = "A", **values: float | None) -> dict[str, object]:
    base = {"so2": 10, "no2": 20, "pm10": 30, "co": 0.5, "o3": 40, "pm25": 20}
    return {"station": station, "time": pd.Timestamp(time), **base, **values}


def test_example_a_gives_aqi_155_pm25_primary_and_two_non_attainment_pollutants() -> None:
    frame = pd.DataFrame([daily_row("2025-06-01", **EXAMPLE_A)])

    out = daily_aqi(frame).iloc[0]

    assert [out[f"iaqi_{p}"] for p in ("so2", "no2", "pm10", "co", "o3", "pm25")] == [
        12,
        57,
        105,
        33,
        92,
        155,
    ]
    assert (out["aqi"], out["primary"], out["level"], out["category"]) == (
        155,
        "pm25",
        4,
        "中度污染",
    )
    assert out["colour"] == "#FF0000"
    assert out["non_attainment"] == "pm10;pm25"
    assert out["standard"] == "HJ 633-2012"


def test_example_b_is_the_same_day_under_2026_with_pm10_at_116() -> None:
    frame = pd.DataFrame([daily_row("2026-06-01", **EXAMPLE_A)])

    out = daily_aqi(frame).iloc[0]

    assert (out["iaqi_pm10"], out["aqi"], out["primary"]) == (116, 155, "pm25")
    # HJ 633-2026 deleted non-attainment pollutants.
    assert out["non_attainment"] == ""
    assert out["standard"] == "HJ 633-2026"


def test_example_c_ties_make_every_maximum_a_primary_pollutant() -> None:
    common = {"so2": 5, "co": 0.3, "o3_8h": 50, "no2": 30}
    frame = pd.DataFrame(
        [
            daily_row("2025-06-01", pm25=75, pm10=150, **common),
            daily_row("2026-06-01", pm25=60, pm10=120, **common),
        ]
    )

    out = daily_aqi(frame)

    assert out["aqi"].tolist() == [100, 100]
    assert out["primary"].tolist() == ["pm10;pm25", "pm10;pm25"]
    assert out["iaqi_no2"].tolist() == [38, 38]


def test_a_2012_daily_o3_one_hour_maximum_can_be_left_out_of_the_aqi() -> None:
    values = {**EXAMPLE_A, "pm25": 10, "pm10": 10, "o3_1h": 300, "o3_8h": 150}
    frame = pd.DataFrame([daily_row("2025-06-01", **values)])

    with_1h = daily_aqi(frame).iloc[0]
    without = daily_aqi(frame, options=AqiOptions(daily_o3_1h=False)).iloc[0]

    assert (with_1h["aqi"], with_1h["primary"]) == (150, "o3_1h")
    assert (without["aqi"], without["primary"]) == (92, "o3_8h")


def test_the_o3_one_hour_column_is_ignored_under_2026() -> None:
    values = {**EXAMPLE_A, "pm25": 10, "pm10": 10, "o3_1h": 300}
    frame = pd.DataFrame([daily_row("2026-06-01", **values)])

    out = daily_aqi(frame).iloc[0]

    assert (out["aqi"], out["primary"]) == (92, "o3_8h")


def test_a_2012_daily_o3_8h_above_800_reports_the_one_hour_sub_index_under_its_name() -> None:
    values = {**EXAMPLE_A, "o3_8h": 850, "o3_1h": 1000}
    frame = pd.DataFrame([daily_row("2025-06-01", **values)])

    out = daily_aqi(frame).iloc[0]

    assert (out["iaqi_o3"], out["aqi"], out["primary"]) == (400, 400, "o3_1h")


def test_a_2026_daily_o3_8h_above_800_is_300() -> None:
    frame = pd.DataFrame([daily_row("2026-06-01", **{**EXAMPLE_A, "o3_8h": 850})])

    out = daily_aqi(frame).iloc[0]

    assert (out["iaqi_o3"], out["aqi"], out["primary"]) == (300, 300, "o3_8h")


def test_example_e_2026_real_time_uses_one_hour_pm_on_daily_breakpoints() -> None:
    row = hourly_row("2026-05-01 10:00", so2=20, no2=90, co=0.9, o3=210, pm10=135, pm25=70)

    out = hourly_aqi(pd.DataFrame([row])).iloc[0]

    assert [out[f"iaqi_{p}"] for p in ("so2", "no2", "co", "o3", "pm10", "pm25")] == [
        7,
        45,
        9,
        105,
        106,
        110,
    ]
    assert (out["aqi"], out["primary"], out["level"]) == (110, "pm25", 3)


def test_example_d_2012_real_time_by_the_letter_takes_o3_8h_as_primary() -> None:
    row = hourly_row(
        "2025-05-01 10:00",
        so2=20,
        no2=90,
        co=0.9,
        o3=210,
        pm10=300,
        pm25=200,
        o3_8h=170,
        pm10_24h=98,
        pm25_24h=62,
    )
    options = AqiOptions(convention="text")

    out = hourly_aqi(pd.DataFrame([row]), options=options).iloc[0]

    assert [out[f"iaqi_{p}"] for p in ("so2", "no2", "co", "pm10", "pm25")] == [7, 45, 9, 74, 84]
    assert out["iaqi_o3"] == 110  # the larger of O3 1-h (105) and 8-h (110)
    assert (out["aqi"], out["primary"], out["level"]) == (110, "o3_8h", 3)


def test_2012_real_time_follows_the_published_practice_by_default() -> None:
    row = hourly_row(
        "2025-05-01 10:00",
        so2=20,
        no2=90,
        co=0.9,
        o3=210,
        pm10=135,
        pm25=70,
        o3_8h=170,
        pm10_24h=98,
        pm25_24h=62,
    )

    out = hourly_aqi(pd.DataFrame([row])).iloc[0]

    # 1-h PM on the 2012 24-h breakpoints, no O3 8-h sub-index.
    assert (out["iaqi_pm10"], out["iaqi_pm25"], out["iaqi_o3"]) == (93, 94, 105)
    assert (out["aqi"], out["primary"]) == (105, "o3")


def test_2012_real_time_by_the_letter_computes_missing_moving_averages_per_station() -> None:
    times = pd.date_range("2025-05-01 01:00", periods=24, freq="h")
    rows = [hourly_row(str(t), pm10=100 + i, pm25=50, o3=80) for i, t in enumerate(times)]
    rows += [hourly_row(str(t), station="B", pm10=10, pm25=10, o3=10) for t in times]
    frame = pd.DataFrame(rows)
    options = AqiOptions(convention="text")

    out = hourly_aqi(frame, options=options)

    last_a, last_b = out.iloc[23], out.iloc[47]
    # A: PM10 mean of 100…123 = 111.5 → 112 (GB/T 8170) → 81; B's series is apart.
    assert last_a["iaqi_pm10"] == 81
    assert last_b["iaqi_pm10"] == 10
    # Fewer than 20 hours of the 24-h window: no PM sub-index yet.
    assert pd.isna(out.iloc[5]["iaqi_pm10"])


def test_2012_so2_one_hour_above_800_is_reported_by_its_24_hour_average() -> None:
    times = pd.date_range("2025-05-01 01:00", periods=24, freq="h")
    rows = [hourly_row(str(t), so2=900 if i == 23 else 200) for i, t in enumerate(times)]

    out = hourly_aqi(pd.DataFrame(rows)).iloc[23]

    # 24-h moving average (23 × 200 + 900) / 24 = 229.17 → 229 →
    # 100 + 79 × 50 / 325 = 112.15 → IAQI 113.
    assert (out["iaqi_so2"], out["aqi"], out["primary"]) == (113, 113, "so2_24h")


def test_2026_so2_one_hour_above_800_is_200() -> None:
    out = hourly_aqi(pd.DataFrame([hourly_row("2026-05-01 10:00", so2=900)])).iloc[0]

    assert (out["iaqi_so2"], out["aqi"], out["primary"]) == (200, 200, "so2")


def test_rule_sets_switch_with_the_day_the_hour_belongs_to() -> None:
    # End labels: 2026-03-01 00:00 closes the last hour of 28 February.
    frame = pd.DataFrame([hourly_row(t, pm25=75) for t in ("2026-03-01 00:00", "2026-03-01 01:00")])

    out = hourly_aqi(frame)
    by_start = hourly_aqi(frame, options=AqiOptions(hour_label="start"))

    assert out["standard"].tolist() == ["HJ 633-2012", "HJ 633-2026"]
    assert out["iaqi_pm25"].tolist() == [100, 114]
    assert by_start["standard"].tolist() == ["HJ 633-2026", "HJ 633-2026"]


def test_a_fixed_standard_overrides_the_date() -> None:
    frame = pd.DataFrame([hourly_row("2025-01-01 10:00", pm25=75)])

    out = hourly_aqi(frame, standard="2026")

    assert out["iaqi_pm25"].tolist() == [114]


def test_2026_withholds_an_aqi_of_100_or_less_when_a_pollutant_is_missing() -> None:
    frame = pd.DataFrame(
        [
            daily_row("2026-06-01", so2=5, no2=20, pm10=50, co=0.5, o3_8h=90, pm25=None),
            daily_row("2026-06-02", so2=5, no2=20, pm10=200, co=0.5, o3_8h=90, pm25=None),
            daily_row("2025-06-02", so2=5, no2=20, pm10=50, co=0.5, o3_8h=90, pm25=None),
        ]
    )

    out = daily_aqi(frame)
    forced = daily_aqi(frame, options=AqiOptions(incomplete="withhold"))

    # PM10 200 (2026): 100 + 80 × 50 / 130 = 130.8 → 131 > 100: published.
    assert pd.isna(out["aqi"].tolist()[0])
    assert out["aqi"].tolist()[1] == 131
    assert out["category"].isna().tolist()[:2] == [True, False]
    assert out["iaqi_pm10"].tolist()[0] == 50
    assert out["complete"].tolist() == [False, False, False]
    # 2012 is silent: published from the other pollutants unless forced.
    assert out["aqi"].tolist()[2] == 50
    assert pd.isna(forced["aqi"].tolist()[2])


def test_no_primary_pollutant_at_or_below_50() -> None:
    frame = pd.DataFrame(
        [daily_row("2026-06-01", so2=5, no2=20, pm10=50, co=0.5, o3_8h=90, pm25=35)]
    )

    out = daily_aqi(frame).iloc[0]

    assert (out["aqi"], out["primary"], out["level"], out["category"]) == (50, "", 1, "优")


def test_levels_categories_and_colours_follow_table_2() -> None:
    aqi = [0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]

    levels = level_of(aqi).tolist()

    assert levels == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert [category_of(level) for level in range(1, 7)] == list(CATEGORIES)
    assert colour_of(1) == "#00E400"  # (0, 228, 0), not (0, 255, 0)
    assert COLOURS[4] == "#99004C"


def test_missing_columns_are_named() -> None:
    frame = pd.DataFrame([{"station": "A", "date": pd.Timestamp("2025-01-01"), "so2": 1}])

    with pytest.raises(MissingColumns, match="no2"):
        daily_aqi(frame)


def test_duplicated_hours_are_refused() -> None:
    frame = pd.DataFrame([hourly_row("2025-01-01 10:00"), hourly_row("2025-01-01 10:00")])

    with pytest.raises(DuplicateHour):
        hourly_aqi(frame)


def test_an_empty_frame_gives_an_empty_result() -> None:
    frame = pd.DataFrame(columns=["station", "time", "so2", "no2", "pm10", "co", "o3", "pm25"])
    frame["time"] = pd.to_datetime(frame["time"])

    out = hourly_aqi(frame)

    assert len(out) == 0


concentration = st.one_of(st.none(), st.integers(min_value=0, max_value=900))


@settings(max_examples=120, deadline=None)
@given(
    rows=st.lists(
        st.tuples(*(concentration for _ in range(6)), st.booleans()), min_size=1, max_size=30
    )
)
def test_aqi_is_the_largest_sub_index_and_primaries_are_exactly_its_holders(
    rows: list[tuple[int | None, ...]],
) -> None:
    names = ("so2", "no2", "pm10", "o3_8h", "pm25", "co")
    frame = pd.DataFrame(
        [
            {
                "station": "A",
                "date": pd.Timestamp("2026-06-01" if r[6] else "2025-06-01"),
                **{
                    n: (None if v is None else (v / 10 if n == "co" else v))
                    for n, v in zip(names, r[:6], strict=False)
                },
            }
            for r in rows
        ]
    )
    options = AqiOptions(incomplete="publish")

    arrays = daily_arrays(frame, options=options)
    out = daily_aqi(frame, options=options)

    iaqi = np.column_stack([arrays.iaqi[p] for p in ("so2", "no2", "pm10", "co", "o3", "pm25")])
    assert (arrays.aqi == iaqi.max(axis=1)).all()
    for i, row in out.iterrows():
        aqi = arrays.aqi[i]
        if aqi < 0:
            assert row["primary"] == ""
            continue
        holders = {
            ("o3_8h" if p == "o3" else p)
            for p, v in zip(("so2", "no2", "pm10", "co", "o3", "pm25"), iaqi[i], strict=True)
            if v == aqi
        }
        expected = ";".join(
            sorted(holders, key=lambda n: (["so2", "no2", "pm10", "co", "o3_8h", "pm25"]).index(n))
        )
        assert row["primary"] == (expected if aqi > 50 else "")
        assert row["level"] == level_of([aqi])[0]
        assert row["category"] == CATEGORIES[row["level"] - 1]
