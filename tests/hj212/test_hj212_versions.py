"""Versions, profiles and code tables (HJ 212-2017 Table 3, §6.6; 2025 §6.4.4)."""

from __future__ import annotations

import pytest

from greenloop.hj212 import (
    COMMANDS,
    SPECS,
    DeviceProfile,
    Packet,
    Version,
    command,
    factor,
    normalise_code,
    system,
    version_from_flag,
)


@pytest.mark.parametrize(
    ("flag", "version"),
    [
        (None, Version.HJT212_2005),
        (0, Version.HJT212_2005),
        (3, Version.HJT212_2005),
        (4, Version.HJ212_2017),
        (7, Version.HJ212_2017),
        (8, Version.HJ212_2025),
        (11, Version.HJ212_2025),
        (0xFC, Version.HJ212_2017),  # unknown version bits: the common dialect
    ],
)
def test_the_flag_version_bits_give_the_version_hint(flag: int | None, version: Version) -> None:
    assert version_from_flag(flag) is version


@pytest.mark.parametrize(
    ("flag", "answer"), [(4, False), (5, True), (6, False), (9, True), (10, False)]
)
def test_bit_zero_is_the_answer_bit_whatever_the_letters(flag: int, answer: bool) -> None:
    assert Packet(cn="2011", flag=flag).answer_required is answer


def test_a_profile_with_a_version_overrides_the_flag() -> None:
    assert DeviceProfile(version=Version.HJ212_2017).version_for(9) is Version.HJ212_2017
    assert DeviceProfile().version_for(9) is Version.HJ212_2025


@pytest.mark.parametrize(
    ("cn", "encrypted"),
    [
        ("2011", True),
        ("2999", True),
        ("1014", True),
        ("3020", True),
        ("1011", False),
        ("9014", False),
        ("9015", False),
        ("20x1", False),
    ],
)
def test_the_2025_standard_encrypts_data_commands_keys_and_device_info(
    cn: str, encrypted: bool
) -> None:
    assert SPECS[Version.HJ212_2025].encrypts(cn) is encrypted
    assert SPECS[Version.HJ212_2017].encrypts(cn) is False


def test_a_profile_refuses_keys_of_the_wrong_size_and_keys_for_older_versions() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        DeviceProfile(sm4_key=b"short")
    with pytest.raises(ValueError, match="2025"):
        DeviceProfile(version=Version.HJ212_2017, sm4_key=b"0" * 16)


def test_only_2025_has_the_re_send_field_and_the_heartbeat() -> None:
    assert "RF" in SPECS[Version.HJ212_2025].header_fields
    assert "RF" not in SPECS[Version.HJ212_2017].header_fields
    assert SPECS[Version.HJ212_2025].heartbeat_cn == "9015"
    assert [SPECS[v].reply_flag for v in Version] == [0, 4, 8]


def test_command_codes_have_names_and_unknown_codes_are_none() -> None:
    assert command("9014").name_zh == "数据应答"  # type: ignore[union-attr]
    assert command("9015").since is Version.HJ212_2025  # type: ignore[union-attr]
    assert command("2999") is None
    assert all(len(cn) == 4 and cn.isdigit() for cn in COMMANDS)


def test_factor_codes_have_names_units_and_2005_spellings() -> None:
    cod = factor("w01018")

    assert cod is not None and (cod.name_zh, cod.unit, cod.amount_unit) == (
        "化学需氧量",
        "mg/L",
        "kg",
    )
    assert factor("011") is cod
    assert normalise_code("B02") == "a00000" and normalise_code("S01") == "a19001"
    assert factor("a05024").note.startswith("⚠")  # type: ignore[union-attr]
    assert factor("zz9999") is None


def test_system_codes_mark_the_unconfirmed_2025_additions() -> None:
    assert system("22").name_zh == "空气质量监测"  # type: ignore[union-attr]
    assert system("44").confirmed is False  # type: ignore[union-attr]
    assert system("99") is None
