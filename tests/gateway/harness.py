"""Test doubles for the gateway: a fake transport, an in-memory store, packets.

The protocol tests run the real :class:`DeviceConnection`, registry cache
and group-commit writer on an event loop, with bytes fed through a fake
transport (encode/uvicorn: tests/protocols/test_http.py, ``MockTransport``)
and an in-memory store instead of the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from greenloop.gateway.config import GatewayConfig
from greenloop.gateway.protocol import DeviceConnection
from greenloop.gateway.registry import RegistryCache
from greenloop.gateway.server import ServerState
from greenloop.gateway.writer import BatchWriter
from greenloop.hj212 import FrameDecoder, Packet, PacketError, Version, build_packet, parse_frame
from greenloop.hj212.versions import DeviceProfile
from greenloop.monitoring.records import Batch, BatchResult, DeviceEntry, Reading

NOW = datetime(2026, 11, 24, 2, 0, 30, tzinfo=UTC)
PW = "123456"


def data_packet(
    mn: str,
    *,
    qn: str = "20261124100000123",
    data_time: str | None = "20261124100000",
    cn: str = "2011",
    pw: str = PW,
    flag: int = 5,
    st: str = "22",
    value: str = "35.0",
    code: str = "a34004",
    field_name: str = "Rtd",
    pnum: int | None = None,
    pno: int | None = None,
) -> Packet:
    cp = {"DataTime": data_time} if data_time is not None else {}
    return Packet(
        cn=cn,
        qn=qn,
        st=st,
        pw=pw,
        mn=mn,
        flag=flag,
        pnum=pnum,
        pno=pno,
        cp=cp,
        pollutants={code: {field_name: Decimal(value), "Flag": "N"}},
    )


def wire(packet: Packet, profile: DeviceProfile | None = None) -> bytes:
    return build_packet(packet, profile) if profile is not None else build_packet(packet)


def bad_crc(data: bytes) -> bytes:
    """The same packet with a CRC that does not match."""
    crc = data[-6:-2]
    wrong = b"0000" if crc != b"0000" else b"FFFF"
    return data[:-6] + wrong + data[-2:]


def answers(data: bytes, profile: DeviceProfile | None = None) -> list[Packet]:
    """The packets a device reads back."""
    out: list[Packet] = []
    for event in FrameDecoder().feed(data):
        assert not isinstance(event, PacketError), event
        out.append(parse_frame(event, profile) if profile else parse_frame(event))
    return out


class FakeTransport:
    """Records what the protocol writes and how it pauses and closes."""

    def __init__(self, peer: tuple[str, int] = ("10.0.0.7", 40001)) -> None:
        self.peer = peer
        self.written = bytearray()
        self.closed = False
        self.aborted = False
        self.reading = True
        self.pauses = 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def pause_reading(self) -> None:
        self.reading = False
        self.pauses += 1

    def resume_reading(self) -> None:
        self.reading = True


@dataclass
class MemoryStore:
    """The registry and the inbox in memory, with the database's semantics:
    one row per (device, CN, DataTime, PNO), re-sends ignored."""

    devices: dict[str, DeviceEntry] = field(default_factory=dict)
    rows: dict[tuple[int, str, datetime | None, int], Reading] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    loads: list[list[str]] = field(default_factory=list)
    gate: threading.Event | None = None
    """When set, a commit waits for it: the test decides when it ends."""
    entered: threading.Event = field(default_factory=threading.Event)
    fail: Callable[[Batch], bool] | None = None
    latest_updates: int = 0

    def add(
        self,
        mn: str,
        *,
        password: str = PW,
        status: str = "ACTIVE",
        version: Version = Version.HJ212_2017,
        sm4_key: bytes | None = None,
    ) -> DeviceEntry:
        entry = DeviceEntry(
            id=len(self.devices) + 1,
            mn=mn,
            password=password,
            status=status,
            version=int(version),
            sm4_key=sm4_key,
            site_id=1,
        )
        self.devices[mn] = entry
        return entry

    def load_devices(self, mns: list[str]) -> dict[str, DeviceEntry]:
        self.loads.append(list(mns))
        return {mn: self.devices[mn] for mn in mns if mn in self.devices}

    def update_latest(self, result: BatchResult) -> None:
        self.latest_updates += result.inserted

    def latest_command(self, every: float) -> list[str] | None:
        return None  # updated in the writer's thread, like SQLite

    def close(self) -> None:
        pass

    def write_batch(self, batch: Batch) -> BatchResult:
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "test never opened the gate"
        if self.fail is not None and self.fail(batch):
            raise RuntimeError("disk full")
        self.batches.append(batch)
        fresh = []
        for reading in batch.readings:
            key = (reading.device_id, reading.cn, reading.data_time, reading.pno)
            if reading.data_time is None or key not in self.rows:
                self.rows[key] = reading
                fresh.append(reading)
        return BatchResult(
            inserted=len(fresh), duplicates=len(batch.readings) - len(fresh), fresh=tuple(fresh)
        )

    @property
    def readings(self) -> list[Reading]:
        return list(self.rows.values())

    @property
    def rejections(self) -> list[Any]:
        return [r for b in self.batches for r in b.rejections]

    @property
    def newcomers(self) -> list[Any]:
        return [n for b in self.batches for n in b.newcomers]

    @property
    def sightings(self) -> list[Any]:
        return [s for b in self.batches for s in b.sightings]


class Harness:
    """A server state with the real cache and writer over a MemoryStore."""

    def __init__(self, store: MemoryStore, config: GatewayConfig) -> None:
        loop = asyncio.get_running_loop()
        self.store = store
        self.loop = loop

        def in_thread(fn: Callable[[], Any]) -> asyncio.Future[Any]:
            return loop.run_in_executor(None, fn)

        self.writer = BatchWriter(
            store.write_batch,
            run=in_thread,
            batch_size=config.batch_size,
            batch_wait=config.batch_wait,
            flush_every=config.flush_every,
            retry_delay=0.01,
            after_commit=store.update_latest,
        )
        self.cache = RegistryCache(store.load_devices, run=in_thread, ttl=config.cache_ttl)
        self.state = ServerState(
            config, loop=loop, cache=self.cache, writer=self.writer, now=lambda: NOW
        )
        self._task = loop.create_task(self.writer.run())

    def connect(
        self, transport: FakeTransport | None = None
    ) -> tuple[DeviceConnection, FakeTransport]:
        transport = transport or FakeTransport()
        connection = DeviceConnection(self.state)
        connection.connection_made(transport)  # type: ignore[arg-type]
        return connection, transport

    async def settle(self, rounds: int = 200) -> None:
        """Let look-ups and commits finish: until nothing is pending (bounded)."""
        for _ in range(rounds):
            await asyncio.sleep(0.005)
            busy = (
                self.writer.pending
                or any(c.inflight for c in self.state.connections)
                or self.state.tasks
            )
            if not busy:
                await asyncio.sleep(0.01)
                return
        raise AssertionError("the gateway did not settle")

    async def flush(self) -> None:
        """Commit the side records (rejections, sightings) now."""
        await self.writer.stop()

    async def close(self) -> None:
        if not self._task.done():
            await self.writer.stop()
        await self._task


def gateway_config(**changes: Any) -> GatewayConfig:
    return GatewayConfig(port=0, batch_wait=0.0, flush_every=0.05, cache_ttl=60.0).replace(
        **changes
    )


async def feed(connection: DeviceConnection, chunks: Iterable[bytes]) -> None:
    for chunk in chunks:
        connection.data_received(chunk)
        await asyncio.sleep(0)


def async_test(fn: Callable[..., Any]) -> Callable[..., None]:
    """Run an async test body on a fresh event loop, bounded in time."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 30))

    return wrapper


class DeviceClient:
    """A simulated device on a real socket: sends packets, reads answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = FrameDecoder()
        self._answers: list[Packet] = []

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> DeviceClient:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, timeout: float = 10.0) -> Packet | None:
        """The next answer, or ``None`` when the gateway closed the connection."""
        while not self._answers:
            data = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not data:
                return None
            for event in self.decoder.feed(data):
                assert not isinstance(event, PacketError), event
                self._answers.append(parse_frame(event))
        return self._answers.pop(0)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
