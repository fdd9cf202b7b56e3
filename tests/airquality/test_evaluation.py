"""HJ 663 evaluation: percentiles, period statistics, attainment, indices, rankings."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.airquality import (
    COMPOSITE_2014,
    COMPOSITE_2026_UNVERIFIED,
    GB3095_2012,
    attainment,
    composite_index,
    good_day_ratio,
    percentile,
    period_statistics,
    rank,
    station_mean,
    year_on_year,
)

from ._reference import percentile_direct

CO_EXAMPLE = [
    0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9,
    0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.2, 1.2, 1.3, 1.4, 1.5, 1.6, 1.9,
]  # fmt: skip


def year_of(value: float, year: int = 2025, **columns: float) -> pd.DataFrame:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    return pd.DataFrame({"station": "A", "date": days, "pm25": value, **columns})


def test_the_co_95th_percentile_example_is_1_555_reported_as_1_6() -> None:
    daily = pd.DataFrame(
        {"station": "A", "date": pd.date_range("2025-06-01", periods=30), "co": CO_EXAMPLE}
    )

    raw = percentile(CO_EXAMPLE, 95)
    stats = period_statistics(daily, freq="month", require_valid=False)

    assert raw == 1.555
    assert stats.loc[0, "co_p95"] == 1.6


def test_the_o3_90th_percentile_example_is_180_8_reported_as_181() -> None:
    values = [100.0] * 26 + [180.0, 188.0, 190.0, 200.0]
    daily = pd.DataFrame(
        {"station": "A", "date": pd.date_range("2025-06-01", periods=30), "o3_8h": values}
    )

    raw = percentile(values, 90)
    stats = period_statistics(daily, freq="month")

    assert raw == pytest.approx(180.8)
    assert stats.loc[0, "o3_8h_p90"] == 181.0


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=80),
    p=st.sampled_from([90, 95, 98, 50, 0, 100]),
)
def test_the_percentile_equals_a_direct_implementation_of_the_formula(
    values: list[int], p: int
) -> None:
    tenths = [v / 10 for v in values]

    got = percentile(tenths, p)

    want = percentile_direct([Fraction(v, 10) for v in values], p)
    assert Fraction(got).limit_denominator(10_000) == want
    assert got == pytest.approx(float(np.quantile(tenths, p / 100)))


def test_a_month_needs_27_days_and_february_25() -> None:
    days = pd.date_range("2025-01-01", "2025-03-31")
    daily = pd.DataFrame({"station": "A", "date": days, "pm25": 30.0})
    drop = list(range(0, 5)) + list(range(31, 34)) + list(range(59, 63))  # Jan −5, Feb −3, Mar −4
    daily.loc[drop, "pm25"] = np.nan

    stats = period_statistics(daily, freq="month")

    assert stats["pm25_days"].tolist() == [26, 25, 27]
    assert stats["pm25_valid"].tolist() == [False, True, True]
    assert np.isnan(stats.loc[0, "pm25_mean"])


def test_a_year_needs_324_days() -> None:
    daily = year_of(30.0)
    daily.loc[daily.index[:42], "pm25"] = np.nan

    stats = period_statistics(daily)

    assert (stats.loc[0, "pm25_days"], bool(stats.loc[0, "pm25_valid"])) == (323, False)


def test_annual_statistics_are_exact_and_rounded_half_to_even() -> None:
    # 182 days at 30 and 183 at 31: mean 30.50137 → 31; P95 31.
    daily = year_of(30.0)
    daily.loc[daily.index[182:], "pm25"] = 31.0

    stats = period_statistics(daily)

    assert (stats.loc[0, "pm25_mean"], stats.loc[0, "pm25_p95"]) == (31.0, 31.0)


def test_attainment_uses_the_limits_in_force_at_the_end_of_the_period() -> None:
    stats = pd.concat(
        [
            period_statistics(
                year_of(33.0, 2025, pm10=60.0, so2=9.0, no2=30.0, co=1.0, o3_8h=150.0)
            ),
            period_statistics(
                year_of(33.0, 2026, pm10=60.0, so2=9.0, no2=30.0, co=1.0, o3_8h=150.0)
            ),
        ],
        ignore_index=True,
    )

    out = attainment(stats)
    fixed = attainment(stats, limits=GB3095_2012)

    assert out["limits"].tolist() == ["GB 3095-2012", "GB 3095-2026 (过渡期限值)"]
    assert out["pm25_attained"].tolist() == [True, False]
    assert out["attained"].tolist() == [True, False]
    assert out.loc[1, "pm25_mean_exceedance"] == pytest.approx(0.1)
    assert fixed["attained"].tolist() == [True, True]


def test_attainment_is_unknown_when_a_statistic_is_missing() -> None:
    daily = year_of(33.0)
    daily.loc[daily.index[:100], "pm25"] = np.nan

    out = attainment(period_statistics(daily))

    assert pd.isna(out.loc[0, "pm25_attained"])


def test_the_composite_index_example_is_4_078_with_o3_as_main_pollutant() -> None:
    stats = pd.DataFrame(
        {
            "so2_mean": [9.0],
            "no2_mean": [30.0],
            "pm10_mean": [65.0],
            "pm25_mean": [33.0],
            "co_p95": [1.1],
            "o3_8h_p90": [165.0],
        }
    )

    out = composite_index(stats)

    assert round(out.loc[0, "composite_index"], 3) == 4.078
    assert out.loc[0, "main_pollutant"] == "o3"
    assert out.loc[0, "composite_method"] == "环办〔2014〕64号"


def test_the_unverified_2026_denominators_and_weights_reproduce_the_reference() -> None:
    stats = pd.DataFrame(
        {
            "so2_mean": [9.0],
            "no2_mean": [30.0],
            "pm10_mean": [65.0],
            "pm25_mean": [33.0],
            "co_p95": [1.1],
            "o3_8h_p90": [165.0],
        }
    )
    denominators_only = replace(COMPOSITE_2014, weights=COMPOSITE_2026_UNVERIFIED.weights)
    weights_only = replace(COMPOSITE_2026_UNVERIFIED, weights=COMPOSITE_2014.weights)

    both = composite_index(stats, method=COMPOSITE_2026_UNVERIFIED).loc[0, "composite_index"]
    new_denominators = composite_index(stats, method=weights_only).loc[0, "composite_index"]
    new_weights = composite_index(stats, method=denominators_only).loc[0, "composite_index"]

    # Reference §7: 4.390 with the 2026 denominators, 7.745 with the weights.
    assert round(new_denominators, 3) == 4.390
    assert round(new_weights, 3) == 7.745
    assert round(both, 3) == 8.371


def test_good_day_ratio_counts_published_days_only_and_names_the_standards() -> None:
    frame = pd.DataFrame(
        {
            "station": "A",
            "date": pd.to_datetime(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]),
            "aqi": pd.array([40, 150, None, 250], dtype="Int16"),
            "standard": ["HJ 633-2012", "HJ 633-2012", "HJ 633-2026", "HJ 633-2026"],
        }
    )

    out = good_day_ratio(frame).iloc[0]

    assert (out["days_valid"], out["days_good"], out["days_heavy"]) == (3, 1, 1)
    assert out["good_ratio"] == pytest.approx(100 / 3)
    assert out["standards"] == "HJ 633-2012+HJ 633-2026"


def test_year_on_year_change_states_both_sides() -> None:
    now = pd.DataFrame(
        {
            "station": ["A", "B"],
            "period": [pd.Period("2026", "Y")] * 2,
            "pm25_mean": [30.0, 20.0],
            "limits": "GB 3095-2026 (过渡期限值)",
        }
    )
    before = pd.DataFrame(
        {
            "station": ["A"],
            "period": [pd.Period("2025", "Y")],
            "pm25_mean": [40.0],
            "limits": "GB 3095-2012",
        }
    )

    out = year_on_year(now, before)

    assert out["pm25_mean_change_pct"].tolist()[0] == -25.0
    assert np.isnan(out["pm25_mean_change_pct"].tolist()[1])
    assert out["limits_previous"].tolist()[0] == "GB 3095-2012"


def test_year_on_year_matches_the_same_month_of_the_previous_year() -> None:
    now = pd.DataFrame(
        {"station": ["A"], "period": [pd.Period("2026-03", "M")], "pm25_mean": [33.0]}
    )
    before = pd.DataFrame(
        {
            "station": ["A", "A"],
            "period": [pd.Period("2025-03", "M"), pd.Period("2026-02", "M")],
            "pm25_mean": [30.0, 99.0],
        }
    )

    out = year_on_year(now, before)

    assert out["pm25_mean_change"].tolist() == [3.0]


def test_ranks_are_shared_by_ties_and_skip_missing_values() -> None:
    frame = pd.DataFrame({"district": list("abcde"), "ci": [4.1, 3.9, 4.1, None, 5.0]})

    ranks = rank(frame, "ci")

    assert ranks.tolist() == [2, 1, 2, pd.NA, 4]


def test_city_concentrations_are_means_of_their_stations() -> None:
    frame = pd.DataFrame(
        {
            "station": ["a", "b", "c", "x"],
            "time": pd.Timestamp("2025-01-01 01:00"),
            "pm25": [70.0, 72.0, None, 500.0],
        }
    )

    out = station_mean(frame, {"a": "city", "b": "city", "c": "city"}, columns=["pm25"])

    assert out[["station", "pm25", "stations"]].values.tolist() == [["city", 71.0, 3]]
