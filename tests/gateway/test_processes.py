"""``greenloop gateway --processes 2``: two gateways share the port.

The command starts two worker processes listening with SO_REUSEPORT; the
devices' connections are spread over them, each answers only after its
own commit, and SIGTERM stops both cleanly.
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

from tests.gateway.harness import DeviceClient, data_packet, wire
from tests.gateway.test_kill import _REGISTER, _free_port

DEVICES = 20
PACKETS = 10


def _workers(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    return children


async def _device(port: int, n: int) -> list[str]:
    client = await DeviceClient.connect(port)
    acked = []
    try:
        for k in range(PACKETS):
            qn = f"2026112410{n:03d}{k:04d}"
            await client.send(
                wire(data_packet(f"KILL{n:04d}", qn=qn, data_time=f"2026112410{k:02d}00"))
            )
            answer = await client.answer(timeout=20)
            assert answer is not None and answer.qn == qn
            acked.append(qn)
    finally:
        await client.close()
    return acked


def test_two_processes_share_the_port_and_store_every_packet_once(tmp_path: Path) -> None:
    env = {**os.environ, "GREENLOOP_DATA_DIR": str(tmp_path), "GREENLOOP_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    greenloop = str(Path(sys.executable).with_name("greenloop"))
    subprocess.run([greenloop, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run(
        [sys.executable, "-c", _REGISTER.format(count=DEVICES)], env=env, check=True, timeout=120
    )
    port, log = _free_port(), tmp_path / "gateway.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [greenloop, "gateway", "--port", str(port), "--processes", "2"],
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 60
        while len(_workers(process.pid)) < 2 or not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        workers = _workers(process.pid)

        async def devices() -> list[list[str]]:
            return await asyncio.gather(*(_device(port, n) for n in range(DEVICES)))

        acked = [qn for qns in asyncio.run(asyncio.wait_for(devices(), 60)) for qn in qns]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    with contextlib.closing(sqlite3.connect(tmp_path / "greenloop.sqlite3")) as db:
        stored = [qn for (qn,) in db.execute("SELECT qn FROM monitoring_inboxpacket")]

    assert len(workers) == 2
    assert process.returncode == 0, log.read_text()
    assert len(acked) == DEVICES * PACKETS
    assert sorted(stored) == sorted(acked)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False
