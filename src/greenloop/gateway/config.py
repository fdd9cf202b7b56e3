"""Limits and settings of the gateway, as one frozen object.

``greenloop gateway`` builds it from Django settings and its options
(:meth:`GatewayConfig.from_settings`); tests build it directly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from greenloop.hj212 import MAX_SEGMENT


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """How the gateway listens, limits each connection and commits."""

    host: str = "127.0.0.1"
    port: int = 9212
    backlog: int = 1024
    max_connections: int = 10_000
    """Connections beyond this are closed as soon as they are accepted."""
    max_segment: int = MAX_SEGMENT
    """Longest data segment (HJ 212-2017 Table 2: 1024); longer is ``too_large``."""
    idle_timeout: float = 3720.0
    """Seconds without a byte before a connection is closed: above the
    longest upload interval (3600 s, 2017 Table 4 ``RtdInterval``)."""
    max_packets_per_second: float = 50.0
    """Sustained packets per second per connection; above it, reading pauses."""
    burst: int = 200
    """Packets a connection may send at once before the rate applies."""
    max_inflight: int = 256
    """Unacknowledged data packets per connection before reading pauses."""
    max_auth_failures: int = 3
    """Refused packets (unknown MN, wrong PW) in a row before the connection is closed."""
    reject_samples_per_minute: int = 10
    """Refused packets per connection per minute kept with their bytes."""
    batch_size: int = 500
    """Most packets in one group commit."""
    batch_wait: float = 0.005
    """Seconds a commit waits for more packets when fewer than a batch are queued."""
    latest_every: float = 1.0
    """Most seconds the live pages' latest values lag behind stored packets;
    the commits of that time update them together."""
    flush_every: float = 1.0
    """Seconds between commits of last-seen times and rejects when no data flows."""
    cache_ttl: float = 10.0
    """Seconds a registry entry is used before it is read again."""
    onboarding: bool = False
    """Quarantine unknown devices for an administrator to accept."""
    time_calibration: bool = False
    """Answer a 1013 time-calibration request with a 1012 set-time request."""
    time_zone: str = "Asia/Shanghai"
    """Zone of DataTime, QN and SystemTime on the wire (devices keep Beijing time)."""
    command_poll: float = 2.0
    """Seconds between reads of the open 1002/1014 commands of the registry."""
    command_timeout: float = 10.0
    """Seconds to wait for a device's 9011 to a command before sending it
    again (2017 Table 1: 10 s on mobile networks)."""
    command_resends: int = 3
    """Re-sends of a command per connection (2017 Table 1: 3)."""
    shutdown_timeout: float = 10.0
    """Seconds to wait for pending commits and answers on shutdown."""
    sqlite_synchronous_full: bool = True
    """On SQLite, fsync every commit (``PRAGMA synchronous=FULL``)."""
    processes: int = 1
    """Gateway processes sharing the port (``SO_REUSEPORT``), one writer each."""
    reuse_port: bool = False
    """Listen with ``SO_REUSEPORT`` (set in each of several processes)."""
    loop: str = "auto"
    """Event loop: ``uvloop`` when installed (``auto``), ``asyncio`` or ``uvloop``."""

    def replace(self, **changes: Any) -> GatewayConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_settings(cls, **overrides: Any) -> GatewayConfig:
        """Defaults, then ``GREENLOOP_GATEWAY`` (a dict in Django settings),
        then ``overrides`` that are not ``None``."""
        from django.conf import settings

        values: dict[str, Any] = {"time_zone": settings.TIME_ZONE}
        values.update(getattr(settings, "GREENLOOP_GATEWAY", {}))
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown gateway settings: {', '.join(sorted(unknown))}")
        return cls(**values)
