"""The device simulator against a real gateway on loopback."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from greenloop.demo.simulator import Faults, SimDevice, Simulator, sample
from greenloop.gateway import Gateway
from greenloop.hj212 import Version
from tests.gateway.harness import MemoryStore, gateway_config

AT = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def _fleet() -> list[SimDevice]:
    return [
        SimDevice("SIMAIR000000000000000001", "111111", "NATIONAL_AIR"),
        SimDevice("SIMMICRO0000000000000002", "222222", "MICRO_AIR"),
        SimDevice("SIMWATER0000000000000003", "333333", "WATER_SECTION", st="21"),
        SimDevice(
            "SIMOUTLET000000000000004",
            "444444",
            "ENTERPRISE_OUTLET",
            st="31",
            version=Version.HJT212_2005,
        ),
        SimDevice(
            "SIMMETER0000000000000005",
            "555555",
            "ELECTRICITY_METER",
            st="44",
            version=Version.HJ212_2025,
            sm4_key=b"k" * 16,
            role="treatment",
        ),
    ]


def _store(devices: list[SimDevice]) -> MemoryStore:
    store = MemoryStore()
    for d in devices:
        store.add(d.mn, password=d.password, version=d.version, sm4_key=d.sm4_key)
    return store


def _run(devices: list[SimDevice], store: MemoryStore, *, faults: Faults, seconds: float) -> Any:
    async def scenario() -> Any:
        gateway = Gateway(gateway_config(), store=store, lookup_threads=0)
        await gateway.start()
        try:
            simulator = Simulator(
                devices,
                host="127.0.0.1",
                port=gateway.port,
                interval=0.1,
                faults=faults,
                answer_timeout=0.3,
            )
            stats = await simulator.run(seconds)
        finally:
            await gateway.shutdown()
        return stats, gateway

    return asyncio.run(asyncio.wait_for(scenario(), 30))


def test_every_kind_of_device_is_stored_and_answered() -> None:
    devices = _fleet()
    store = _store(devices)

    stats, gateway = _run(devices, store, faults=Faults(), seconds=1.0)

    assert stats.acknowledged >= len(devices)
    assert stats.timeouts == stats.given_up == 0
    assert {r.mn for r in store.readings} == {d.mn for d in devices}
    assert not gateway.state.stats.rejected
    outlet = next(r for r in store.readings if r.mn.startswith("SIMOUTLET"))
    assert set(outlet.pollutants["a21026"]) == {"Rtd", "ZsRtd", "Flag"}


def test_faults_are_refused_resent_and_stored_once() -> None:
    devices = _fleet()[:2]
    store = _store(devices)

    stats, gateway = _run(
        devices, store, faults=Faults(crc=0.3, resend=0.3, burst=0.2, disconnect=0.1), seconds=1.5
    )

    assert stats.corrupted > 0 and stats.duplicates > 0
    assert gateway.state.stats.rejected["crc"] == stats.corrupted
    assert gateway.state.writer.stats.duplicates >= stats.duplicates
    keys = [(r.mn, r.cn, r.data_time) for r in store.readings]
    assert len(keys) == len(set(keys))
    assert stats.acknowledged > 0


def test_values_follow_the_kind_of_site() -> None:
    rng = random.Random(1)
    air = sample(SimDevice("M", "p", "NATIONAL_AIR"), AT, rng, 0.5)
    outlet = sample(SimDevice("M", "p", "ENTERPRISE_OUTLET"), AT, rng, 0.5)
    night = sample(
        SimDevice("M", "p", "ELECTRICITY_METER", role="production"), AT.replace(hour=3), rng, 0.5
    )

    assert {"a34004", "a34002", "a05024", "a21004", "a21026", "a21005"} <= set(air)
    assert all(isinstance(v["Rtd"], Decimal) and v["Rtd"] >= 0 for v in air.values())
    # O2 above the 9 % reference: converted values are higher than measured.
    assert outlet["a19001"]["Rtd"] > 9
    assert outlet["a21026"]["ZsRtd"] > outlet["a21026"]["Rtd"]
    assert night["i33200"]["Rtd"] < 5  # production stops at night (local time)


def test_faults_are_read_from_the_command_line() -> None:
    assert Faults.parse("crc=0.1,skew=30") == Faults(crc=0.1, skew=30.0)
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse("lag=1")
    with pytest.raises(ValueError, match="share"):
        Faults.parse("crc=2")


def test_devices_send_the_hourly_averages_of_their_own_hour() -> None:
    devices = _fleet()[:1]
    store = _store(devices)
    ticks = iter(range(10_000))

    def clock() -> datetime:  # twenty minutes of device time per upload
        return AT + next(ticks) * (datetime(2026, 1, 1, 0, 20) - datetime(2026, 1, 1))

    async def scenario() -> None:
        gateway = Gateway(gateway_config(), store=store, lookup_threads=0)
        await gateway.start()
        try:
            simulator = Simulator(
                devices, host="127.0.0.1", port=gateway.port, interval=0.05, clock=clock
            )
            await simulator.run(0.8)
        finally:
            await gateway.shutdown()

    asyncio.run(asyncio.wait_for(scenario(), 30))

    hourly = [r for r in store.readings if r.cn == "2061"]
    assert hourly
    first = min(hourly, key=lambda r: r.data_time)
    assert first.data_time.minute == 0 and first.data_time.second == 0
    pm25 = first.pollutants["a34004"]
    assert Decimal(pm25["Min"]) <= Decimal(pm25["Avg"]) <= Decimal(pm25["Max"])
