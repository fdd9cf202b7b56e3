"""The gateway end to end on loopback: real sockets, the real database.

Hundreds of simulated devices connect at once, each sending data packets
that ask for an answer and waiting for each 9014, with bad packets and
re-sends mixed in, plus strangers with unregistered MNs. Afterwards every
acknowledged packet must be in the inbox exactly once and every bad packet
counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from greenloop.gateway import Gateway
from greenloop.gateway.store import DjangoStore
from greenloop.hj212 import Packet
from tests.gateway.harness import DeviceClient, bad_crc, data_packet, gateway_config, wire
from tests.monitoring.conftest import NOW

DEVICES = 300
PACKETS = 6
STRANGERS = 5


def _mn(n: int) -> str:
    return f"010000A89000{n:012X}"


def _register(city: Any, count: int) -> list[str]:
    from greenloop.monitoring.models import Device, DeviceStatus, SiteKind
    from greenloop.monitoring.services import create_site

    site = create_site(code="LB-1", name="回环测试站", kind=SiteKind.MICRO_AIR, region=city.county)
    # Bulk: register_device once per device would only add audit rows here.
    Device.objects.bulk_create(
        Device(
            mn=_mn(n),
            password="123456",
            site=site,
            status=DeviceStatus.ACTIVE,
            created_at=NOW,
            accepted_at=NOW,
        )
        for n in range(count)
    )
    return [_mn(n) for n in range(count)]


async def _device(port: int, mn: str, index: int) -> tuple[set[str], int]:
    """Send PACKETS packets (a bad one before some) and one re-send."""
    client = await DeviceClient.connect(port)
    acked: set[str] = set()
    bad = 0
    packets = [
        data_packet(mn, qn=f"20261124{index:04d}{n:05d}", data_time=f"2026112410{n:02d}00")
        for n in range(PACKETS)
    ]
    try:
        for n, packet in enumerate(packets + packets[:1]):  # the last one is a re-send
            if (index + n) % 4 == 0:
                await client.send(bad_crc(wire(packet)))
                bad += 1
            await client.send(wire(packet))
            answer = await client.answer()
            assert answer is not None and answer.cn == "9014", answer
            assert answer.qn == packet.qn  # answers come back in order
            acked.add(answer.qn)  # type: ignore[arg-type]
    finally:
        await client.close()
    return acked, bad


async def _stranger(port: int, n: int) -> bool:
    """An unregistered MN: never answered, disconnected after three tries."""
    client = await DeviceClient.connect(port)
    mn = f"FFFF0000000000000000{n:04d}"
    for i in range(3):
        await client.send(wire(data_packet(mn, qn=str(i))))
    closed = await client.answer() is None
    await client.close()
    return closed


@pytest.mark.django_db(transaction=True)
def test_hundreds_of_devices_have_every_acknowledged_packet_stored_once(city: Any) -> None:
    from greenloop.monitoring.models import InboxPacket, LatestValue, RejectCount

    mns = _register(city, DEVICES)
    config = gateway_config(batch_wait=0.002, flush_every=0.05)

    async def scenario() -> tuple[list[tuple[set[str], int]], list[bool], Any]:
        # lookup_threads=0: all database work in the writer's thread, one
        # connection to the in-memory SQLite test database.
        gateway = Gateway(config, store=DjangoStore(), lookup_threads=0)
        await gateway.start()
        try:
            devices = await asyncio.gather(
                *(_device(gateway.port, mn, i) for i, mn in enumerate(mns))
            )
            strangers = await asyncio.gather(
                *(_stranger(gateway.port, n) for n in range(STRANGERS))
            )
        finally:
            await gateway.shutdown()
        return devices, strangers, gateway

    devices, strangers, gateway = asyncio.run(asyncio.wait_for(scenario(), 60))

    acked = {qn for qns, _ in devices for qn in qns}
    bad = sum(b for _, b in devices)
    stored = list(InboxPacket.objects.values_list("qn", flat=True))
    assert len(acked) == DEVICES * PACKETS
    assert len(stored) == len(set(stored)) == len(acked)
    assert set(stored) == acked
    assert all(strangers)
    counts = dict(RejectCount.objects.values_list("kind", "count"))
    assert counts == {"crc": bad, "unknown_device": 3 * STRANGERS}
    assert gateway.state.writer.stats.duplicates == DEVICES
    assert gateway.state.writer.stats.commits < len(acked) / 2  # batches, not one by one
    assert LatestValue.objects.count() == DEVICES


@pytest.mark.django_db(transaction=True)
def test_a_device_registered_after_being_refused_is_accepted_after_a_refresh(city: Any) -> None:
    from greenloop.monitoring.models import Device, DeviceStatus, InboxPacket

    mn = _mn(0)
    config = gateway_config(cache_ttl=0.05, max_auth_failures=100)

    def register_in_a_thread() -> None:
        from django.db import connections

        _register(city, 1)
        connections.close_all()

    async def scenario() -> Packet | None:
        gateway = Gateway(config, store=DjangoStore(), lookup_threads=0)
        await gateway.start()
        answer = None
        try:
            client = await DeviceClient.connect(gateway.port)
            await client.send(wire(data_packet(mn, qn="1")))
            with pytest.raises(TimeoutError):
                await client.answer(timeout=0.3)
            await asyncio.to_thread(register_in_a_thread)
            for _ in range(50):  # bounded: the cache refreshes every 50 ms
                await client.send(wire(data_packet(mn, qn="2")))
                try:
                    answer = await client.answer(timeout=0.2)
                    break
                except TimeoutError:
                    continue
            await client.close()
        finally:
            await gateway.shutdown()
        return answer

    answer = asyncio.run(asyncio.wait_for(scenario(), 30))

    assert answer is not None and answer.qn == "2"
    assert Device.objects.get(mn=mn).status == DeviceStatus.ACTIVE
    assert list(InboxPacket.objects.values_list("qn", flat=True)) == ["2"]


@pytest.mark.django_db(transaction=True)
def test_the_live_values_follow_the_packets_while_the_gateway_runs(city: Any) -> None:
    # On PostgreSQL through the latest-values process, on SQLite in the
    # writer's thread: either way a page sees a new value within moments,
    # not when the gateway stops.
    from greenloop.monitoring.models import LatestValue

    (mn,) = _register(city, 1)
    config = gateway_config(latest_every=0.05)

    def shown() -> str | None:
        from django.db import connections

        try:
            row = LatestValue.objects.filter(device__mn=mn, cn="2011").first()
            return None if row is None else row.values["a34004"]["Rtd"]
        finally:
            connections.close_all()

    async def scenario() -> list[str | None]:
        gateway = Gateway(config, store=DjangoStore(), lookup_threads=0)
        await gateway.start()
        seen: list[str | None] = []
        try:
            client = await DeviceClient.connect(gateway.port)
            for minute, value in enumerate(["35.0", "41.5"]):
                packet = data_packet(
                    mn, qn=f"1{minute}", data_time=f"202611241{minute}0000", value=value
                )
                await client.send(wire(packet))
                assert await client.answer() is not None
                for _ in range(100):  # at most 10 s
                    if await asyncio.to_thread(shown) == value:
                        break
                    await asyncio.sleep(0.1)
                seen.append(await asyncio.to_thread(shown))
            await client.close()
        finally:
            await gateway.shutdown()
        return seen

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) == ["35.0", "41.5"]
