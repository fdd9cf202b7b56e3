"""HJ 212 kernel: framing, CRC, SM4 and codec for HJ/T 212-2005, HJ 212-2017
and HJ 212-2025, with no Django and no I/O.

The gateway uses it like this (one decoder per connection)::

    decoder = FrameDecoder()
    for event in decoder.feed(data):
        if isinstance(event, PacketError):
            ...  # log event.kind, event.raw; the decoder has resynchronised
            continue
        packet = parse_frame(event, profile_of_device)  # may raise PacketError
        ...  # store, then:
        answer = response_to(packet, version=profile.version_for(packet.flag))
        if answer is not None:
            transport.write(build_packet(answer, profile))

Numbers in CP values are :class:`~decimal.Decimal` and keep the digits that
were sent; see :mod:`greenloop.hj212.packet` and :mod:`greenloop.hj212.jsonl`
for how values are typed and how they round-trip through JSON.
"""

from __future__ import annotations

from greenloop.hj212.codec import build_packet, parse_frame, parse_packet
from greenloop.hj212.commands import COMMANDS, Command, CommandKind, command
from greenloop.hj212.crc import crc16, format_crc
from greenloop.hj212.crypto import decrypt_cp, encrypt_cp
from greenloop.hj212.errors import ERROR_KINDS, ErrorKind, PacketError
from greenloop.hj212.factors import FACTORS, Factor, factor, normalise_code
from greenloop.hj212.framing import MAX_SEGMENT, Event, Frame, FrameDecoder
from greenloop.hj212.packet import NUMERIC_FIELDS, CpValue, Packet
from greenloop.hj212.reassembly import Reassembler
from greenloop.hj212.responses import (
    data_response,
    execution_response,
    heartbeat,
    notification_response,
    request_response,
    response_to,
)
from greenloop.hj212.systems import SYSTEMS, System, system
from greenloop.hj212.versions import (
    PLAIN,
    SPECS,
    DeviceProfile,
    Version,
    VersionSpec,
    version_from_flag,
)

__all__ = [
    "COMMANDS",
    "ERROR_KINDS",
    "FACTORS",
    "MAX_SEGMENT",
    "NUMERIC_FIELDS",
    "PLAIN",
    "SPECS",
    "SYSTEMS",
    "Command",
    "CommandKind",
    "CpValue",
    "DeviceProfile",
    "ErrorKind",
    "Event",
    "Factor",
    "Frame",
    "FrameDecoder",
    "Packet",
    "PacketError",
    "Reassembler",
    "System",
    "Version",
    "VersionSpec",
    "build_packet",
    "command",
    "crc16",
    "data_response",
    "decrypt_cp",
    "encrypt_cp",
    "execution_response",
    "factor",
    "format_crc",
    "heartbeat",
    "normalise_code",
    "notification_response",
    "parse_frame",
    "parse_packet",
    "request_response",
    "response_to",
    "system",
    "version_from_flag",
]
