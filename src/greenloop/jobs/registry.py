"""The job registry: data, filled at import time by each app's ``jobs.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

JobFunc = Callable[[datetime], str | None]


@dataclass(frozen=True, slots=True)
class Job:
    """A job run every ``every``, ``offset`` after the start of each period
    (periods are aligned to midnight Asia/Shanghai): ``every=1 h, offset=5 min``
    runs at 00:05, 01:05, … so that the hour just closed is complete.

    After downtime the worker runs a job once, for the latest period it
    missed; ``catch_up=True`` asks for one run per missed period instead
    (each called with the time that period was due as ``now``)."""

    name: str
    func: JobFunc
    every: timedelta
    offset: timedelta = timedelta(0)
    description: str = ""
    catch_up: bool = False


JOBS: dict[str, Job] = {}


def job(
    name: str,
    *,
    every: timedelta,
    offset: timedelta = timedelta(0),
    description: str = "",
    catch_up: bool = False,
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func(now) -> summary`` under ``name`` (unique)."""

    def register(func: JobFunc) -> JobFunc:
        if name in JOBS and JOBS[name].func is not func:
            raise ValueError(f"job {name!r} registered twice")
        if every <= timedelta(0):
            raise ValueError(f"job {name!r}: every must be positive")
        JOBS[name] = Job(
            name,
            func,
            every,
            offset,
            description or (func.__doc__ or "").strip().split("\n")[0],
            catch_up,
        )
        return func

    return register
