"""Parse and build HJ 212 packets (HJ 212-2017 §6.3; HJ 212-2025 §6.3, §6.4).

Parsing a frame, in order:

1. Find ``CP=&&``; the header before it is clear text in every version.
2. If the device profile says the CP of this CN is encrypted (HJ 212-2025
   §6.4.4), decrypt it with the profile's SM4 key.
3. Check the CRC over the plaintext data segment (2025 A.2: the CRC is
   computed before encryption).
4. Decode the header fields and the CP data area.

Building does the same backwards and always writes the canonical layout of
:mod:`greenloop.hj212.cp`, the byte length of the data segment and a CRC in
upper-case hex.
"""

from __future__ import annotations

from typing import Final

from greenloop.hj212.cp import format_cp, parse_cp
from greenloop.hj212.crc import crc16, format_crc
from greenloop.hj212.crypto import decrypt_cp, encrypt_cp
from greenloop.hj212.errors import PacketError
from greenloop.hj212.framing import MAX_SEGMENT, Frame, frame_at
from greenloop.hj212.packet import Packet
from greenloop.hj212.versions import PLAIN, DeviceProfile

_CP_OPEN: Final = b"CP=&&"
_CP_MARK: Final = b";CP=&&"
_CP_CLOSE: Final = b"&&"
_TEXT_FIELDS: Final = frozenset({"QN", "ST", "CN", "PW", "MN"})
_INT_FIELDS: Final = frozenset({"Flag", "PNUM", "PNO", "RF"})
_KNOWN: Final = frozenset({*_TEXT_FIELDS, *_INT_FIELDS, "CP"})
# Bytes no data segment holds (2017 §6.3); in a decrypted CP they betray a
# wrong key.
_CONTROL: Final = bytes([*range(0x20), 0x7F])


def parse_packet(
    data: bytes, profile: DeviceProfile = PLAIN, *, max_length: int = MAX_SEGMENT
) -> Packet:
    """Parse one complete packet, ``##`` to CRC, with or without ``CR LF``.

    Use :class:`~greenloop.hj212.framing.FrameDecoder` and :func:`parse_frame`
    for a byte stream; this is for one packet already cut out.

    Raises
    ------
    PacketError
        Any kind; ``length`` also when bytes follow the packet.

    Examples
    --------
    >>> p = parse_packet(b"##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;"
    ...                  b"MN=010000A8900016F000169DC0;Flag=4;CP=&&&&C241\\r\\n")
    >>> p.cn, p.qn, p.flag
    ('9014', '20160801085000001', 4)
    """
    if not data.startswith(b"##"):
        raise PacketError("format", "a packet starts with ##", raw=data[:64])
    event, end = frame_at(data, 0, max_length=max_length, final=True)
    if isinstance(event, PacketError):
        raise event
    if event is None:  # pragma: no cover - final=True never asks for more bytes
        raise PacketError("truncated", "packet ended early", raw=data[:64])
    if data[end:].strip(b"\r\n"):  # CR and LF after a packet are ignored, as in a stream
        raise PacketError("length", "bytes after the CRC: length field is wrong", raw=data)
    return parse_frame(event, profile)


def parse_frame(frame: Frame, profile: DeviceProfile = PLAIN, *, numbers: bool = True) -> Packet:
    """Check and decode a frame from :class:`~greenloop.hj212.framing.FrameDecoder`.

    ``numbers=False`` keeps every CP value as text (see :func:`parse_cp`).

    Raises
    ------
    PacketError
        ``crc``, ``decrypt`` or ``format``.
    """
    segment = frame.segment
    if segment.startswith(_CP_OPEN):
        head, body = b"", len(_CP_OPEN)
    else:
        mark = segment.find(_CP_MARK)
        if mark < 0:
            _check_crc(segment, frame)
            raise PacketError("format", "no CP=&&…&& in the data segment", raw=frame.raw)
        head, body = segment[:mark], mark + len(_CP_MARK)
    if len(segment) < body + 2 or not segment.endswith(_CP_CLOSE):
        _check_crc(segment, frame)
        raise PacketError("format", "CP does not end with &&", raw=frame.raw)
    cp_bytes = segment[body:-2]
    cn = _header_value(head, b"CN=")
    if profile.sm4_key is not None and cn is not None and profile.encrypts(cn):
        cp_bytes = decrypt_cp(cp_bytes, profile.sm4_key)
        if _has_control(cp_bytes) or not _is_utf8(cp_bytes):
            raise PacketError(
                "decrypt", "the SM4 key does not decrypt the CP to text", raw=frame.raw
            )
        _check_crc(b"".join((segment[:body], cp_bytes, _CP_CLOSE)), frame)
    else:
        _check_crc(segment, frame)
    if _has_control(head) or _has_control(cp_bytes):
        # 2017 §6.3: printable ASCII, and UTF-8 for Chinese; nothing else.
        raise PacketError("format", "control character in the data segment", raw=frame.raw)
    try:
        header_text = head.decode()
        cp_text = cp_bytes.decode()
    except UnicodeDecodeError as exc:
        raise PacketError("format", f"not UTF-8: {exc.reason}", raw=frame.raw) from None
    try:
        return _decode(header_text, cp_text, numbers)
    except PacketError as exc:
        exc.raw = frame.raw
        raise


def _check_crc(plain: bytes, frame: Frame) -> None:
    actual = crc16(plain)
    if actual != frame.crc:
        raise PacketError(
            "crc", f"CRC {format_crc(frame.crc)} != computed {format_crc(actual)}", raw=frame.raw
        )


