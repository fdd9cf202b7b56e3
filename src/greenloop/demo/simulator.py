"""Simulated field devices that speak real HJ 212 to a real gateway.

``greenloop simulate --devices N --interval S --gateway HOST:PORT
[--faults crc=0.02,disconnect=0.01,burst=0.01,skew=120,resend=0.05]``

Each device keeps one TCP connection, sends a real-time upload (CN 2011,
Flag asks for an answer) every ``interval`` seconds, and after each hour of
its own clock the hourly averages of that hour (CN 2061). Like a real data
logger it waits for the 9014 and re-sends the same packet when none comes
(HJ 212-2017 §6.2: timeout, then up to ``ReCount`` re-sends). Values follow
the kind of site:

* air stations and micro-stations: PM2.5/PM10 with a morning and evening
  peak, O3 peaking in the afternoon, NO2 at rush hours, SO2, CO, weather;
* water sections: pH, dissolved oxygen, COD, ammonia nitrogen, total
  phosphorus, water temperature, slow daily swings;
* enterprise outlets: smoke dust, SO2 and NOx with measured (Rtd) and
  converted (ZsRtd, to 9 % O2) values, O2, flue-gas temperature, velocity
  and flow;
* electricity meters, in pairs per enterprise: the production facility
  follows a two-shift day; the treatment facility follows it, except in
  the odd hour when it is off while production runs (what the electricity
  rules must catch).

Faults, as shares of packets or intervals: ``crc`` (a packet is sent with a
wrong CRC: no answer, the device re-sends), ``disconnect`` (the device drops
its connection and reconnects), ``burst`` (the device sends a backlog of
the last ten intervals back to back, ``RF=1`` on HJ 212-2025 devices),
``skew`` (each device's clock is off by up to that many seconds) and
``resend`` (an answered packet is sent again, as after a lost answer).

HJ 212-2025 devices also play the provisioning flows (hj212-2025.md C3,
B9; decision 0018): after connecting they report their hardware serial
(CN 1001), and they answer the platform's 1002 "set MN" and 1014 "set
key" with 9011 and 9012 and use the new MN or key from then on.

The protocol part imports no Django: :class:`Simulator` takes a list of
:class:`SimDevice`. The command reads them from the device registry, first
registering a demo fleet for the demo city when ``--provision`` is given
(:mod:`greenloop.demo.fleet`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

import click

from greenloop.hj212 import (
    DeviceProfile,
    FrameDecoder,
    Packet,
    PacketError,
    Version,
    build_packet,
    execution_response,
    parse_frame,
    request_response,
)
from greenloop.hj212.versions import SPECS

logger = logging.getLogger(__name__)

BEIJING: Final = ZoneInfo("Asia/Shanghai")
RECOUNT: Final = 3
"""Re-sends after a timeout (2017 Table 1 default)."""


@dataclass(frozen=True, slots=True)
class SimDevice:
    """One simulated data logger, as registered."""

    mn: str
    password: str
    kind: str
    """``SiteKind`` value of its site: ``NATIONAL_AIR``, ``WATER_SECTION``…"""
    st: str = "22"
    version: Version = Version.HJ212_2017
    sm4_key: bytes | None = None
    role: str = ""
    """For electricity meters: ``production`` or ``treatment``."""


@dataclass(frozen=True, slots=True)
class Faults:
    """Shares of faulty packets or intervals; ``skew`` in seconds."""

    crc: float = 0.0
    disconnect: float = 0.0
    burst: float = 0.0
    skew: float = 0.0
    resend: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Faults:
        """Read ``crc=0.02,disconnect=0.01,…``.

        Examples
        --------
        >>> Faults.parse("crc=0.02, skew=120")
        Faults(crc=0.02, disconnect=0.0, burst=0.0, skew=120.0, resend=0.0)
        """
        names = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            if not sep or name.strip() not in names:
                raise ValueError(f"unknown fault {item!r}; known: {', '.join(sorted(names))}")
            values[name.strip()] = float(value)
        faults = cls(**values)
        for name in names - {"skew"}:
            if not 0.0 <= getattr(faults, name) <= 1.0:
                raise ValueError(f"{name} is a share between 0 and 1")
        return faults


@dataclass
class SimStats:
    sent: int = 0
    acknowledged: int = 0
    timeouts: int = 0
    given_up: int = 0
    corrupted: int = 0
    duplicates: int = 0
    disconnects: int = 0
    connect_failures: int = 0
    bursts: int = 0
    commands: int = 0
    """1002/1014 requests of the platform carried out (2025 devices)."""


# --- values -------------------------------------------------------------------


def _wave(hour: float, peak: float) -> float:
    """1 at ``peak`` o'clock, -1 twelve hours away."""
    return math.cos(2 * math.pi * (hour - peak) / 24)


