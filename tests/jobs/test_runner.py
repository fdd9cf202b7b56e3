"""The job runner: schedule, catch-up, the per-period lock, failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from greenloop.jobs import job, runner
from greenloop.jobs.models import JobRun, RunStatus, RunTrigger
from tests.jobs.conftest import NOW, Clock

HOUR = timedelta(hours=1)


def _recorder(calls: list[datetime], summary: str = "done") -> Any:
    def func(now: datetime) -> str:
        calls.append(now)
        return summary

    return func


def test_an_hourly_job_with_an_offset_is_due_at_that_minute_of_every_hour(registry: Any) -> None:
    job("t.hourly", every=HOUR, offset=timedelta(minutes=5))(_recorder([]))
    hourly = registry["t.hourly"]

    assert runner.latest_due(hourly, NOW) == datetime(2026, 11, 24, 2, 5, tzinfo=UTC)
    assert runner.next_due(hourly, NOW) == datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
    assert runner.latest_due(hourly, datetime(2026, 11, 24, 2, 5, tzinfo=UTC)) == datetime(
        2026, 11, 24, 2, 5, tzinfo=UTC
    )


def test_a_daily_job_is_due_after_midnight_beijing_time_not_utc(registry: Any) -> None:
    job("t.daily", every=timedelta(days=1), offset=timedelta(minutes=30))(_recorder([]))

    due = runner.latest_due(registry["t.daily"], NOW)

    # 00:30 in Beijing is 16:30 UTC of the day before.
    assert due == datetime(2026, 11, 23, 16, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_a_due_job_runs_once_per_period(registry: Any) -> None:
    calls: list[datetime] = []
    job("t.hourly", every=HOUR)(_recorder(calls))
    clock = Clock(NOW)

    first = runner.run_due(clock=clock)
    again = runner.run_due(clock=clock)
    clock.now = NOW + HOUR
    next_hour = runner.run_due(clock=clock)

    assert [r.scheduled_at for r in first] == [datetime(2026, 11, 24, 2, 0, tzinfo=UTC)]
    assert again == []
    assert [r.scheduled_at for r in next_hour] == [datetime(2026, 11, 24, 3, 0, tzinfo=UTC)]
    assert calls == [NOW, NOW + HOUR]
    run = JobRun.objects.get(scheduled_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    assert (run.status, run.summary, run.started_at, run.finished_at) == (
        RunStatus.OK,
        "done",
        NOW,
        NOW,
    )


@pytest.mark.django_db
def test_after_downtime_a_job_runs_once_for_the_latest_missed_period(registry: Any) -> None:
    calls: list[datetime] = []
    job("t.hourly", every=HOUR)(_recorder(calls))
    runner.run_due(clock=Clock(NOW))

    later = NOW + timedelta(hours=26)
    runs = runner.run_due(clock=Clock(later))

    assert [r.scheduled_at for r in runs] == [datetime(2026, 11, 25, 4, 0, tzinfo=UTC)]
    assert calls == [NOW, later]


@pytest.mark.django_db
def test_a_catch_up_job_runs_each_missed_period_with_its_due_time(registry: Any) -> None:
    calls: list[datetime] = []
    job("t.daily", every=timedelta(days=1), catch_up=True)(_recorder(calls))
    runner.run_due(clock=Clock(NOW))

    runs = runner.run_due(clock=Clock(NOW + timedelta(days=3)))

    midnight = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 2026-11-24 00:00 Beijing
    expected = [midnight + timedelta(days=d) for d in (1, 2, 3)]
    assert [r.scheduled_at for r in runs] == expected
    assert calls == [midnight, *expected]


@pytest.mark.django_db
def test_of_two_workers_racing_for_a_period_only_one_runs_it(registry: Any) -> None:
    calls: list[datetime] = []
    job("t.hourly", every=HOUR)(_recorder(calls))
    seen_by_a = runner.due_runs(NOW)
    seen_by_b = runner.due_runs(NOW)

    claims = [runner.claim(d.job, d.scheduled_at, now=NOW) for d in (*seen_by_a, *seen_by_b)]

    assert len(seen_by_a) == len(seen_by_b) == 1
    assert [c is not None for c in claims] == [True, False]
    assert JobRun.objects.filter(job="t.hourly").count() == 1


@pytest.mark.django_db
def test_a_job_still_running_in_another_worker_is_not_started_again_until_it_ends(
    registry: Any,
) -> None:
    calls: list[datetime] = []
    job("t.mover", every=timedelta(minutes=10))(_recorder(calls))
    elsewhere = runner.claim(registry["t.mover"], NOW - timedelta(minutes=30), now=NOW)
    assert elsewhere is not None

    while_running = runner.run_due(clock=Clock(NOW))
    elsewhere.status = RunStatus.OK
    elsewhere.save()
    after = runner.run_due(clock=Clock(NOW + timedelta(minutes=1)))

    assert while_running == []
    assert [r.scheduled_at for r in after] == [NOW]
    assert calls == [NOW + timedelta(minutes=1)]


@pytest.mark.django_db
def test_a_run_left_running_by_a_killed_worker_holds_nothing_back_after_six_hours(
    registry: Any,
) -> None:
    job("t.mover", every=timedelta(minutes=10))(_recorder([]))
    killed = runner.claim(
        registry["t.mover"], NOW - timedelta(hours=7), now=NOW - timedelta(hours=7)
    )
    assert killed is not None

    runs = runner.run_due(clock=Clock(NOW))

    assert [r.scheduled_at for r in runs] == [NOW]


@pytest.mark.django_db
def test_a_failed_job_is_recorded_and_the_next_job_still_runs(
    registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[datetime] = []

    @job("t.broken", every=HOUR)
    def broken(now: datetime) -> str:
        raise RuntimeError("lake is not mounted")

    job("t.fine", every=HOUR, offset=timedelta(minutes=1))(_recorder(calls))

    runs = runner.run_due(clock=Clock(NOW))

    assert [(r.job, r.status) for r in runs] == [
        ("t.broken", RunStatus.FAILED),
        ("t.fine", RunStatus.OK),
    ]
    failed = JobRun.objects.get(job="t.broken")
    assert "RuntimeError: lake is not mounted" in failed.error
    assert failed.finished_at == NOW
    assert "Job t.broken failed" in caplog.text
    assert runner.run_due(clock=Clock(NOW)) == []  # the failed period is not retried


@pytest.mark.django_db
def test_run_now_runs_a_job_outside_its_schedule_and_keeps_the_period_due(
    registry: Any,
) -> None:
    calls: list[datetime] = []
    job("t.daily", every=timedelta(days=1))(_recorder(calls, summary="moved 3"))

    run = runner.run_now("t.daily", clock=Clock(NOW))
    scheduled = runner.run_due(clock=Clock(NOW))

    assert (run.trigger, run.status, run.summary) == (RunTrigger.MANUAL, RunStatus.OK, "moved 3")
    assert len(scheduled) == 1 and scheduled[0].trigger == RunTrigger.SCHEDULE
    with pytest.raises(runner.UnknownJob):
        runner.run_now("t.missing", clock=Clock(NOW))


@pytest.mark.django_db
def test_the_worker_loop_stops_between_jobs_when_asked(registry: Any) -> None:
    stop = threading.Event()
    calls: list[datetime] = []

    def first(now: datetime) -> str:
        calls.append(now)
        stop.set()  # SIGTERM arrives while the first job runs
        return ""

    job("t.first", every=HOUR)(first)
    job("t.second", every=HOUR, offset=timedelta(minutes=1))(_recorder(calls))

    count = runner.serve(clock=Clock(NOW), stop=stop)

    assert count == 1
    assert list(JobRun.objects.values_list("job", "status")) == [("t.first", RunStatus.OK)]


def test_a_job_cannot_be_registered_twice_or_without_a_period(registry: Any) -> None:
    job("t.one", every=HOUR)(_recorder([]))

    with pytest.raises(ValueError, match="registered twice"):
        job("t.one", every=HOUR)(_recorder([]))
    with pytest.raises(ValueError, match="positive"):
        job("t.zero", every=timedelta(0))(_recorder([]))


def test_discovery_imports_the_jobs_module_of_each_app() -> None:
    jobs = runner.discover_jobs()

    assert {"monitoring.move_to_lake", "monitoring.refresh_stations"} <= set(jobs)
    assert "monitoring.device_health" in jobs


@pytest.mark.django_db
def test_pruning_deletes_old_runs_but_keeps_each_jobs_latest_period(registry: Any) -> None:
    from greenloop.jobs.jobs import prune_runs

    job("t.hourly", every=HOUR)(_recorder([]))
    job("t.yearly", every=timedelta(days=365))(_recorder([]))
    long_ago = NOW - timedelta(days=200)
    for hours in range(3):
        runner.run_due(clock=Clock(long_ago + hours * HOUR))
    runner.run_due(clock=Clock(NOW))

    summary = prune_runs(NOW)

    remaining = sorted(JobRun.objects.values_list("job", "scheduled_at"))
    assert [job for job, _ in remaining] == ["t.hourly", "t.yearly"]
    assert remaining[0][1] == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert summary == "删除 3 条 90 天前的运行记录"
    assert runner.due_runs(NOW) == []
