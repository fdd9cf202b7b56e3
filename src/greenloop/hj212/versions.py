"""The three versions of HJ 212 as data, and the per-device profile.

A receiving platform must accept HJ/T 212-2005, HJ 212-2017 and HJ 212-2025
side by side (hj212-2017.md, "Version warning"). What differs between them
for the codec is small and is kept here as data: the Flag version bits
(HJ 212-2017 Table 3), whether the ``RF`` header field exists and which
commands have their CP encrypted with SM4 (HJ 212-2025 §6.3.3, §6.4.4).

The version a device speaks is decided by its :class:`DeviceProfile`; the
Flag version bits are only a hint, used when the profile leaves the version
open (hj212-2025.md §3, item 2: devices in the field send wrong Flags).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Final


class Version(enum.IntEnum):
    """A version of HJ 212; the value is its Flag version bits V5..V0."""

    HJT212_2005 = 0
    HJ212_2017 = 1
    HJ212_2025 = 2


@dataclass(frozen=True, slots=True)
class VersionSpec:
    """What the codec needs to know about one version of the standard."""

    version: Version
    number: str
    title: str
    in_force: date
    header_fields: tuple[str, ...]
    """Header fields in the order they are sent (2017 §6.3.2; 2025 Table 3)."""
    encrypted_cn_ranges: tuple[tuple[int, int], ...] = ()
    """Inclusive CN ranges whose CP is SM4-encrypted (2025 §6.4.4)."""
    heartbeat_cn: str | None = None
    max_segment: int = 1024
    """Longest data segment (2017 Table 2; 2025 Table 2, §8.1.2)."""
    max_cp: int = 950

    @property
    def reply_flag(self) -> int:
        """Flag of an answer: own version bits, A = 0, D = 0 (2017 §9.5, item 4)."""
        return int(self.version) << 2

    def encrypts(self, cn: str) -> bool:
        """Whether this version encrypts the CP of command ``cn`` (2025 §6.4.4)."""
        if not self.encrypted_cn_ranges or len(cn) != 4 or not cn.isdigit():
            return False
        code = int(cn)
        return any(low <= code <= high for low, high in self.encrypted_cn_ranges)


_HEADER_2017: Final = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")

SPECS: Final[dict[Version, VersionSpec]] = {
    Version.HJT212_2005: VersionSpec(
        version=Version.HJT212_2005,
        number="HJ/T 212-2005",
        title="污染源在线自动监控（监测）系统数据传输标准",
        in_force=date(2006, 2, 1),
        header_fields=_HEADER_2017,
    ),
    Version.HJ212_2017: VersionSpec(
        version=Version.HJ212_2017,
        number="HJ 212-2017",
        title="污染物在线监控（监测）系统数据传输标准",
        in_force=date(2017, 5, 1),
        header_fields=_HEADER_2017,
    ),
    Version.HJ212_2025: VersionSpec(
        version=Version.HJ212_2025,
        number="HJ 212-2025",
        title="污染物自动监测监控系统数据传输技术要求",
        in_force=date(2026, 1, 1),
        # RF (re-send flag) sits after PNO, before CP (hj212-2025.md A4/A5).
        header_fields=(*_HEADER_2017, "RF"),
        # Field-to-host data commands 2000-2999, keys 1014, device info 3020.
        encrypted_cn_ranges=((2000, 2999), (1014, 1014), (3020, 3020)),
        heartbeat_cn="9015",
    ),
}


def version_from_flag(flag: int | None) -> Version:
    """Read the version hint of a Flag value (2017 Table 3: ``Flag >> 2``).

    No Flag means HJ/T 212-2005 (hj212-2017.md §10, "Parser strategy");
    unknown version bits fall back to HJ 212-2017, the most common dialect.

    Examples
    --------
    >>> version_from_flag(7).name, version_from_flag(9).name, version_from_flag(None).name
    ('HJ212_2017', 'HJ212_2025', 'HJT212_2005')
    """
    if flag is None:
        return Version.HJT212_2005
    try:
        return Version((flag >> 2) & 0x3F)
    except ValueError:
        return Version.HJ212_2017


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """How one device speaks: its version and its SM4 key.

    Parameters
    ----------
    version
        The version the device is registered with, or ``None`` to follow the
        Flag hint of each packet.
    sm4_key
        16-byte SM4 key. A key means the device encrypts: the CP of every
        command that HJ 212-2025 §6.4.4 lists is decrypted before the CRC
        is checked, and encrypted when built. There is no Flag bit for
        encryption (hj212-2025.md, open question 2), so only the profile
        can tell.
    """

    version: Version | None = None
    sm4_key: bytes | None = None

    def __post_init__(self) -> None:
        if self.sm4_key is not None and len(self.sm4_key) != 16:
            raise ValueError("an SM4 key is 16 bytes (HJ 212-2025 §6.4.2)")
        if self.sm4_key is not None and self.version not in (None, Version.HJ212_2025):
            raise ValueError("only HJ 212-2025 devices encrypt (HJ 212-2025 §6.4)")

    def version_for(self, flag: int | None) -> Version:
        """The version to decode a packet with this Flag in."""
        return self.version if self.version is not None else version_from_flag(flag)

    def encrypts(self, cn: str) -> bool:
        """Whether this device's CP for command ``cn`` is SM4-encrypted."""
        return self.sm4_key is not None and SPECS[Version.HJ212_2025].encrypts(cn)


PLAIN: Final = DeviceProfile()
"""Follow the Flag hint, no encryption: the profile of an unknown device."""
