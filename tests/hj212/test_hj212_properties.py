"""Property tests: round trips, fragmentation, and fuzzing for error kinds."""

from __future__ import annotations

import string
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from greenloop.hj212 import (
    ERROR_KINDS,
    NUMERIC_FIELDS,
    DeviceProfile,
    Frame,
    FrameDecoder,
    Packet,
    PacketError,
    Version,
    build_packet,
    decrypt_cp,
    encrypt_cp,
    jsonl,
    parse_frame,
    parse_packet,
    response_to,
)
from greenloop.hj212.cp import is_number_text
from greenloop.hj212.responses import answer_bytes

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
PROFILES = [DeviceProfile(), DeviceProfile(sm4_key=KEY)]
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Printable text as devices send it, with some Chinese; separators excluded.
_PLAIN = string.ascii_letters + string.digits + " .:+-_/#&@%" + "数采仪重启正常"
_KEY_CHARS = string.ascii_letters + string.digits + "_"

header_text = st.text(alphabet=_PLAIN + "=", max_size=24).filter(lambda s: ";" not in s)
plain_value = st.text(alphabet=_PLAIN + "=", max_size=16).filter(lambda s: not s.startswith("//"))
quoted_value = st.text(alphabet=_PLAIN.replace("/", "") + ";,=", max_size=16).map(
    lambda s: f"//{s}//"
)
text_value = st.one_of(plain_value, quoted_value)
number = st.one_of(
    st.builds(lambda i, p: Decimal(i).scaleb(-p), st.integers(-(10**9), 10**9), st.integers(0, 6)),
    st.just(Decimal("-0.0")),
)
cp_key = st.text(alphabet=_KEY_CHARS, min_size=1, max_size=10)
field_name = st.one_of(st.sampled_from(sorted(NUMERIC_FIELDS)), cp_key)


@st.composite
def field_values(draw: st.DrawFn) -> dict[str, Decimal | str]:
    names = draw(st.lists(field_name, min_size=1, max_size=5, unique=True))
    values: dict[str, Decimal | str] = {}
    for name in names:
        if name in NUMERIC_FIELDS:
            text = text_value.filter(lambda s: not is_number_text(s))
            values[name] = draw(st.one_of(number, text))
        else:
            values[name] = draw(text_value)
    return values


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    split = draw(st.booleans())
    return Packet(
        cn=draw(
            st.one_of(st.sampled_from(["2011", "2061", "1014", "3020", "9014", "9015"]), cp_key)
        ),
        qn=draw(st.none() | header_text),
        st=draw(st.none() | header_text),
        pw=draw(st.none() | header_text),
        mn=draw(st.none() | header_text),
        flag=draw(st.none() | st.integers(0, 255)),
        pnum=draw(st.integers(0, 9999)) if split else None,
        pno=draw(st.integers(0, 9999)) if split else None,
        rf=draw(st.none() | st.integers(0, 9999)),
        cp=draw(st.dictionaries(cp_key, text_value, max_size=4)),
        pollutants=draw(
            st.dictionaries(
                cp_key.map(lambda k: k + "-x" if k.startswith("i") else k),
                field_values(),
                max_size=5,
            )
        ),
        extra_header=tuple(
            draw(
                st.dictionaries(
                    cp_key.filter(
                        lambda k: k not in {"QN", "ST", "CN", "PW", "MN", "PNO", "RF", "CP"}
                    ),
                    header_text,
                    max_size=2,
                )
            ).items()
        ),
    )


@FAST
@given(packets(), st.sampled_from(PROFILES))
def test_building_then_parsing_gives_back_the_packet(
    packet: Packet, profile: DeviceProfile
) -> None:
    try:
        data = build_packet(packet, profile, max_length=9999)
    except PacketError as exc:
        assume(exc.kind != "too_large")
        raise

    parsed = parse_packet(data, profile, max_length=9999)

    assert parsed == packet
    assert jsonl.dumps(parsed) == jsonl.dumps(packet)


@FAST
@given(packets())
def test_a_json_line_survives_build_and_parse_unchanged(packet: Packet) -> None:
    line = jsonl.dumps(packet)
    try:
        data = build_packet(jsonl.from_record(jsonl.loads(line)), max_length=9999)
    except PacketError as exc:
        assume(exc.kind != "too_large")
        raise

    assert jsonl.dumps(parse_packet(data, max_length=9999)) == line


