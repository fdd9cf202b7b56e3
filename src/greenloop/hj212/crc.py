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


def crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the HJ 212 CRC-16 of ``data`` (Appendix A, steps 1-10)."""
    table = _TABLE
    reg = 0xFFFF
    for byte in data:
        reg = table[(reg >> 8) ^ byte]
    return reg


def format_crc(value: int) -> str:
    """Write a CRC as on the wire: 4 upper-case hex digits, high byte first."""
    return f"{value:04X}"
