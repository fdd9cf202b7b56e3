"""Single-factor classification of samples and sections (reference §2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenloop.water import (
    GB3838_2002,
    WaterClass,
    WaterRules,
    class_labels,
    describe_exceedances,
    evaluate_samples,
    evaluate_sections,
    exceedances,
    item_classes,
    meets_target,
    period_means,
    substitute_below_detection_limit,
    water_class,
)

from ._examples import EXAMPLE_1, frame, one


class TestWorkedExampleOne:
    def test_each_item_gets_the_class_the_reference_gives(self) -> None:
        sample = one(**EXAMPLE_1)

        classes = item_classes(sample, "river").iloc[0]

        assert classes[["do", "codmn", "cod", "bod5", "nh3n", "tp"]].tolist() == [2, 3, 3, 3, 3, 3]
        assert classes.drop(["do", "codmn", "cod", "bod5", "nh3n", "tp"]).eq(1).all()

    def test_the_river_section_is_class_three_good(self) -> None:
        sample = one(**EXAMPLE_1)

        result = evaluate_samples(sample, "river")

        assert result["class"].tolist() == [3]
        assert result["status"].tolist() == ["良好"]

    def test_as_a_lake_point_tp_makes_it_class_five(self) -> None:
        sample = one(**EXAMPLE_1)

        assert item_classes(sample, "lake")["tp"].tolist() == [5]
        assert water_class(sample, "lake").tolist() == [5]
        assert water_class(sample, "湖库").tolist() == [5]


class TestItemClasses:
    def test_repeated_limits_give_the_better_class(self) -> None:
        sample = frame(cod=[12.0, 15.0, 15.01, 20.0])

        assert item_classes(sample, "river")["cod"].tolist() == [1, 1, 3, 3]

    @pytest.mark.parametrize("code", ["codmn", "nh3n", "tp", "hg", "fc", "cd"])
    def test_a_value_at_a_limit_meets_the_best_class_with_that_limit(self, code: str) -> None:
        limits = GB3838_2002.item(code).river
        assert limits is not None
        expected = [limits.index(limit) + 1 for limit in limits]

        classes = item_classes(frame(**{code: list(limits)}), "river")[code]

        assert classes.tolist() == expected

    def test_a_value_above_the_class_five_limit_is_worse_than_five(self) -> None:
        sample = frame(nh3n=[2.0, 2.01])

        assert item_classes(sample, "river")["nh3n"].tolist() == [5, 6]

    def test_dissolved_oxygen_meets_a_class_at_or_above_its_limit(self) -> None:
        sample = frame(do=[7.5, 7.49, 6.0, 5.0, 3.0, 2.0, 1.99])

        assert item_classes(sample, "river")["do"].tolist() == [1, 2, 2, 3, 4, 5, 6]

    def test_ninety_percent_do_saturation_meets_class_one_below_seven_and_a_half(self) -> None:
        sample = frame(do=[6.9, 6.9])

        classes = item_classes(sample, "river", do_saturation=[90.0, 89.9])

        assert classes["do"].tolist() == [1, 2]

    def test_do_saturation_can_be_switched_off(self) -> None:
        rules = WaterRules(do_saturation_class_i=None)

        classes = item_classes(frame(do=[6.9]), "river", do_saturation=[95.0], rules=rules)

        assert classes["do"].tolist() == [2]

    def test_ph_within_six_to_nine_never_degrades_the_class(self) -> None:
        sample = frame(ph=[6.0, 7.0, 9.0])

        assert item_classes(sample, "river")["ph"].tolist() == [1, 1, 1]

    def test_ph_outside_six_to_nine_is_worse_than_five_by_default(self) -> None:
        sample = frame(ph=[5.99, 9.01], nh3n=[0.1, 0.1])

        assert water_class(sample, "river").tolist() == [6, 6]

    def test_the_class_of_ph_outside_its_range_is_a_rule(self) -> None:
        rules = WaterRules(ph_outside_class=WaterClass.V)

        assert water_class(frame(ph=[9.5]), "river", rules=rules).tolist() == [5]

    def test_a_missing_value_is_not_evaluated(self) -> None:
        sample = frame(nh3n=[np.nan, 0.4], tp=[0.3, np.nan])

        classes = item_classes(sample, "river")

        assert classes.to_numpy().tolist() == [[0, 4], [2, 0]]
        assert water_class(sample, "river").tolist() == [4, 2]

    def test_a_sample_without_any_determining_item_has_no_class(self) -> None:
        sample = frame(wt=[20.0], tn=[5.0], fc=[90000.0], nh3n=[np.nan])

        assert water_class(sample, "river").tolist() == [0]

    def test_water_temperature_has_no_class_column(self) -> None:
        assert "wt" not in item_classes(frame(wt=[20.0]), "river").columns

    def test_one_body_per_row_selects_the_tp_column_per_row(self) -> None:
        sample = frame(tp=[0.16, 0.16])

        assert item_classes(sample, ["river", "lake"])["tp"].tolist() == [3, 5]

    def test_an_unknown_body_is_refused(self) -> None:
        with pytest.raises(ValueError, match="水体类型"):
            item_classes(frame(tp=[0.1]), "sea")


class TestExcludedItems:
    def test_tn_fecal_coliform_and_temperature_never_change_a_river_class(self) -> None:
        clean = one(nh3n=0.4, tp=0.05)
        dirty = one(nh3n=0.4, tp=0.05, tn=9.0, fc=900000.0, wt=35.0)

        assert water_class(dirty, "river").tolist() == water_class(clean, "river").tolist() == [2]

    def test_lake_tn_is_evaluated_separately_by_default(self) -> None:
        sample = one(nh3n=0.4, tp=0.02, tn=1.8)

        assert water_class(sample, "lake").tolist() == [2]
        assert item_classes(sample, "lake")["tn"].tolist() == [5]

    def test_lake_tn_determines_the_class_when_the_rule_says_so(self) -> None:
        rules = WaterRules(lake_tn_in_class=True)
        sample = one(nh3n=0.4, tp=0.02, tn=1.8)

        assert water_class(sample, "lake", rules=rules).tolist() == [5]
        assert water_class(sample, "river", rules=rules).tolist() == [2]

    def test_river_tn_has_no_class(self) -> None:
        assert item_classes(frame(tn=[1.8]), "river")["tn"].tolist() == [0]


class TestBelowDetectionLimit:
    def test_the_substitute_is_half_the_detection_limit(self) -> None:
        limits = frame(nh3n=[0.025, 0.4])
        flags = pd.DataFrame({"nh3n": [True, False]})

        values = substitute_below_detection_limit(limits, flags)

        assert values["nh3n"].tolist() == [0.0125, 0.4]

    def test_a_value_below_detection_limit_counts_as_class_one(self) -> None:
        # Detection limit 0.04, substitute 0.02: class Ⅰ although 0.02 > 0.01.
        values = frame(tp=[0.02])
        flags = pd.DataFrame({"tp": [True]})

        assert item_classes(values, "lake", below_dl=flags)["tp"].tolist() == [1]

    def test_a_bureau_may_classify_the_substitute_instead(self) -> None:
        rules = WaterRules(below_dl_class_i=False)
        values = frame(tp=[0.02])
        flags = pd.DataFrame({"tp": [True]})

        assert item_classes(values, "lake", below_dl=flags, rules=rules)["tp"].tolist() == [2]


class TestExceedances:
    def test_multiples_are_of_the_target_class_limit(self) -> None:
        sample = one(nh3n=1.6, tp=0.44, codmn=5.0)

        found = exceedances(sample, "river", WaterClass.III)

        assert found.multiples.loc[0, "nh3n"] == pytest.approx(0.6)
        assert found.multiples.loc[0, "tp"] == pytest.approx(1.2)
        assert np.isnan(found.multiples.loc[0, "codmn"])

    def test_a_stricter_target_gives_larger_multiples(self) -> None:
        sample = one(nh3n=1.6)

        found = exceedances(sample, "river", WaterClass.II)

        assert found.multiples.loc[0, "nh3n"] == pytest.approx(2.2)

    def test_items_are_listed_by_multiple_then_do_and_ph_without_one(self) -> None:
        sample = one(ph=9.5, do=4.0, nh3n=1.6, tp=0.44)

        text = describe_exceedances(exceedances(sample, "river", 3))

        assert text.tolist() == ["总磷(1.2);氨氮(0.6);pH;溶解氧"]

    def test_an_item_at_the_target_limit_does_not_exceed(self) -> None:
        sample = one(nh3n=1.0, tp=0.2)

        text = describe_exceedances(exceedances(sample, "river", 3))

        assert text.tolist() == [""]

    def test_excluded_items_are_reported_apart(self) -> None:
        sample = frame(nh3n=[0.4, 0.4], tn=[1.8, 1.8], fc=[30000.0, 30000.0])

        main = exceedances(sample, ["lake", "river"], 3)
        extra = exceedances(sample, ["lake", "river"], 3, items="reference")

        assert describe_exceedances(main).tolist() == ["", ""]
        assert describe_exceedances(extra).tolist() == ["粪大肠菌群(2);总氮(0.8)", "粪大肠菌群(2)"]

    def test_rows_without_a_reference_class_have_no_exceedances(self) -> None:
        sample = one(nh3n=5.0)

        assert not exceedances(sample, "river", 0).exceeding.to_numpy().any()

    def test_without_a_target_the_yardstick_is_class_three(self) -> None:
        sample = frame(nh3n=[1.6, 1.6])

        result = evaluate_samples(sample, "river", target=[0, 4])

        assert result["exceeding"].tolist() == ["氨氮(0.6)", "氨氮(0.07)"]

    def test_a_bureau_may_always_measure_multiples_against_class_three(self) -> None:
        rules = WaterRules(exceedance_reference="III")

        result = evaluate_samples(one(nh3n=1.6), "river", target=4, rules=rules)

        assert result["exceeding"].tolist() == ["氨氮(0.6)"]
        assert result["meets_target"].tolist() == [False]


class TestTargets:
    def test_a_class_meets_its_target_when_it_is_no_worse(self) -> None:
        result = meets_target([2, 3, 4, 6], [3, 3, 3, 5])

        assert result.tolist() == [True, True, False, False]

    def test_compliance_is_unknown_without_a_target_or_a_class(self) -> None:
        result = meets_target([3, 0], [0, 3])

        assert result.isna().tolist() == [True, True]

    def test_meeting_the_target_means_no_determining_item_exceeds_it(self) -> None:
        sample = frame(nh3n=[0.9, 1.2, 0.9], tp=[0.1, 0.1, 0.35], tn=[5.0, 5.0, 5.0])

        result = evaluate_samples(sample, "river", target=3)

        assert result["meets_target"].tolist() == [True, False, False]
        assert (result["exceeding"] == "").tolist() == [True, False, False]


class TestPeriods:
    def test_a_section_is_classified_by_the_mean_of_its_period(self) -> None:
        # Reference §2.1: a class-Ⅳ and a class-Ⅱ month average to class Ⅲ.
        samples = frame(nh3n=[1.4, 0.4])

        result = evaluate_sections(samples, ["A", "A"], "river")

        assert result.loc["A", "nh3n"] == pytest.approx(0.9)
        assert result.loc["A", "class"] == 3

    def test_means_skip_missing_values_and_sections_keep_their_order(self) -> None:
        samples = frame(tp=[0.1, np.nan, 0.3, 0.05])

        means = period_means(samples, ["B", "B", "B", "A"])

        assert means.values.index.tolist() == ["B", "A"]
        assert means.values["tp"].tolist() == pytest.approx([0.2, 0.05])
        assert means.samples.tolist() == [3, 1]

    def test_float_noise_in_a_mean_does_not_cross_a_limit(self) -> None:
        # The float mean of 0.1, 0.2, 0.3 is 0.20000000000000004.
        samples = frame(tp=[0.1, 0.2, 0.3])

        result = evaluate_sections(samples, ["A"] * 3, "river")

        assert result.loc["A", "class"] == 3

    def test_mean_rounding_is_a_rule(self) -> None:
        samples = frame(tp=[0.2004, 0.2004])
        rules = WaterRules(mean_decimals={"tp": 3})

        plain = evaluate_sections(samples, ["A", "A"], "river")
        rounded = evaluate_sections(samples, ["A", "A"], "river", rules=rules)

        assert plain.loc["A", "class"] == 4
        assert rounded.loc["A", "class"] == 3

    def test_an_item_always_below_detection_limit_is_class_one_over_the_period(self) -> None:
        samples = frame(tp=[0.02, 0.02], nh3n=[0.1, 0.1])
        flags = pd.DataFrame({"tp": [True, True], "nh3n": [False, False]})

        result = evaluate_sections(samples, ["L", "L"], "lake", below_dl=flags)

        assert result.loc["L", "class"] == 1

    def test_a_period_mixing_detected_values_is_classified_by_its_mean(self) -> None:
        samples = frame(tp=[0.02, 0.06])
        flags = pd.DataFrame({"tp": [True, False]})

        result = evaluate_sections(samples, ["L", "L"], "lake", below_dl=flags)

        assert result.loc["L", "tp"] == pytest.approx(0.04)
        assert result.loc["L", "class"] == 3

    def test_sections_with_too_few_samples_get_no_class(self) -> None:
        samples = frame(nh3n=[0.4, 0.4, 1.8])
        rules = WaterRules(min_samples=2)

        result = evaluate_sections(samples, ["A", "A", "B"], "river", target=3, rules=rules)

        assert result["sufficient"].tolist() == [True, False]
        assert result["class"].tolist() == [2, 0]
        assert result["meets_target"].isna().tolist() == [False, True]
        assert np.isnan(result.loc["B", "cwqi"])

    def test_a_section_changing_water_body_is_refused(self) -> None:
        samples = frame(tp=[0.1, 0.1])

        with pytest.raises(ValueError, match="水体类型"):
            evaluate_sections(samples, ["A", "A"], ["river", "lake"])

    def test_a_section_changing_target_is_refused(self) -> None:
        samples = frame(tp=[0.1, 0.1])

        with pytest.raises(ValueError, match="水质目标"):
            evaluate_sections(samples, ["A", "A"], "river", target=[3, 2])

    def test_section_results_carry_target_compliance_and_exceedances(self) -> None:
        samples = frame(nh3n=[0.8, 1.4], tp=[0.1, 0.3])

        result = evaluate_sections(samples, ["A", "A"], "river", target=3)

        assert class_labels(result["class"]).tolist() == ["Ⅳ"]
        assert result.loc["A", "exceeding"] == "氨氮(0.1)"
        assert not result.loc["A", "meets_target"]


def test_the_first_three_items_above_class_three_are_the_main_pollution_indicators() -> None:
    sample = one(cod=45.0, nh3n=1.6, tp=0.44, codmn=7.0, do=4.0)

    text = describe_exceedances(exceedances(sample, "river", 3), limit=3)

    assert text.tolist() == ["化学需氧量(1.25);总磷(1.2);氨氮(0.6)"]
