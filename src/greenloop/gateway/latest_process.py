"""The latest values kept by a process of their own (PostgreSQL).

Why a process: folding thousands of readings into rows and encoding them
is Python work, and Python runs one thread at a time per process. Done in
a thread of the gateway, each update held the interpreter for 30-45 ms at
5,000 packets/s and the event loop, which sends the answers, waited: p99
of the acknowledgements went from 15 to 70-110 ms
(docs/decisions/0020-latest-values-process.md).

The gateway starts ``python -m greenloop.gateway.latest_worker`` beside
itself (:class:`LatestProcess`) and, after each commit, writes the inbox
rows it has just stored (``BatchResult.fresh_text``, ``COPY`` text it made
for the commit anyway) to the child's standard input, each prefixed by its
length (:data:`LENGTH`). The child (:mod:`.latest_worker`) reads them as
they come and, paced by :class:`~greenloop.gateway.pacing.Pacer`, folds
and merges them into the latest values (``ingest.update_latest_from_texts``):
the same rules as in the gateway's own thread on SQLite.

The latest values are derived data: a text the child cannot take (it
died, or fell more than ``max_buffer`` behind) is dropped and counted; the
devices' next packets bring the rows forward. When the gateway stops it
closes the pipe and the child stores what it has read, then exits; when the
gateway dies the child reads the end of the pipe and does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import Sequence

from greenloop.monitoring.records import BatchResult

logger = logging.getLogger(__name__)

LENGTH = struct.Struct("!I")
"""The prefix of each text sent to the child: its length in bytes."""


class LatestProcess:
    """The gateway's handle on its latest-values process.

    Parameters
    ----------
    command
        The child's command line (``DjangoStore.latest_command``).
    max_buffer
        Bytes waiting for the child beyond which texts are dropped.
    restart_delay
        Seconds before a child that exited on its own is started again;
        doubled, up to a minute, while it keeps exiting within a minute.
    """

    def __init__(
        self, command: Sequence[str], *, max_buffer: int = 64 << 20, restart_delay: float = 1.0
    ) -> None:
        self.command = list(command)
        self.max_buffer = max_buffer
        self.restart_delay = restart_delay
        self.dropped = 0
        """Readings whose latest values were not passed on."""
        self._process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._closing = False
        self._warned_at = -60.0

    async def start(self) -> None:
        """Start the child (an error here stops the gateway from starting)."""
        await self._spawn()
        self._watch = asyncio.get_running_loop().create_task(
            self._keep_running(), name="gateway-latest-process"
        )

    async def _spawn(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE
        )
        logger.info("Latest-values process %d started", self._process.pid)

    def add(self, result: BatchResult) -> None:
        """Pass on the inbox rows a commit stored; never blocks: the pipe's
        transport buffers what the child has not read yet."""
        text = result.fresh_text
        process = self._process
        stdin = process.stdin if process is not None else None
        if not text:
            return
        if stdin is None or stdin.is_closing():
            self._drop(result.inserted, "the latest-values process is not running")
            return
        if stdin.transport.get_write_buffer_size() > self.max_buffer:
            self._drop(result.inserted, "the latest-values process is behind")
            return
        stdin.write(LENGTH.pack(len(text)))
        stdin.write(text)

    def _drop(self, readings: int, why: str) -> None:
        self.dropped += readings
        now = time.monotonic()
        if now - self._warned_at >= 60.0:
            self._warned_at = now
            logger.warning("Latest values of %d packets so far not updated: %s", self.dropped, why)

    async def close(self, timeout: float = 10.0) -> None:
        """Let the child store what it was sent, and wait for it to exit."""
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        process = self._process
        if process is None or process.returncode is not None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            logger.warning("Latest-values process %d did not finish; killed", process.pid)
            process.kill()
            await process.wait()

    async def _keep_running(self) -> None:
        """Start the child again whenever it exits, until :meth:`close`."""
        loop = asyncio.get_running_loop()
        delay = self.restart_delay
        while True:
            process = self._process
            if process is not None:
                started = loop.time()
                code = await process.wait()
                if self._closing:
                    return
                if loop.time() - started >= 60.0:
                    delay = self.restart_delay
                logger.error(
                    "Latest-values process %d exited with %s; starting it again in %.0f s",
                    process.pid,
                    code,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
            if self._closing:
                return
            try:
                await self._spawn()
            except OSError:
                logger.exception("Unable to start the latest-values process")
                self._process = None