def _d(value: float, places: int) -> Decimal:
    return Decimal(f"{max(value, 0.0):.{places}f}")


def _rt(value: Decimal, flag: str = "N") -> dict[str, Decimal | str]:
    return {"Rtd": value, "Flag": flag}


def sample(
    device: SimDevice, at: datetime, rng: random.Random, offset: float
) -> dict[str, dict[str, Decimal | str]]:
    """The real-time values of ``device`` at local time ``at``.

    ``offset`` (0–1, fixed per device) makes sites of one kind differ.
    """
    hour = at.hour + at.minute / 60
    day = at.timetuple().tm_yday
    season = math.cos(2 * math.pi * (day - 15) / 365)  # 1 in mid-January
    noise = rng.gauss
    kind = device.kind
    if kind in ("NATIONAL_AIR", "PROVINCIAL_AIR", "MICRO_AIR", "DUST_MONITOR"):
        rush = max(_wave(hour, 8), _wave(hour, 19), 0.0)
        pm25 = (35 + 25 * season) * (1 + 0.35 * rush + 0.2 * offset) * (1 + noise(0, 0.08))
        values = {
            "a34004": _rt(_d(pm25, 0)),
            "a34002": _rt(_d(pm25 * (1.5 + 0.3 * offset + noise(0, 0.05)), 0)),
            "a01001": _rt(_d(12 - 14 * season + 5 * _wave(hour, 15) + noise(0, 0.5) + 20, 1)),
            "a01002": _rt(_d(55 - 15 * _wave(hour, 15) + noise(0, 3), 0)),
        }
        if kind == "DUST_MONITOR":
            values["a34001"] = _rt(_d(pm25 * 2.8 * (1 + noise(0, 0.1)), 0))
        if kind != "MICRO_AIR" and kind != "DUST_MONITOR":
            o3 = (60 - 35 * season) * (1 + 0.9 * max(_wave(hour, 15), -0.3)) * (1 + noise(0, 0.07))
            values |= {
                "a05024": _rt(_d(o3, 0)),
                "a21004": _rt(_d((28 + 10 * season) * (1 + 0.5 * rush) * (1 + noise(0, 0.1)), 0)),
                "a21026": _rt(_d((9 + 8 * season) * (1 + noise(0, 0.15)), 0)),
                "a21005": _rt(_d((0.7 + 0.4 * season) * (1 + 0.3 * rush + noise(0, 0.1)), 1)),
            }
        return values
    if kind == "WATER_SECTION":
        temperature = 14 - 10 * season + 1.5 * _wave(hour, 16) + noise(0, 0.2)
        return {
            "w01001": _rt(_d(7.6 + 0.3 * _wave(hour, 15) + noise(0, 0.05), 2)),
            "w01009": _rt(_d(9.5 - 0.2 * temperature + 0.8 * _wave(hour, 15) + noise(0, 0.2), 2)),
            "w01018": _rt(_d(15 + 6 * offset + noise(0, 1.0), 1)),
            "w21003": _rt(_d(0.4 + 0.5 * offset + 0.15 * season + noise(0, 0.05), 3)),
            "w21011": _rt(_d(0.08 + 0.08 * offset + noise(0, 0.01), 3)),
            "w01010": _rt(_d(temperature, 1)),
        }
    if kind == "ENTERPRISE_OUTLET":
        o2 = 8.5 + 1.5 * offset + noise(0, 0.3)
        to_reference = (21 - 9) / (21 - o2)  # converted (折算) to 9 % O2
        values = {}
        for code, level in (("a34013", 8.0), ("a21026", 30.0), ("a21002", 80.0)):
            measured = level * (1 + 0.5 * offset) * (1 + noise(0, 0.12))
            values[code] = {
                "Rtd": _d(measured, 2),
                "ZsRtd": _d(measured * to_reference, 2),
                "Flag": "N",
            }
        return values | {
            "a19001": _rt(_d(o2, 1)),
            "a01012": _rt(_d(120 + 10 * offset + noise(0, 2), 1)),
            "a01011": _rt(_d(12 + noise(0, 0.5), 2)),
            "a00000": _rt(_d(45 + 10 * offset + noise(0, 2), 1)),
        }
    if kind == "ELECTRICITY_METER":
        producing = 8 <= at.hour < 24 and not (at.weekday() == 6 and offset < 0.5)
        running = producing
        if device.role == "treatment" and producing:
            # The odd hour with the treatment facility off: what the
            # electricity-monitoring rules are there to catch.
            hour_rng = random.Random(f"{device.mn}{at:%Y%m%d%H}")
            running = hour_rng.random() >= 0.05
        base = 220.0 if device.role == "production" else 60.0
        current = base * (1 + 0.3 * offset) * (1 + noise(0, 0.04)) if running else noise(0, 0.3) + 1
        return {"i33200": _rt(_d(current, 2))}
    return {"a34004": _rt(_d(30 + noise(0, 5), 0))}