def _events(decoder: FrameDecoder, chunks: list[bytes]) -> list[object]:
    events = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    return [e if isinstance(e, Frame) else (e.kind, e.message) for e in events]


stream_parts = st.lists(
    st.one_of(
        packets().map(lambda p: build_packet(p, max_length=9999)),
        st.binary(max_size=12),
        st.sampled_from([b"\r\n", b"#", b"##", b"##00", b"##0015CN=1;CP=&&&&", b"&&FFFF"]),
    ),
    max_size=8,
)


@FAST
@given(stream_parts, st.lists(st.integers(0, 4000), max_size=20))
def test_any_split_of_a_stream_into_reads_gives_the_same_events(
    parts: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(parts)
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in zip(points, points[1:], strict=False)]

    assert _events(FrameDecoder(max_length=9999), chunks) == _events(
        FrameDecoder(max_length=9999), [data]
    )


@FEW
@given(st.lists(packets(), max_size=4), st.integers(1, 7))
def test_good_packets_in_a_stream_all_come_out_whatever_the_read_size(
    items: list[Packet], size: int
) -> None:
    wires = []
    for packet in items:
        try:
            wires.append(build_packet(packet))
        except PacketError:
            continue
    data = b"".join(wires)
    decoder = FrameDecoder()

    events = [e for i in range(0, len(data), size) for e in decoder.feed(data[i : i + size])]

    assert [e.raw for e in events if isinstance(e, Frame)] == [w[:-2] for w in wires]
    assert decoder.close() == []


def _only_declared_errors(data: bytes, profile: DeviceProfile) -> None:
    try:
        parse_packet(data, profile)
    except PacketError as exc:
        assert exc.kind in ERROR_KINDS
    decoder = FrameDecoder()
    for event in decoder.feed(data) + decoder.close():
        if isinstance(event, PacketError):
            assert event.kind in ERROR_KINDS
            continue
        try:
            parse_frame(event, profile)
        except PacketError as exc:
            assert exc.kind in ERROR_KINDS


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(PROFILES))
def test_arbitrary_bytes_only_ever_give_declared_error_kinds(
    data: bytes, profile: DeviceProfile
) -> None:
    _only_declared_errors(b"##%04d" % len(data) + data, profile)
    _only_declared_errors(data, profile)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    packets(),
    st.sampled_from(PROFILES),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_corrupted_packets_only_ever_give_declared_error_kinds(
    packet: Packet, profile: DeviceProfile, flips: list[tuple[int, int]]
) -> None:
    try:
        data = bytearray(build_packet(packet, profile, max_length=9999))
    except PacketError:
        return
    for position, byte in flips:
        data[position % len(data)] = byte

    _only_declared_errors(bytes(data), profile)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | number,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            (
                "ok",
                "qn",
                "cn",
                "flag",
                "pnum",
                "pno",
                "rf",
                "cp",
                "pollutants",
                "header_extra",
                "zz",
            ),
            json_values,
        ),
    )
)
def test_any_json_object_builds_or_gives_a_declared_error(record: dict[str, object]) -> None:
    try:
        build_packet(jsonl.from_record(record))
    except PacketError as exc:
        assert exc.kind in ERROR_KINDS


@FAST
@given(st.binary(max_size=100), st.binary(min_size=16, max_size=16))
def test_sm4_of_the_cp_round_trips_keeps_the_length_and_leaves_the_tail_clear(
    plain: bytes, key: bytes
) -> None:
    cipher = encrypt_cp(plain, key)

    assert decrypt_cp(cipher, key) == plain
    assert len(cipher) == len(plain)
    tail = len(plain) % 16
    assert cipher[len(plain) - tail :] == plain[len(plain) - tail :]


@FAST
@given(packets(), st.sampled_from(list(Version)), st.sampled_from(PROFILES))
def test_the_gateways_answer_bytes_are_the_built_answer(
    packet: Packet, version: Version, profile: DeviceProfile
) -> None:
    # The gateway writes 9013/9014 without build_packet; a device must not
    # be able to tell.
    try:
        parsed = parse_packet(build_packet(packet, max_length=9999), max_length=9999)
    except PacketError:
        assume(False)
        raise
    answer = response_to(parsed, version=version)

    wire = answer_bytes(parsed, version=version, profile=profile)

    assert wire == (None if answer is None else build_packet(answer, profile))
