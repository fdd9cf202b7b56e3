"""City Water Quality Index of sections and cities (reference §3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenloop.water import (
    WaterRules,
    change_exempt,
    city_cwqi,
    cwqi,
    cwqi_change,
    cwqi_indices,
    format_fixed,
    rank_cwqi,
    rank_cwqi_change,
    round_to,
)

from ._examples import EXAMPLE_1, one

# Reference §4, example 2: the single-item indices as the reference prints them.
EXAMPLE_2 = {
    "ph": 0.4000,
    "do": 0.7813,
    "codmn": 0.7667,
    "cod": 0.8500,
    "bod5": 0.7750,
    "nh3n": 0.8200,
    "tp": 0.8000,
    "cu": 0.0040,
    "zn": 0.0200,
    "f": 0.4500,
    "se": 0.0400,
    "as": 0.0400,
    "hg": 0.2000,
    "cd": 0.0200,
    "cr6": 0.0800,
    "pb": 0.0200,
    "cn": 0.0100,
    "phenol": 0.1600,
    "oil": 0.4000,
    "las": 0.2500,
    "sulfide": 0.0250,
}


class TestWorkedExampleTwo:
    @pytest.mark.parametrize("item", sorted(EXAMPLE_2))
    def test_each_single_item_index_matches_the_reference(self, item: str) -> None:
        indices = cwqi_indices(one(**EXAMPLE_1), "river")

        assert round_to(indices[item], 4, mode="half_up")[0] == EXAMPLE_2[item]

    def test_the_section_cwqi_is_six_point_nine_one_one_nine(self) -> None:
        value = cwqi(one(**EXAMPLE_1), "river")

        assert format_fixed(value, 4).tolist() == ["6.9119"]
        assert value[0] == pytest.approx(6.911916666666667, abs=1e-12)

    def test_gb_t_8170_rounds_the_do_index_tie_to_even(self) -> None:
        # 5 / 6.4 = 0.78125 exactly: 0.7812 by GB/T 8170, 0.7813 in the table.
        index = cwqi_indices(one(do=6.4), "river")["do"]

        assert round_to(index, 4).tolist() == [0.7812]
        assert round_to(index, 4, mode="half_up").tolist() == [0.7813]


class TestSingleItemIndices:
    def test_ph_index_rises_on_both_sides_of_seven(self) -> None:
        sample = pd.DataFrame({"ph": [6.0, 6.5, 7.0, 8.0, 9.0]})

        assert cwqi_indices(sample, "river")["ph"].tolist() == [1.0, 0.5, 0.0, 0.5, 1.0]

    def test_do_index_is_the_class_three_limit_over_the_concentration(self) -> None:
        sample = pd.DataFrame({"do": [10.0, 5.0, 2.5]})

        assert cwqi_indices(sample, "river")["do"].tolist() == [0.5, 1.0, 2.0]

    def test_do_of_zero_gives_an_infinite_index(self) -> None:
        assert np.isposinf(cwqi(pd.DataFrame({"do": [0.0]}), "river")[0])

    def test_lake_tp_is_divided_by_the_lake_class_three_limit(self) -> None:
        sample = pd.DataFrame({"tp": [0.1]})

        assert cwqi_indices(sample, "lake")["tp"].tolist() == [2.0]
        assert cwqi_indices(sample, "river")["tp"].tolist() == [0.5]

    def test_tn_fecal_coliform_and_temperature_are_not_cwqi_items(self) -> None:
        sample = pd.DataFrame({"nh3n": [0.5], "tn": [9.0], "fc": [1e6], "wt": [30.0]})

        assert cwqi_indices(sample, "lake").columns.tolist() == ["nh3n"]
        assert cwqi(sample, "lake").tolist() == [0.5]

    def test_unmeasured_items_are_left_out_and_nothing_measured_is_nan(self) -> None:
        sample = pd.DataFrame({"nh3n": [0.5, np.nan], "tp": [np.nan, np.nan]})

        values = cwqi(sample, "river")

        assert values[0] == 0.5
        assert np.isnan(values[1])


class TestCity:
    def test_items_are_averaged_over_sections_before_indexing(self) -> None:
        # DO 4 and 8 average to 6 (index 5/6); the section indices average 0.9375.
        sections = pd.DataFrame({"do": [4.0, 8.0]})

        averaged = city_cwqi(sections, "river")
        per_section = city_cwqi(sections, "river", rules=WaterRules(city_averaging="sections"))

        assert averaged.loc["全市", "city"] == pytest.approx(5 / 6)
        assert per_section.loc["全市", "city"] == pytest.approx(0.9375)

    def test_rivers_and_lakes_are_weighted_by_their_number_of_sections(self) -> None:
        sections = pd.DataFrame({"nh3n": [0.5, 1.5, 0.5], "tp": [0.1, 0.1, 0.1]})
        bodies = ["river", "river", "lake"]

        result = city_cwqi(sections, bodies).loc["全市"]

        assert result["river"] == pytest.approx(1.5)
        assert result["lake"] == pytest.approx(2.5)
        assert result["city"] == pytest.approx((1.5 * 2 + 2.5 * 1) / 3)
        assert (result["river_sections"], result["lake_sections"]) == (2, 1)

    def test_a_bureau_may_weight_rivers_and_lakes_equally(self) -> None:
        sections = pd.DataFrame({"nh3n": [0.5, 1.5, 0.5], "tp": [0.1, 0.1, 0.1]})
        rules = WaterRules(city_weighting="equal")

        result = city_cwqi(sections, ["river", "river", "lake"], rules=rules)

        assert result.loc["全市", "city"] == pytest.approx(2.0)

    def test_a_city_of_rivers_only_has_the_river_cwqi(self) -> None:
        sections = pd.DataFrame({"nh3n": [0.5, 1.5]})

        result = city_cwqi(sections, "river").loc["全市"]

        assert result["city"] == result["river"] == 1.0
        assert np.isnan(result["lake"])

    def test_several_cities_are_computed_at_once_in_order_of_appearance(self) -> None:
        sections = pd.DataFrame({"nh3n": [0.5, 1.5, 2.0]})

        result = city_cwqi(sections, "river", ["乙市", "甲市", "乙市"])

        assert result.index.tolist() == ["乙市", "甲市"]
        assert result["city"].tolist() == [1.25, 1.5]


class TestRanking:
    def test_smaller_cwqi_ranks_better_and_equal_reported_values_tie(self) -> None:
        values = pd.Series([4.2, 3.1, 4.20001, 5.0, np.nan], index=list("abcde"))

        ranks = rank_cwqi(values)

        assert ranks.tolist() == [2, 1, 2, 4, pd.NA]

    def test_the_change_is_a_percentage_of_the_base_period(self) -> None:
        assert cwqi_change([3.82, 5.5], [5.0, 5.0]).round(6).tolist() == [-23.6, 10.0]

    def test_the_largest_improvement_ranks_first(self) -> None:
        now = pd.Series([4.0, 3.0, 6.0], index=["a", "b", "c"])
        then = pd.Series([5.0, 3.0, 5.0], index=["a", "b", "c"])

        assert rank_cwqi_change(now, then).tolist() == [1, 2, 3]

    def test_exempt_cities_take_no_part_in_the_change_ranking(self) -> None:
        now = pd.Series([4.0, 3.0, 2.0], index=["a", "b", "c"])
        then = pd.Series([5.0, 3.0, 2.5], index=["a", "b", "c"])
        exempt = pd.Series([False, False, True], index=["a", "b", "c"])

        assert rank_cwqi_change(now, then, exempt=exempt).tolist() == [1, 2, pd.NA]

    def test_a_city_is_exempt_when_all_sections_are_class_two_and_on_target_twice(self) -> None:
        cities = ["a", "a", "b", "c", "d"]
        now = [1, 2, 2, 2, 2]
        then = [2, 2, 3, 2, 2]
        met_now = [True, True, True, False, pd.NA]
        met_then = [True, True, True, True, True]

        exempt = change_exempt(now, then, met_now, met_then, cities)

        assert exempt.to_dict() == {"a": True, "b": False, "c": False, "d": False}
