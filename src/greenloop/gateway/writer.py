"""Group commit: every connection's packets go to one writer.

Connections :meth:`~BatchWriter.submit` readings and get a future (or
name a function to call, :meth:`~BatchWriter.submit_then`); the
writer takes what is queued (up to ``batch_size``, waiting at most
``batch_wait`` for a batch to fill), writes it in ONE transaction in a worker
thread, and only then resolves the futures, which is when the connections
send their 9014 answers. While one batch commits the next one queues, so
under load a commit carries many packets and the cost of a commit (an
fsync) is shared by all of them.

If a commit fails, the batch is tried once more, then split in halves
until the packets that fail are alone: one bad row cannot keep the rest of
the batch from being stored. Packets that cannot be stored get an
exception instead of a result and are not answered; their devices re-send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from greenloop.gateway.pacing import Pacer
from greenloop.monitoring.records import (
    Batch,
    BatchResult,
    CommandEvent,
    HardwareReport,
    Newcomer,
    Reading,
    Rejection,
    Sighting,
)

logger = logging.getLogger(__name__)

Store = Callable[[Batch], BatchResult]
RunInThread = Callable[[Callable[[], Any]], Awaitable[Any]]


class UnableToStore(Exception):
    """The batch holding a packet could not be committed."""


_T = TypeVar("_T")
Done = Callable[[_T, "BatchResult | None"], object]
_Item = tuple[Reading, Done[Any], Any]


def _settle(future: asyncio.Future[BatchResult], result: BatchResult | None) -> None:
    if future.done():
        return
    if result is None:
        future.set_exception(UnableToStore("the batch holding the packet failed"))
        future.exception()  # the connection only skips its answer: retrieved
    else:
        future.set_result(result)


@dataclass
class WriterStats:
    commits: int = 0
    failed_commits: int = 0
    stored: int = 0
    duplicates: int = 0
    unstored: int = 0
    commit_seconds: float = 0.0
    max_commit_seconds: float = 0.0
    largest_batch: int = 0


class BatchWriter:
    """Collect readings from all connections and commit them in batches.

    Parameters
    ----------
    store
        Sync function writing one :class:`Batch` in one transaction.
    run
        Runs a sync callable in the writer's worker thread and awaits it.
    batch_size, batch_wait
        Most readings per commit; seconds to wait for a batch to fill.
    flush_every
        Seconds after which side records (rejections, sightings,
        newcomers) are committed even when no reading arrives.
    after_commit
        Sync work that follows commits once their futures are resolved (the
        latest values), run in the writer's thread, in turn with the
        commits; a failure there is logged and does not affect what was
        stored. It runs at most once every ``latest_every`` seconds, with
        the fresh readings of all the commits since the last run: under
        load one call covers many batches, and each (device, CN) is written
        once instead of once a batch. Its cost is then bounded by the
        number of devices, not the number of packets.
    latest_every
        Most seconds the latest values lag behind the stored packets (plus
        the time of one update) while updates are quick; a slow update
        spaces the next ones out (:class:`~greenloop.gateway.pacing.Pacer`).
    on_stored
        Instead of ``after_commit``: called in the event loop right after
        each commit that added readings, with its result (the gateway hands
        it to the latest-values process on PostgreSQL); it must not block.
    retry_delay
        Seconds before a failed commit is tried again.
    """

    def __init__(
        self,
        store: Store,
        *,
        run: RunInThread,
        batch_size: int = 500,
        batch_wait: float = 0.005,
        flush_every: float = 1.0,
        retry_delay: float = 0.2,
        after_commit: Callable[[BatchResult], object] | None = None,
        latest_every: float = 0.5,
        on_stored: Callable[[BatchResult], object] | None = None,
    ) -> None:
        self._store = store
        self._after_commit = after_commit
        self._run = run
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.flush_every = flush_every
        self.retry_delay = retry_delay
        self._queue: deque[_Item] = deque()
        self._side = Batch()
        self._wakeup = asyncio.Event()
        self._full = asyncio.Event()
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()
        self.latest_every = latest_every
        self._fresh: list[BatchResult] = []
        self._fresh_added = asyncio.Event()
        self._latest_hurry = asyncio.Event()
        self.pacer = Pacer(latest_every)
        self._on_stored = on_stored
        self._latest_task: asyncio.Task[None] | None = None
        self.stats = WriterStats()

    @property
    def pending(self) -> int:
        """Readings queued and not yet handed to a commit."""
        return len(self._queue)

    def submit(self, reading: Reading) -> asyncio.Future[BatchResult]:
        """Queue a reading; the future resolves after its batch commits."""
        future: asyncio.Future[BatchResult] = asyncio.get_running_loop().create_future()
        self.submit_then(reading, _settle, future)
        return future

    def submit_then(self, reading: Reading, done: Done[_T], arg: _T) -> None:
        """Queue a reading; ``done(arg, result)`` is called, in the event
        loop, once its batch has committed (``result`` is ``None`` when it
        could not be). Cheaper than a future per packet: no callback to
        schedule, no future to make."""
        if self._stopping:
            raise UnableToStore("the gateway is shutting down")
        self._queue.append((reading, done, arg))
        self._idle.clear()
        self._wakeup.set()
        if len(self._queue) >= self.batch_size:
            self._full.set()

    def add_rejection(self, rejection: Rejection) -> None:
        self._side.rejections.append(rejection)

    def add_sighting(self, sighting: Sighting) -> None:
        self._side.sightings.append(sighting)

    def add_newcomer(self, newcomer: Newcomer) -> None:
        self._side.newcomers.append(newcomer)
        self._wakeup.set()

    def add_command_event(self, event: CommandEvent) -> None:
        """Committed with the next batch, without waiting for ``flush_every``."""
        self._side.command_events.append(event)
        self._wakeup.set()

    def add_report(self, report: HardwareReport) -> None:
        self._side.reports.append(report)
        self._wakeup.set()

    async def run(self) -> None:
        """Commit batches until :meth:`stop`, then commit what is left."""
        loop = asyncio.get_running_loop()
        last_flush = loop.time()
        if self._after_commit is not None:
            self._latest_task = loop.create_task(self._latest_loop())
        while True:
            if not self._queue:
                if self._stopping:
                    break
                self._idle.set()
                self._wakeup.clear()
                timeout = max(0.0, last_flush + self.flush_every - loop.time())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout)
            if self._queue and len(self._queue) < self.batch_size and self.batch_wait > 0:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.batch_wait)
            items = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
            side, self._side = self._side, Batch()
            if not items and not side and loop.time() - last_flush < self.flush_every:
                continue
            last_flush = loop.time()
            await self._commit(items, side)
        await self._commit([], self._side)
        if self._latest_task is not None:
            self._latest_hurry.set()  # what is left, now
            await self._latest_task
        self._idle.set()

    async def stop(self) -> None:
        """Stop taking readings; return when everything queued is committed."""
        self._stopping = True
        self._idle.clear()  # set again by run() after its last commit
        self._wakeup.set()
        self._full.set()
        await self._idle.wait()

    async def _commit(self, items: list[_Item], side: Batch) -> None:
        batch = Batch(
            readings=[item[0] for item in items],
            rejections=side.rejections,
            sightings=side.sightings,
            newcomers=side.newcomers,
            command_events=side.command_events,
            reports=side.reports,
        )
        if not batch:
            return
        result = await self._attempt(batch)
        if result is None:
            await asyncio.sleep(self.retry_delay)
            result = await self._attempt(batch)
        if result is None and len(items) > 1:
            logger.error(
                "Unable to commit a batch of %d packets; committing it in parts", len(items)
            )
            half = len(items) // 2
            # Side records are not worth a second failure: they go with the
            # first part only.
            await self._commit(items[:half], side)
            await self._commit(items[half:], Batch())
            return
        for _, done, arg in items:
            try:
                done(arg, result)
            except Exception:
                logger.exception("Unable to finish a packet after its commit")
        if result is None:
            self.stats.unstored += len(items)
            return
        self.stats.stored += result.inserted
        self.stats.duplicates += result.duplicates
        if self._on_stored is not None and result.derives:
            try:
                self._on_stored(result)
            except Exception:
                logger.exception("Unable to pass on the latest values of a commit")
        elif self._after_commit is not None and result.derives:
            self._fresh.append(result)
            self._fresh_added.set()

    async def _latest_loop(self) -> None:
        """Update the latest values at most once every ``latest_every``
        seconds, one update at a time, until :meth:`run` ends; each update
        takes what gathered since the last one."""
        loop = asyncio.get_running_loop()
        hurry = self._latest_hurry
        while True:
            if not self._fresh:
                if hurry.is_set():
                    return
                self._fresh_added.clear()
                waits = [loop.create_task(self._fresh_added.wait()), loop.create_task(hurry.wait())]
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiting in waits:
                        waiting.cancel()
                continue
            delay = self.pacer.delay(loop.time())
            if delay > 0 and not hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(hurry.wait(), delay)
            await self._flush_latest()

    async def _flush_latest(self) -> None:
        """Hand the fresh readings of the commits so far to ``after_commit``."""
        after, fresh = self._after_commit, self._fresh
        if after is None or not fresh:
            return
        self._fresh = []
        result = BatchResult.combine(fresh)
        loop = asyncio.get_running_loop()
        self.pacer.started(loop.time())
        try:
            await self._run(lambda: after(result))
        except Exception:
            logger.exception("Unable to update the latest values of %d packets", result.inserted)
        self.pacer.ended(loop.time())

    async def _attempt(self, batch: Batch) -> BatchResult | None:
        started = time.perf_counter()
        try:
            result = await self._run(lambda: self._store(batch))
        except Exception:
            logger.exception("Unable to commit a batch of %d packets", len(batch.readings))
            self.stats.failed_commits += 1
            return None
        elapsed = time.perf_counter() - started
        stats = self.stats
        stats.commits += 1
        stats.commit_seconds += elapsed
        stats.max_commit_seconds = max(stats.max_commit_seconds, elapsed)
        stats.largest_batch = max(stats.largest_batch, len(batch.readings))
        return result
