"""Platform commands (1002, 1014) through the gateway to simulated devices.

The registry side is in tests/monitoring/test_commands_2025.py; here the
store is in memory and the device is the demo simulator's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from greenloop.demo.simulator import SimDevice, Simulator
from greenloop.gateway import Gateway
from greenloop.hj212 import Version
from greenloop.monitoring.records import Batch, BatchResult, CommandEvent, PendingCommand
from tests.gateway.harness import MemoryStore, gateway_config

MN = "SIMMETER0000000000000005"
OLD, NEW = b"k" * 16, bytes.fromhex("00112233445566778899AABBCCDDEEFF")


@dataclass
class CommandStore(MemoryStore):
    """A MemoryStore that also holds open commands, closing them as the
    database would when the gateway reports their outcome."""

    commands: list[PendingCommand] = field(default_factory=list)
    events: list[CommandEvent] = field(default_factory=list)

    def load_commands(self) -> list[PendingCommand]:
        return list(self.commands)

    def write_batch(self, batch: Batch) -> BatchResult:
        self.events.extend(batch.command_events)
        done = {e.command_id for e in batch.command_events if e.event == "executed"}
        self.commands = [c for c in self.commands if c.id not in done]
        return super().write_batch(batch)


def test_a_simulated_2025_device_reports_its_hardware_and_takes_a_new_key() -> None:
    store = CommandStore()
    store.add(MN, password="555555", version=Version.HJ212_2025, sm4_key=OLD)
    store.commands.append(
        PendingCommand(
            id=7,
            device_id=1,
            kind="1014",
            qn="20261124100000001",
            status="PENDING",
            new_sm4_key=NEW,
            sk_created_at="20261124100000",
        )
    )
    device = SimDevice(
        MN, "555555", "ELECTRICITY_METER", st="44", version=Version.HJ212_2025, sm4_key=OLD
    )

    async def scenario() -> Any:
        gateway = Gateway(gateway_config(command_poll=0.02), store=store, lookup_threads=0)
        await gateway.start()
        try:
            simulator = Simulator(
                [device], host="127.0.0.1", port=gateway.port, interval=0.1, answer_timeout=0.5
            )
            stats = await simulator.run(1.5)
        finally:
            await gateway.shutdown()
        return stats, gateway

    stats, gateway = asyncio.run(asyncio.wait_for(scenario(), 30))

    assert stats.commands == 1
    assert [(e.event, e.code) for e in store.events] == [
        ("sent", None),
        ("answered", 1),
        ("executed", 1),
    ]
    assert gateway.state.cache.get(MN).entry.sm4_key == NEW
    assert stats.timeouts == stats.given_up == 0  # data went on, first old key, then new
    reports = [r for b in store.batches for r in b.reports]
    assert reports and reports[0].hardware["logger_id"] == "SIM000000000005"
