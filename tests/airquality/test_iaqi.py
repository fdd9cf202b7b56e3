"""IAQI of single indicators: tables, exact rounding, special rules (HJ 633)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.airquality import HJ633_2012, HJ633_2026, MISSING, AqiOptions, iaqi
from greenloop.airquality.rulesets import REPORTING_DECIMALS

from ._reference import iaqi_exact

TABLES = sorted(HJ633_2012.tables)


def decimals_of(table: str) -> int:
    return REPORTING_DECIMALS[HJ633_2012.tables[table].pollutant]


def test_co_2_2_is_exactly_55_where_floats_give_56() -> None:
    naive = math.ceil((100 - 50) / (4 - 2) * (2.2 - 2) + 50)

    result = iaqi([2.2], "co_24h", standard="2012")

    assert naive == 56
    assert result.tolist() == [55]


def test_every_co_value_in_tenths_matches_exact_fractions_where_floats_fail() -> None:
    values = [Decimal(i) / 10 for i in range(0, 1501)]
    float_wrong = 0

    for table in ("co_24h", "co_1h"):
        bps = HJ633_2012.tables[table].concentrations
        top = Decimal(bps[-1])
        inside = [v for v in values if v <= top]
        got = iaqi([float(v) for v in inside], table, standard="2012").tolist()
        want = [iaqi_exact(str(v), bps, 1) for v in inside]
        assert got == want
        for v, w in zip(inside, want, strict=True):
            for lo, hi, i_lo, i_hi in _segments(bps):
                if lo < v <= hi:
                    naive = math.ceil(
                        (i_hi - i_lo) / (float(hi) - float(lo)) * (float(v) - float(lo)) + i_lo
                    )
                    float_wrong += naive != w

    # Reference §3.3 counts 23 such cases in the 2012 CO columns.
    assert float_wrong >= 23


def _segments(bps: tuple[str, ...]) -> list[tuple[Decimal, Decimal, int, int]]:
    steps = (0, 50, 100, 150, 200, 300, 400, 500)
    return [
        (Decimal(bps[i - 1]), Decimal(bps[i]), steps[i - 1], steps[i]) for i in range(1, len(bps))
    ]


@pytest.mark.parametrize(
    ("table", "value", "standard", "expected"),
    [
        # Reference §8 example A (2012 daily).
        ("so2_24h", 12, "2012", 12),
        ("no2_24h", 45, "2012", 57),
        ("pm10_24h", 160, "2012", 105),
        ("pm25_24h", 118, "2012", 155),
        ("co_24h", 1.3, "2012", 33),
        ("o3_1h", 180, "2012", 75),
        ("o3_8h", 150, "2012", 92),
        # Example B: PM10 under 2026.
        ("pm10_24h", 160, "2026", 116),
        # Example D (2012 real-time sub-indices).
        ("so2_1h", 20, "2012", 7),
        ("no2_1h", 90, "2012", 45),
        ("co_1h", 0.9, "2012", 9),
        ("o3_1h", 210, "2012", 105),
        ("o3_8h", 170, "2012", 110),
        ("pm10_24h", 98, "2012", 74),
        ("pm25_24h", 62, "2012", 84),
        # Example E (2026 real-time, PM 1-h on the daily breakpoints).
        ("pm10_24h", 135, "2026", 106),
        ("pm25_24h", 70, "2026", 110),
        # Example F: ceiling, and an exact integer staying put.
        ("pm25_24h", 75, "2026", 114),
        ("pm25_24h", 75, "2012", 100),
        ("no2_1h", 350, "2026", 115),
        # §7 edge cases: exactly at a breakpoint, and zero.
        ("pm25_24h", 60, "2026", 100),
        ("pm10_24h", 0, "2026", 0),
    ],
)
def test_it_reproduces_the_worked_examples_of_the_reference(
    table: str, value: float, standard: str, expected: int
) -> None:
    result = iaqi([value], table, standard=standard)

    assert result.tolist() == [expected]


def test_the_2026_table_differs_from_2012_only_at_pm_iaqi_100() -> None:
    differing = {
        key
        for key in HJ633_2012.tables
        if HJ633_2012.tables[key].concentrations != HJ633_2026.tables[key].concentrations
    }

    assert differing == {"pm10_24h", "pm25_24h"}
    assert HJ633_2026.tables["pm10_24h"].concentrations[2] == "120"
    assert HJ633_2026.tables["pm25_24h"].concentrations[2] == "60"


def test_so2_one_hour_above_800_is_200_under_2026() -> None:
    result = iaqi([800, 801, 2000], "so2_1h", standard="2026")

    assert result.tolist() == [200, 200, 200]


def test_o3_eight_hour_above_800_is_300_under_2026() -> None:
    result = iaqi([800, 801], "o3_8h", standard="2026")

    assert result.tolist() == [300, 300]


def test_so2_one_hour_above_800_takes_the_24_hour_sub_index_under_2012() -> None:
    result = iaqi([801, 900], "so2_1h", standard="2012", substitute=[1600, None])

    assert result.tolist() == [300, MISSING]


def test_o3_eight_hour_above_800_takes_the_one_hour_sub_index_under_2012() -> None:
    result = iaqi([850], "o3_8h", standard="2012", substitute=[1000])

    assert result.tolist() == [400]


def test_above_the_top_breakpoint_is_capped_at_500_by_default() -> None:
    capped = iaqi([501, 10000], "pm25_24h")
    missing = iaqi([501], "pm25_24h", options=AqiOptions(above_top="missing"))

    assert capped.tolist() == [500, 500]
    assert missing.tolist() == [MISSING]


def test_concentrations_are_rounded_half_to_even_before_the_iaqi() -> None:
    # 74.5 → 74 (even stays): 98.75 → 99; 75.5 → 76 (odd 75 goes up):
    # 101.25 → 102; 35.4999 → 35: 50. GB/T 8170.
    result = iaqi([74.5, 75.5, 35.4999], "pm25_24h", standard="2012")

    assert result.tolist() == [99, 102, 50]


def test_rounding_can_be_turned_off_for_exact_unrounded_concentrations() -> None:
    options = AqiOptions(round_concentrations=False)

    result = iaqi([35.01, 2.25], "pm25_24h", options=options).tolist()

    assert result == [51, 4]


def test_missing_values_have_no_sub_index() -> None:
    result = iaqi([None, float("nan"), 10], "pm25_24h")

    assert result.tolist() == [MISSING, MISSING, 15]


def test_negative_concentrations_are_refused_not_zeroed() -> None:
    with pytest.raises(ValueError, match="非负"):
        iaqi([-1], "pm25_24h")


@settings(max_examples=300, deadline=None)
@given(
    table=st.sampled_from(TABLES),
    standard=st.sampled_from(["2012", "2026"]),
    thousandths=st.integers(min_value=0, max_value=4_000_000),
)
def test_iaqi_equals_an_exact_fraction_implementation(
    table: str, standard: str, thousandths: int
) -> None:
    ruleset = HJ633_2012 if standard == "2012" else HJ633_2026
    bps = ruleset.tables[table].concentrations
    value = Fraction(thousandths, 1000)
    want = iaqi_exact(value, bps, decimals_of(table))

    got = iaqi(
        [thousandths / 1000], table, standard=standard, options=AqiOptions(above_top="missing")
    )

    if want is None:
        # Above the top: the version's special rule or "no value" applies.
        assert got[0] in (MISSING, 200, 300)
    else:
        assert got.tolist() == [want]


@settings(max_examples=150, deadline=None)
@given(
    table=st.sampled_from(TABLES),
    standard=st.sampled_from(["2012", "2026"]),
    values=st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=2, max_size=40),
)
def test_iaqi_never_decreases_as_the_concentration_rises(
    table: str, standard: str, values: list[int]
) -> None:
    ordered = np.sort(np.array(values)) / 1000
    # The 2012 substitution rules need a second series; the monotonic claim is
    # about one column, so give the special rules the capped behaviour.
    options = AqiOptions(above_top="cap")

    result = iaqi(ordered, table, standard=standard, options=options, substitute=ordered * 0 + 1e6)

    present = result[result != MISSING]
    assert (np.diff(present) >= 0).all()
