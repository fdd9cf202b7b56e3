"""The latest-values process of a gateway on PostgreSQL.

Started by the gateway (:class:`~greenloop.gateway.latest_process.LatestProcess`,
which says why), as ``python -m greenloop.gateway.latest_worker``: it reads
the inbox rows each commit stored from its standard input and merges them
into the latest values, at most once every ``--every`` seconds, until the
gateway closes the pipe or dies; then it stores what it has read and exits.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import select
import sys
import time
from collections.abc import Callable, Sequence

from greenloop.gateway.latest_process import LENGTH
from greenloop.gateway.pacing import Pacer

logger = logging.getLogger(__name__)

NICENESS = 10
"""Added to the process's nice value: the CPU goes to the gateway first."""


def serve(
    fd: int,
    update: Callable[[list[bytes]], object],
    pacer: Pacer,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Read length-prefixed texts from ``fd`` until its end; hand what came
    to ``update`` at the time ``pacer`` gives when the first of them comes,
    and what is left at the end at once."""
    buffer = bytearray()
    texts: list[bytes] = []
    at: float | None = None  # when the texts read so far are stored
    ended = False
    while not ended or texts:
        if not ended:
            timeout = None if at is None else max(0.0, at - clock())
            if select.select([fd], [], [], timeout)[0]:
                chunk = os.read(fd, 1 << 20)
                ended = not chunk
                buffer += chunk
                texts.extend(_frames(buffer))
                if texts and at is None:
                    now = clock()
                    at = now + max(0.0, pacer.delay(now))
            if not ended and (at is None or clock() < at):
                continue
        if not texts:  # the end came after the last update
            continue
        pacer.started(clock())
        try:
            update(texts)
        except Exception:
            logger.exception("Unable to update the latest values of %d commits", len(texts))
        texts, at = [], None
        pacer.ended(clock())


def _frames(buffer: bytearray) -> list[bytes]:
    """The complete length-prefixed texts at the start of ``buffer``, taken out of it."""
    found, start = [], 0
    size = LENGTH.size
    while len(buffer) - start >= size:
        (length,) = LENGTH.unpack_from(buffer, start)
        if len(buffer) - start - size < length:
            break
        found.append(bytes(buffer[start + size : start + size + length]))
        start += size + length
    del buffer[:start]
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The gateway's latest-values process")
    parser.add_argument("--every", type=float, default=1.0, help="most updates per second")
    parser.add_argument("--database-name", default=None, help="the gateway's database")
    args = parser.parse_args(argv)

    from greenloop.commands._django import setup_django

    setup_django()
    from django.db import close_old_connections, connection

    from greenloop.monitoring.ingest import update_latest_from_texts

    if args.database_name:  # a test database has a name of its own
        connection.settings_dict["NAME"] = args.database_name

    def update(texts: list[bytes]) -> None:
        close_old_connections()
        # An update makes tens of thousands of dicts, all freed by reference
        # counting when it ends: collections during it only cost time
        # (6-7 µs a reading without them, 7-13 with).
        gc.disable()
        try:
            update_latest_from_texts(texts)
        finally:
            gc.enable()

    # Behind the gateway's processes for the cores: the answers wait for
    # them, nobody waits for a latest value (p99 of the answers at 10,000
    # packets/s: 73-84 ms niced, 110-146 ms not).
    os.nice(NICENESS)
    gc.collect()
    gc.freeze()  # Django and the settings: out of every later collection
    serve(sys.stdin.buffer.fileno(), update, Pacer(args.every))
    connection.close()


if __name__ == "__main__":
    main()
