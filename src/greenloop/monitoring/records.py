"""What the gateway hands to the ingestion store, as plain data.

No Django here: the gateway's asyncio side builds these records and the
store (:mod:`greenloop.monitoring.ingest`) writes a batch of them in one
transaction in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

HARDWARE_ITEMS: Final = {
    "i23005-Info": "logger_id",
    "i23006-Info": "cpu_id",
    "i23007-Info": "mac1",
    "i23008-Info": "mac2",
}
"""CP items of CN 1001 (HJ 212-2025, hj212-2025.md C3 ⚠ single source) →
keys of ``Device.hardware``."""


def hardware_from_pollutants(pollutants: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The fingerprint in a parsed 1001 packet (its ``i2300N-Info`` items).

    Examples
    --------
    >>> hardware_from_pollutants({"i23005": {"Info": "L1"}, "i23007": {"Info": "M"}})
    {'logger_id': 'L1', 'mac1': 'M'}
    """
    out: dict[str, str] = {}
    for item, key in HARDWARE_ITEMS.items():
        value = pollutants.get(item.partition("-")[0], {}).get("Info")
        if value:
            out[key] = str(value)[:64]
    return out


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """What the gateway needs to know about one registered device."""

    id: int
    mn: str
    password: str
    status: str
    """``ACTIVE``, ``QUARANTINED`` or ``DISABLED`` (``DeviceStatus``)."""
    version: int
    """Flag version bits of the registered protocol (``hj212.Version``)."""
    sm4_key: bytes | None
    site_id: int | None
    st: str = ""


@dataclass(slots=True)
class Reading:
    """One accepted packet to store in the inbox.

    Not frozen: a frozen dataclass sets each of its 17 fields through
    ``object.__setattr__``, which the gateway would pay on every packet.
    Nothing changes a reading after it is made."""

    device_id: int
    site_id: int | None
    mn: str
    cn: str
    data_time: datetime | None
    received_at: datetime
    raw: bytes
    qn: str = ""
    st: str = ""
    flag: int | None = None
    pno: int = 0
    pnum: int | None = None
    rf: int | None = None
    cp: dict[str, str] = field(default_factory=dict)
    pollutants: dict[str, dict[str, str]] = field(default_factory=dict)
    """``code -> field -> value`` as sent (numbers as their text)."""
    peer: str = ""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused packet: counted always, its bytes kept when ``sample``."""

    kind: str
    received_at: datetime
    message: str = ""
    mn: str = ""
    peer: str = ""
    raw: bytes = b""
    sample: bool = True


@dataclass(frozen=True, slots=True)
class Sighting:
    """A device was heard from (any authenticated packet)."""

    device_id: int
    seen_at: datetime
    peer: str = ""


@dataclass(frozen=True, slots=True)
class Newcomer:
    """An unknown MN sent a sound packet while onboarding is on."""

    mn: str
    password: str
    st: str
    version: int
    seen_at: datetime
    peer: str = ""
    hardware: dict[str, str] = field(default_factory=dict)
    """The CN 1001 fingerprint, when that is what it sent."""


@dataclass(frozen=True, slots=True)
class PendingCommand:
    """A platform request waiting for a device (``monitoring.DeviceCommand``)."""

    id: int
    device_id: int
    kind: str
    """``1002`` (set MN) or ``1014`` (set key)."""
    qn: str
    status: str
    new_mn: str = ""
    logger_id: str = ""
    new_sm4_key: bytes | None = None
    sk_created_at: str = ""
    """``SKCreateTime`` as sent, ``YYYYMMDDhhmmss`` (Beijing time)."""


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """What happened to a pending command, in the gateway."""

    command_id: int
    event: str
    """``sent``, ``answered`` (9011), ``executed`` (9012) or ``confirmed``
    (the device's data decrypts with the new key)."""
    at: datetime
    code: int | None = None
    """QnRtn of ``answered``, ExeRtn of ``executed``."""


@dataclass(frozen=True, slots=True)
class HardwareReport:
    """A registered device sent its fingerprint (CN 1001) or asked for a
    new key (CN 1014 with ``SKCreateTime``)."""

    device_id: int
    at: datetime
    hardware: dict[str, str] = field(default_factory=dict)
    key_request: bool = False


@dataclass(slots=True)
class Batch:
    """Everything one group commit writes."""

    readings: list[Reading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    newcomers: list[Newcomer] = field(default_factory=list)
    command_events: list[CommandEvent] = field(default_factory=list)
    reports: list[HardwareReport] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.readings
            or self.rejections
            or self.sightings
            or self.newcomers
            or self.command_events
            or self.reports
        )


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a commit did, and what its latest values are made from."""

    inserted: int
    """Inbox rows added; re-sent packets already stored are not counted."""
    duplicates: int
    fresh: tuple[Reading, ...] = ()
    """The readings that were new, in the order stored, for the latest values."""
    fresh_text: bytes = b""
    """On PostgreSQL, the inbox rows of ``fresh`` as ``COPY`` text: what the
    latest-values process is sent (``ingest.latest_readings_from_text``)."""

    @property
    def derives(self) -> bool:
        """Whether the commit added anything the latest values follow."""
        return bool(self.fresh)

    @classmethod
    def combine(cls, results: list[BatchResult]) -> BatchResult:
        """The results of several commits as one, for one latest-values
        update: their fresh readings, in the order of the commits."""
        return cls(
            inserted=sum(r.inserted for r in results),
            duplicates=sum(r.duplicates for r in results),
            fresh=tuple(reading for r in results for reading in r.fresh),
            fresh_text=b"".join(r.fresh_text for r in results),
        )
