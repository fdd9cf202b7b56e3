"""CRC-16 of HJ 212 (HJ 212-2017 Appendix A; unchanged in HJ 212-2025 A.1).

The standard calls it "ANSI CRC16" but it is not CRC-16/MODBUS: each byte
is XORed into the *high* byte of the register, which is first shifted
right by 8, then the register is shifted 8 times with polynomial 0xA001.
After ``reg = (reg >> 8) ^ byte`` the register holds 8 significant bits,
so one 256-entry table lookup does the whole per-byte update.

Examples
--------
>>> crc16(b"QN=20160801085857223;ST=32;CN=1062;PW=100000;"
...       b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&")
7296
>>> format_crc(7296)
'1C80'
"""

from __future__ import annotations

import sys
from array import array
from functools import lru_cache
from typing import Final

_POLY: Final = 0xA001


def _make_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        reg = index
        for _ in range(8):
            reg = (reg >> 1) ^ _POLY if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


_TABLE: Final[tuple[int, ...]] = _make_table()


@lru_cache(maxsize=1)
def _pair_table() -> tuple[int, ...]:
    """Two bytes per lookup: ``reg = T2[(reg >> 8) ^ (b0 | b1 << 8)]``.

    After the first byte the register is ``T[u]`` with ``u = (reg >> 8) ^
    b0`` (8 bits), so the register after the second byte depends on ``u``
    and ``b1`` only: 65,536 entries, built once on first use (≈ 20 ms).
    """
    table = _TABLE
    pairs = [0] * 65536
    for u in range(256):
        high = table[u] >> 8
        for b1 in range(256):
            pairs[u | (b1 << 8)] = table[high ^ b1]
    return tuple(pairs)


_LITTLE: Final = sys.byteorder == "little"


def crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the HJ 212 CRC-16 of ``data`` (Appendix A, steps 1-10)."""
    data = bytes(data) if isinstance(data, memoryview) else data
    even = len(data) & ~1
    words = array("H", data[:even])  # b0 | b1 << 8 per pair
    if not _LITTLE:
        words.byteswap()
    pairs = _pair_table()
    reg = 0xFFFF
    for word in words:
        reg = pairs[(reg >> 8) ^ word]
    if even != len(data):
        reg = _TABLE[(reg >> 8) ^ data[-1]]
    return reg


def format_crc(value: int) -> str:
    """Write a CRC as on the wire: 4 upper-case hex digits, high byte first."""
    return f"{value:04X}"
