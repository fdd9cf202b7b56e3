"""``kill -9`` of a gateway on PostgreSQL: no acknowledged packet lost, its
latest-values process does not outlive it, and after a restart the live
values are each device's newest packet.

The same stream as ``test_kill.py`` (which runs on a SQLite file), against
a database of its own on the PostgreSQL server of ``DATABASE_URL``: the
straight ``COPY`` into the inbox, the careful way after the re-sends of
the restart, and the latest values kept by a process of their own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.gateway.test_kill import (
    _REGISTER,
    DEVICES,
    KILLS_AFTER,
    PACKETS,
    _free_port,
    _run_devices,
    _start,
)

URL = os.environ.get("DATABASE_URL", "")
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not URL.startswith("postgres"), reason="needs PostgreSQL"),
]


@pytest.fixture
def database() -> Iterator[str]:
    """A new database on the test server, dropped afterwards."""
    import psycopg

    parts = urlsplit(URL)
    name = f"test_kill_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's parent may be slow to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_on_postgresql_loses_nothing_and_leaves_no_process_behind(
    tmp_path: Path, database: str
) -> None:
    env = {
        **os.environ,
        "GREENLOOP_DATA_DIR": str(tmp_path),
        "GREENLOOP_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database,
    }
    greenloop = str(Path(sys.executable).with_name("greenloop"))
    subprocess.run([greenloop, "migrate", "-v", "0"], env=env, check=True, timeout=180)
    subprocess.run(
        [sys.executable, "-c", _REGISTER.format(count=DEVICES)], env=env, check=True, timeout=120
    )
    port, log = _free_port(), tmp_path / "gateway.log"

    def stored() -> set[str]:
        return {str(qn) for (qn,) in _query(database, "SELECT qn FROM monitoring_inboxpacket")}

    for kill_after in KILLS_AFTER:
        acked: set[str] = set()
        process = _start(port, env, log)
        latest = _children(process.pid)  # the latest-values process
        try:
            asyncio.run(
                asyncio.wait_for(_run_devices(port, acked, process, kill_after=kill_after), 60)
            )
        finally:
            process.kill()
            process.wait(10)
        deadline = time.monotonic() + 20
        while any(_running(pid) for pid in latest) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert process.returncode == -signal.SIGKILL
        assert len(latest) == 1
        assert not any(_running(pid) for pid in latest), "the latest-values process outlived it"
        assert acked <= stored(), log.read_text()
        assert len(stored()) < DEVICES * PACKETS  # killed mid-stream

    acked = set()
    process = _start(port, env, log)
    try:
        asyncio.run(asyncio.wait_for(_run_devices(port, acked, process, kill_after=None), 60))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)

    assert process.returncode == 0, log.read_text()
    assert len(acked) == DEVICES * PACKETS
    rows = _query(database, "SELECT qn FROM monitoring_inboxpacket")
    assert len(rows) == len(set(rows)) == DEVICES * PACKETS
    stale = _query(
        database,
        """
        SELECT d.mn FROM monitoring_device d
        LEFT JOIN monitoring_latestvalue l ON l.device_id = d.id AND l.cn = '2011'
        WHERE l.data_time IS DISTINCT FROM
              (SELECT max(i.data_time) FROM monitoring_inboxpacket i WHERE i.device_id = d.id)
        """,
    )
    assert stale == []  # every device's live values are its newest packet
