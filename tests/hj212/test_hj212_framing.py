"""Stream framing (HJ 212-2017 §6.3.1 Table 2; hj212-2025.md §3 item 1)."""

from __future__ import annotations

import pytest

from greenloop.hj212 import (
    DeviceProfile,
    Frame,
    FrameDecoder,
    Packet,
    PacketError,
    Version,
    build_packet,
    crc16,
    format_crc,
    parse_frame,
)

KEY = b"0" * 16
ENCRYPTING = DeviceProfile(version=Version.HJ212_2025, sm4_key=KEY)


def packet(n: int) -> bytes:
    return build_packet(Packet(cn="2011", qn=f"{n:017d}", cp={"DataTime": f"{n:014d}"}))


def decode(*chunks: bytes, max_length: int = 1024) -> list[Frame | PacketError]:
    decoder = FrameDecoder(max_length=max_length)
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.close()


def kinds(events: list[Frame | PacketError]) -> list[str]:
    return [e.kind if isinstance(e, PacketError) else "frame" for e in events]


def test_several_packets_in_one_read_give_several_frames() -> None:
    events = decode(packet(1) + packet(2) + packet(3))

    assert [parse_frame(e).qn for e in events] == [f"{n:017d}" for n in (1, 2, 3)]  # type: ignore[arg-type]


def test_a_packet_fed_one_byte_at_a_time_gives_one_frame_at_its_last_crc_digit() -> None:
    data = packet(1)
    decoder = FrameDecoder()

    counts = [len(decoder.feed(data[i : i + 1])) for i in range(len(data))]

    assert counts.index(1) == len(data) - 3  # complete before the optional CR LF
    assert sum(counts) == 1
    assert decoder.close() == []


def test_packets_without_crlf_and_with_bare_line_feeds_between_them_are_framed() -> None:
    events = decode(packet(1)[:-2] + packet(2)[:-2] + b"\n" + packet(3))

    assert kinds(events) == ["frame"] * 3


def test_a_length_corrupted_upwards_does_not_hold_back_the_next_packet() -> None:
    bad = b"##0999" + packet(2)[6:]
    decoder = FrameDecoder()

    events = decoder.feed(packet(1) + bad + packet(3))

    assert kinds(events) == ["frame", "length", "frame"]  # without waiting for 999 bytes
    assert decoder.close() == []


def test_a_length_too_short_resynchronises_at_the_next_hashes() -> None:
    bad = b"##0030" + packet(2)[6:]

    events = decode(packet(1) + bad + packet(3))

    assert kinds(events) == ["frame", "length", "frame"]


def test_a_bad_crc_is_a_frame_whose_parse_fails() -> None:
    bad = packet(2)[:-6] + b"0000\r\n"

    events = decode(packet(1) + bad + packet(3))

    assert kinds(events) == ["frame"] * 3
    with pytest.raises(PacketError, match="crc"):
        parse_frame(events[1])  # type: ignore[arg-type]


def test_junk_between_packets_is_reported_once_whatever_the_reads() -> None:
    data = packet(1) + b"garbage" + packet(2)

    whole = decode(data)
    bytewise = decode(*[data[i : i + 1] for i in range(len(data))])

    assert kinds(whole) == kinds(bytewise) == ["frame", "format", "frame"]
    assert "7 bytes" in str(whole[1])


def test_junk_at_the_end_of_the_stream_is_reported_at_close() -> None:
    decoder = FrameDecoder()

    events = decoder.feed(packet(1) + b"xy#")

    assert kinds(events) == ["frame"]
    assert kinds(decoder.close()) == ["format"]


def test_a_declared_length_over_the_maximum_is_too_large_and_skipped() -> None:
    events = decode(packet(1) + b"##2000" + b"x" * 10 + packet(2), max_length=1024)

    assert kinds(events) == ["frame", "too_large", "frame"]


def test_a_stream_that_ends_inside_a_frame_reports_truncated_at_close() -> None:
    decoder = FrameDecoder()

    events = decoder.feed(packet(1) + packet(2)[:-10])

    assert kinds(events) == ["frame"]
    assert kinds(decoder.close()) == ["truncated"]
    assert decoder.buffered == 0


def test_held_back_bytes_never_exceed_one_frame() -> None:
    decoder = FrameDecoder(max_length=100)

    for _ in range(1000):
        decoder.feed(b"no frame here, only # noise ")

    assert decoder.buffered <= 1
    assert kinds(decoder.close()) == ["format"]


def test_a_stray_hash_before_a_packet_costs_one_error_and_not_the_packet() -> None:
    events = decode(b"#" + packet(1))

    assert kinds(events) == ["length", "frame"]


def test_ciphertext_holding_crlf_and_hashes_is_framed_by_length() -> None:
    # Search a packet whose SM4 ciphertext contains CR LF or "##" bytes.
    for n in range(5000):
        data = build_packet(
            Packet(cn="2011", qn=f"{n:017d}", cp={"DataTime": f"{n:014d}", "Pad": "x" * 40}),
            ENCRYPTING,
        )
        body = data[6:-6]
        if b"\r\n" in body or b"##" in body:
            break
    else:  # pragma: no cover - 5000 tries make this practically impossible
        pytest.fail("no ciphertext with CR LF or ## found")

    events = decode(packet(1) + data + packet(2))

    assert kinds(events) == ["frame"] * 3
    assert parse_frame(events[1], ENCRYPTING).qn == f"{n:017d}"  # type: ignore[arg-type]


def test_a_length_that_counts_utf8_characters_is_accepted_when_the_crc_agrees() -> None:
    segment = "CN=3020;CP=&&i21001-Info=//数采仪重启//&&".encode()
    characters = len(segment.decode())
    data = b"##%04d" % characters + segment + format_crc(crc16(segment)).encode() + b"\r\n"

    events = decode(packet(1) + data + packet(2))

    assert kinds(events) == ["frame"] * 3
    frame = events[1]
    assert isinstance(frame, Frame) and frame.length_in_chars
    assert parse_frame(frame).pollutants["i21001"]["Info"] == "//数采仪重启//"


def test_the_maximum_length_must_fit_four_digits() -> None:
    with pytest.raises(ValueError, match="4 digits"):
        FrameDecoder(max_length=10000)
