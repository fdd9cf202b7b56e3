"""Sans-IO framing of HJ 212 packets on a byte stream.

A packet on the wire is ``##`` + 4-digit length + data segment + 4 hex CRC
+ ``CR LF`` (HJ 212-2017 §6.3.1 Table 2; unchanged in HJ 212-2025). The
decoder finds frames by that length, never by searching for ``CR LF`` or
``&&`` inside the segment: an HJ 212-2025 SM4 ciphertext may hold any byte
(hj212-2025.md §3, item 1). It takes bytes and gives back frames and
errors; it never reads a socket (python-hyper/h11 style).

Rules, each chosen so that any split of the same bytes into reads gives the
same events:

1. Bytes between frames that are ``CR`` or ``LF`` are ignored, which makes
   the trailing ``CR LF`` optional. Other bytes outside frames are reported
   once per run as a ``format`` error when the next ``##`` (or the end of
   the stream) shows where the run ends.
2. A frame is accepted when the data segment ends in ``&&`` and 4 hex
   digits follow it. A segment that does not end in ``&&`` is accepted only
   if the CRC over it matches, so the parser can report the ``format``
   fault; the CRC itself is checked by the parser, which may first have to
   decrypt (HJ 212-2025 A.2).
3. If the length does not land on ``&&`` + CRC and the segment holds UTF-8,
   the length is retried as a count of characters, the other reading of
   HJ 212-2017 §6.3 (hj212-2017.md §1, ⚠).
4. After a bad frame the search for the next ``##`` resumes one byte after
   the bad ``##``, so a packet whose length was corrupted does not take the
   following packet with it. A frame that holds a whole other frame within
   its declared length is bad: its length was corrupted upwards, and
   waiting for the declared bytes would stall the connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from greenloop.hj212.crc import crc16
from greenloop.hj212.errors import ErrorKind, PacketError

MAX_SEGMENT: Final = 1024
"""Longest data segment of HJ 212-2017 Table 2 and HJ 212-2025 Table 2."""

_START: Final = b"##"
_HASH: Final = 0x23
_HEX: Final = b"0123456789abcdefABCDEF"
_EOL: Final = b"\r\n"
_CONTINUATION: Final = bytes(range(0x80, 0xC0))
_RAW_LIMIT: Final = 64


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed packet, CRC not yet checked."""

    segment: bytes
    """The data segment as received (ciphertext CP if the device encrypts)."""
    crc: int
    """The value of the CRC field."""
    raw: bytes
    """The packet from ``##`` to the CRC, for the audit log."""
    length_in_chars: bool = False
    """The length field counted UTF-8 characters, not bytes."""


Event: TypeAlias = Frame | PacketError


