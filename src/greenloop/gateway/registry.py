"""Device look-ups for the gateway, cached so packets do not hit the database.

The first packet of an MN waits for a read of the registry (misses that
arrive together share one query); after that the cached answer (an entry, or "unknown") is used. Every ``ttl`` seconds
one background task re-reads all cached MNs in a few queries, so changes in
the registry (a new password, a disabled or accepted device, a device
registered after it was refused) reach the gateway within about ``ttl``,
and a fleet of thousands costs a handful of queries per ``ttl``, not one
per device.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final

from greenloop.hj212 import DeviceProfile, Version
from greenloop.monitoring.records import DeviceEntry

logger = logging.getLogger(__name__)

LoadMany = Callable[[list[str]], Mapping[str, DeviceEntry]]
RunInThread = Callable[
    [Callable[[], Mapping[str, DeviceEntry]]], Awaitable[Mapping[str, DeviceEntry]]
]

REFRESH_CHUNK: Final = 500
"""MNs per query of a refresh."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
""":meth:`RegistryCache.get` has no answer yet: call :meth:`RegistryCache.fetch`."""


@dataclass(frozen=True, slots=True)
class Known:
    """A registry answer: the entry (``None``: unknown MN) and its codec profile."""

    entry: DeviceEntry | None
    profile: DeviceProfile | None


def _known(mn: str, entry: DeviceEntry | None) -> Known:
    if entry is None:
        return Known(None, None)
    try:
        return Known(entry, DeviceProfile(version=Version(entry.version), sm4_key=entry.sm4_key))
    except ValueError:
        # A registry row the codec cannot use (a bad key length): treat the
        # device as unknown rather than fail every packet.
        logger.exception("Unable to build the HJ 212 profile of device %s", mn)
        return Known(None, None)


class RegistryCache:
    """MN → registry entry, read through ``load_many`` in a worker thread.

    Parameters
    ----------
    load_many
        Sync function: the entries of the given MNs that exist.
    run
        Runs a sync callable in a worker thread and awaits it.
    ttl
        Seconds between refreshes of everything cached.
    """

    def __init__(self, load_many: LoadMany, *, run: RunInThread, ttl: float) -> None:
        self._load_many = load_many
        self._run = run
        self.ttl = ttl
        self._known: dict[str, Known] = {}
        self._waiting: dict[str, asyncio.Future[Known]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.reads = 0

    def __len__(self) -> int:
        return len(self._known)

    def get(self, mn: str) -> Known | _Missing:
        """The cached answer, or :data:`MISSING`."""
        return self._known.get(mn, MISSING)

    async def fetch(self, mn: str) -> Known:
        """Read ``mn`` and cache the answer.

        Misses that arrive together (hundreds of devices reconnecting after
        a restart) are read together: one query per :data:`REFRESH_CHUNK`.
        """
        future = self._waiting.get(mn)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._waiting[mn] = loop.create_future()
            if self._reader is None:
                self._reader = loop.create_task(self._read_waiting())
        return await asyncio.shield(future)

    def put(self, mn: str, entry: DeviceEntry | None) -> Known:
        """Cache an answer known without a read."""
        known = self._known[mn] = _known(mn, entry)
        return known

    async def refresh(self) -> int:
        """Re-read every cached MN; returns how many were read."""
        mns = list(self._known)
        for start in range(0, len(mns), REFRESH_CHUNK):
            chunk = mns[start : start + REFRESH_CHUNK]
            self.reads += 1
            found = await self._run(lambda chunk=chunk: self._load_many(chunk))  # type: ignore[misc]
            for mn in chunk:
                self._known[mn] = _known(mn, found.get(mn))
        return len(mns)

    async def refresh_forever(self) -> None:
        """Refresh every ``ttl`` seconds; a failed refresh keeps the old answers."""
        while True:
            await asyncio.sleep(self.ttl)
            try:
                await self.refresh()
            except Exception:
                logger.exception("Unable to refresh the device registry cache")

    async def _read_waiting(self) -> None:
        try:
            await asyncio.sleep(0)  # let the misses of this loop turn gather
            while self._waiting:
                chunk = dict(list(self._waiting.items())[:REFRESH_CHUNK])
                for mn in chunk:
                    del self._waiting[mn]
                self.reads += 1
                try:
                    found = await self._run(lambda mns=list(chunk): self._load_many(mns))  # type: ignore[misc]
                except Exception as exc:
                    logger.exception("Unable to read %d devices from the registry", len(chunk))
                    for future in chunk.values():
                        if not future.done():
                            future.set_exception(exc)
                            future.exception()  # retrieved: the waiters handle it
                    continue
                for mn, future in chunk.items():
                    known = self.put(mn, found.get(mn))
                    if not future.done():
                        future.set_result(known)
        finally:
            self._reader = None
