"""Parsing and building whole packets (HJ 212-2017 §6.3; HJ 212-2025 §6.3-6.4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from greenloop.hj212 import (
    PLAIN,
    DeviceProfile,
    Packet,
    PacketError,
    Version,
    build_packet,
    crc16,
    encrypt_cp,
    format_crc,
    parse_packet,
)

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
MN = "010000A8900016F000169DC0"
HOURLY = Packet(
    cn="2061",
    qn="20260101100000001",
    st="32",
    pw="123456",
    mn=MN,
    flag=9,
    cp={"DataTime": "20260101090000"},
    pollutants={"w01018": {"Avg": Decimal("21.5"), "Flag": "N"}},
)
ENCRYPTING = DeviceProfile(version=Version.HJ212_2025, sm4_key=KEY)


def wire(segment: bytes, crc: int | None = None) -> bytes:
    """A packet around ``segment`` with a correct length and (by default) CRC."""
    value = crc16(segment) if crc is None else crc
    return b"##%04d" % len(segment) + segment + format_crc(value).encode() + b"\r\n"


def kind_of(data: bytes, profile: DeviceProfile = PLAIN) -> str:
    with pytest.raises(PacketError) as caught:
        parse_packet(data, profile)
    return caught.value.kind


def test_split_packet_fields_and_the_2025_re_send_flag_are_decoded() -> None:
    data = wire(b"QN=1;ST=32;CN=2061;PW=1;MN=M;Flag=11;PNUM=0002;PNO=1;RF=1;CP=&&&&")

    packet = parse_packet(data)

    assert (packet.flag, packet.pnum, packet.pno, packet.rf) == (11, 2, 1, 1)


def test_header_fields_the_standard_does_not_define_are_kept_in_order() -> None:
    data = wire(b"QN=1;CN=2011;Ver=3;X=a=b;CP=&&&&")

    packet = parse_packet(data)

    assert packet.extra_header == (("Ver", "3"), ("X", "a=b"))
    assert build_packet(packet) == data


def test_the_trailing_crlf_is_optional_and_the_crc_may_be_lower_case() -> None:
    data = wire(b"CN=2011;CP=&&&&")
    lower = data[:-6] + data[-6:-2].lower()

    assert parse_packet(lower) == parse_packet(data)


def test_a_chinese_log_text_counts_utf8_bytes_in_the_length_field() -> None:
    packet = Packet(cn="3020", pollutants={"i21001": {"Info": "//数采仪重启//"}})

    data = build_packet(packet)

    assert int(data[2:6]) == len(data) - 12
    assert parse_packet(data) == packet


def test_the_profile_decides_encryption_and_the_flag_version_is_only_a_hint() -> None:
    lying_flag = Packet(cn="2061", flag=5, cp={"DataTime": "20260101090000"})
    profile = DeviceProfile(sm4_key=KEY)  # version open: follow the Flag hint

    data = build_packet(lying_flag, profile)

    assert b"DataTime" not in data  # encrypted although Flag says 2017
    assert parse_packet(data, profile) == lying_flag
    assert profile.version_for(5) is Version.HJ212_2017
    assert DeviceProfile(version=Version.HJ212_2025).version_for(5) is Version.HJ212_2025


def test_only_the_commands_the_2025_standard_lists_are_encrypted() -> None:
    answer = Packet(cn="9014", qn="1", st="91", flag=8)

    assert build_packet(answer, ENCRYPTING) == build_packet(answer)
    assert build_packet(HOURLY, ENCRYPTING) != build_packet(HOURLY)


def test_an_encrypted_packet_round_trips_and_its_crc_is_over_the_plaintext() -> None:
    data = build_packet(HOURLY, ENCRYPTING)

    assert parse_packet(data, ENCRYPTING) == HOURLY
    assert data[-6:] == build_packet(HOURLY)[-6:]


def test_ciphertext_may_be_sent_as_a_0x_list() -> None:
    plain = build_packet(HOURLY)
    head, _, rest = plain[6:].partition(b"CP=&&")
    cp = rest[:-8]
    cipher = encrypt_cp(cp, KEY)
    full = len(cp) // 16 * 16
    listed = b"{" + b",".join(b"0x%02X" % b for b in cipher[:full]) + b"}" + cipher[full:]
    segment = head + b"CP=&&" + listed + b"&&"

    packet = parse_packet(wire(segment, crc16(plain[6:-6])), ENCRYPTING)

    assert packet == HOURLY


# --- every error kind ---------------------------------------------------------


def test_a_wrong_crc_is_a_crc_error() -> None:
    data = wire(b"CN=2011;CP=&&&&")
    bad = data[:-6] + b"0000\r\n"

    assert kind_of(bad) == "crc"


def test_a_changed_ciphertext_byte_is_caught() -> None:
    data = bytearray(build_packet(HOURLY, ENCRYPTING))
    data[data.index(b"CP=&&") + 6] ^= 0x01

    assert kind_of(bytes(data), ENCRYPTING) in {"crc", "decrypt"}


def test_the_wrong_sm4_key_is_a_decrypt_error() -> None:
    data = build_packet(HOURLY, ENCRYPTING)

    assert kind_of(data, DeviceProfile(sm4_key=b"k" * 16)) == "decrypt"


def test_a_malformed_0x_list_is_taken_as_raw_ciphertext_and_fails_to_decrypt() -> None:
    segment = b"CN=2011;CP=&&{0xZZ," + b"0x00," * 20 + b"}&&"

    assert kind_of(wire(segment), ENCRYPTING) == "decrypt"


@pytest.mark.parametrize(
    "data",
    [
        b"##0016CN=2011;CP=&&&&FFFF\r\n",  # length one too long
        b"##0014CN=2011;CP=&&&&FFFF\r\n",  # one too short
        b"##00x5CN=2011;CP=&&&&FFFF\r\n",  # not digits
    ],
)
def test_a_length_field_that_does_not_fit_is_a_length_error(data: bytes) -> None:
    assert kind_of(data) == "length"


def test_bytes_after_the_packet_are_a_length_error() -> None:
    assert kind_of(wire(b"CN=2011;CP=&&&&") + b"xx") == "length"


def test_a_segment_over_the_maximum_is_too_large() -> None:
    big = Packet(cn="2011", cp={"Note": "x" * 1100})

    with pytest.raises(PacketError) as caught:
        build_packet(big)
    data = build_packet(big, max_length=2000)

    assert caught.value.kind == "too_large"
    assert kind_of(data) == "too_large"
    assert parse_packet(data, max_length=2000) == big


def test_a_packet_cut_short_is_truncated() -> None:
    assert kind_of(wire(b"CN=2011;CP=&&&&")[:-8]) == "truncated"


@pytest.mark.parametrize(
    "segment",
    [
        b"QN=1;ST=32;CP=&&&&",  # no CN
        b"CN=;CP=&&&&",  # empty CN
        b"CN=2011;Flag=x;CP=&&&&",
        b"CN=2011;Flag=256;CP=&&&&",
        b"CN=2011;PNUM=2;CP=&&&&",  # PNUM without PNO
        b"CN=2011;CN=2011;CP=&&&&",
        b"CN=2011;junk;CP=&&&&",
        b"CN=2011;CP=1;CP=&&&&",
        b"CN=2011;CP=&&DataTime&&",
        b"CN=2011;\xff=1;CP=&&&&",  # not UTF-8
        b"CN=2011;Flag=5",  # no CP at all, but the CRC is right
        b"CN=2011;CP=&&&",  # CP not closed
    ],
)
def test_a_framed_packet_with_a_right_crc_but_broken_fields_is_a_format_error(
    segment: bytes,
) -> None:
    assert kind_of(wire(segment)) == "format"


def test_data_not_starting_with_hashes_is_a_format_error() -> None:
    assert kind_of(b"QN=1") == "format"


@pytest.mark.parametrize(
    "packet",
    [
        Packet(cn=""),
        Packet(cn="2011", pw="a;b"),
        Packet(cn="2011", flag=256),
        Packet(cn="2011", flag=True),
        Packet(cn="2011", pnum=2),
        Packet(cn="2011", extra_header=(("CN", "1"),)),
        Packet(cn="2011", extra_header=(("A=B", "1"),)),
    ],
)
def test_building_a_packet_that_could_not_be_read_back_is_a_format_error(packet: Packet) -> None:
    with pytest.raises(PacketError) as caught:
        build_packet(packet)

    assert caught.value.kind == "format"


def test_packet_errors_are_value_errors_that_pickle_with_their_raw_bytes() -> None:
    import pickle

    error = PacketError("crc", "bad", raw=b"##")

    copy: PacketError = pickle.loads(pickle.dumps(error))

    assert isinstance(copy, ValueError)
    assert (copy.kind, copy.message, copy.raw, str(copy)) == ("crc", "bad", b"##", "crc: bad")


def test_control_characters_are_refused_both_ways() -> None:
    with pytest.raises(PacketError) as building:
        build_packet(Packet(cn="2011", cp={"Note": "a\tb"}))

    assert building.value.kind == "format"
    assert kind_of(wire(b"CN=2011;CP=&&Note=a\rb&&")) == "format"


def test_a_short_plaintext_cp_that_looks_like_a_0x_list_is_left_alone() -> None:
    packet = Packet(cn="2011", cp={"A": "{0x"})

    assert parse_packet(build_packet(packet, ENCRYPTING), ENCRYPTING) == packet
