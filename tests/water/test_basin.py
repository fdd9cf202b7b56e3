"""Rivers, basins and regions with several sections (reference §2.3)."""

from __future__ import annotations

import pandas as pd
import pytest

from greenloop.water import (
    WaterRules,
    basin_status,
    exceedance_rates,
    main_pollutants,
    share_status,
)


def classes(**counts: int) -> list[int]:
    codes = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "worse": 6}
    return [codes[name] for name, count in counts.items() for _ in range(count)]


class TestWorkedExampleThree:
    def test_nine_of_twelve_good_and_one_worse_than_five_is_good(self) -> None:
        result = share_status(classes(III=9, IV=2, worse=1))

        assert result["good_share"].iloc[0] == 75.0
        assert result["status"].tolist() == ["良好"]

    def test_ten_of_twelve_good_is_good(self) -> None:
        assert share_status(classes(II=10, IV=2))["status"].tolist() == ["良好"]

    def test_eight_of_twelve_good_with_three_worse_than_five_is_moderately_polluted(
        self,
    ) -> None:
        result = share_status(classes(II=8, V=1, worse=3))

        assert result["worse_than_v_share"].iloc[0] == 25.0
        assert result["status"].tolist() == ["中度污染"]


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ({"I": 9, "IV": 1}, "优"),
        ({"III": 7, "IV": 2, "V": 1}, "轻度污染"),
        ({"III": 7, "worse": 3}, "中度污染"),
        ({"III": 5, "IV": 1, "worse": 4}, "重度污染"),
    ],
)
def test_each_row_of_the_share_table_is_reached(counts: dict[str, int], status: str) -> None:
    assert share_status(classes(**counts))["status"].tolist() == [status]


def test_at_exactly_sixty_and_forty_percent_the_threshold_decides() -> None:
    sections = classes(III=6, worse=4)

    shenzhen = share_status(sections)
    recollection = share_status(sections, rules=WaterRules(heavy_pollution_good_share_below=60))

    assert shenzhen["status"].tolist() == ["重度污染"]
    assert recollection["status"].tolist() == ["中度污染"]


def test_sections_without_a_class_are_not_counted() -> None:
    result = share_status([*classes(II=9, V=1), 0, 0])

    assert result["sections"].tolist() == [10]
    assert result["status"].tolist() == ["优"]


def test_groups_are_assessed_separately() -> None:
    result = share_status(classes(II=5, worse=5), ["a"] * 5 + ["b"] * 5)

    assert result["status"].to_dict() == {"a": "优", "b": "重度污染"}


def test_fewer_than_five_sections_are_classified_by_their_averaged_items() -> None:
    # NH3-N 0.6, 1.2, 1.8 average 1.2: class Ⅳ although one section is Ⅴ.
    sections = pd.DataFrame({"nh3n": [0.6, 1.2, 1.8]})

    result = basin_status(sections, "river")

    assert result.iloc[0].to_dict() == {
        "sections": 3,
        "method": "average",
        "class": 4,
        "status": "轻度污染",
    }


def test_five_sections_or_more_use_the_share_method() -> None:
    sections = pd.DataFrame({"nh3n": [0.4, 0.4, 0.4, 0.4, 2.5]})

    result = basin_status(sections, "river")

    assert result.iloc[0][["method", "status"]].tolist() == ["share", "良好"]


def test_few_sections_mixing_rivers_and_lakes_cannot_be_averaged() -> None:
    sections = pd.DataFrame({"tp": [0.1, 0.1]})

    with pytest.raises(ValueError, match="河流与湖库"):
        basin_status(sections, ["river", "lake"])


def test_the_exceedance_rate_counts_sections_worse_than_class_three_per_item() -> None:
    sections = pd.DataFrame(
        {"nh3n": [1.6, 0.4, 1.2, 0.2], "tp": [0.3, 0.1, 0.1, float("nan")], "cod": [10.0] * 4}
    )

    rates = exceedance_rates(sections, "river")

    assert rates.iloc[0].to_dict() == pytest.approx({"cod": 0.0, "nh3n": 50.0, "tp": 100 / 3})


def test_main_pollutants_are_the_three_items_most_often_exceeding() -> None:
    rates = pd.DataFrame(
        {"cod": [10.0, 0.0], "nh3n": [50.0, 0.0], "tp": [40.0, 0.0], "cu": [10.0, 0.0]},
        index=["甲河", "乙河"],
    )

    assert main_pollutants(rates).to_dict() == {"甲河": "氨氮;总磷;化学需氧量", "乙河": ""}