class FrameDecoder:
    """Turn a byte stream into frames, resynchronising after bad ones.

    Parameters
    ----------
    max_length
        Longest data segment accepted; longer ones are ``too_large``.

    Examples
    --------
    >>> decoder = FrameDecoder()
    >>> decoder.feed(b"##0015CN=2011;CP")
    []
    >>> [e.segment for e in decoder.feed(b"=&&&&1234\\r\\n")]
    [b'CN=2011;CP=&&&&']
    >>> decoder.close()
    []
    """

    def __init__(self, *, max_length: int = MAX_SEGMENT) -> None:
        if not 0 < max_length <= 9999:
            raise ValueError("max_length must be within what 4 digits can state")
        self.max_length = max_length
        self._buffer = bytearray()
        self._junk = 0
        self._after_error = False

    @property
    def buffered(self) -> int:
        """Bytes held back while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Event]:
        """Add received bytes; return the frames and errors they complete."""
        self._buffer += data
        return self._drain(final=False)

    def close(self) -> list[Event]:
        """End of stream: report what is left and reset the decoder."""
        events = self._drain(final=True)
        self._buffer.clear()
        self._after_error = False
        return events

    def _drain(self, *, final: bool) -> list[Event]:
        buffer = self._buffer
        events: list[Event] = []
        pos = 0
        while True:
            start = buffer.find(_START, pos)
            if start < 0:
                stop = len(buffer)
                if not final and stop > pos and buffer[-1] == _HASH:
                    stop -= 1  # may be the first half of the next "##"
                self._skip(buffer, pos, stop)
                pos = stop
                if final:
                    self._report_junk(events)
                break
            self._skip(buffer, pos, start)
            self._report_junk(events)
            event, pos = frame_at(buffer, start, max_length=self.max_length, final=final)
            if event is None:
                pos = start
                break
            events.append(event)
            self._after_error = isinstance(event, PacketError)
        del buffer[:pos]
        return events

    def _skip(self, buffer: bytearray, start: int, stop: int) -> None:
        # Bytes skipped while resynchronising belong to the bad frame that
        # was already reported; only bytes after a good frame are junk.
        if stop > start and not self._after_error:
            self._junk += len(buffer[start:stop].translate(None, _EOL))

    def _report_junk(self, events: list[Event]) -> None:
        if self._junk:
            events.append(PacketError("format", f"{self._junk} bytes outside any frame"))
            self._junk = 0


def frame_at(
    buffer: bytes | bytearray, start: int, *, max_length: int = MAX_SEGMENT, final: bool
) -> tuple[Event | None, int]:
    """Read the frame whose ``##`` is at ``buffer[start]``.

    Returns ``(event, next_position)``, or ``(None, start)`` when more bytes
    are needed and ``final`` is false. After an error the next position is
    ``start + 1``.
    """
    available = len(buffer) - start
    if available < 6:
        return _need_more(buffer, start, final)
    digits = bytes(buffer[start + 2 : start + 6])
    if not digits.isdigit():
        return _error("length", f"length field {digits!r} is not 4 digits", buffer, start)
    length = int(digits)
    if length > max_length:
        return _error("too_large", f"data segment of {length} > {max_length}", buffer, start)
    body = start + 6
    if _holds_a_frame(buffer, body, length):
        return _error("length", f"a packet starts inside the {length} declared", buffer, start)
    if len(buffer) < body + length + 4:
        return _need_more(buffer, start, final)
    frame = _frame(buffer, start, body, length, in_chars=False)
    if frame is not None:
        return frame, body + length + 4
    chars = _length_in_bytes_of_chars(buffer, body, length)
    if chars is not None:
        if len(buffer) < body + chars + 4:
            if not final:
                return None, start
        else:
            frame = _frame(buffer, start, body, chars, in_chars=True)
            if frame is not None:
                return frame, body + chars + 4
    return _error(
        "length", f"no '&&' and CRC after the {length} declared characters", buffer, start
    )


def _holds_a_frame(buffer: bytes | bytearray, body: int, length: int) -> bool:
    """Whether a whole frame lies inside the declared extent of this one.

    A length corrupted upwards would otherwise hold back the packets that
    follow until the declared bytes arrive, and a device waiting for its
    9014 may never send them. Checking this before the outer frame is
    accepted keeps the decision independent of how reads are split.
    """
    end = min(len(buffer), body + length + 4)
    inner = buffer.find(_START, body, end)
    while inner >= 0:
        digits = bytes(buffer[inner + 2 : inner + 6])
        if len(digits) == 4 and digits.isdigit():
            inner_end = inner + 6 + int(digits) + 4
            if inner_end <= end and _frame(buffer, inner, inner + 6, int(digits), in_chars=False):
                return True
        inner = buffer.find(_START, inner + 1, end)
    return False


def _frame(
    buffer: bytes | bytearray, start: int, body: int, length: int, *, in_chars: bool
) -> Frame | None:
    end = body + length
    field = bytes(buffer[end : end + 4])
    if len(field) != 4 or field.translate(None, _HEX):
        return None
    segment = bytes(buffer[body:end])
    crc = int(field, 16)
    # Framing without the "&&" anchor is trusted only if the CRC agrees.
    if (length < 2 or not segment.endswith(b"&&")) and crc16(segment) != crc:
        return None
    return Frame(segment, crc, bytes(buffer[start : end + 4]), in_chars)


def _length_in_bytes_of_chars(buffer: bytes | bytearray, body: int, length: int) -> int | None:
    """Bytes that ``length`` UTF-8 characters from ``body`` take, if > length."""
    if max(buffer[body : body + length], default=0) < 0x80:
        return None
    size = length
    while True:
        window = buffer[body : body + size]
        grown = length + len(window) - len(window.translate(None, _CONTINUATION))
        if grown == size or body + grown > len(buffer):
            return grown
        size = grown


def _need_more(buffer: bytes | bytearray, start: int, final: bool) -> tuple[Event | None, int]:
    if not final:
        return None, start
    return _error("truncated", "stream ended inside a frame", buffer, start)


def _error(
    kind: ErrorKind, message: str, buffer: bytes | bytearray, start: int
) -> tuple[Event, int]:
    raw = bytes(buffer[start : start + _RAW_LIMIT])
    return PacketError(kind, message, raw=raw), start + 1
