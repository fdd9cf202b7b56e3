"""HJ 212-2025 onboarding and key flows, end to end on loopback.

A simulated 2025 data logger talks to the real gateway over TCP; an
administrator drives the flows through the registry services (what the
admin actions call): the logger reports its hardware (1001), is given an
MN (1002) and a new SM4 key (1014), answering each request with 9011 and
9012 as HJ 212 request mode wants. The registry changes only when the
device has confirmed, and the old key works until then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from greenloop.gateway import Gateway
from greenloop.gateway.store import DjangoStore
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
from tests.gateway.harness import gateway_config
from tests.monitoring.conftest import NOW

OLD_KEY = bytes.fromhex("30" * 16)
PW = "123456"
V2025 = Version.HJ212_2025


class Logger2025:
    """A 2025 data logger on a socket: sends packets, answers requests."""

    def __init__(self, mn: str, key: bytes | None) -> None:
        self.mn = mn
        self.profile = DeviceProfile(version=V2025, sm4_key=key)
        self.decoder = FrameDecoder()
        self.inbox: list[Packet] = []
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.counter = 0

    async def connect(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)

    async def send(self, packet: Packet) -> None:
        assert self.writer is not None
        self.writer.write(build_packet(packet, self.profile))
        await self.writer.drain()

    def packet(self, cn: str, *, cp: dict[str, str] | None = None, **more: Any) -> Packet:
        self.counter += 1
        return Packet(
            cn=cn,
            qn=f"20261124100000{self.counter:03d}",
            st="44",
            pw=PW,
            mn=self.mn,
            flag=9,
            cp=cp or {},
            **more,
        )

    def data(self, minute: int) -> Packet:
        return self.packet(
            "2011",
            cp={"DataTime": f"202611241{minute:03d}00"[:14]},
            pollutants={"i33200": {"Rtd": Decimal("220.5"), "Flag": "N"}},
        )

    async def next(self, cn: str, timeout: float = 10.0) -> Packet:
        """The next packet with command ``cn`` from the gateway."""
        assert self.reader is not None
        while True:
            for index, packet in enumerate(self.inbox):
                if packet.cn == cn:
                    return self.inbox.pop(index)
            data = await asyncio.wait_for(self.reader.read(4096), timeout)
            assert data, "the gateway closed the connection"
            for event in self.decoder.feed(data):
                assert not isinstance(event, PacketError), event
                self.inbox.append(parse_frame(event, self.profile))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()


def _site(city: Any) -> Any:
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site

    return create_site(
        code="QY-P", name="某厂生产设施用电", kind=SiteKind.ELECTRICITY_METER, region=city.county
    )


def _device(city: Any, mn: str, *, key: bytes | None = OLD_KEY, status: str = "ACTIVE") -> Any:
    from greenloop.monitoring.models import Device, ProtocolVersion

    return Device.objects.create(
        mn=mn,
        password=PW,
        st="44",
        protocol_version=ProtocolVersion.HJ212_2025,
        sm4_key=key.hex().upper() if key else "",
        site=_site(city) if status == "ACTIVE" else None,
        status=status,
        created_at=NOW,
    )


def _run(scenario: Callable[[int], Awaitable[Any]], **config: Any) -> Any:
    async def main() -> Any:
        gateway = Gateway(
            gateway_config(command_poll=0.05, cache_ttl=0.2, **config),
            store=DjangoStore(),
            lookup_threads=0,
        )
        await gateway.start()
        try:
            return await scenario(gateway.port)
        finally:
            await gateway.shutdown()

    return asyncio.run(asyncio.wait_for(main(), 60))


async def _in_thread(fn: Callable[[], Any]) -> Any:
    from django.db import OperationalError

    def call() -> Any:
        from django.db import connections

        try:
            return fn()
        finally:
            connections.close_all()

    for _ in range(50):
        # The in-memory test database locks a table while the gateway's
        # thread writes it: try again (bounded).
        try:
            return await asyncio.to_thread(call)
        except OperationalError:
            await asyncio.sleep(0.02)
    return await asyncio.to_thread(call)


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(200):  # bounded: 10 s
        if await _in_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


@pytest.mark.django_db(transaction=True)
def test_a_logger_reports_its_hardware_and_is_given_an_mn_it_then_uses(city: Any) -> None:
    from greenloop.monitoring.commands import mn_from_hardware, request_mn_assignment
    from greenloop.monitoring.models import CommandStatus, Device, DeviceCommand, InboxPacket

    device = _device(city, "FACTORY00000000000000001", status="QUARANTINED")
    hardware = {"logger_id": "DL-2025-0042", "cpu_id": "CPU9F3A", "mac1": "0C:42", "mac2": "0C:43"}
    new_mn = mn_from_hardware(hardware)

    async def scenario(port: int) -> tuple[Packet, Packet, Packet]:
        ack: Packet | None = None
        logger = Logger2025(device.mn, OLD_KEY)
        await logger.connect(port)
        await logger.send(
            logger.packet(
                "1001",
                pollutants={
                    "i23005": {"Info": "DL-2025-0042"},
                    "i23006": {"Info": "CPU9F3A"},
                    "i23007": {"Info": "0C:42"},
                    "i23008": {"Info": "0C:43"},
                },
            )
        )
        report_answer = await logger.next("9013")
        await _until(lambda: bool(Device.objects.get(pk=device.pk).hardware), "hardware kept")
        await _in_thread(
            lambda: request_mn_assignment(
                device=Device.objects.get(pk=device.pk), now=NOW, actor=city.users["sysadmin"]
            )
        )
        await logger.send(logger.packet("9015"))  # a heartbeat: the device is connected
        request = await logger.next("1002")
        await logger.send(request_response(request, version=V2025))
        logger.mn = request.mn  # the device takes the MN of the request (CYL C3)
        await logger.send(execution_response(request, version=V2025))
        await _until(
            lambda: DeviceCommand.objects.get().status == CommandStatus.DONE, "command done"
        )
        await _in_thread(
            lambda: Device.objects.filter(pk=device.pk).update(site=_site(city), status="ACTIVE")
        )
        for _ in range(50):  # bounded: the registry cache refreshes every 0.2 s
            await logger.send(logger.data(1))
            with contextlib.suppress(TimeoutError):
                ack = await logger.next("9014", timeout=0.2)
                break
        await logger.close()
        assert ack is not None
        return report_answer, request, ack

    report_answer, request, ack = _run(scenario)

    device.refresh_from_db()
    command = DeviceCommand.objects.get()
    assert report_answer.flag == 8  # a 2025 answer, no answer wanted back
    assert device.hardware["logger_id"] == "DL-2025-0042"
    assert request.mn == new_mn and request.pollutants == {"i23005": {"Info": "DL-2025-0042"}}
    assert request.flag == 9 and request.qn == command.qn
    assert (command.qn_rtn, command.exe_rtn, command.attempts) == (1, 1, 1)
    assert device.mn == new_mn
    assert ack.mn == new_mn
    assert list(InboxPacket.objects.values_list("mn", flat=True)) == [new_mn]


@pytest.mark.django_db(transaction=True)
def test_a_new_key_is_used_only_once_the_device_has_confirmed_it(city: Any) -> None:
    from greenloop.monitoring.commands import request_key_rotation
    from greenloop.monitoring.models import CommandStatus, Device, DeviceCommand, InboxPacket

    device = _device(city, "010000A8900016F000169DC0")

    async def scenario(port: int) -> tuple[Packet, bytes, str]:
        logger = Logger2025(device.mn, OLD_KEY)
        await logger.connect(port)
        await logger.send(logger.data(1))
        await logger.next("9014")
        await _in_thread(
            lambda: request_key_rotation(
                device=Device.objects.get(pk=device.pk), now=NOW, actor=city.users["sysadmin"]
            )
        )
        await logger.send(logger.packet("9015"))
        request = await logger.next("1014")  # decrypted with the old key
        new_key = bytes.fromhex(request.cp["NewSK"])
        await logger.send(logger.data(2))  # still the old key: accepted
        await logger.next("9014")
        key_before = await _in_thread(lambda: Device.objects.get(pk=device.pk).sm4_key)
        await logger.send(request_response(request, version=V2025))
        logger.profile = DeviceProfile(version=V2025, sm4_key=new_key)
        await logger.send(execution_response(request, version=V2025))
        await logger.send(logger.data(3))  # the new key: accepted at once
        await logger.next("9014")
        await _until(
            lambda: DeviceCommand.objects.get().status == CommandStatus.DONE, "command done"
        )
        await logger.close()
        return request, new_key, key_before

    request, new_key, key_before = _run(scenario)

    device.refresh_from_db()
    command = DeviceCommand.objects.get()
    assert key_before == OLD_KEY.hex().upper()
    assert device.sm4_key == new_key.hex().upper() != key_before
    assert device.sm4_key_created_at == command.sk_created_at
    assert len(request.cp["SKCreateTime"]) == 14 and request.flag == 9
    assert (command.qn_rtn, command.exe_rtn) == (1, 1)
    assert InboxPacket.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_device_that_asks_for_a_key_is_sent_one(city: Any) -> None:
    from greenloop.monitoring.models import CommandStatus, Device, DeviceCommand

    device = _device(city, "010000A8900016F000169DC1")

    async def scenario(port: int) -> tuple[Packet, Packet]:
        logger = Logger2025(device.mn, OLD_KEY)
        await logger.connect(port)
        await logger.send(logger.packet("1014", cp={"SKCreateTime": "20260824100000"}))
        answer = await logger.next("9013")
        request = await logger.next("1014")
        await logger.send(request_response(request, version=V2025))
        logger.profile = DeviceProfile(version=V2025, sm4_key=bytes.fromhex(request.cp["NewSK"]))
        await logger.send(execution_response(request, version=V2025))
        await _until(
            lambda: DeviceCommand.objects.get().status == CommandStatus.DONE, "command done"
        )
        await logger.close()
        return answer, request

    answer, request = _run(scenario)

    assert answer.cn == "9013"
    assert Device.objects.get(pk=device.pk).sm4_key == request.cp["NewSK"]
    assert DeviceCommand.objects.get().created_by == "device"


@pytest.mark.django_db(transaction=True)
def test_a_device_that_refuses_the_key_keeps_its_old_one(city: Any) -> None:
    from greenloop.monitoring.commands import request_key_rotation
    from greenloop.monitoring.models import CommandStatus, Device, DeviceCommand

    device = _device(city, "010000A8900016F000169DC2")
    request_key_rotation(device=device, now=NOW)

    async def scenario(port: int) -> None:
        logger = Logger2025(device.mn, OLD_KEY)
        await logger.connect(port)
        await logger.send(logger.packet("9015"))
        request = await logger.next("1014")
        await logger.send(request_response(request, version=V2025, qn_rtn=2))
        await _until(
            lambda: DeviceCommand.objects.get().status == CommandStatus.FAILED, "command failed"
        )
        await logger.send(logger.data(4))  # the old key still works
        await logger.next("9014")
        await logger.close()

    _run(scenario)

    assert Device.objects.get(pk=device.pk).sm4_key == OLD_KEY.hex().upper()
    assert DeviceCommand.objects.get().qn_rtn == 2


@pytest.mark.django_db(transaction=True)
def test_data_under_the_new_key_completes_a_change_whose_9012_was_lost(city: Any) -> None:
    from greenloop.monitoring.commands import request_key_rotation
    from greenloop.monitoring.models import CommandStatus, Device, DeviceCommand

    device = _device(city, "010000A8900016F000169DC3")
    command = request_key_rotation(device=device, now=NOW)
    new_key = bytes.fromhex(command.new_sm4_key)

    async def scenario(port: int) -> None:
        # The device got the key in an earlier connection, switched, and
        # the gateway never saw its 9012 (a restart, a broken link).
        logger = Logger2025(device.mn, new_key)
        await logger.connect(port)
        await logger.send(logger.data(5))
        await logger.next("9014")
        await _until(
            lambda: DeviceCommand.objects.get().status == CommandStatus.DONE, "command done"
        )
        await logger.close()

    _run(scenario)

    assert Device.objects.get(pk=device.pk).sm4_key == new_key.hex().upper()


@pytest.mark.django_db
def test_a_key_is_never_sent_to_a_device_without_one(city: Any) -> None:
    from greenloop.monitoring.commands import UnableToCommandDevice, request_key_rotation

    device = _device(city, "010000A8900016F000169DC4", key=None)

    with pytest.raises(UnableToCommandDevice):
        request_key_rotation(device=device, now=NOW)


@pytest.mark.django_db
def test_only_one_open_command_of_a_kind_per_device(city: Any) -> None:
    from greenloop.monitoring.commands import UnableToCommandDevice, request_key_rotation

    device = _device(city, "010000A8900016F000169DC5")
    request_key_rotation(device=device, now=NOW)

    with pytest.raises(UnableToCommandDevice):
        request_key_rotation(device=device, now=NOW)