# --- one device --------------------------------------------------------------


class _Device:
    """Sends one device's packets and waits for their answers."""

    def __init__(
        self,
        spec: SimDevice,
        *,
        host: str,
        port: int,
        interval: float,
        faults: Faults,
        seed: int,
        stats: SimStats,
        clock: Callable[[], datetime],
        answer_timeout: float,
    ) -> None:
        self.spec = spec
        self.host, self.port = host, port
        self.interval = interval
        self.faults = faults
        self.stats = stats
        self.clock = clock
        self.answer_timeout = answer_timeout
        self.rng = random.Random(f"{seed}:{spec.mn}")
        self.offset = self.rng.random()
        self.skew = timedelta(seconds=self.rng.uniform(-faults.skew, faults.skew))
        self.profile = DeviceProfile(version=spec.version, sm4_key=spec.sm4_key)
        self.mn = spec.mn
        self.flag = SPECS[spec.version].reply_flag | 1
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.decoder = FrameDecoder()
        self.hour_samples: dict[str, list[Decimal]] = {}
        self.hour: datetime | None = None
        self.backlog: list[Packet] = []
        self.counter = 0

    async def run(self, stop: asyncio.Event) -> None:
        # Spread the devices over the interval, as real ones are.
        await _sleep_or_stop(stop, self.rng.uniform(0, self.interval))
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self._tick()
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                await self._drop()
            if self.rng.random() < self.faults.disconnect:
                self.stats.disconnects += 1
                await self._drop()
            await _sleep_or_stop(stop, max(0.0, self.interval - (time.monotonic() - started)))
        await self._drop()

    async def _tick(self) -> None:
        local = (self.clock() + self.skew).astimezone(BEIJING).replace(microsecond=0)
        packets = [self._realtime(local)]
        if self.hour is not None and local.replace(minute=0, second=0) > self.hour:
            packets.append(self._hourly(self.hour))
            self.hour_samples.clear()
        self.hour = local.replace(minute=0, second=0)
        if self.rng.random() < self.faults.burst and self.backlog:
            self.stats.bursts += 1
            packets = [*self._replayed(self.backlog), *packets]
        self.backlog = (self.backlog + packets[-1:])[-10:]
        for packet in packets:
            await self._deliver(packet)

    def _qn(self, at: datetime) -> str:
        self.counter = (self.counter + 1) % 1000
        return f"{at:%Y%m%d%H%M%S}{self.counter:03d}"

    def _packet(
        self, cn: str, at: datetime, pollutants: dict[str, dict[str, Decimal | str]]
    ) -> Packet:
        return Packet(
            cn=cn,
            qn=self._qn(at),
            st=self.spec.st,
            pw=self.spec.password,
            mn=self.mn,
            flag=self.flag,
            cp={"DataTime": f"{at:%Y%m%d%H%M%S}"},
            pollutants=pollutants,
        )

    def _realtime(self, at: datetime) -> Packet:
        values = sample(self.spec, at, self.rng, self.offset)
        for code, fields_ in values.items():
            if isinstance(fields_.get("Rtd"), Decimal):
                self.hour_samples.setdefault(code, []).append(fields_["Rtd"])  # type: ignore[arg-type]
        return self._packet("2011", at, values)

    def _hourly(self, hour: datetime) -> Packet:
        """2061 for the hour that began at ``hour`` (2017 §4.1: DataTime is
        the start of the period)."""
        values: dict[str, dict[str, Decimal | str]] = {}
        for code, samples in self.hour_samples.items():
            places = max(0, -min(s.as_tuple().exponent for s in samples))  # type: ignore[operator]
            quantum = Decimal(1).scaleb(-places)
            values[code] = {
                "Min": min(samples),
                "Avg": (sum(samples, Decimal(0)) / len(samples)).quantize(quantum),
                "Max": max(samples),
                "Flag": "N",
            }
        return self._packet("2061", hour, values)

    def _replayed(self, backlog: Iterable[Packet]) -> list[Packet]:
        rf = 1 if self.spec.version == Version.HJ212_2025 else None
        return [
            Packet(
                cn=p.cn,
                qn=p.qn,
                st=p.st,
                pw=p.pw,
                mn=self.mn,
                flag=p.flag,
                rf=rf,
                cp=p.cp,
                pollutants=p.pollutants,
            )
            for p in backlog
        ]

    async def _deliver(self, packet: Packet) -> None:
        """Send until answered, at most 1 + RECOUNT times (2017 §6.2)."""
        data = build_packet(packet, self.profile)
        for _attempt in range(1 + RECOUNT):
            wire = data
            if self.rng.random() < self.faults.crc:
                self.stats.corrupted += 1
                wire = data[:-6] + (b"0000" if data[-6:-2] != b"0000" else b"FFFF") + data[-2:]
            await self._send(wire)
            if await self._answer(packet.qn):
                self.stats.acknowledged += 1
                if self.rng.random() < self.faults.resend:
                    self.stats.duplicates += 1
                    await self._send(data)
                    await self._answer(packet.qn)
                return
            self.stats.timeouts += 1
        self.stats.given_up += 1

    async def _send(self, data: bytes) -> None:
        if self.writer is None:
            await self._connect()
        assert self.writer is not None
        self.writer.write(data)
        await self.writer.drain()
        self.stats.sent += 1

    async def _answer(self, qn: str | None) -> bool:
        """Wait for the 9014 of ``qn``; other answers are skipped."""
        assert self.reader is not None
        deadline = time.monotonic() + self.answer_timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                data = await asyncio.wait_for(self.reader.read(4096), left)
            except TimeoutError:
                return False
            if not data:
                raise ConnectionResetError("gateway closed the connection")
            for event in self.decoder.feed(data):
                if isinstance(event, PacketError):
                    continue
                with contextlib.suppress(PacketError):
                    answer = parse_frame(event, self.profile)
                    if answer.cn == "9014" and answer.qn == qn:
                        return True
                    if answer.cn in ("1002", "1014") and self.spec.version == Version.HJ212_2025:
                        self._execute(answer)
        return False

    def _execute(self, request: Packet) -> None:
        """Carry out a 1002 (set MN) or 1014 (set key): 9011, then 9012
        (2017 §6.1 answer mode; caoyiliang/HJ212 C3, C8)."""
        assert self.writer is not None
        version = self.spec.version
        self.writer.write(build_packet(request_response(request, version=version), self.profile))
        if request.cn == "1002" and request.mn:
            self.mn = request.mn
        elif request.cn == "1014" and "NewSK" in request.cp:
            key = bytes.fromhex(request.cp["NewSK"])
            self.profile = DeviceProfile(version=version, sm4_key=key)
        self.writer.write(build_packet(execution_response(request, version=version), self.profile))
        self.stats.commands += 1

    def _hardware_serial(self) -> Packet:
        """CN 1001 with this logger's fingerprint (hj212-2025.md C3 ⚠)."""
        serial = self.mn[-12:]
        return Packet(
            cn="1001",
            qn=self._qn(datetime.now(BEIJING)),
            st=self.spec.st,
            pw=self.spec.password,
            mn=self.mn,
            flag=self.flag,
            pollutants={
                "i23005": {"Info": f"SIM{serial}"},
                "i23006": {"Info": f"CPU{serial}"},
                "i23007": {"Info": f"MAC{serial}"},
            },
        )

    async def _connect(self) -> None:
        delay = 0.5
        while True:
            try:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.decoder = FrameDecoder()
                if self.spec.version == Version.HJ212_2025:
                    # Its 9013 is skipped by _answer like any other answer.
                    self.writer.write(build_packet(self._hardware_serial(), self.profile))
                return
            except OSError:
                self.stats.connect_failures += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _drop(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


# --- the simulator -----------------------------------------------------------


@dataclass
class Simulator:
    """Run ``devices`` against the gateway at ``host:port``.

    Examples
    --------
    ::

        stats = await Simulator(devices, host="127.0.0.1", port=9212, interval=30).run(60)
    """

    devices: list[SimDevice]
    host: str
    port: int
    interval: float = 60.0
    faults: Faults = field(default_factory=Faults)
    seed: int = 2026
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    answer_timeout: float = 10.0
    """Seconds to wait for an answer (2017 Table 1: 10 s on mobile networks)."""
    stats: SimStats = field(default_factory=SimStats)

    async def run(
        self, duration: float | None = None, stop: asyncio.Event | None = None
    ) -> SimStats:
        """Run until ``duration`` seconds have passed or ``stop`` is set."""
        stop = stop or asyncio.Event()
        tasks = [
            asyncio.create_task(
                _Device(
                    spec,
                    host=self.host,
                    port=self.port,
                    interval=self.interval,
                    faults=self.faults,
                    seed=self.seed,
                    stats=self.stats,
                    clock=self.clock,
                    answer_timeout=min(self.answer_timeout, max(self.interval, 1.0)),
                ).run(stop)
            )
            for spec in self.devices
        ]
        if duration is not None:
            await _sleep_or_stop(stop, duration)
            stop.set()
        await asyncio.gather(*tasks)
        return self.stats


# --- command -----------------------------------------------------------------


def _gateway_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise click.BadParameter("HOST:PORT, e.g. 127.0.0.1:9212")
    return host or "127.0.0.1", int(port)


@click.command()
@click.option(
    "--devices",
    "count",
    type=int,
    default=None,
    help="How many registered devices to run.  [default: all]",
)
@click.option(
    "--interval",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds between real-time uploads.",
)
@click.option(
    "--gateway",
    "address",
    default="127.0.0.1:9212",
    show_default=True,
    help="HOST:PORT of the gateway.",
)
@click.option(
    "--faults", default="", help="e.g. crc=0.02,disconnect=0.01,burst=0.01,skew=120,resend=0.05"
)
@click.option(
    "--duration",
    type=float,
    default=None,
    help="Stop after this many seconds.  [default: run until Ctrl+C]",
)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option(
    "--provision", is_flag=True, help="First register a demo fleet for the demo city (idempotent)."
)
def simulate(
    count: int | None,
    interval: float,
    address: str,
    faults: str,
    duration: float | None,
    seed: int,
    provision: bool,
) -> None:
    """Simulate HJ 212 devices of the device registry against a gateway."""
    host, port = _gateway_address(address)
    try:
        parsed = Faults.parse(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    from greenloop.commands._django import setup_django

    setup_django()
    from django.utils import timezone

    from greenloop.demo.fleet import UnableToProvision, load_sim_devices, provision_demo_fleet

    if provision:
        try:
            created = provision_demo_fleet(seed=seed, now=timezone.now())
        except UnableToProvision as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"已登记演示设备 {created} 台。")
    devices = load_sim_devices(limit=count)
    if not devices:
        raise click.ClickException("设备库中没有在用设备：请先登记设备，或使用 --provision。")
    click.echo(f"模拟 {len(devices)} 台设备 → {host}:{port}，间隔 {interval:g} 秒（Ctrl+C 停止）")

    async def main() -> SimStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        simulator = Simulator(
            devices, host=host, port=port, interval=interval, faults=parsed, seed=seed
        )
        return await simulator.run(duration, stop)

    stats = asyncio.run(main())
    click.echo(
        f"已发送 {stats.sent} 包，已应答 {stats.acknowledged}，超时 {stats.timeouts}，"
        f"放弃 {stats.given_up}，CRC错误 {stats.corrupted}，重复 {stats.duplicates}，"
        f"断线 {stats.disconnects}，补传 {stats.bursts}"
    )
