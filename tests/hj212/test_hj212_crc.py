"""CRC-16 of HJ 212-2017 Appendix A (and HJ 212-2025 A.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.hj212 import crc16, format_crc


def _bitwise_as_written(data: bytes) -> int:
    """Appendix A steps 1-10, bit by bit, as the standard writes them."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            lsb = reg & 1
            reg >>= 1
            if lsb:
                reg ^= 0xA001
    return reg


def _modbus(data: bytes) -> int:
    reg = 0xFFFF
    for byte in data:
        reg ^= byte
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
    return reg


APPENDIX_A = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&RtdInterval=30&&"
)
A1_2025 = b"QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&"


@pytest.mark.parametrize(("segment", "expected"), [(APPENDIX_A, "1C80"), (A1_2025, "2200")])
def test_it_gives_the_crc_printed_in_the_standard(segment: bytes, expected: str) -> None:
    assert format_crc(crc16(segment)) == expected


@pytest.mark.parametrize(("segment", "modbus"), [(APPENDIX_A, 0x0759), (A1_2025, 0xCCF4)])
def test_it_is_not_crc16_modbus(segment: bytes, modbus: int) -> None:
    assert _modbus(segment) == modbus
    assert crc16(segment) != modbus


def test_the_table_driven_crc_equals_the_bitwise_procedure_for_every_single_byte() -> None:
    for byte in range(256):
        assert crc16(bytes([byte, 0x41, byte])) == _bitwise_as_written(bytes([byte, 0x41, byte]))


def test_the_crc_of_nothing_is_the_initial_register() -> None:
    assert crc16(b"") == 0xFFFF


def test_crcs_are_written_as_four_upper_case_hex_digits() -> None:
    assert format_crc(0x00AF) == "00AF"


@given(st.binary(max_size=4096))
@settings(max_examples=300)
def test_the_folded_crc_equals_the_procedure_of_appendix_a_for_any_bytes(data: bytes) -> None:
    assert crc16(data) == _bitwise_as_written(data)


@pytest.mark.parametrize("length", [*range(1, 140), 511, 512, 513, 1024, 1025, 8193])
def test_the_folded_crc_is_right_at_every_length_around_its_folds(length: int) -> None:
    data = bytes((7 * n + length) % 256 for n in range(length))
    assert crc16(data) == _bitwise_as_written(data)
    assert crc16(memoryview(data)) == crc16(bytearray(data)) == _bitwise_as_written(data)
