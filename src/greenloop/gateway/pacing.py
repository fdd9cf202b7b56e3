"""When the next update of the latest values may start.

Shared by the writer's in-process updates (SQLite) and the latest-values
process (PostgreSQL, :mod:`greenloop.gateway.latest_process`). No asyncio,
no Django: plain arithmetic on a monotonic clock.
"""

from __future__ import annotations

import math
import random

LATEST_REST = 9.0
"""After an update of the latest values, wait this many times as long as it
took before the next: under load the updates take at most a tenth of the
time (their database work competes with the commits for the same cores)."""


class Pacer:
    """At most one update every ``every`` seconds, and a rest of
    :data:`LATEST_REST` times an update's duration after it; then on a beat
    of its own, so that the gateway's processes keep apart.

    Examples
    --------
    >>> pacer = Pacer(1.0, phase=0.25)
    >>> round(pacer.delay(100.1), 3)  # never updated: at the next beat, 100.25
    0.15
    >>> pacer.started(100.25); pacer.ended(100.55)  # took 0.3 s: rest to 103.25
    >>> round(pacer.delay(100.55), 3)
    2.7
    """

    def __init__(self, every: float, *, phase: float | None = None) -> None:
        self.every = every
        self.phase = random.random() * every if phase is None else phase  # noqa: S311
        self._started = self._ended = self._rest = 0.0

    def started(self, now: float) -> None:
        self._started = now

    def ended(self, now: float) -> None:
        self._ended = now
        self._rest = (now - self._started) * LATEST_REST

    def delay(self, now: float) -> float:
        """Seconds from ``now`` until the next update may start (≤ 0: now)."""
        every = self.every
        due = max(self._started + every, self._ended + self._rest)
        if every <= 0:
            return due - now
        beat = self.phase + math.ceil((max(due, now) - self.phase) / every) * every
        return beat - now
