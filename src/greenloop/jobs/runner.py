"""Run the registered jobs: what is due, claiming a period, running, recording.

Time is passed in (``now`` or a ``clock``); nothing here sleeps except
:func:`serve`, which waits on an event that a signal sets.

Schedule. A job with ``every`` and ``offset`` is due at ``anchor + offset +
k × every`` for whole ``k``, with the anchor at a midnight of Beijing time
(UTC+8, no daylight saving): ``every=1 h, offset=5 min`` is due at 00:05,
01:05 … local. The *period* of a run is the due time it stands for.

Catch-up. Only the latest due time that has no run is run: a worker that
was down for a day runs an hourly job once, not 24 times. A job registered
with ``catch_up=True`` gets one run per missed period (at most
:data:`MAX_CATCH_UP`, the latest ones), each called with its due time.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from types import FrameType
from typing import Final

from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import Max

from greenloop.jobs.models import JobRun, RunStatus, RunTrigger
from greenloop.jobs.registry import JOBS, Job

logger = logging.getLogger(__name__)

#: Schedules are aligned to midnight, Beijing time (UTC+8 all year).
ANCHOR: Final = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)
#: Most periods a ``catch_up`` job runs after downtime (the latest ones).
MAX_CATCH_UP: Final = 100
#: A run still marked running after this long is taken for dead (its
#: worker was killed) and no longer holds back the job's next period.
STALE_RUNNING: Final = timedelta(hours=6)
#: Longest wait of the worker loop between two looks at the schedule.
MAX_WAIT: Final = timedelta(seconds=60)

Clock = Callable[[], datetime]


class UnknownJob(LookupError):
    """No job is registered under that name."""


class JobAlreadyRunning(RuntimeError):
    """Another worker has claimed this period of the job."""


def discover_jobs() -> dict[str, Job]:
    """Import the ``jobs`` module of every installed app (idempotent)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
    return JOBS


def latest_due(job: Job, now: datetime) -> datetime:
    """The latest time ``job`` was due at or before ``now``.

    >>> from greenloop.jobs.registry import Job
    >>> hourly = Job("x", lambda now: None, timedelta(hours=1), timedelta(minutes=5))
    >>> latest_due(hourly, datetime(2026, 3, 1, 2, 30, tzinfo=UTC)).isoformat()
    '2026-03-01T02:05:00+00:00'
    """
    steps = (now - ANCHOR - job.offset) // job.every
    return ANCHOR + job.offset + steps * job.every


def next_due(job: Job, now: datetime) -> datetime:
    """The first time ``job`` is due strictly after ``now``."""
    return latest_due(job, now) + job.every


def latest_scheduled(names: Iterable[str]) -> dict[str, datetime]:
    """The latest period with a scheduled run, per job (one query)."""
    rows = (
        JobRun.objects.filter(job__in=list(names), trigger=RunTrigger.SCHEDULE)
        .values("job")
        .annotate(latest=Max("scheduled_at"))
        .order_by()
    )
    return {row["job"]: row["latest"] for row in rows}


@dataclass(frozen=True, slots=True)
class DueRun:
    job: Job
    scheduled_at: datetime


def running_jobs(names: Iterable[str], now: datetime) -> set[str]:
    """Jobs with a run in progress, started less than :data:`STALE_RUNNING` ago."""
    return set(
        JobRun.objects.filter(
            job__in=list(names), status=RunStatus.RUNNING, started_at__gt=now - STALE_RUNNING
        )
        .values_list("job", flat=True)
        .distinct()
    )


def due_runs(now: datetime, jobs: Iterable[Job] | None = None) -> list[DueRun]:
    """The periods that should run at ``now`` and have no run yet, oldest first.

    A job whose previous run is still in progress (in another worker) is not
    due until that run ends: runs of one job never overlap, and the period
    that came due meanwhile runs then.
    """
    jobs = list(JOBS.values() if jobs is None else jobs)
    recorded = latest_scheduled(j.name for j in jobs)
    busy = running_jobs((j.name for j in jobs), now)
    due: list[DueRun] = []
    for job in jobs:
        if job.name in busy:
            continue
        current = latest_due(job, now)
        last = recorded.get(job.name)
        if last is not None and last >= current:
            continue
        if job.catch_up and last is not None:
            missed = min((current - last) // job.every, MAX_CATCH_UP)
            due.extend(DueRun(job, current - i * job.every) for i in range(missed - 1, -1, -1))
        else:
            due.append(DueRun(job, current))
    return sorted(due, key=lambda d: (d.scheduled_at, d.job.name))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(
    job: Job, scheduled_at: datetime, *, now: datetime, trigger: str = RunTrigger.SCHEDULE
) -> JobRun | None:
    """Insert the run row of this period; ``None`` if another worker has it.

    The insert is the lock: the unique constraint ``jobs_run_once_per_period``
    refuses a second scheduled row for the same job and period, so of two
    workers racing for it exactly one gets the row, on SQLite (writes are
    serialised) and PostgreSQL (the second insert waits for the first
    transaction, then fails) alike.
    """
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job.name,
                scheduled_at=scheduled_at,
                trigger=trigger,
                status=RunStatus.RUNNING,
                started_at=now,
                worker=worker_name(),
            )
    except IntegrityError:
        return None


