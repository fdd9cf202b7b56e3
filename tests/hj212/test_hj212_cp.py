"""The CP data area (HJ 212-2017 §6.3.3, Table 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from greenloop.hj212 import PacketError
from greenloop.hj212.cp import format_cp, parse_cp


def test_items_without_a_factor_code_stay_text_and_apart_from_pollutants() -> None:
    cp, pollutants, _ = parse_cp("DataTime=20240801120000;QnRtn=1;PolId=w01018")

    assert cp == {"DataTime": "20240801120000", "QnRtn": "1", "PolId": "w01018"}
    assert pollutants == {}


def test_every_standard_field_is_kept_and_numeric_ones_are_decimals() -> None:
    text = (
        "a21026-Rtd=1,a21026-Min=2,a21026-Avg=3,a21026-Max=4,a21026-ZsRtd=5,a21026-ZsMin=6,"
        "a21026-ZsAvg=7,a21026-ZsMax=8,a21026-Cou=9.5,a21026-Flag=N,"
        "a21026-SampleTime=20240801120000,a21026-EFlag=A01"
    )

    _, pollutants, _ = parse_cp(text)

    fields = pollutants["a21026"]
    assert [fields[k] for k in ("Rtd", "Min", "Avg", "Max")] == [Decimal(n) for n in "1234"]
    assert [fields[k] for k in ("ZsRtd", "ZsMin", "ZsAvg", "ZsMax")] == [Decimal(n) for n in "5678"]
    assert fields["Cou"] == Decimal("9.5")
    assert fields["Flag"] == "N" and fields["EFlag"] == "A01"
    assert fields["SampleTime"] == "20240801120000"


def test_unknown_fields_and_non_numbers_in_numeric_fields_are_kept_as_text() -> None:
    _, pollutants, _ = parse_cp("a01-Rtd=,a01-Foo=1.5,a01-Max=--,SB1-RS=1,SB1-RT=23.5")

    assert pollutants["a01"] == {"Rtd": "", "Foo": "1.5", "Max": "--"}
    assert pollutants["SB1"] == {"RS": Decimal("1"), "RT": Decimal("23.5")}


@pytest.mark.parametrize(
    ("text", "written"),
    [("007", "7"), ("+1.5", "1.5"), (".5", "0.5"), ("1.", "1"), ("-0.0", "-0.0")],
)
def test_numbers_in_unusual_spelling_are_written_back_in_plain_form(
    text: str, written: str
) -> None:
    cp, pollutants, trailing = parse_cp(f"a01-Rtd={text}")

    assert format_cp(cp, pollutants, trailing_semicolon=trailing) == f"a01-Rtd={written}"


def test_a_log_text_in_slashes_may_hold_separators() -> None:
    text = "DataTime=20240801120000;i11001-Info=//a=1;b,c//,i11001-Flag=N;a01-Rtd=1"

    cp, pollutants, _ = parse_cp(text)

    assert pollutants["i11001"] == {"Info": "//a=1;b,c//", "Flag": "N"}
    assert pollutants["a01"] == {"Rtd": Decimal("1")}
    assert format_cp(cp, pollutants) == text


def test_an_empty_cp_has_no_items() -> None:
    assert parse_cp("") == ({}, {}, False)


def test_a_code_split_over_two_groups_is_merged_and_written_as_one() -> None:
    cp, pollutants, _ = parse_cp("a01-Rtd=1;a01-Flag=N")

    assert format_cp(cp, pollutants) == "a01-Rtd=1,a01-Flag=N"


@pytest.mark.parametrize(
    "text",
    [
        "DataTime",  # no "="
        "=1",  # no key
        "a01-Rtd=1;;a01-Flag=N",  # empty item
        "DataTime=1;DataTime=2",
        "a01-Rtd=1,a01-Rtd=2",
        "-Rtd=1",
        "a01-=1",
        "i1-Info=//never closed",
        "i1-Info=//x//y",
    ],
)
def test_malformed_cp_is_a_format_error(text: str) -> None:
    with pytest.raises(PacketError) as caught:
        parse_cp(text)

    assert caught.value.kind == "format"


@pytest.mark.parametrize(
    ("cp", "pollutants"),
    [
        ({"A;B": "1"}, {}),
        ({"DataTime": "1;2"}, {}),
        ({"Data-Time": "1"}, {}),
        ({}, {"a01": {"Rtd": "1.5"}}),  # a number given as text in a numeric field
        ({}, {"a01": {"Flag": Decimal(1)}}),  # a number in a text field
        ({}, {"a01": {"Rtd": Decimal("NaN")}}),
        ({}, {"a01": {}}),
        ({}, {"a01": {"Info": "//a//b//"}}),
    ],
)
def test_values_that_would_not_read_back_the_same_are_refused(
    cp: dict[str, str], pollutants: dict[str, dict[str, object]]
) -> None:
    with pytest.raises(PacketError) as caught:
        format_cp(cp, pollutants)  # type: ignore[arg-type]

    assert caught.value.kind == "format"
