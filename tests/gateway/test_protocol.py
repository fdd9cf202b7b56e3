"""The connection protocol, fed bytes through a fake transport (no sockets)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from greenloop.hj212 import DeviceProfile, Packet, Version
from greenloop.hj212.responses import heartbeat
from tests.gateway.harness import (
    PW,
    Harness,
    MemoryStore,
    answers,
    async_test,
    bad_crc,
    data_packet,
    feed,
    gateway_config,
    wire,
)

MN = "010000A8900016F000169DC0"
SM4_KEY = b"0" * 16


async def _harness(store: MemoryStore | None = None, **config: object) -> Harness:
    if store is None:
        store = MemoryStore()
        store.add(MN)
    return Harness(store, gateway_config(**config))


@async_test
async def test_it_answers_a_data_packet_with_9014_after_storing_it() -> None:
    h = await _harness()
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN))])
    await h.settle()

    (answer,) = answers(bytes(transport.written))
    assert (answer.cn, answer.qn, answer.st, answer.flag, answer.mn, answer.pw) == (
        "9014",
        "20261124100000123",
        "91",
        4,
        MN,
        PW,
    )
    (reading,) = h.store.readings
    assert reading.mn == MN and reading.cn == "2011"
    assert reading.data_time == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Beijing 10:00
    assert reading.pollutants == {"a34004": {"Rtd": "35.0", "Flag": "N"}}
    assert reading.raw == wire(data_packet(MN))[:-2]
    await h.close()


@async_test
async def test_it_reads_packets_split_into_single_bytes() -> None:
    h = await _harness()
    connection, transport = h.connect()
    data = wire(data_packet(MN, qn="1", data_time="20261124100000")) + wire(
        data_packet(MN, qn="2", data_time="20261124100100")
    )

    await feed(connection, [data[i : i + 1] for i in range(len(data))])
    await h.settle()

    assert [a.qn for a in answers(bytes(transport.written))] == ["1", "2"]
    assert len(h.store.readings) == 2
    await h.close()


@async_test
async def test_it_reads_several_packets_coalesced_in_one_read() -> None:
    h = await _harness()
    connection, transport = h.connect()
    packets = [
        wire(data_packet(MN, qn=str(i), data_time=f"2026112410{i:02d}00")) for i in range(10)
    ]

    await feed(connection, [b"".join(packets)])
    await h.settle()

    assert [a.qn for a in answers(bytes(transport.written))] == [str(i) for i in range(10)]
    assert len(h.store.readings) == 10
    await h.close()


@async_test
async def test_it_refuses_bad_packets_without_answering_and_keeps_reading() -> None:
    h = await _harness()
    connection, transport = h.connect()
    good = wire(data_packet(MN, qn="good", data_time="20261124110000"))
    crc = bad_crc(wire(data_packet(MN, qn="crc")))
    length = b"##9X99" + good[6:]
    no_data_time = wire(data_packet(MN, qn="nodt", data_time=None))
    bad_data_time = wire(data_packet(MN, qn="baddt", data_time="20261324100000"))

    await feed(connection, [crc + length + no_data_time + bad_data_time + good])
    await h.settle()
    await h.flush()

    assert [a.qn for a in answers(bytes(transport.written))] == ["good"]
    assert [r.qn for r in h.store.readings] == ["good"]
    kinds = sorted(r.kind for r in h.store.rejections)
    assert kinds == ["crc", "format", "format", "length"]
    assert h.state.stats.rejected == {"crc": 1, "length": 1, "format": 2}
    assert all(r.raw for r in h.store.rejections)
    assert not transport.closed
    await h.close()


@async_test
async def test_it_does_not_answer_before_the_batch_is_committed() -> None:
    store = MemoryStore(gate=threading.Event())
    store.add(MN)
    h = await _harness(store)
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN))])
    assert await asyncio.to_thread(store.entered.wait, 5)  # the commit has started…
    await asyncio.sleep(0.05)
    written_during_commit = bytes(transport.written)
    store.gate.set()  # type: ignore[union-attr]  # …and now it ends
    await h.settle()

    assert written_during_commit == b""
    assert [a.cn for a in answers(bytes(transport.written))] == ["9014"]
    await h.close()


@async_test
async def test_it_does_not_answer_packets_whose_commit_failed() -> None:
    store = MemoryStore(fail=lambda batch: any(r.qn == "poison" for r in batch.readings))
    store.add(MN)
    h = await _harness(store, batch_size=10)
    connection, transport = h.connect()
    packets = [
        wire(data_packet(MN, qn=qn, data_time=f"2026112410{i:02d}00"))
        for i, qn in enumerate(["a", "b", "poison", "c"])
    ]

    await feed(connection, [b"".join(packets)])
    await h.settle()

    assert sorted(a.qn for a in answers(bytes(transport.written))) == ["a", "b", "c"]
    assert sorted(r.qn for r in store.readings) == ["a", "b", "c"]
    await h.close()


@async_test
async def test_it_answers_a_resent_packet_again_and_stores_it_once() -> None:
    h = await _harness()
    connection, transport = h.connect()
    packet = wire(data_packet(MN))

    await feed(connection, [packet])
    await h.settle()
    await feed(connection, [packet])
    await h.settle()

    assert [a.cn for a in answers(bytes(transport.written))] == ["9014", "9014"]
    assert len(h.store.readings) == 1
    assert h.writer.stats.duplicates == 1
    await h.close()


@async_test
async def test_it_stores_but_does_not_answer_when_the_flag_asks_for_no_answer() -> None:
    h = await _harness()
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN, flag=4))])
    await h.settle()

    assert transport.written == b""
    assert len(h.store.readings) == 1
    await h.close()


@async_test
async def test_it_refuses_an_unknown_mn_and_closes_after_three() -> None:
    h = await _harness()
    connection, transport = h.connect()
    stranger = "FFFF00000000000000000001"

    await feed(connection, [wire(data_packet(stranger, qn=str(i))) for i in range(2)])
    await h.settle()
    open_after_two = not transport.closed
    await feed(connection, [wire(data_packet(stranger, qn="3"))])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert open_after_two and transport.closed
    assert h.store.readings == []
    assert [(r.kind, r.mn) for r in h.store.rejections] == [("unknown_device", stranger)] * 3
    assert h.store.loads == [[stranger]]  # one registry read, then the cache
    await h.close()


@async_test
async def test_it_refuses_a_wrong_password() -> None:
    h = await _harness()
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN, pw="654321"))])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert h.store.readings == []
    (rejection,) = h.store.rejections
    assert (rejection.kind, rejection.mn, rejection.peer) == ("bad_password", MN, "10.0.0.7:40001")
    await h.close()


@async_test
async def test_it_quarantines_an_unknown_device_in_onboarding_mode() -> None:
    h = await _harness(MemoryStore(), onboarding=True)
    connection, transport = h.connect()
    packets = [wire(data_packet(MN, qn=str(i), st="32", flag=9)) for i in range(3)]

    await feed(connection, packets)
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert not transport.closed  # a newcomer is not a brute-force attempt
    assert h.store.readings == []
    (newcomer,) = h.store.newcomers
    assert (newcomer.mn, newcomer.password, newcomer.st, newcomer.version) == (MN, PW, "32", 2)
    assert [r.kind for r in h.store.rejections] == ["quarantined"] * 3
    await h.close()


@async_test
async def test_it_refuses_data_of_a_quarantined_device_but_notes_it_is_alive() -> None:
    store = MemoryStore()
    entry = store.add(MN, status="QUARANTINED")
    h = await _harness(store)
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN))])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert store.readings == []
    assert [r.kind for r in store.rejections] == ["quarantined"]
    assert [s.device_id for s in store.sightings] == [entry.id]
    await h.close()


@async_test
async def test_it_refuses_a_disabled_device() -> None:
    store = MemoryStore()
    store.add(MN, status="DISABLED")
    h = await _harness(store)
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN))])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert [r.kind for r in store.rejections] == ["disabled"]
    await h.close()


@async_test
async def test_it_answers_a_heartbeat_with_9013_at_once_in_the_device_version() -> None:
    store = MemoryStore(gate=threading.Event())  # commits would block
    store.add(MN, version=Version.HJ212_2025)
    h = await _harness(store)
    connection, transport = h.connect()

    await feed(connection, [wire(heartbeat(mn=MN, pw=PW, qn="20261124100000999"))])
    await h.settle()

    (answer,) = answers(bytes(transport.written))
    assert (answer.cn, answer.qn, answer.flag) == ("9013", "20261124100000999", 8)
    store.gate.set()  # type: ignore[union-attr]
    await h.flush()
    assert len(store.sightings) == 1 and store.readings == []
    await h.close()


@async_test
async def test_it_answers_in_the_registered_version_not_the_flag_hint() -> None:
    store = MemoryStore()
    store.add(MN, version=Version.HJT212_2005)
    h = await _harness(store)
    connection, transport = h.connect()

    # A 2005 logger that sends a 2017 Flag: the answer keeps its own version.
    await feed(connection, [wire(data_packet(MN, flag=5))])
    await h.settle()

    (answer,) = answers(bytes(transport.written))
    assert answer.flag == 0
    await h.close()


@async_test
async def test_it_decrypts_the_cp_of_a_2025_device_with_its_sm4_key() -> None:
    store = MemoryStore()
    store.add(MN, version=Version.HJ212_2025, sm4_key=SM4_KEY)
    h = await _harness(store)
    connection, transport = h.connect()
    profile = DeviceProfile(version=Version.HJ212_2025, sm4_key=SM4_KEY)
    packet = data_packet(MN, cn="2051", flag=9, code="a01011", field_name="Avg", value="1.35")
    encrypted = wire(packet, profile)
    assert b"a01011-Avg" not in encrypted

    await feed(connection, [encrypted])
    await h.settle()

    (answer,) = answers(bytes(transport.written), profile)
    assert (answer.cn, answer.flag) == ("9014", 8)
    (reading,) = store.readings
    assert reading.pollutants == {"a01011": {"Avg": "1.35", "Flag": "N"}}
    assert reading.raw == encrypted[:-2]  # the ciphertext is what is kept
    await h.close()


@async_test
async def test_it_refuses_a_2025_packet_encrypted_with_another_key() -> None:
    store = MemoryStore()
    store.add(MN, version=Version.HJ212_2025, sm4_key=SM4_KEY)
    h = await _harness(store)
    connection, transport = h.connect()
    other = DeviceProfile(version=Version.HJ212_2025, sm4_key=b"1" * 16)

    await feed(connection, [wire(data_packet(MN, cn="2051", flag=9, value="1.3555"), other)])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert [r.kind for r in store.rejections] in (["decrypt"], ["crc"])
    await h.close()


@async_test
async def test_it_stores_each_part_of_a_split_packet_and_answers_each() -> None:
    h = await _harness()
    connection, transport = h.connect()
    parts = [
        data_packet(MN, qn=f"p{n}", flag=7, pnum=2, pno=n, code=code)
        for n, code in ((1, "a34004"), (2, "a34002"))
    ]

    await feed(connection, [wire(p) for p in parts])
    await h.settle()

    assert [a.qn for a in answers(bytes(transport.written))] == ["p1", "p2"]
    assert sorted((r.pno, r.pnum) for r in h.store.readings) == [(1, 2), (2, 2)]
    await h.close()


@async_test
async def test_it_ignores_answers_from_the_device_except_as_a_sign_of_life() -> None:
    h = await _harness()
    connection, transport = h.connect()
    answer = Packet(cn="9012", qn="1", st="91", pw=PW, mn=MN, flag=4, cp={"ExeRtn": "1"})

    await feed(connection, [wire(answer)])
    await h.settle()
    await h.flush()

    assert transport.written == b""
    assert h.store.readings == [] and h.store.rejections == []
    assert len(h.store.sightings) == 1
    await h.close()


@async_test
async def test_it_follows_a_time_calibration_request_with_set_time() -> None:
    h = await _harness(time_calibration=True)
    connection, transport = h.connect()
    request = Packet(cn="1013", qn="42", st="32", pw=PW, mn=MN, flag=5, cp={"PolId": "w01018"})

    await feed(connection, [wire(request)])
    await h.settle()

    notification_answer, set_time = answers(bytes(transport.written))
    assert (notification_answer.cn, notification_answer.qn) == ("9013", "42")
    assert set_time.cn == "1012" and set_time.flag == 5 and set_time.st == "32"
    # NOW is 02:00:30 UTC: the device keeps Beijing time.
    assert set_time.cp == {"PolId": "w01018", "SystemTime": "20261124100030"}
    await h.close()


@async_test
async def test_it_pauses_reading_when_a_connection_sends_too_fast() -> None:
    h = await _harness(max_packets_per_second=1000.0, burst=5)
    connection, transport = h.connect()
    packets = [wire(data_packet(MN, qn=str(i), data_time=f"2026112410{i:02d}00")) for i in range(8)]

    connection.data_received(b"".join(packets))
    paused = not transport.reading
    await h.settle()

    assert paused and transport.reading
    assert h.state.stats.throttled >= 1
    assert len(h.store.readings) == 8  # slowed down, nothing dropped
    await h.close()


@async_test
async def test_it_pauses_reading_while_too_many_packets_wait_for_a_commit() -> None:
    store = MemoryStore(gate=threading.Event())
    store.add(MN)
    h = await _harness(store, max_inflight=3)
    connection, transport = h.connect()
    packets = [wire(data_packet(MN, qn=str(i), data_time=f"2026112410{i:02d}00")) for i in range(3)]

    await feed(connection, [b"".join(packets)])
    paused = not transport.reading
    store.gate.set()  # type: ignore[union-attr]
    await h.settle()

    assert paused and transport.reading
    assert len(answers(bytes(transport.written))) == 3
    await h.close()


@async_test
async def test_it_closes_an_idle_connection() -> None:
    h = await _harness(idle_timeout=0.05)
    connection, transport = h.connect()

    for _ in range(100):
        if transport.closed:
            break
        await asyncio.sleep(0.01)

    assert transport.closed
    assert h.state.stats.closed_idle == 1
    await h.close()


@async_test
async def test_it_reads_the_registry_once_then_refreshes_all_devices_together() -> None:
    store = MemoryStore()
    store.add(MN)
    store.add("OTHER")
    h = await _harness(store)
    first, _ = h.connect()
    second, _ = h.connect()
    await feed(first, [wire(data_packet(MN, qn="1", data_time="20261124100000"))])
    await feed(second, [wire(data_packet(MN, qn="2", data_time="20261124100100"))])
    await feed(second, [wire(data_packet("OTHER", qn="3"))])
    await h.settle()
    store.add("OTHER", password="changed")

    await h.cache.refresh()

    assert store.loads == [[MN], ["OTHER"], [MN, "OTHER"]]
    assert h.cache.get("OTHER").entry.password == "changed"  # type: ignore[union-attr]
    assert len(store.readings) == 3
    await h.close()


@async_test
async def test_misses_that_arrive_together_share_one_registry_read() -> None:
    store = MemoryStore()
    for n in range(3):
        store.add(f"MN{n}")
    h = await _harness(store)
    connections = [h.connect()[0] for _ in range(3)]

    for n, connection in enumerate(connections):
        connection.data_received(wire(data_packet(f"MN{n}")))
    await h.settle()

    assert store.loads == [["MN0", "MN1", "MN2"]]
    assert len(store.readings) == 3
    await h.close()


@async_test
async def test_it_refuses_new_connections_beyond_the_limit() -> None:
    h = await _harness(max_connections=1)
    _, first = h.connect()
    _, second = h.connect()

    assert not first.closed and second.closed
    assert h.state.stats.connections_refused == 1
    await h.close()


@async_test
async def test_a_connection_shutting_down_answers_what_it_committed_then_closes() -> None:
    store = MemoryStore(gate=threading.Event())
    h = await _harness(store)
    h.cache.put(MN, store.add(MN))
    connection, transport = h.connect()

    await feed(connection, [wire(data_packet(MN))])
    connection.begin_shutdown()
    open_while_committing = not transport.closed
    store.gate.set()  # type: ignore[union-attr]
    await h.settle()

    assert open_while_committing and transport.closed
    assert [a.cn for a in answers(bytes(transport.written))] == ["9014"]
    await h.close()
