"""The latest-values process: what the gateway sends reaches it, in order,
whatever the pipe does to the bytes; it stores what it read when the
gateway stops or dies; a child that dies is started again."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.gateway.latest_process import LENGTH, LatestProcess
from greenloop.gateway.latest_worker import _frames, serve
from greenloop.gateway.pacing import Pacer
from greenloop.monitoring.records import BatchResult
from tests.gateway.harness import async_test


def _framed(texts: list[bytes]) -> bytes:
    return b"".join(LENGTH.pack(len(t)) + t for t in texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8), st.data())
def test_texts_come_out_whole_and_in_order_however_the_pipe_cuts_them(
    texts: list[bytes], data: st.DataObject
) -> None:
    stream = _framed(texts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    buffer, found = bytearray(), []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        buffer += stream[start:end]
        found.extend(_frames(buffer))
    assert found == texts
    assert buffer == b""


def _serve_in_thread(pacer: Pacer) -> tuple[int, list[list[bytes]], threading.Thread]:
    read, write = os.pipe()
    updates: list[list[bytes]] = []

    def run() -> None:
        serve(read, updates.append, pacer)
        os.close(read)

    thread = threading.Thread(target=run)
    thread.start()
    return write, updates, thread


def test_while_the_gateway_runs_what_came_is_stored_on_the_pacers_beat() -> None:
    write, updates, thread = _serve_in_thread(Pacer(0.05))
    os.write(write, _framed([b"one"]))
    for _ in range(1000):  # at most 10 s
        if updates:
            break
        thread.join(0.01)
    assert updates == [[b"one"]]  # stored with the pipe still open

    os.write(write, _framed([b"two"]))
    os.close(write)
    thread.join(10)
    assert updates == [[b"one"], [b"two"]]


def test_at_the_end_of_the_pipe_it_stores_what_it_read_at_once() -> None:
    # The gateway stopped or died (the kernel closes its end): the child does
    # not wait for its next turn, and a text cut short by the death is dropped.
    write, updates, thread = _serve_in_thread(Pacer(3600.0, phase=0.0))
    os.write(write, _framed([b"one", b"two"]) + LENGTH.pack(10) + b"cut")
    os.close(write)
    thread.join(10)

    assert not thread.is_alive()
    assert [t for update in updates for t in update] == [b"one", b"two"]


def test_a_failing_update_is_logged_and_the_next_texts_still_go() -> None:
    read, write = os.pipe()
    seen: list[list[bytes]] = []

    def update(texts: list[bytes]) -> None:
        seen.append(texts)
        if texts == [b"bad"]:
            raise RuntimeError("database gone")

    os.write(write, _framed([b"bad"]))
    thread = threading.Thread(target=serve, args=(read, update, Pacer(0.0)))
    thread.start()
    while not seen:  # the first update has run (and failed)
        thread.join(0.01)
    os.write(write, _framed([b"good"]))
    os.close(write)
    thread.join(10)
    os.close(read)

    assert seen == [[b"bad"], [b"good"]]


_CHILD = """
import sys
from greenloop.gateway.latest_worker import serve
from greenloop.gateway.pacing import Pacer

out = open(sys.argv[1], "ab")
crash = len(sys.argv) > 2

def update(texts):
    for text in texts:
        out.write(text + b"\\n")
        out.flush()
        if crash and text.startswith(b"crash"):
            raise SystemExit(3)

serve(sys.stdin.buffer.fileno(), update, Pacer(0.0))
"""


def _child(out: Path, *, crash: bool = False) -> list[str]:
    return [sys.executable, "-c", _CHILD, str(out), *(["crash"] if crash else [])]


def _result(text: bytes) -> BatchResult:
    return BatchResult(inserted=1, duplicates=0, fresh_text=text)


@async_test
async def test_what_the_gateway_passes_on_reaches_the_child_before_it_exits(
    tmp_path: Path,
) -> None:
    out = tmp_path / "texts"
    latest = LatestProcess(_child(out))
    await latest.start()
    for n in range(50):
        latest.add(_result(b"row %d" % n))
    latest.add(BatchResult(inserted=0, duplicates=1))  # only re-sends: nothing to send
    await latest.close()

    assert out.read_bytes().splitlines() == [b"row %d" % n for n in range(50)]
    assert latest.dropped == 0
    latest.add(_result(b"late"))  # after the child is gone: counted, not lost silently
    assert latest.dropped == 1


@async_test
async def test_a_child_that_dies_is_started_again(tmp_path: Path) -> None:
    out = tmp_path / "texts"
    latest = LatestProcess(_child(out, crash=True), restart_delay=0.0)
    await latest.start()
    first = latest._process
    assert first is not None
    latest.add(_result(b"crash now"))
    await first.wait()
    while latest._process is first:  # the watcher starts the next one
        await asyncio.sleep(0.01)
    latest.add(_result(b"after"))
    await latest.close()

    assert first.returncode == 3
    assert out.read_bytes().splitlines() == [b"crash now", b"after"]


@async_test
async def test_a_child_that_keeps_dying_is_started_again_ever_more_slowly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import greenloop.gateway.latest_process as module

    pauses: list[float] = []
    sleep = asyncio.sleep

    async def note(delay: float) -> None:
        pauses.append(delay)
        await sleep(0)

    monkeypatch.setattr(module.asyncio, "sleep", note)
    latest = LatestProcess([sys.executable, "-c", "pass"], restart_delay=1.0)  # exits at once
    await latest.start()
    while len(pauses) < 8:
        await sleep(0.01)
    await latest.close()

    assert pauses[:8] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
