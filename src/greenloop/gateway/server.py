"""The gateway server: shared state, start, graceful shutdown.

Live connections, background tasks and counters sit in one
:class:`ServerState` (encode/uvicorn: uvicorn/server.py, ``ServerState``).
:meth:`Gateway.shutdown` stops accepting, stops reading from every
connection, lets the writer commit what is queued so the answers of those
packets go out, waits for the connections to close, then aborts what is
left (uvicorn's ``shutdown``). A packet that was read but not committed is
simply not answered: its device sends it again.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from greenloop.gateway.commands import CommandDesk
from greenloop.gateway.config import GatewayConfig
from greenloop.gateway.latest_process import LatestProcess
from greenloop.gateway.protocol import DeviceConnection, utc_now
from greenloop.gateway.registry import RegistryCache
from greenloop.gateway.writer import BatchWriter
from greenloop.hj212 import crc16
from greenloop.monitoring.records import Batch, BatchResult, DeviceEntry, PendingCommand

logger = logging.getLogger("greenloop.gateway")

T = TypeVar("T")


class GatewayStore(Protocol):
    """The database side: sync functions, run in worker threads."""

    def load_devices(self, mns: list[str]) -> Mapping[str, DeviceEntry]: ...

    def write_batch(self, batch: Batch) -> BatchResult: ...

    def update_latest(self, result: BatchResult) -> None:
        """After the answers are out: the live pages' latest values."""

    def latest_command(self, every: float) -> list[str] | None:
        """The command line of a latest-values process
        (:mod:`.latest_process`), or ``None`` to call :meth:`update_latest`
        in the writer's thread."""

    def close(self) -> None:
        """Release what the calling worker thread holds (its connection)."""

    def load_commands(self) -> list[PendingCommand]:
        """The open 1002/1014 commands of the registry."""


@dataclass
class GatewayStats:
    connections_total: int = 0
    connections_refused: int = 0
    closed_idle: int = 0
    bytes_received: int = 0
    packets_accepted: int = 0
    """Packets that passed every check (data, heartbeats, answers)."""
    notifications: int = 0
    answers: int = 0
    throttled: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


