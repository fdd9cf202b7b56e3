"""HJ 663 / GB 3095 Table 4 validity: daily means, 8-h averages, MDA8."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.airquality import AqiOptions, NotOnTheHour, daily_statistics, moving_average

O3_EXAMPLE = [
    40, 35, 30, 28, 25, 24, 30, 45, 62, 80, 101, 122,
    140, 155, 166, 172, 170, 160, 140, 118, 96, 80, 66, 55,
]  # fmt: skip
WINDOWS_EXAMPLE = [
    32.125, 34.875, 40.5, 49.375, 61.125, 75.5, 91.875, 108.875, 124.75,
    138.25, 148.25, 153.125, 152.625, 147.125, 137.75, 125.25, 110.625,
]  # fmt: skip


def day_frame(
    values: dict[str, list[float | None]], start: str = "2025-07-01 01:00"
) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame(
        {"station": "A", "time": pd.date_range(start, periods=n, freq="h"), **values}
    )


def test_the_mda8_example_has_17_windows_and_maximum_153() -> None:
    frame = day_frame({"o3": O3_EXAMPLE})

    day = daily_statistics(frame).iloc[0]

    assert (day["o3_8h"], day["windows_o3_8h"], day["o3_1h"]) == (153.0, 17, 172.0)


def test_the_eight_hour_windows_of_the_example_match_the_reference() -> None:
    result = moving_average(O3_EXAMPLE, 8, 6)

    assert result[7:].tolist() == WINDOWS_EXAMPLE


def test_an_mda8_with_fewer_than_14_valid_windows_is_invalid() -> None:
    o3: list[float | None] = [50.0] * 24
    for hour in range(10, 24):
        o3[hour] = None

    day = daily_statistics(day_frame({"o3": o3})).iloc[0]

    assert day["windows_o3_8h"] < 14
    assert np.isnan(day["o3_8h"])


def test_an_mda8_exceeding_the_limit_stays_valid_with_few_windows() -> None:
    o3: list[float | None] = [200.0] * 24
    for hour in range(14, 24):
        o3[hour] = None

    day = daily_statistics(day_frame({"o3": o3})).iloc[0]

    assert day["windows_o3_8h"] < 14
    assert day["o3_8h"] == 200.0


def test_a_daily_mean_needs_20_valid_hours() -> None:
    pm25_20: list[float | None] = [10.0] * 20 + [None] * 4
    pm25_19: list[float | None] = [10.0] * 19 + [None] * 5

    valid = daily_statistics(day_frame({"pm25": pm25_20})).iloc[0]
    invalid = daily_statistics(day_frame({"pm25": pm25_19})).iloc[0]

    assert (valid["pm25"], valid["hours_pm25"]) == (10.0, 20)
    assert np.isnan(invalid["pm25"])
    assert invalid["hours_pm25"] == 19


def test_missing_hours_are_left_out_of_the_mean_not_counted_as_zero() -> None:
    pm10: list[float | None] = [100.0] * 22 + [None, None]

    day = daily_statistics(day_frame({"pm10": pm10})).iloc[0]

    assert day["pm10"] == 100.0


def test_the_hour_labelled_midnight_closes_the_previous_day() -> None:
    frame = day_frame({"pm25": [10.0] * 24}, start="2025-07-01 01:00")

    days = daily_statistics(frame)

    assert days["date"].tolist() == [pd.Timestamp("2025-07-01")]
    by_start = daily_statistics(frame, options=AqiOptions(hour_label="start"))
    assert by_start["date"].tolist() == [pd.Timestamp("2025-07-01"), pd.Timestamp("2025-07-02")]


def test_daily_means_are_rounded_half_to_even() -> None:
    # 12 × 10 + 12 × 11 = 252 / 24 = 10.5 → 10; CO 0.25 → 0.2.
    pm25 = [10.0] * 12 + [11.0] * 12
    co = [0.2] * 12 + [0.3] * 12

    day = daily_statistics(day_frame({"pm25": pm25, "co": co})).iloc[0]

    assert (day["pm25"], day["co"]) == (10.0, 0.2)


def test_eight_hour_windows_reach_into_the_previous_day_of_the_same_station() -> None:
    frame = pd.concat(
        [
            day_frame({"o3": [100.0] * 24}, start="2025-07-01 01:00"),
            day_frame({"o3": [10.0] * 24}, start="2025-07-02 01:00"),
            day_frame({"o3": [10.0] * 24}, start="2025-07-01 01:00").assign(station="B"),
        ],
        ignore_index=True,
    )

    days = daily_statistics(frame)

    # MDA8 windows end at 08:00 … 24:00: none reaches back, so day 2 is 10.
    assert days["o3_8h"].tolist() == [100.0, 10.0, 10.0]


def test_stations_and_gaps_are_kept_apart() -> None:
    first = day_frame({"pm25": [10.0] * 24}, start="2025-07-01 01:00")
    later = day_frame({"pm25": [30.0] * 24}, start="2025-07-05 01:00")
    other = first.assign(station="B", pm25=50.0)

    days = daily_statistics(pd.concat([later, other, first], ignore_index=True))

    assert days[["station", "pm25"]].values.tolist() == [["A", 10.0], ["A", 30.0], ["B", 50.0]]


def test_times_off_the_hour_are_refused() -> None:
    frame = pd.DataFrame(
        {"station": ["A"], "time": [pd.Timestamp("2025-07-01 01:30")], "pm25": [1.0]}
    )

    with pytest.raises(NotOnTheHour):
        daily_statistics(frame)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=500)), min_size=48, max_size=48
    )
)
def test_daily_statistics_match_a_direct_computation(values: list[int | None]) -> None:
    series = pd.Series([np.nan if v is None else float(v) for v in values])
    frame = day_frame({"pm25": series.tolist(), "o3": series.tolist()})

    days = daily_statistics(frame)

    for d in range(2):
        hours = series[d * 24 : (d + 1) * 24]
        n = hours.notna().sum()
        expected = round(hours.mean()) if n >= 20 else None  # Python rounds half to even
        got = days["pm25"].iloc[d]
        assert (np.isnan(got) and expected is None) or got == expected
        windows = series.rolling(8, min_periods=6).mean()[d * 24 + 7 : (d + 1) * 24]
        valid = windows.notna().sum()
        if valid >= 14:
            assert days["o3_8h"].iloc[d] == round(windows.max())
