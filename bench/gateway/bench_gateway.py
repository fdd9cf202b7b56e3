"""End-to-end throughput of the HJ 212 gateway on loopback, with a baseline.

    .venv/bin/python bench/gateway/bench_gateway.py [--devices 200] [--packets 50]
        [--window 1] [--sqlite-sync full|normal] [--database-url URL]

Runs, each as its own process so the load generator and the server use
different cores, on the same load:

1. **echo** (baseline): an asyncio server that answers every packet it
   frames with a fixed 9014, no parsing, no database;
2. **gateway**: ``python -m greenloop.gateway`` on a fresh SQLite file in a
   temporary data directory (or on ``--database-url``), migrated and with
   the devices registered.

Every simulated device sends ``--packets`` ambient real-time packets (Flag=5,
answer wanted) with up to ``--window`` unanswered at a time; the script
reports packets per second, acknowledgement latency p50/p99 and the ratio to
the echo baseline, and checks that the inbox holds every packet once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from greenloop.hj212 import Packet, build_packet

ROOT = Path(__file__).resolve().parents[2]
ANSWER = (
    b"##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=4;CP=&&&&C241\r\n"
)
_FACTORS = ("a21005", "a21004", "a21026", "a34004", "a34002", "a05024", "a01001", "a01002")


def _mn(n: int) -> str:
    return f"0100BE{n:018X}"


def _packets(device: int, count: int) -> list[bytes]:
    out = []
    for n in range(count):
        day, rest = divmod(n, 24 * 60)
        hour, minute = divmod(rest, 60)
        packet = Packet(
            cn="2011",
            qn=f"202611{device:05d}{n:06d}",
            st="22",
            pw="123456",
            mn=_mn(device),
            flag=5,
            cp={"DataTime": f"202611{1 + day:02d}{hour:02d}{minute:02d}00"},
            pollutants={
                code: {"Rtd": Decimal(f"{(device * 7 + n * 3 + i) % 200}.{n % 10}"), "Flag": "N"}
                for i, code in enumerate(_FACTORS)
            },
        )
        out.append(build_packet(packet))
    return out


# --- the baseline server ---------------------------------------------------


class _Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        # One answer per packet: packets end in CR LF and hold none inside.
        count = data.count(b"\n")
        if count:
            self.transport.write(ANSWER * count)  # type: ignore[attr-defined]


def _serve_echo(port: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Echo, "127.0.0.1", port, backlog=4096)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()

    asyncio.run(main())


# --- the load --------------------------------------------------------------


async def _device(port: int, packets: list[bytes], window: int, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent_at: list[float] = []
    answered = sent = 0
    try:
        while answered < len(packets):
            while sent < len(packets) and sent - answered < window:
                writer.write(packets[sent])
                sent_at.append(time.perf_counter())
                sent += 1
            await reader.readuntil(b"\r\n")
            latencies.append(time.perf_counter() - sent_at[answered])
            answered += 1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return answered


def _load(port: int, all_packets: list[list[bytes]], window: int) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def main() -> float:
        started = time.perf_counter()
        done = await asyncio.gather(*(_device(port, p, window, latencies) for p in all_packets))
        elapsed = time.perf_counter() - started
        assert sum(done) == sum(len(p) for p in all_packets)
        return elapsed

    return asyncio.run(main()), latencies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise SystemExit("server did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the gateway's worker processes)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _descendants(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _postmaster(url: str | None) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine:
    its CPU (and its backends') is part of the cost of a packet."""
    if not url:
        return None
    import psycopg

    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        # Read while the backend lives: it exits with the connection.
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
            return int(stat[1])  # ppid
    return None


