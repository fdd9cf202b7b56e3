"""``kill -9`` of a running gateway loses no acknowledged packet.

The gateway runs as a subprocess (``greenloop gateway``) on a SQLite file in
a temporary data directory. Devices stream packets, several in flight each;
the gateway is killed with SIGKILL while they do. Every packet that had
been answered with 9014 must be in the database. After a restart the
devices send everything again: every packet is answered, and stored once.
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
from pathlib import Path

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


def _stored(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return [qn for (qn,) in connection.execute("SELECT qn FROM monitoring_inboxpacket")]


def test_kill_9_loses_no_acknowledged_packet_and_resends_are_stored_once(tmp_path: Path) -> None:
    env = {**os.environ, "GREENLOOP_DATA_DIR": str(tmp_path), "GREENLOOP_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)  # always a SQLite file of its own
    greenloop = str(Path(sys.executable).with_name("greenloop"))
    subprocess.run([greenloop, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run(
        [sys.executable, "-c", _REGISTER.format(count=DEVICES)], env=env, check=True, timeout=120
    )
    port, log, db = _free_port(), tmp_path / "gateway.log", tmp_path / "greenloop.sqlite3"

    for kill_after in KILLS_AFTER:
        acked: set[str] = set()
        process = _start(port, env, log)
        try:
            asyncio.run(
                asyncio.wait_for(_run_devices(port, acked, process, kill_after=kill_after), 60)
            )
        finally:
            process.kill()
            process.wait(10)
        stored_after_kill = set(_stored(db))

        assert process.returncode == -signal.SIGKILL
        assert len(acked) >= kill_after
        assert acked <= stored_after_kill, log.read_text()
        assert len(stored_after_kill) < DEVICES * PACKETS  # killed mid-stream

    acked = set()
    process = _start(port, env, log)
    try:
        asyncio.run(asyncio.wait_for(_run_devices(port, acked, process, kill_after=None), 60))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    stored = _stored(db)

    assert process.returncode == 0, log.read_text()
    assert len(acked) == DEVICES * PACKETS
    assert len(stored) == len(set(stored)) == DEVICES * PACKETS
