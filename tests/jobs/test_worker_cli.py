"""``greenloop worker`` as a command, on a fresh data directory: two workers
started at once run each due period once, and the mover empties the inbox of
closed data into the lake."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

GREENLOOP = str(Path(sys.executable).with_name("greenloop"))

# Run inside `greenloop manage shell`: one air site, its device and a
# closed hourly packet (four days old) plus a fresh heartbeat.
_SEED = """
from datetime import timedelta
from django.utils import timezone
from greenloop.monitoring.models import Device, InboxPacket, Site
from greenloop.org.models import Region
city = Region.objects.create(code="210300000000", name="示范市", kind="CITY")
county = Region.objects.create(code="210303000000", name="铁西区", kind="DISTRICT", parent=city)
site = Site.objects.create(code="TX-AIR-1", name="铁西国控站", kind="NATIONAL_AIR", region=county)
device = Device.objects.create(mn="MN0001", password="123456", site=site)
when = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=4)
InboxPacket.objects.create(device=device, mn="MN0001", cn="2061", data_time=when,
    received_at=when + timedelta(minutes=3), raw=b"##hour", pollutants={"02": {"Avg": "12"}})
InboxPacket.objects.create(device=device, mn="MN0001", cn="9013", data_time=None,
    received_at=timezone.now(), raw=b"##heartbeat")
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["GREENLOOP_DATA_DIR"] = str(data_dir)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GREENLOOP, *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_two_workers_run_each_due_period_once_and_move_closed_data(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run(["migrate"], env).returncode == 0
    seeded = _run(["manage", "shell", "-c", _SEED], env)
    assert seeded.returncode == 0, seeded.stderr

    workers = [
        subprocess.Popen(
            [GREENLOOP, "worker", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=180) for w in workers]
    listing = _run(["worker", "--list"], env)

    assert all("个到期任务" in out for out, _ in outputs), outputs
    with sqlite3.connect(tmp_path / "greenloop.sqlite3") as db:
        runs = db.execute(
            "SELECT job, scheduled_at, status, summary FROM jobs_jobrun WHERE trigger = 'SCHEDULE'"
        ).fetchall()
        inbox = db.execute("SELECT cn FROM monitoring_inboxpacket").fetchall()
    # --once exits with 1 when one of the jobs it ran failed (jobs of other
    # apps may fail on this nearly empty city).
    for worker, (out, _) in zip(workers, outputs, strict=True):
        assert worker.returncode == (0 if "失败 0 个" in out else 1)
    assert len(runs) == sum(int(out.split("已运行 ")[1].split(" ")[0]) for out, _ in outputs)
    periods = [(job, at) for job, at, _, _ in runs]
    assert len(periods) == len(set(periods)), "a period ran twice"
    mover = [
        (status, summary) for job, _, status, summary in runs if job == "monitoring.move_to_lake"
    ]
    assert mover == [("OK", "移出 1 个数据包（其中数据包 1 个，写入读数 1 条）")]
    assert inbox == [("9013",)]  # the fresh heartbeat stays within retention
    lake_rows = [
        row
        for f in (tmp_path / "lake" / "readings" / "kind=hour").glob("date=*/part-0.parquet")
        for row in pq.read_table(f).to_pylist()
    ]
    assert [(r["mn"], r["site"], r["factor"], r["avg"]) for r in lake_rows] == [
        ("MN0001", "TX-AIR-1", "a21026", 12.0)
    ]
    stations = pq.read_table(tmp_path / "lake" / "meta" / "stations.parquet").to_pylist()
    assert [(s["site"], s["district_name"], s["city_name"]) for s in stations] == [
        ("TX-AIR-1", "铁西区", "示范市")
    ]
    assert "monitoring.move_to_lake" in listing.stdout and "成功" in listing.stdout


def test_worker_run_refuses_an_unknown_job(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run(["migrate"], env).returncode == 0

    result = _run(["worker", "--run", "no.such.job"], env)

    assert result.returncode != 0
    assert "没有名为 no.such.job 的任务" in result.stderr


@pytest.mark.slow
def test_the_worker_loop_stops_cleanly_on_sigterm_leaving_no_run_half_done(
    tmp_path: Path,
) -> None:
    env = {**_env(tmp_path), "PYTHONUNBUFFERED": "1"}
    assert _run(["migrate"], env).returncode == 0
    proc = subprocess.Popen(
        [GREENLOOP, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        started = proc.stdout.readline()  # printed once the signal handlers are in place
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert "任务进程已启动" in started
    assert proc.returncode == 0
    with sqlite3.connect(tmp_path / "greenloop.sqlite3") as db:
        running = db.execute("SELECT job FROM jobs_jobrun WHERE status = 'RUNNING'").fetchall()
    assert running == []