def _run_case(  # type: ignore[no-untyped-def]
    command: list[str],
    env: dict[str, str],
    load: list[list[bytes]],
    window: int,
    postmaster: int | None = None,
):
    port = _free_port()
    log = os.environ.get("BENCH_GATEWAY_LOG")  # keep the server's log there
    process = subprocess.Popen(
        [*command, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab") if log else subprocess.DEVNULL,  # noqa: SIM115
    )
    try:
        _wait_ready(port, process)
        time.sleep(0.5)  # let worker processes finish starting
        cpu_before = _cpu_seconds(process.pid)
        db_before = _cpu_seconds(postmaster) if postmaster else 0.0
        profile = os.environ.get("BENCH_GATEWAY_PROFILE")  # py-spy's raw samples there
        spy = (
            subprocess.Popen(
                ["py-spy", "record", "--format", "raw", "--threads", "--subprocesses", "-r", "250",
                 "-o", profile, "--pid", str(process.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if profile and "--serve-echo" not in command
            else None
        )
        elapsed, latencies = _load(port, load, window)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        cpu = _cpu_seconds(process.pid) - cpu_before
        db_cpu = _cpu_seconds(postmaster) - db_before if postmaster else float("nan")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    total = sum(len(p) for p in load)
    return (
        total / elapsed,
        _percentile(latencies, 0.5),
        _percentile(latencies, 0.99),
        cpu / total * 1e6,
        db_cpu / total * 1e6,
    )


_REGISTER = """
from greenloop.commands._django import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from greenloop.monitoring.models import Device, DeviceStatus, Site, SiteKind, InboxPacket
from greenloop.org.models import Region
InboxPacket.objects.all().delete()
region, _ = Region.objects.get_or_create(code="210300000000", defaults={{"name": "B", "kind": "CITY"}})
site, _ = Site.objects.get_or_create(code="BENCH", defaults={{"name": "B", "kind": SiteKind.MICRO_AIR, "region": region}})
Device.objects.filter(site=site).delete()
Device.objects.bulk_create(
    Device(mn=m, password="123456", site=site, status=DeviceStatus.ACTIVE, created_at=timezone.now())
    for m in [f"0100BE{{n:018X}}" for n in range({count})]
)
"""

_COUNT = """
from greenloop.commands._django import setup_django
setup_django()
from django.db.models import Count
from greenloop.monitoring.models import InboxPacket
print(InboxPacket.objects.count(), InboxPacket.objects.values("device_id", "cn", "data_time").distinct().count())
"""


@contextlib.contextmanager
def _fresh_database(url: str | None):  # type: ignore[no-untyped-def]
    """A new, empty PostgreSQL database on the server of ``url`` for this run
    (dropped afterwards), so every run starts from the same state."""
    if not url:
        yield None
        return
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"bench_gateway_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--packets", type=int, default=50, help="per device")
    parser.add_argument("--window", type=int, default=1, help="unanswered packets per device")
    parser.add_argument("--sqlite-sync", choices=["full", "normal"], default="full")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--processes", type=int, default=1, help="gateway processes (SO_REUSEPORT)")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto")
    parser.add_argument("--skip-echo", action="store_true", help="gateway only (no baseline)")
    parser.add_argument("--serve-echo", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo is not None:
        _serve_echo(args.serve_echo)
        return

    load = [_packets(d, args.packets) for d in range(args.devices)]
    size = sum(len(p) for ps in load for p in ps) / sum(len(ps) for ps in load)
    with (
        tempfile.TemporaryDirectory(prefix="greenloop-bench-") as data_dir,
        _fresh_database(args.database_url) as database_url,
    ):
        env = {**os.environ, "GREENLOOP_DATA_DIR": data_dir}
        env.setdefault("GREENLOOP_LOG_LEVEL", "WARNING")
        env["PYTHONPATH"] = str(ROOT / "src")
        if database_url:
            env["DATABASE_URL"] = database_url
        else:
            env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-c", _REGISTER.format(count=args.devices)], env=env, check=True
        )

        echo = (
            (float("nan"),) * 5
            if args.skip_echo
            else _run_case([sys.executable, __file__, "--serve-echo"], env, load, args.window)
        )
        gateway_command = [
            sys.executable,
            "-m",
            "greenloop.gateway",
            "--processes",
            str(args.processes),
            "--loop",
            args.loop,
        ]
        if not args.database_url:
            gateway_command += ["--sqlite-sync", args.sqlite_sync]
        gateway = _run_case(
            [*gateway_command, "--port"], env, load, args.window, _postmaster(database_url)
        )
        counted = subprocess.run(
            [sys.executable, "-c", _COUNT], env=env, check=True, capture_output=True, text=True
        ).stdout.split()

    database = "PostgreSQL" if args.database_url else f"SQLite, synchronous={args.sqlite_sync}"
    print(
        f"{args.devices} devices × {args.packets} packets, window {args.window}, "
        f"{size:.0f} bytes/packet, {database}, {args.processes} process(es), loop {args.loop}; "
        f"inbox rows {counted[0]} (distinct {counted[1]})"
    )
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print(
        "| case | packets/s | ack p50 ms | ack p99 ms | × echo "
        "| server CPU µs/packet | PostgreSQL CPU µs/packet |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (rate, p50, p99, cpu, db) in (("echo (baseline)", echo), ("gateway", gateway)):
        print(
            f"| {name} | {rate:,.0f} | {p50 * 1000:.1f} | {p99 * 1000:.1f} "
            f"| {rate / echo[0]:.2f} | {cpu:.0f} | {db:.0f} |"
        )


if __name__ == "__main__":
    main()
