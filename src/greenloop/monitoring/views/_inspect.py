"""Read stored wire bytes again for the raw packet inspector (no Django).

The inspector never trusts the decoded columns: it frames and parses the
bytes the gateway kept with the kernel (:mod:`greenloop.hj212`), checks the
CRC and masks the access password (PW) in everything it returns for the
screen — the raw text, the hex dump and the decoded header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Final

from greenloop.hj212 import (
    PLAIN,
    DeviceProfile,
    Packet,
    PacketError,
    crc16,
    format_crc,
    parse_frame,
)
from greenloop.hj212.framing import Frame, frame_at

PW_MASK: Final = "******"
_PW: Final = re.compile(rb"(?:(?<=;)|(?<=^##\d{4})|^)PW=([^;]*)")
_CN: Final = re.compile(rb"(?:^|;)CN=(\d{4})(?:;|$)")
_EXPECTED: Final = re.compile(r"computed ([0-9A-Fa-f]{4})")


@dataclass
class CrcCheck:
    """``state`` is ``valid``, ``invalid`` or ``unknown`` (not framed, or the
    CP could not be decrypted to compute it)."""

    state: str
    got: str = ""
    expected: str = ""


@dataclass
class Inspection:
    raw_text: str
    """The bytes as text, PW masked; undecodable bytes as ``\\xNN``."""
    hex_lines: list[str] = field(default_factory=list)
    """A hex dump (offset, bytes, ASCII), PW masked; only for binary packets."""
    binary: bool = False
    encrypted: bool = False
    packet: Packet | None = None
    error_kind: str = ""
    error_message: str = ""
    crc: CrcCheck = field(default_factory=lambda: CrcCheck("unknown"))
    header: list[tuple[str, str]] = field(default_factory=list)
    cp: list[tuple[str, str]] = field(default_factory=list)
    pollutant_fields: list[str] = field(default_factory=list)
    pollutants: list[tuple[str, list[str]]] = field(default_factory=list)


def mask_password(raw: bytes) -> bytes:
    """``raw`` with the value of the clear-text header field PW replaced by
    asterisks of the same length (offsets in a hex dump stay right)."""
    end = raw.find(b"CP=&&")
    head = raw if end < 0 else raw[:end]
    masked = _PW.sub(lambda m: b"PW=" + b"*" * len(m.group(1)), head)
    return masked + (b"" if end < 0 else raw[end:])


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return False
    return text.isprintable()


def hex_dump(data: bytes, width: int = 16) -> list[str]:
    lines = []
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        hexes = " ".join(f"{b:02X}" for b in chunk)
        ascii_ = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:04X}  {hexes:<{width * 3 - 1}}  {ascii_}")
    return lines


def inspect(raw: bytes, profile: DeviceProfile = PLAIN) -> Inspection:
    """Frame, check and decode ``raw`` (``##`` to CRC) as the gateway would.

    1. Show the bytes, PW masked: as text when they are printable UTF-8,
       else also as a hex dump (an SM4-encrypted CP of HJ 212-2025).
    2. Frame them; a framing error (length, too large, truncated) ends here.
    3. Parse the frame with the device's profile (decrypt, CRC, fields) and
       report the CRC as valid, or expected vs. got.
    """
    raw = bytes(raw)
    shown = mask_password(raw)
    binary = not _is_text(shown)
    result = Inspection(
        raw_text=shown.decode("utf-8", "backslashreplace"),
        hex_lines=hex_dump(shown) if binary else [],
        binary=binary,
    )
    event, _end = frame_at(raw, 0, final=True) if raw.startswith(b"##") else (None, 0)
    if not isinstance(event, Frame):
        error = (
            event if isinstance(event, PacketError) else PacketError("format", "no ## at the start")
        )
        result.error_kind, result.error_message = error.kind, error.message
        return result
    frame = event
    cn = _CN.search(frame.segment.split(b"CP=&&", 1)[0])
    result.encrypted = bool(cn and profile.encrypts(cn.group(1).decode()))
    got = format_crc(frame.crc)
    try:
        packet = parse_frame(frame, profile)
    except PacketError as exc:
        result.error_kind, result.error_message = exc.kind, exc.message
        if exc.kind == "crc":
            found = _EXPECTED.search(exc.message)
            expected = found.group(1).upper() if found else format_crc(crc16(frame.segment))
            result.crc = CrcCheck("invalid", got=got, expected=expected)
            # What the packet says all the same, to see what was damaged.
            try:
                packet = parse_frame(replace(frame, crc=int(expected, 16)), profile)
            except (PacketError, ValueError):
                return result
            result.packet = packet
            _decoded(result, packet)
        elif exc.kind == "format":
            # The codec checks the CRC before it reads the fields.
            result.crc = CrcCheck("valid", got=got, expected=got)
        else:
            result.crc = CrcCheck("unknown", got=got)
        return result
    result.crc = CrcCheck("valid", got=got, expected=got)
    result.packet = packet
    _decoded(result, packet)
    return result


def _decoded(result: Inspection, packet: Packet) -> None:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    result.header = [
        ("QN", text(packet.qn)),
        ("ST", text(packet.st)),
        ("CN", text(packet.cn)),
        ("PW", PW_MASK if packet.pw else ""),
        ("MN", text(packet.mn)),
        ("Flag", text(packet.flag)),
        ("PNUM", text(packet.pnum)),
        ("PNO", text(packet.pno)),
    ]
    if packet.rf is not None:
        result.header.append(("RF", text(packet.rf)))
    result.header.extend((k, v) for k, v in packet.extra_header)
    result.cp = [(k, v) for k, v in packet.cp.items()]
    names: list[str] = []
    for fields in packet.pollutants.values():
        for name in fields:
            if name not in names:
                names.append(name)
    result.pollutant_fields = names
    result.pollutants = [
        (code, [text(fields.get(name)) for name in names])
        for code, fields in packet.pollutants.items()
    ]
