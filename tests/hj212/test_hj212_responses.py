"""Answers in the device's own version (hj212-2017.md §9.5; 2025 Table 12)."""

from __future__ import annotations

import pytest

from greenloop.hj212 import (
    Packet,
    Version,
    build_packet,
    data_response,
    execution_response,
    heartbeat,
    notification_response,
    parse_packet,
    request_response,
    response_to,
)

MN = "010000A8900016F000169DC0"
HOURLY_A = (
    b"##0345QN=20261124100000123;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&DataTime=20261124090000;w01018-Min=18.2,w01018-Avg=21.5,"
    b"w01018-Max=25.1,w01018-Cou=1.93,w01018-Flag=N;w21003-Min=0.41,w21003-Avg=0.52,"
    b"w21003-Max=0.66,w21003-Cou=0.047,w21003-Flag=N;w00000-Min=22.1,w00000-Avg=24.9,"
    b"w00000-Max=27.3,w00000-Cou=89.6,w00000-Flag=N&&30C0\r\n"
)
REQUEST_B = (
    b"##0134QN=20261124101500456;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&BeginTime=20261124000000;EndTime=20261124020000&&ACC1\r\n"
)


def test_the_9014_to_example_a_is_the_reference_packet() -> None:
    answer = data_response(parse_packet(HOURLY_A), version=Version.HJ212_2017)

    assert build_packet(answer) == (
        b"##0087QN=20261124100000123;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&F3C1\r\n"
    )


def test_the_9011_and_9012_to_example_b_are_the_reference_packets() -> None:
    request = parse_packet(REQUEST_B)

    ready = build_packet(request_response(request, version=Version.HJ212_2017))
    done = build_packet(execution_response(request, version=Version.HJ212_2017, exe_rtn=1))

    assert ready.endswith(b"Flag=4;CP=&&QnRtn=1&&5D80\r\n") and ready.startswith(b"##0094")
    assert done.endswith(b"Flag=4;CP=&&ExeRtn=1&&90C1\r\n") and done.startswith(b"##0095")


@pytest.mark.parametrize(
    ("version", "flag"),
    [(Version.HJT212_2005, 0), (Version.HJ212_2017, 4), (Version.HJ212_2025, 8)],
)
def test_answers_carry_the_devices_version_with_a_and_d_clear(version: Version, flag: int) -> None:
    request = Packet(cn="2011", qn="q", pw="p", mn=MN, flag=7, pnum=2, pno=1)

    answer = data_response(request, version=version)

    assert (answer.flag, answer.st, answer.qn, answer.pw, answer.mn) == (flag, "91", "q", "p", MN)
    assert answer.pnum is None and answer.cp == {} and answer.pollutants == {}


def test_a_2005_upload_without_qn_is_answered_without_qn() -> None:
    request = Packet(cn="2011", st="32", pw="123456", mn="0873HHMZWSLH02", flag=1)

    answer = build_packet(response_to(request, version=Version.HJT212_2005))  # type: ignore[arg-type]

    assert answer.startswith(b"##0056ST=91;CN=9014;PW=123456;MN=0873HHMZWSLH02;Flag=0;CP=&&&&")


def test_the_device_profile_not_the_flag_decides_the_answer_version() -> None:
    # A 2025 device whose logger still writes the 2017 Flag.
    request = Packet(cn="2061", qn="q", flag=5)

    answer = response_to(request, version=Version.HJ212_2025)

    assert answer is not None and answer.flag == 8


@pytest.mark.parametrize(
    ("cn", "answer_cn"),
    [("2061", "9014"), ("2011", "9014"), ("3020", "9014"), ("1013", "9013"), ("9015", "9013")],
)
def test_uploads_get_9014_and_notifications_and_heartbeats_get_9013(
    cn: str, answer_cn: str
) -> None:
    answer = response_to(Packet(cn=cn, qn="q", flag=9), version=Version.HJ212_2025)

    assert answer is not None and answer.cn == answer_cn


@pytest.mark.parametrize(
    "packet", [Packet(cn="2061", flag=4), Packet(cn="2061"), Packet(cn="9014", flag=5)]
)
def test_no_answer_is_due_without_bit_a_or_to_an_answer(packet: Packet) -> None:
    assert response_to(packet, version=Version.HJ212_2017) is None


def test_a_2025_heartbeat_asks_for_a_9013_and_gets_one() -> None:
    beat = heartbeat(mn=MN, pw="123456", qn="20260101000000000")

    wire = build_packet(beat)
    answer = notification_response(parse_packet(wire), version=Version.HJ212_2025)

    assert wire.startswith(b"##0087QN=20260101000000000;ST=91;CN=9015;")
    assert beat.flag == 9 and beat.answer_required
    assert (answer.cn, answer.flag, answer.qn) == ("9013", 8, "20260101000000000")
