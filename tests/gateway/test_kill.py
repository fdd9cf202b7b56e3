"""``kill -9`` of a running gateway loses no acknowledged packet.

The gateway runs as a subprocess (``greenloop gateway``) on a SQLite file in
a temporary data directory, and on a database of its own on the PostgreSQL
server of ``DATABASE_URL`` when there is one. Devices stream packets,
several in flight each; the gateway is killed with SIGKILL while they do.
Every packet that had been answered with 9014 must be in the database, and
on PostgreSQL the gateway's latest-values process must not outlive it.
After a restart the devices send everything again: every packet is
answered and stored once, and every device's live values are its newest
packet.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from greenloop.cli import LAZY_COMMANDS
from tests.gateway.harness import DeviceClient, data_packet, wire

DEVICES = 10
PACKETS = 100
WINDOW = 4
KILLS_AFTER = (150, 500)
"""Acknowledgements after which the gateway is killed, one run each."""

_REGISTER = """
from greenloop.commands._django import setup_django
setup_django()
from django.utils import timezone
from greenloop.monitoring.models import Device, DeviceStatus, Site, SiteKind
from greenloop.org.models import Region
region = Region.objects.create(code="210300000000", name="示范市", kind="CITY")
site = Site.objects.create(code="K-1", name="站", kind=SiteKind.MICRO_AIR, region=region)
Device.objects.bulk_create(
    Device(mn=f"KILL{{n:04d}}", password="123456", site=site, status=DeviceStatus.ACTIVE,
           created_at=timezone.now())
    for n in range({count})
)
"""


def _qn(device: int, n: int) -> str:
    return f"2026112410{device:03d}{n:04d}"


def _packets(device: int) -> list[tuple[str, bytes]]:
    return [
        (
            _qn(device, n),
            wire(
                data_packet(
                    f"KILL{device:04d}",
                    qn=_qn(device, n),
                    data_time=f"202611{1 + n // 24:02d}{n % 24:02d}0000",
                )
            ),
        )
        for n in range(PACKETS)
    ]


def _command(port: int) -> list[str]:
    if "gateway" in LAZY_COMMANDS:
        return [str(Path(sys.executable).with_name("greenloop")), "gateway", "--port", str(port)]
    return [sys.executable, "-m", "greenloop.gateway", "--port", str(port)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(_command(port), env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # readiness: poll a connect
        assert process.poll() is None, log.read_text()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return process
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the gateway did not start:\n" + log.read_text())


async def _stream(
    port: int,
    packets: list[tuple[str, bytes]],
    acked: set[str],
    kill: asyncio.Event,
    kill_after: int,
) -> None:
    """Send with up to WINDOW packets unanswered until done or disconnected."""
    client = await DeviceClient.connect(port)
    sent = 0
    waiting: list[str] = []
    try:
        while (sent < len(packets) or waiting) and not (kill.is_set() and not waiting):
            while sent < len(packets) and len(waiting) < WINDOW:
                qn, data = packets[sent]
                await client.send(data)
                waiting.append(qn)
                sent += 1
            answer = await client.answer(timeout=15)
            if answer is None:
                return
            assert answer.qn == waiting.pop(0)
            acked.add(answer.qn)  # type: ignore[arg-type]
            if len(acked) >= kill_after:
                kill.set()
    except (ConnectionError, TimeoutError):
        return
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def _run_devices(
    port: int, acked: set[str], process: subprocess.Popen[bytes], *, kill_after: int | None
) -> None:
    """Every device sends all its packets from the start; SIGKILL after ``kill_after``."""
    kill = asyncio.Event()

    async def killer() -> None:
        await kill.wait()
        os.kill(process.pid, signal.SIGKILL)

    watcher = asyncio.create_task(killer())
    limit = kill_after if kill_after is not None else DEVICES * PACKETS + 1
    await asyncio.gather(*(_stream(port, _packets(d), acked, kill, limit) for d in range(DEVICES)))
    watcher.cancel()


@dataclass
class Database:
    """Where one run of the test stores: a SQLite file, or a database of its
    own on the PostgreSQL server of ``DATABASE_URL``."""

    env: dict[str, str]
    query: Callable[[str], list[tuple[Any, ...]]]
    latest_processes: int
    """Latest-values processes a gateway process starts beside itself."""


def _sqlite(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "greenloop.sqlite3"

    def query(sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return connection.execute(sql).fetchall()

    yield Database({}, query, latest_processes=0)


def _postgres(url: str) -> Iterator[Database]:
    import psycopg

    parts = urlsplit(url)
    name = f"test_kill_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    own = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(own) as connection:
            return connection.execute(sql).fetchall()

    try:
        yield Database({"DATABASE_URL": own}, query, latest_processes=1)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = os.environ.get("DATABASE_URL", "")
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    elif url.startswith("postgres"):
        yield from _postgres(url)
    else:
        pytest.skip("needs PostgreSQL")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's new parent may be slow to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_loses_no_acknowledged_packet_and_resends_are_stored_once(
    tmp_path: Path, database: Database
) -> None:
    env = {**os.environ, "GREENLOOP_DATA_DIR": str(tmp_path), "GREENLOOP_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.update(database.env)
    greenloop = str(Path(sys.executable).with_name("greenloop"))
    subprocess.run([greenloop, "migrate", "-v", "0"], env=env, check=True, timeout=180)
    subprocess.run(
        [sys.executable, "-c", _REGISTER.format(count=DEVICES)], env=env, check=True, timeout=120
    )
    port, log = _free_port(), tmp_path / "gateway.log"

    def stored() -> list[str]:
        return [str(qn) for (qn,) in database.query("SELECT qn FROM monitoring_inboxpacket")]

    for kill_after in KILLS_AFTER:
        acked: set[str] = set()
        process = _start(port, env, log)
        latest = _children(process.pid)
        try:
            asyncio.run(
                asyncio.wait_for(_run_devices(port, acked, process, kill_after=kill_after), 60)
            )
        finally:
            process.kill()
            process.wait(10)
        stored_after_kill = set(stored())
        deadline = time.monotonic() + 20
        while any(map(_running, latest)) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert process.returncode == -signal.SIGKILL
        assert len(acked) >= kill_after
        assert acked <= stored_after_kill, log.read_text()
        assert len(stored_after_kill) < DEVICES * PACKETS  # killed mid-stream
        assert len(latest) == database.latest_processes
        assert not any(map(_running, latest)), "the latest-values process outlived the gateway"

    acked = set()
    process = _start(port, env, log)
    try:
        asyncio.run(asyncio.wait_for(_run_devices(port, acked, process, kill_after=None), 60))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    rows = stored()

    assert process.returncode == 0, log.read_text()
    assert len(acked) == DEVICES * PACKETS
    assert len(rows) == len(set(rows)) == DEVICES * PACKETS
    # Every device's live values are its newest packet.
    newest = database.query(
        "SELECT device_id, max(data_time) FROM monitoring_inboxpacket GROUP BY device_id"
    )
    shown = database.query(
        "SELECT device_id, data_time FROM monitoring_latestvalue WHERE cn = '2011'"
    )
    assert dict(shown) == dict(newest)
    assert len(newest) == DEVICES
