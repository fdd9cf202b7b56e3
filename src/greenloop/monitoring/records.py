"""What the gateway hands to the ingestion store, as plain data.

No Django here: the gateway's asyncio side builds these records and the
store (:mod:`greenloop.monitoring.ingest`) writes a batch of them in one
transaction in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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


@dataclass(frozen=True, slots=True)
class Reading:
    """One accepted packet to store in the inbox."""

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


@dataclass(slots=True)
class Batch:
    """Everything one group commit writes."""

    readings: list[Reading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    newcomers: list[Newcomer] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.readings or self.rejections or self.sightings or self.newcomers)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a commit did."""

    inserted: int
    """Inbox rows added; re-sent packets already stored are not counted."""
    duplicates: int
    fresh: tuple[Reading, ...] = ()
    """The readings that were new, for the latest values."""
