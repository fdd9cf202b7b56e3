"""The one exception of the HJ 212 kernel and its error kinds.

Every failure to frame, decrypt or decode a packet raises (or, in the
stream decoder, returns) a :class:`PacketError` whose ``kind`` says what
went wrong, so the gateway can count and answer by kind (HJ 212-2017
§5.1, ``QnRtn`` 9 = "CRC error") without parsing messages.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ErrorKind = Literal["crc", "length", "format", "decrypt", "too_large", "truncated"]
"""What went wrong.

``crc``
    The CRC field does not match the CRC-16 of the (plaintext) data
    segment (HJ 212-2017 Appendix A; HJ 212-2025 A.1/A.2).
``length``
    The 4-digit length field is not digits, or the data segment does not
    end where it says (no ``&&`` and 4 hex digits at that offset).
``format``
    The data segment is framed and its CRC is right (or not checkable),
    but its fields break the syntax of HJ 212-2017 §6.3.2/§6.3.3, a value
    cannot be written, or bytes outside any frame were skipped.
``decrypt``
    The SM4 key (HJ 212-2025 §6.4) does not turn the CP into text: wrong
    key, or a malformed ``{0x..}`` ciphertext.
``too_large``
    The data segment is longer than the configured maximum (1024 by
    HJ 212-2017 Table 2) or than a 4-digit length field can state.
``truncated``
    The stream ended inside a frame.
"""

ERROR_KINDS: Final[frozenset[str]] = frozenset(get_args(ErrorKind))


class PacketError(ValueError):
    """A packet could not be framed, decrypted, decoded or encoded.

    Parameters
    ----------
    kind
        One of :data:`ErrorKind`.
    message
        What could not be done, for people and logs.
    raw
        The offending bytes when known (kept for the audit log: HJ
        212-2017 §8 asks to log packets that fail the CRC).
    """

    __slots__ = ("kind", "message", "raw")

    def __init__(self, kind: ErrorKind, message: str, *, raw: bytes | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: ErrorKind = kind
        self.message = message
        self.raw = raw

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only ``raw`` would otherwise be lost when the error crosses
        # a process boundary (multiprocessing, logging handlers).
        return (_rebuild, (self.kind, self.message, self.raw))


def _rebuild(kind: ErrorKind, message: str, raw: bytes | None) -> PacketError:
    return PacketError(kind, message, raw=raw)