def _has_control(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL)) != len(data)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _header_value(head: bytes, prefix: bytes) -> str | None:
    """One header value, read before decoding (to pick the SM4 rule)."""
    if head.startswith(prefix):
        start = len(prefix)
    else:
        at = head.find(b";" + prefix)
        if at < 0:
            return None
        start = at + 1 + len(prefix)
    stop = head.find(b";", start)
    return head[start : stop if stop >= 0 else len(head)].decode("ascii", "replace")


def _decode(header_text: str, cp_text: str, decimals: bool = True) -> Packet:
    text: dict[str, str] = {}
    numbers: dict[str, int] = {}
    extra: list[tuple[str, str]] = []
    for item in header_text.split(";") if header_text else ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PacketError("format", f"header item without a key: {item!r}")
        if key in text or key in numbers or key == "CP" or any(k == key for k, _ in extra):
            raise PacketError("format", f"duplicate header field {key}")
        if key in _TEXT_FIELDS:
            text[key] = value
        elif key in _INT_FIELDS:
            numbers[key] = _header_int(key, value)
        else:
            extra.append((key, value))
    cn = text.get("CN")
    if not cn:
        raise PacketError("format", "no CN in the header")
    if ("PNUM" in numbers) != ("PNO" in numbers):
        raise PacketError("format", "PNUM and PNO come together (2017 §6.3.2)")
    cp, pollutants, trailing = parse_cp(cp_text, numbers=decimals)
    return Packet(
        cn=cn,
        qn=text.get("QN"),
        st=text.get("ST"),
        pw=text.get("PW"),
        mn=text.get("MN"),
        flag=numbers.get("Flag"),
        pnum=numbers.get("PNUM"),
        pno=numbers.get("PNO"),
        rf=numbers.get("RF"),
        cp=cp,
        pollutants=pollutants,
        extra_header=tuple(extra),
        trailing_semicolon=trailing,
    )


def _header_int(key: str, value: str) -> int:
    if not value.isdigit() or not value.isascii() or len(value) > 4:
        raise PacketError("format", f"{key}={value!r} is not a number")
    number = int(value)
    if key == "Flag" and number > 255:
        raise PacketError("format", f"Flag={number} is more than 8 bits")
    return number


def build_packet(
    packet: Packet, profile: DeviceProfile = PLAIN, *, max_length: int = MAX_SEGMENT
) -> bytes:
    """Write ``packet`` as wire bytes, ``##`` to ``CR LF``.

    The CP is encrypted when the profile has an SM4 key and HJ 212-2025
    §6.4.4 lists the command; the CRC is over the plaintext (A.2).

    Raises
    ------
    PacketError
        ``format`` for a value that cannot be written, ``too_large`` for a
        data segment longer than ``max_length``.

    Examples
    --------
    >>> build_packet(Packet(cn="9014", qn="20160801085000001", st="91", pw="123456",
    ...                     mn="010000A8900016F000169DC0", flag=4))[-8:]
    b'&&C241\\r\\n'
    """
    head = _format_header(packet).encode()
    cp = format_cp(
        packet.cp, packet.pollutants, trailing_semicolon=packet.trailing_semicolon
    ).encode()
    prefix = head + _CP_MARK if head else _CP_OPEN
    if _has_control(head) or _has_control(cp):
        raise PacketError("format", "control characters cannot be sent (2017 §6.3)")
    crc = crc16(b"".join((prefix, cp, _CP_CLOSE)))
    if profile.sm4_key is not None and profile.encrypts(packet.cn):
        cp = encrypt_cp(cp, profile.sm4_key)
    segment = b"".join((prefix, cp, _CP_CLOSE))
    if len(segment) > max_length:
        raise PacketError("too_large", f"data segment of {len(segment)} > {max_length}")
    return b"".join((b"##%04d" % len(segment), segment, format_crc(crc).encode(), b"\r\n"))


def _format_header(packet: Packet) -> str:
    if not isinstance(packet.cn, str) or not packet.cn:
        raise PacketError("format", "a packet needs a CN")
    if (packet.pnum is None) != (packet.pno is None):
        raise PacketError("format", "PNUM and PNO come together (2017 §6.3.2)")
    items: list[str] = []
    for key, value in (
        ("QN", packet.qn),
        ("ST", packet.st),
        ("CN", packet.cn),
        ("PW", packet.pw),
        ("MN", packet.mn),
    ):
        if value is not None:
            items.append(f"{key}={_header_text(key, value)}")
    for key, number in (
        ("Flag", packet.flag),
        ("PNUM", packet.pnum),
        ("PNO", packet.pno),
        ("RF", packet.rf),
    ):
        if number is not None:
            limit = 255 if key == "Flag" else 9999
            if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= limit:
                raise PacketError("format", f"{key} must be an integer 0..{limit}: {number!r}")
            items.append(f"{key}={number}")
    for key, value in packet.extra_header:
        if not isinstance(key, str) or not key or key in _KNOWN or "=" in key or ";" in key:
            raise PacketError("format", f"header field name cannot be written: {key!r}")
        items.append(f"{key}={_header_text(key, value)}")
    return ";".join(items)


def _header_text(key: str, value: object) -> str:
    if not isinstance(value, str) or ";" in value:
        raise PacketError("format", f"{key} must be text without ';': {value!r}")
    return value
