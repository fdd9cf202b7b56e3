"""GB 3838-2002 Table 1 as data, and the registry of standard versions."""

from __future__ import annotations

import pytest

from greenloop.water import (
    CLASS_ITEMS,
    CWQI_ITEMS,
    GB3838_2002,
    REFERENCE_ITEMS,
    get_standard,
    standards_for_dates,
)

# Reference §1, typed again from the reference rather than from the data file.
TABLE_ONE = {
    ("do", "river"): (7.5, 6, 5, 3, 2),
    ("codmn", "river"): (2, 4, 6, 10, 15),
    ("cod", "river"): (15, 15, 20, 30, 40),
    ("bod5", "river"): (3, 3, 4, 6, 10),
    ("nh3n", "river"): (0.15, 0.5, 1.0, 1.5, 2.0),
    ("tp", "river"): (0.02, 0.1, 0.2, 0.3, 0.4),
    ("tp", "lake"): (0.01, 0.025, 0.05, 0.1, 0.2),
    ("tn", "lake"): (0.2, 0.5, 1.0, 1.5, 2.0),
    ("cu", "river"): (0.01, 1.0, 1.0, 1.0, 1.0),
    ("zn", "river"): (0.05, 1.0, 1.0, 2.0, 2.0),
    ("f", "river"): (1.0, 1.0, 1.0, 1.5, 1.5),
    ("se", "river"): (0.01, 0.01, 0.01, 0.02, 0.02),
    ("as", "river"): (0.05, 0.05, 0.05, 0.1, 0.1),
    ("hg", "river"): (0.00005, 0.00005, 0.0001, 0.001, 0.001),
    ("cd", "river"): (0.001, 0.005, 0.005, 0.005, 0.01),
    ("cr6", "river"): (0.01, 0.05, 0.05, 0.05, 0.1),
    ("pb", "river"): (0.01, 0.01, 0.05, 0.05, 0.1),
    ("cn", "river"): (0.005, 0.05, 0.2, 0.2, 0.2),
    ("phenol", "river"): (0.002, 0.002, 0.005, 0.01, 0.1),
    ("oil", "river"): (0.05, 0.05, 0.05, 0.5, 1.0),
    ("las", "river"): (0.2, 0.2, 0.2, 0.3, 0.3),
    ("sulfide", "river"): (0.05, 0.1, 0.2, 0.5, 1.0),
    ("fc", "river"): (200, 2000, 10000, 20000, 40000),
}


@pytest.mark.parametrize(("item", "body"), sorted(TABLE_ONE))
def test_limits_match_table_one_of_the_reference(item: str, body: str) -> None:
    spec = GB3838_2002.item(item)

    limits = spec.limits(body == "lake")

    assert limits == pytest.approx(TABLE_ONE[(item, body)], rel=0, abs=0)


def test_items_other_than_tp_and_tn_have_the_same_limits_in_lakes() -> None:
    same = [
        code
        for code, spec in GB3838_2002.items.items()
        if spec.kind in ("max", "min") and spec.river == spec.lake
    ]

    assert set(GB3838_2002.items) - set(same) == {"wt", "ph", "tp", "tn"}


def test_table_one_has_the_twenty_four_basic_items() -> None:
    assert len(GB3838_2002.items) == 24
    assert set(CLASS_ITEMS) | set(REFERENCE_ITEMS) == set(GB3838_2002.items)


def test_class_and_cwqi_items_are_the_twenty_one_without_wt_tn_and_fecal_coliform() -> None:
    assert len(CLASS_ITEMS) == 21
    assert CWQI_ITEMS == CLASS_ITEMS
    assert not {"wt", "tn", "fc"} & set(CLASS_ITEMS)


def test_ph_is_a_range_of_six_to_nine_and_water_temperature_has_no_classes() -> None:
    assert GB3838_2002.item("ph").kind == "range"
    assert GB3838_2002.item("ph").river == (6.0, 9.0)
    assert GB3838_2002.item("wt").kind == "none"


def test_total_nitrogen_has_no_river_limits() -> None:
    with pytest.raises(ValueError, match="没有河流分类限值"):
        GB3838_2002.limit("tn", 3, lake=False)

    assert GB3838_2002.limit("tn", 3, lake=True) == 1.0


def test_a_limit_outside_classes_one_to_five_is_refused() -> None:
    with pytest.raises(ValueError):
        GB3838_2002.limit("nh3n", 6)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("nh3n", "nh3n"),
        ("NH3-N", "nh3n"),
        ("氨氮", "nh3n"),
        ("氨氮（mg/L）", "nh3n"),
        (" CODMn ", "codmn"),
        ("高锰酸盐指数", "codmn"),
        ("Cr6+", "cr6"),
        ("铬（六价）", "cr6"),
        ("溶解氧", "do"),
        ("pH值", "ph"),
        ("粪大肠菌群", "fc"),
        ("S2-", "sulfide"),
    ],
)
def test_columns_resolve_by_code_chinese_name_or_code_hint(header: str, code: str) -> None:
    assert GB3838_2002.resolve_column(header) == code


def test_unrelated_columns_resolve_to_nothing() -> None:
    assert GB3838_2002.resolve_column("remarks") is None
    assert GB3838_2002.resolve_column("铬") is None


def test_the_standard_in_force_is_chosen_by_the_date_of_the_data() -> None:
    codes = standards_for_dates(["2002-05-31", "2002-06-01", "2026-03-01"])

    assert codes.tolist() == ["", "GB 3838-2002", "GB 3838-2002"]


def test_standards_are_found_by_code_whatever_the_spacing() -> None:
    assert get_standard("GB3838-2002") is GB3838_2002
    with pytest.raises(KeyError):
        get_standard("GB 3838-1988")