def execute(job: Job, run: JobRun, *, now: datetime, clock: Clock) -> JobRun:
    """Call the job and record how it ended; a failure is logged, not raised.

    The job runs outside any transaction of the runner: it commits its own
    work. An interrupt (second Ctrl+C) is recorded, then re-raised.
    """
    try:
        summary = job.func(now)
    except Exception as exc:
        logger.exception("Job %s failed", job.name)
        _finish(run, RunStatus.FAILED, clock(), error=_error_text(exc))
    except BaseException as exc:
        _finish(run, RunStatus.FAILED, clock(), error=_error_text(exc) or type(exc).__name__)
        raise
    else:
        _finish(run, RunStatus.OK, clock(), summary=str(summary or ""))
        logger.info("Job %s done: %s", job.name, run.summary)
    return run


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))[-20_000:]


def _finish(
    run: JobRun, status: str, finished_at: datetime, *, summary: str = "", error: str = ""
) -> None:
    run.status = status
    run.finished_at = finished_at
    run.summary = summary[:500]
    run.error = error
    fields = ["status", "finished_at", "summary", "error"]
    try:
        run.save(update_fields=fields)
    except (InterfaceError, OperationalError):
        if connection.in_atomic_block:
            raise
        # The job lost the database connection (a restart, a network cut):
        # reconnect once so the outcome is still recorded.
        connection.close()
        run.save(update_fields=fields)


def _fresh_connections() -> None:
    """Drop connections that are broken or past their age, between runs
    (never inside a transaction, e.g. a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def run_due(*, clock: Clock, stop: threading.Event | None = None) -> list[JobRun]:
    """Run every job that is due at ``clock()`` and not yet claimed.

    1. Compute the due periods (:func:`due_runs`).
    2. For each, oldest first: claim the period, or skip it when another
       worker already has it; call the job with the current ``clock()``
       (or the period's due time for ``catch_up`` jobs); record the result.
    3. Stop early, between jobs, when ``stop`` is set.
    """
    done: list[JobRun] = []
    for due in due_runs(clock()):
        if stop is not None and stop.is_set():
            break
        now = clock()
        run = claim(due.job, due.scheduled_at, now=now)
        if run is None:
            continue
        done.append(
            execute(due.job, run, now=due.scheduled_at if due.job.catch_up else now, clock=clock)
        )
    return done


def run_now(name: str, *, clock: Clock) -> JobRun:
    """Run one job immediately, whatever its schedule (``worker --run``)."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name)
    now = clock()
    run = claim(job, now, now=now, trigger=RunTrigger.MANUAL)
    if run is None:  # pragma: no cover - manual rows are not unique
        raise JobAlreadyRunning(name)
    return execute(job, run, now=now, clock=clock)


def latest_runs(names: Iterable[str]) -> dict[str, JobRun]:
    """The latest run of each job, scheduled or manual."""
    latest: dict[str, JobRun] = {}
    for name in names:
        run = JobRun.objects.filter(job=name).order_by("-started_at", "-pk").first()
        if run is not None:
            latest[name] = run
    return latest


def serve(*, clock: Clock, stop: threading.Event, once: bool = False) -> int:
    """The worker loop: run what is due, wait until the next due time, repeat.

    Returns the number of runs. Waits on ``stop`` (set by SIGTERM/SIGINT,
    see :func:`install_signal_handlers`), so a stop request ends the wait at
    once; a job that is running is allowed to finish.
    """
    runs = 0
    while not stop.is_set():
        _fresh_connections()
        runs += len(run_due(clock=clock, stop=stop))
        if once:
            break
        now = clock()
        upcoming = [next_due(job, now) for job in JOBS.values()]
        wait = min([*(t - now for t in upcoming), MAX_WAIT])
        stop.wait(max(wait.total_seconds(), 0.05))
    _fresh_connections()
    return runs


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask the loop to stop after the current job; a
    second SIGINT interrupts the job (recorded as failed)."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        logger.info("Worker stopping (signal %s)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def prune_runs(*, now: datetime, keep: timedelta) -> int:
    """Delete runs that started more than ``keep`` before ``now``, except
    the latest scheduled run of each job (the schedule is computed from it).
    Returns how many rows were deleted."""
    latest = (
        JobRun.objects.filter(trigger=RunTrigger.SCHEDULE)
        .values("job")
        .annotate(latest=Max("scheduled_at"))
        .order_by()
    )
    kept = {
        pk
        for row in latest
        for pk in JobRun.objects.filter(
            job=row["job"], trigger=RunTrigger.SCHEDULE, scheduled_at=row["latest"]
        ).values_list("pk", flat=True)
    }
    old = JobRun.objects.filter(started_at__lt=now - keep).exclude(pk__in=kept)
    deleted, _ = old.delete()
    return deleted
