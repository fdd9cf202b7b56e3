"""The HJ 212 gateway: devices connect over TCP and their data is stored.

Data path (ARCHITECTURE.md, "Monitoring data path")::

    socket ─► DeviceConnection.data_received ─► FrameDecoder ─► registry
    (cached) ─► parse_frame with the device's profile ─► PW ─► BatchWriter
    queue ─► one transaction per batch in a worker thread ─► 9014 answers

Modules: :mod:`.config` (limits and settings), :mod:`.protocol` (one
protocol object per connection), :mod:`.registry` (cached device look-ups),
:mod:`.writer` (group commit), :mod:`.server` (shared state, start and
graceful shutdown), :mod:`.store` (the Django side, run in worker threads),
:mod:`.latest_process` and :mod:`.latest_worker` (on PostgreSQL, the
latest values in a process of their own), :mod:`.pacing` (when the latest
values are updated) and :mod:`.cli` (``greenloop gateway``). Only
:mod:`.store`, :mod:`.latest_worker` and :mod:`.cli` import Django, and
only inside functions.
"""

from __future__ import annotations

from greenloop.gateway.config import GatewayConfig
from greenloop.gateway.server import Gateway, ServerState, run

__all__ = ["Gateway", "GatewayConfig", "ServerState", "run"]
