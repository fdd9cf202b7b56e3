"""The group-commit writer on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from greenloop.gateway.writer import BatchWriter, UnableToStore
from greenloop.monitoring.records import Batch, BatchResult, Reading, Rejection
from tests.gateway.harness import NOW, MemoryStore, async_test


def _reading(n: int) -> Reading:
    return Reading(
        device_id=1,
        site_id=1,
        mn="M",
        cn="2011",
        data_time=NOW + timedelta(minutes=n),
        received_at=NOW,
        raw=b"",
        qn=str(n),
    )


def _writer(store: MemoryStore, **kw: Any) -> BatchWriter:
    loop = asyncio.get_running_loop()

    def in_thread(fn: Callable[[], BatchResult]) -> asyncio.Future[BatchResult]:
        return loop.run_in_executor(None, fn)

    return BatchWriter(store.write_batch, run=in_thread, retry_delay=0.0, **kw)


@async_test
async def test_it_commits_queued_readings_in_batches_of_at_most_batch_size() -> None:
    store = MemoryStore()
    writer = _writer(store, batch_size=4, batch_wait=0.0)
    futures = [writer.submit(_reading(n)) for n in range(10)]
    task = asyncio.create_task(writer.run())

    await asyncio.gather(*futures)
    await writer.stop()
    await task

    assert [len(b.readings) for b in store.batches] == [4, 4, 2]
    assert writer.stats.commits == 3 and writer.stats.largest_batch == 4


@async_test
async def test_it_waits_for_a_batch_to_fill_but_no_longer_than_batch_wait() -> None:
    store = MemoryStore()
    writer = _writer(store, batch_size=3, batch_wait=5.0)
    task = asyncio.create_task(writer.run())

    first = [writer.submit(_reading(n)) for n in range(2)]
    await asyncio.sleep(0.05)
    waited = not any(f.done() for f in first)
    writer.submit(_reading(2))  # the batch is full: commit at once
    await asyncio.wait_for(asyncio.gather(*first), 2)
    await writer.stop()
    await task

    assert waited
    assert [len(b.readings) for b in store.batches] == [3]


@async_test
async def test_it_commits_rejections_without_readings_every_flush_interval() -> None:
    store = MemoryStore()
    writer = _writer(store, flush_every=0.02)
    task = asyncio.create_task(writer.run())

    writer.add_rejection(Rejection(kind="crc", received_at=NOW))
    for _ in range(100):
        if store.batches:
            break
        await asyncio.sleep(0.01)
    await writer.stop()
    await task

    assert [r.kind for r in store.rejections] == ["crc"]


@async_test
async def test_a_packet_that_cannot_be_stored_fails_alone() -> None:
    store = MemoryStore(fail=lambda batch: any(r.qn == "3" for r in batch.readings))
    writer = _writer(store, batch_size=8, batch_wait=0.0)
    futures = [writer.submit(_reading(n)) for n in range(8)]
    task = asyncio.create_task(writer.run())

    results = await asyncio.gather(*futures, return_exceptions=True)
    await writer.stop()
    await task

    failed = [n for n, r in enumerate(results) if isinstance(r, Exception)]
    assert failed == [3]
    assert isinstance(results[3], UnableToStore)
    assert sorted(int(r.qn) for r in store.readings) == [0, 1, 2, 4, 5, 6, 7]


@async_test
async def test_it_refuses_readings_once_stopping() -> None:
    store = MemoryStore()
    writer = _writer(store)
    task = asyncio.create_task(writer.run())
    await writer.stop()
    await task

    with pytest.raises(UnableToStore):
        writer.submit(_reading(0))


def test_an_empty_batch_is_false() -> None:
    assert not Batch()
    assert Batch(rejections=[Rejection(kind="crc", received_at=NOW)])


@async_test
async def test_with_on_stored_each_commit_is_passed_on_in_the_loop_and_nothing_waits() -> None:
    # PostgreSQL: the results go to the latest-values process as they come;
    # no update runs in the gateway's threads.
    store = MemoryStore()
    passed: list[BatchResult] = []
    writer = _writer(store, batch_size=2, batch_wait=0.0, on_stored=passed.append)
    task = asyncio.create_task(writer.run())
    await asyncio.gather(*[writer.submit(_reading(n)) for n in range(2)])
    assert [r.inserted for r in passed] == [2]  # passed on with its commit
    await asyncio.gather(*[writer.submit(_reading(n)) for n in range(2, 5)])
    await writer.submit(_reading(0))  # a re-send adds nothing: not passed on
    await writer.stop()
    await task

    assert sum(r.inserted for r in passed) == 5
    assert store.latest_updates == 0


def test_a_slow_latest_values_update_spaces_out_the_next_ones() -> None:
    # Under load the updates take at most a tenth of the time; when they are
    # quick, the next may start one interval after the last one started.
    from greenloop.gateway.pacing import Pacer

    pacer = Pacer(1.0, phase=0.25)  # its beat: x.25 s
    pacer.started(100.25)
    pacer.ended(100.27)
    assert pacer.delay(100.27) == pytest.approx(0.98)  # the next beat, 101.25

    pacer.ended(100.55)  # it took 0.3 s: rest 2.7 s, to 103.25
    assert pacer.delay(100.55) == pytest.approx(2.7)

    quiet = Pacer(1.0, phase=0.25)  # never updated, or quiet for long
    assert quiet.delay(500.0) == pytest.approx(0.25)  # at the next beat
    assert quiet.delay(500.25) == pytest.approx(0.0)


def test_processes_get_beats_of_their_own() -> None:
    from greenloop.gateway.pacing import Pacer

    phases = {Pacer(1.0).phase for _ in range(20)}
    assert len(phases) > 1 and all(0 <= p < 1.0 for p in phases)
