"""Every worked example packet of the two HJ 212 references.

Sources: ../shared/reference/hj212-2017.md §8 (CRC vectors 1-6) and §12
(examples A-B); hj212-2025.md §4 (A.1 CRC, A.2 SM4 examples).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from greenloop.hj212 import (
    DeviceProfile,
    PacketError,
    Version,
    build_packet,
    crc16,
    parse_packet,
)

MN = "010000A8900016F000169DC0"

# (name, packet, CRC as stated, CRC as computed)
EXAMPLES_2017 = [
    (
        "appendix_a",
        b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&RtdInterval=30&&1C80\r\n",
    ),
    (
        "ambient_realtime",
        b"##0453QN=20160801085000001;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=7;CP=&&DataTime=20160801084000;a21005-Rtd=1.1,a21005-Flag=N;a21004-Rtd=112,"
        b"a21004-Flag=N;a21026-Rtd=58,a21026-Flag=N;LA-td=50.1,LA-Flag=N;a34004-Rtd=207,"
        b"a34004-Flag=N;a34002-Rtd=295,a34002-Flag=N;a01001-Rtd=12.6,a01001-Flag=N;"
        b"a01002-Rtd=32,a01002-Flag=N;a01006-Rtd=101.02,a01006-Flag=N;a01007-Rtd=2.1,"
        b"a01007-Flag=N;a01008-Rtd=120,a01008-Flag=N;a34001-Rtd=217,a34001-Flag=N;&&C0C1\r\n",
    ),
    (
        "nonstandard_pw_mn",
        b"##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;"
        b"MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,"
        b"a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;"
        b"a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181\r\n",
    ),
    (
        "data_answer",
        b"##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&C241\r\n",
    ),
    (
        "style_2005",
        b"##0178ST=32;CN=2011;PW=123456;MN=0873HHMZWSLH02;CP=&&DataTime=20160103133030;"
        b"060-Rtd=3.0943,060-Flag=N;011-Rtd=18.0412,011-Flag=N;001-Rtd=8.2137,001-Flag=N;"
        b"B01-Rtd=10.9890,B01-Flag=N&&A9C1\r\n",
    ),
    (
        "wastewater_hourly_A",
        b"##0345QN=20261124100000123;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&DataTime=20261124090000;w01018-Min=18.2,w01018-Avg=21.5,"
        b"w01018-Max=25.1,w01018-Cou=1.93,w01018-Flag=N;w21003-Min=0.41,w21003-Avg=0.52,"
        b"w21003-Max=0.66,w21003-Cou=0.047,w21003-Flag=N;w00000-Min=22.1,w00000-Avg=24.9,"
        b"w00000-Max=27.3,w00000-Cou=89.6,w00000-Flag=N&&30C0\r\n",
    ),
    (
        "answer_to_A",
        b"##0087QN=20261124100000123;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&F3C1\r\n",
    ),
    (
        "request_B",
        b"##0134QN=20261124101500456;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&BeginTime=20261124000000;EndTime=20261124020000&&ACC1\r\n",
    ),
    (
        "request_answer_B",
        b"##0094QN=20261124101500456;ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&QnRtn=1&&5D80\r\n",
    ),
    (
        "execution_result_B",
        b"##0095QN=20261124101500456;ST=91;CN=9012;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&ExeRtn=1&&90C1\r\n",
    ),
    (
        "crc_example_2025_A1",
        b"##0087QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=9;CP=&&&&2200\r\n",
    ),
]

PUBLISHED_WRONG_CRC = (
    b"##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;"
    b"B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
)

SM4_TEST_KEY = b"0" * 16  # HJ 212-2025 A.2: sixteen ASCII zeros
A2_PLAIN = (
    b"##0295QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=9;CP=&&DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,"
    b"a01011-Flag=N;a01012-Min=9.3,a01012-Avg=9.3,a01012-Max=9.3,a01012-Flag=N;"
    b"a01014-Min=3.20,a01014-Avg=3.211,a01014-Max=3.212,a01014-Flag=N&&2200\r\n"
)
A2_SHORT_PLAIN = (
    b"##0234QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=9;CP=&&DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,"
    b"a01011-Flag=N;a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N&&B541\r\n"
)


def _segment(packet: bytes) -> bytes:
    return packet[6:-6]


@pytest.mark.parametrize(("name", "packet"), EXAMPLES_2017, ids=[n for n, _ in EXAMPLES_2017])
def test_each_reference_packet_parses_and_rebuilds_byte_identical(name: str, packet: bytes) -> None:
    parsed = parse_packet(packet)

    rebuilt = build_packet(parsed)

    assert rebuilt == packet
    assert crc16(_segment(packet)) == int(packet[-6:-2], 16)
    assert int(packet[2:6]) == len(_segment(packet))


def test_the_appendix_a_example_decodes_its_header_and_cp() -> None:
    packet = parse_packet(EXAMPLES_2017[0][1])

    assert (packet.qn, packet.st, packet.cn, packet.pw, packet.mn, packet.flag) == (
        "20160801085857223",
        "32",
        "1062",
        "100000",
        MN,
        5,
    )
    assert packet.cp == {"RtdInterval": "30"}
    assert packet.pollutants == {}
    assert packet.answer_required


def test_the_ambient_example_keeps_typo_codes_trailing_semicolon_and_flag_7_without_pno() -> None:
    packet = parse_packet(EXAMPLES_2017[1][1])

    assert packet.flag == 7 and packet.pnum is None and packet.pno is None
    assert packet.pollutants["LA"] == {"td": "50.1", "Flag": "N"}  # "td" is not a known field
    assert packet.pollutants["a01006"]["Rtd"] == Decimal("101.02")
    assert len(packet.pollutants) == 12
    assert packet.trailing_semicolon


def test_numbers_keep_the_digits_that_were_sent() -> None:
    packet = parse_packet(EXAMPLES_2017[2][1])

    value = packet.pollutants["a34006"]["Avg"]

    assert isinstance(value, Decimal)
    assert str(value) == "2.69700"
    assert packet.pw == "BF470F88957588DE902D1A52" and packet.mn == "Z13401000010301"


def test_a_2005_style_packet_without_qn_and_flag_parses_with_nulls() -> None:
    packet = parse_packet(EXAMPLES_2017[4][1])

    assert packet.qn is None and packet.flag is None
    assert packet.flag_version is Version.HJT212_2005
    assert list(packet.pollutants) == ["060", "011", "001", "B01"]
    assert packet.pollutants["B01"]["Rtd"] == Decimal("10.9890")


def test_the_hourly_example_a_has_every_statistic_typed() -> None:
    packet = parse_packet(EXAMPLES_2017[5][1])

    assert packet.data_time == "20261124090000"
    assert packet.pollutants["w21003"] == {
        "Min": Decimal("0.41"),
        "Avg": Decimal("0.52"),
        "Max": Decimal("0.66"),
        "Cou": Decimal("0.047"),
        "Flag": "N",
    }


def test_the_published_example_with_a_wrong_crc_is_rejected_with_the_computed_value() -> None:
    with pytest.raises(PacketError) as caught:
        parse_packet(PUBLISHED_WRONG_CRC)

    assert caught.value.kind == "crc"
    assert "4980" in caught.value.message and "3C00" in caught.value.message
    assert caught.value.raw is not None and caught.value.raw.startswith(b"##0136")


def test_rebuilding_the_published_example_writes_the_correct_crc() -> None:
    fixed = PUBLISHED_WRONG_CRC[:-6] + b"3C00\r\n"

    assert build_packet(parse_packet(fixed)) == fixed


def test_the_2025_a1_example_is_a_2025_packet_that_wants_an_answer() -> None:
    packet = parse_packet(EXAMPLES_2017[-1][1])

    assert packet.flag == 9
    assert packet.flag_version is Version.HJ212_2025
    assert packet.answer_required


@pytest.mark.parametrize(
    ("plain", "crc", "tail"),
    [(A2_PLAIN, b"2200", b""), (A2_SHORT_PLAIN, b"B541", b"g=N")],
    ids=["13_full_blocks", "9_blocks_and_clear_tail"],
)
def test_the_2025_a2_examples_encrypt_to_the_printed_ciphertext(
    plain: bytes, crc: bytes, tail: bytes
) -> None:
    profile = DeviceProfile(version=Version.HJ212_2025, sm4_key=SM4_TEST_KEY)

    wire = build_packet(parse_packet(plain), profile)

    assert wire[:6] == plain[:6]  # the length field stays at the plaintext length
    assert wire[-6:] == crc + b"\r\n"  # the CRC is the plaintext's
    cipher = wire[wire.index(b"CP=&&") + 5 : -8]
    assert cipher.hex().upper().startswith("E43E159ACFAB242CB53155FB8B9281A1A242577ABFAED881")
    assert cipher.endswith(tail)
    if not tail:
        assert cipher.hex().upper().endswith("7B0350A48DBF8B41")
    else:
        assert cipher[:-3].hex().upper().endswith("0D03A4")
    assert parse_packet(wire, profile) == parse_packet(plain)
