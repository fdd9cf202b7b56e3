"""The JSON line format of ``greenloop hj212`` (see greenloop.hj212.jsonl)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from greenloop.hj212 import Packet, PacketError, build_packet, parse_packet
from greenloop.hj212.jsonl import dumps, dumps_error, from_record, loads


def test_a_2017_packet_has_exactly_the_documented_keys() -> None:
    line = dumps(Packet(cn="2011", flag=5))

    assert list(json.loads(line)) == [
        "ok",
        "qn",
        "st",
        "cn",
        "pw",
        "mn",
        "flag",
        "pnum",
        "pno",
        "cp",
        "pollutants",
    ]


def test_rf_and_extra_header_fields_appear_only_when_the_packet_has_them() -> None:
    record = json.loads(dumps(Packet(cn="2011", rf=1, extra_header=(("Ver", "3"),))))

    assert record["rf"] == 1
    assert record["header_extra"] == {"Ver": "3"}
    assert from_record(loads(dumps(Packet(cn="2011", rf=1)))).rf == 1


def test_numbers_are_json_numbers_with_the_sent_digits_and_text_stays_text() -> None:
    packet = Packet(cn="2011", pollutants={"a01": {"Rtd": Decimal("-0.50"), "Flag": "N"}})

    line = dumps(packet)

    assert '"Rtd": -0.50' in line
    assert json.loads(line)["pollutants"]["a01"] == {"Rtd": -0.5, "Flag": "N"}


def test_numbers_in_exponent_form_are_built_in_plain_notation() -> None:
    record = loads('{"cn": "2011", "pollutants": {"a01": {"Rtd": 1e-7, "Avg": 12}}}')

    data = build_packet(from_record(record))

    assert b"a01-Rtd=0.0000001,a01-Avg=12&&" in data
    assert parse_packet(data).pollutants["a01"]["Rtd"] == Decimal("1e-7")


def test_floats_from_a_plain_json_reader_are_written_as_their_shortest_form() -> None:
    packet = from_record({"cn": "2011", "pollutants": {"a01": {"Rtd": 0.1}}})

    assert packet.pollutants["a01"]["Rtd"] == Decimal("0.1")


def test_errors_are_one_object_with_kind_and_message() -> None:
    assert json.loads(dumps_error(PacketError("crc", "CRC 0000 != computed 1C80"))) == {
        "ok": False,
        "error": "crc: CRC 0000 != computed 1C80",
    }


@pytest.mark.parametrize(
    "text",
    [
        "[1]",
        '{"cn": 2011}',
        '{"cn": "2011", "colour": "red"}',
        '{"cn": "2011", "ok": false}',
        '{"cn": "2011", "flag": true}',
        '{"cn": "2011", "cp": {"DataTime": 20240801}}',
        '{"cn": "2011", "pollutants": {"a01": {"Rtd": null}}}',
        '{"cn": "2011", "pollutants": {"a01": [1]}}',
        '{"cn": "2011", "qn": 1}',
        '{"cn": "2011", "pollutants": {"a01": {"Rtd": NaN}}}',
    ],
)
def test_records_of_the_wrong_shape_are_format_errors(text: str) -> None:
    with pytest.raises(PacketError) as caught:
        from_record(loads(text))

    assert caught.value.kind == "format"
