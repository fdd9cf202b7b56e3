"""CRC-16 of HJ 212 (HJ 212-2017 Appendix A; unchanged in HJ 212-2025 A.1).

The standard calls it "ANSI CRC16" but it is not CRC-16/MODBUS: each byte
is XORed into the *high* byte of the register, which is first shifted
right by 8, then the register is shifted 8 times with polynomial 0xA001.
After ``reg = (reg >> 8) ^ byte`` the register holds 8 significant bits,
so one 256-entry table lookup ``T`` does the whole per-byte update.

Computed without a loop over the bytes. Between bytes only the high byte
``h`` of the register carries over: ``h' = H(h ^ b)`` with ``H(x) = T[x]
>> 8``. ``H`` is linear over GF(2) (shifts and XORs of ``x``), and
``H⁸`` is the identity (checked when this module loads). So, with ``h₀ =
0xFF`` from the register's start value 0xFFFF, the high byte after the
first ``m`` bytes is

    h_m = H^m(h₀) ^ XOR over k of H^(p_k + 1)(b_k)

where ``p_k`` counts the bytes after ``b_k``; and ``H^(p + 1)`` depends
only on ``p mod 8``. XOR-ing the bytes eight positions apart (a fold of the
message as one integer) leaves eight bytes and eight table lookups; the
last byte takes the full table step. ``tests/hj212/test_hj212_crc.py``
checks it against the bit-by-bit procedure of Appendix A for any bytes.

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
_HIGH: Final = tuple(value >> 8 for value in _TABLE)


def _power(x: int, times: int) -> int:
    for _ in range(times):
        x = _HIGH[x]
    return x


if any(_power(x, 8) != x for x in range(256)):  # pragma: no cover - a fact of 0xA001
    raise AssertionError("H^8 is not the identity: the folded CRC would be wrong")

# _STEP[p][x] = H^(p + 1)(x): a byte p places (mod 8) before the last one.
_STEP: Final = tuple(tuple(_power(x, p + 1) for x in range(256)) for p in range(8))
# _START[m % 8] = H^m(0xFF): what the start value becomes after m bytes.
_START: Final = tuple(_power(0xFF, m) for m in range(8))
_MASKS: Final = {64 << k: (1 << (64 << k)) - 1 for k in range(12)}  # to 16 KiB


def crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the HJ 212 CRC-16 of ``data`` (Appendix A, steps 1-10)."""
    n = len(data)
    if n <= 1:
        return _TABLE[0xFF ^ data[0]] if n else 0xFFFF
    m = n - 1
    # Every byte but the last, the last of them least significant: byte p
    # places before the end sits at bits 8p.
    folded = int.from_bytes(data[:m], "big")
    width = 64
    while width < m * 8:
        width <<= 1
    masks = _MASKS
    while width > 64:
        width >>= 1
        mask = masks.get(width)
        if mask is None:
            mask = (1 << width) - 1
        folded = (folded >> width) ^ (folded & mask)
    b = folded.to_bytes(8, "little")  # b[p]: XOR of the bytes p places (mod 8) from the end
    s = _STEP
    high = (
        _START[m % 8]
        ^ s[0][b[0]]
        ^ s[1][b[1]]
        ^ s[2][b[2]]
        ^ s[3][b[3]]
        ^ s[4][b[4]]
        ^ s[5][b[5]]
        ^ s[6][b[6]]
        ^ s[7][b[7]]
    )
    return _TABLE[high ^ data[m]]


def format_crc(value: int) -> str:
    """Write a CRC as on the wire: 4 upper-case hex digits, high byte first."""
    return f"{value:04X}"