class ServerState:
    """What every connection shares."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        loop: asyncio.AbstractEventLoop,
        cache: RegistryCache,
        writer: BatchWriter,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.loop = loop
        self.cache = cache
        self.writer = writer
        self.now = now
        self.tz = ZoneInfo(config.time_zone)
        self.stats = GatewayStats()
        self.connections: set[DeviceConnection] = set()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.shutting_down = False
        self._newcomers: dict[str, float] = {}
        self._all_closed = asyncio.Event()
        self.commands = CommandDesk(self)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a background task that shutdown can cancel."""
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def parse_data_time(self, text: str) -> datetime | None:
        """``YYYYMMDDhhmmss`` in the devices' zone, as an aware datetime.

        Slicing rather than ``strptime``: this runs for every packet.
        """
        if len(text) != 14 or not text.isdigit() or not text.isascii():
            return None
        try:
            return datetime(
                int(text[0:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[8:10]),
                int(text[10:12]),
                int(text[12:14]),
                tzinfo=self.tz,
            )
        except ValueError:
            return None

    def note_newcomer(self, mn: str) -> bool:
        """Whether an unknown MN should be quarantined now (once per TTL)."""
        now = self.loop.time()
        seen = self._newcomers.get(mn)
        if seen is not None and now - seen < max(self.config.cache_ttl, 1.0):
            return False
        if len(self._newcomers) > 10_000:
            self._newcomers.clear()
        self._newcomers[mn] = now
        return True

    def connection_closed(self, connection: DeviceConnection) -> None:
        self.commands.connection_lost(connection)
        if self.shutting_down and not self.connections:
            self._all_closed.set()

    async def wait_closed(self) -> None:
        if self.connections:
            await self._all_closed.wait()


class Gateway:
    """The HJ 212 gateway on one listening socket.

    Examples
    --------
    In tests and benchmarks::

        gateway = Gateway(GatewayConfig(port=0), store=store)
        await gateway.start()
        ...  # connect to gateway.port
        await gateway.shutdown()
    """

    def __init__(
        self,
        config: GatewayConfig,
        *,
        store: GatewayStore,
        now: Callable[[], datetime] = utc_now,
        lookup_threads: int = 1,
    ) -> None:
        self.config = config
        self.store = store
        self._now = now
        self.server: asyncio.Server | None = None
        self.state: ServerState | None = None
        self._writer_task: asyncio.Task[None] | None = None
        self._stats_task: asyncio.Task[None] | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        self._commands_task: asyncio.Task[None] | None = None
        # One writer thread: batches commit in order, and its database
        # connection stays with it. Registry reads get their own threads
        # so a long commit never delays a look-up; with lookup_threads=0
        # they share the writer's thread (one database connection in all,
        # which an in-memory SQLite test database needs).
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="gateway-writer")
        self._latest_process: LatestProcess | None = None
        self._lookup_pool = (
            ThreadPoolExecutor(lookup_threads, thread_name_prefix="gateway-registry")
            if lookup_threads > 0
            else self._writer_pool
        )

    @property
    def port(self) -> int:
        assert self.server is not None and self.server.sockets
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Start the writer and listen."""
        crc16(b"warm")  # builds the CRC table now, not on a device's first packet
        loop = asyncio.get_running_loop()
        config = self.config

        def in_pool(pool: ThreadPoolExecutor) -> Callable[[Callable[[], T]], asyncio.Future[T]]:
            return lambda fn: loop.run_in_executor(pool, fn)

        # The latest values: a process of their own where the store names
        # one (PostgreSQL), else the writer's thread between commits.
        command = self.store.latest_command(config.latest_every)
        latest = self._latest_process = LatestProcess(command) if command is not None else None
        if latest is not None:
            await latest.start()
        writer = BatchWriter(
            self.store.write_batch,
            run=in_pool(self._writer_pool),
            batch_size=config.batch_size,
            batch_wait=config.batch_wait,
            flush_every=config.flush_every,
            after_commit=self.store.update_latest if latest is None else None,
            latest_every=config.latest_every,
            on_stored=latest.add if latest is not None else None,
        )
        cache = RegistryCache(
            self.store.load_devices, run=in_pool(self._lookup_pool), ttl=config.cache_ttl
        )
        state = self.state = ServerState(
            config, loop=loop, cache=cache, writer=writer, now=self._now
        )
        self._writer_task = loop.create_task(writer.run(), name="gateway-writer")
        self.server = await loop.create_server(
            lambda: DeviceConnection(state),
            config.host,
            config.port,
            backlog=config.backlog,
            reuse_address=True,
            reuse_port=config.reuse_port or None,
        )
        self._stats_task = loop.create_task(self._log_stats(), name="gateway-stats")
        self._refresh_task = loop.create_task(cache.refresh_forever(), name="gateway-registry")
        self._commands_task = loop.create_task(
            self._poll_commands(in_pool(self._lookup_pool)), name="gateway-commands"
        )
        logger.info("HJ 212 gateway listening on %s:%d", config.host, self.port)

    async def shutdown(self) -> None:
        """Stop gracefully: answer what was committed, then close everything."""
        state, server = self.state, self.server
        if state is None or server is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_timeout
        state.shutting_down = True
        server.close()
        for connection in list(state.connections):
            connection.begin_shutdown()
        try:
            await asyncio.wait_for(state.writer.stop(), max(0.0, deadline - loop.time()))
            await asyncio.wait_for(state.wait_closed(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            logger.warning(
                "Shutdown timed out: %d connections, %d packets not committed",
                len(state.connections),
                state.writer.pending,
            )
        for connection in list(state.connections):
            if connection.transport is not None:
                connection.transport.abort()
        tasks = [
            t
            for t in (
                self._writer_task,
                self._stats_task,
                self._refresh_task,
                self._commands_task,
                *state.tasks,
            )
            if t is not None
        ]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._latest_process is not None:
            await self._latest_process.close(max(1.0, deadline - loop.time()))
        # Let a commit already running in the writer thread finish, then
        # close the database connections of the worker threads.
        pools = [self._writer_pool]
        if self._lookup_pool is not self._writer_pool:
            pools.append(self._lookup_pool)
        for pool in pools:
            await loop.run_in_executor(pool, self.store.close)
            await loop.run_in_executor(None, pool.shutdown)
        self._log_totals()

    async def _poll_commands(
        self,
        run: Callable[[Callable[[], list[PendingCommand]]], asyncio.Future[list[PendingCommand]]],
    ) -> None:
        """Read the open commands every ``command_poll`` seconds and deliver
        them (:mod:`greenloop.gateway.commands`)."""
        state = self.state
        assert state is not None
        load = getattr(self.store, "load_commands", None)
        while True:
            if load is not None:
                try:
                    state.commands.update(await run(load))
                except Exception:
                    logger.exception("Unable to read the open device commands")
            state.commands.check_timeouts()
            await asyncio.sleep(self.config.command_poll)

    async def _log_stats(self, every: float = 60.0) -> None:
        while True:
            await asyncio.sleep(every)
            self._log_totals()

    def _log_totals(self) -> None:
        state = self.state
        if state is None:
            return
        stats, written = state.stats, state.writer.stats
        logger.info(
            "gateway: %d connections, %d packets accepted, %d stored, %d re-sent, "
            "%d answers, %d commits (%.1f ms max), refused %s",
            len(state.connections),
            stats.packets_accepted,
            written.stored,
            written.duplicates,
            stats.answers,
            written.commits,
            written.max_commit_seconds * 1000,
            dict(stats.rejected) or "none",
        )


def _loop_factory(kind: str = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when asked for or installed (``pip install greenloop[gateway]``)."""
    if kind == "asyncio":
        return None
    try:
        import uvloop  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        if kind == "uvloop":
            raise
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


def run(config: GatewayConfig, *, store: GatewayStore) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully (uvloop if installed)."""

    async def main() -> None:
        gateway = Gateway(config, store=store)
        await gateway.start()
        # What is loaded by now (Django, the settings, the first registry
        # reads) lives as long as the process: moved out of the collector's
        # way, its full collections stay short — they stop the event loop,
        # and with it every answer (they were 50-90 ms pauses at 5,000 devices).
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        logger.info("HJ 212 gateway shutting down")
        await gateway.shutdown()

    with asyncio.Runner(loop_factory=_loop_factory(config.loop)) as runner:
        runner.run(main())
