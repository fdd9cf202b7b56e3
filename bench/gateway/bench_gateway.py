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
import gc
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
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


class _Client(asyncio.Protocol):
    """One simulated device: sends its packets and times each answer.

    Closed loop (``interval`` 0): up to ``window`` packets unanswered, the
    next sent when an answer comes. Open loop: one packet every
    ``interval`` seconds from ``start`` on a fixed schedule, whether or not
    the answers keep up — as devices do.
    """

    def __init__(self, packets: list[bytes], window: int, latencies: list[float]) -> None:
        self.packets = packets
        self.window = window
        self.latencies = latencies
        self.sent_at: deque[float] = deque()
        self.sent = self.answered = 0
        self.done = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self) -> None:
        assert self.transport is not None
        self.transport.write(self.packets[self.sent])
        self.sent_at.append(time.perf_counter())
        self.sent += 1

    def fill_window(self) -> None:
        while self.sent < len(self.packets) and self.sent - self.answered < self.window:
            self.send()

    def run_open_loop(self, start: float, interval: float) -> None:
        loop = asyncio.get_running_loop()

        def tick() -> None:
            if self.sent < len(self.packets):
                self.send()
                loop.call_at(start + self.sent * interval, tick)

        loop.call_at(start, tick)

    def data_received(self, data: bytes) -> None:
        # Answers end in CR LF and hold none inside.
        now = time.perf_counter()
        for _ in range(data.count(b"\n")):
            self.latencies.append(now - self.sent_at.popleft())
            self.answered += 1
        if self.answered >= len(self.packets):
            if not self.done.done():
                self.done.set_result(None)
        elif self.window:
            self.fill_window()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(ConnectionError(f"closed after {self.answered} answers"))


def _load(  # type: ignore[no-untyped-def]
    port: int, all_packets: list[list[bytes]], window: int, interval: float, on_start
) -> tuple[float, list[float]]:
    """Connect every device, send one warm-up packet each (the registry
    look-ups of first packets are not what is measured), call ``on_start``,
    then the rest of the packets; elapsed seconds and the latencies."""
    latencies: list[float] = []

    async def main() -> float:
        loop = asyncio.get_running_loop()
        clients = []
        for packets in all_packets:
            _, client = await loop.create_connection(
                lambda p=packets: _Client(p[:1], 1, []), "127.0.0.1", port
            )
            clients.append(client)
        for client in clients:
            client.fill_window()
        await asyncio.gather(*(c.done for c in clients))
        for client, packets in zip(clients, all_packets, strict=True):
            client.packets, client.latencies = packets[1:], latencies
            client.sent = client.answered = 0
            client.done = loop.create_future()
            client.window = 0 if interval else window
        # The instrument must not add pauses of its own to what it times:
        # no cyclic garbage collection while measuring.
        gc.collect()
        gc.freeze()
        gc.disable()
        on_start()
        started = time.perf_counter()
        if interval:
            # Devices spread evenly over one interval, as a fleet is.
            step = interval / len(clients)
            first = loop.time() + 0.05
            for n, client in enumerate(clients):
                client.run_open_loop(first + n * step, interval)
        else:
            for client in clients:
                client.fill_window()
        await asyncio.gather(*(c.done for c in clients))
        elapsed = time.perf_counter() - started
        gc.enable()
        for client in clients:
            assert client.transport is not None
            client.transport.close()
        return elapsed

    runner = asyncio.Runner(loop_factory=_loop_factory())
    with runner:
        return runner.run(main()), latencies


def _loop_factory():  # type: ignore[no-untyped-def]
    """uvloop for the load generator too, when installed: it must cost the
    shared cores as little as it can."""
    try:
        import uvloop  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return uvloop.new_event_loop


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
    interval: float,
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
        marks: dict[str, float] = {}
        spy: list[subprocess.Popen[bytes]] = []

        def on_start() -> None:
            marks["cpu"] = _cpu_seconds(process.pid)
            marks["db"] = _cpu_seconds(postmaster) if postmaster else 0.0
            profile = os.environ.get("BENCH_GATEWAY_PROFILE")  # py-spy's raw samples there
            if profile and "--serve-echo" not in command:
                spy.append(
                    subprocess.Popen(
                        [
                            "py-spy",
                            "record",
                            "--format",
                            "raw",
                            "--threads",
                            "--subprocesses",
                            # BENCH_GATEWAY_PROFILE_GIL=1: only the thread holding the GIL
                            *(["--gil"] if os.environ.get("BENCH_GATEWAY_PROFILE_GIL") else []),
                            "-r",
                            "250",
                            "-o",
                            profile,
                            "--pid",
                            str(process.pid),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )

        elapsed, latencies = _load(port, load, window, interval, on_start)
        for s in spy:
            s.send_signal(signal.SIGINT)
            s.wait(60)
        cpu = _cpu_seconds(process.pid) - marks["cpu"]
        db_cpu = _cpu_seconds(postmaster) - marks["db"] if postmaster else float("nan")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    total = sum(len(p) - 1 for p in load)  # the warm-up packets are not counted
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
        if os.environ.get("BENCH_GATEWAY_KEEP_DATABASE"):  # to study its rows after
            print(f"database kept: {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--packets", type=int, default=50, help="per device")
    parser.add_argument("--window", type=int, default=1, help="unanswered packets per device")
    parser.add_argument(
        "--interval",
        type=float,
        default=0.0,
        help="open loop: seconds between a device's packets (0: closed loop, --window)",
    )
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

    # One more packet per device: the warm-up packet, not measured.
    load = [_packets(d, args.packets + 1) for d in range(args.devices)]
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
            else _run_case(
                [sys.executable, __file__, "--serve-echo"], env, load, args.window, args.interval
            )
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
            [*gateway_command, "--port"],
            env,
            load,
            args.window,
            args.interval,
            _postmaster(database_url),
        )
        counted = subprocess.run(
            [sys.executable, "-c", _COUNT], env=env, check=True, capture_output=True, text=True
        ).stdout.split()

    database = "PostgreSQL" if args.database_url else f"SQLite, synchronous={args.sqlite_sync}"
    print(
        f"{args.devices} devices × {args.packets} packets (+1 warm-up), "
        + (
            f"open loop, one packet per device every {args.interval:g} s "
            f"(offered {args.devices / args.interval:,.0f}/s), "
            if args.interval
            else f"closed loop, window {args.window}, "
        )
        + f"{size:.0f} bytes/packet, {database}, {args.processes} process(es), loop {args.loop}; "
        + f"inbox rows {counted[0]} (distinct {counted[1]})"
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
