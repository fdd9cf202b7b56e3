"""Jobs fixtures: a registry holding only the jobs a test registers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from greenloop.jobs.registry import JOBS, Job

# 2026-11-24 10:30 Beijing time.
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)


@pytest.fixture
def registry() -> Iterator[dict[str, Job]]:
    """``JOBS`` emptied for the test and restored afterwards (discovered
    first, so that the apps' jobs are back whatever the test order)."""
    from greenloop.jobs.runner import discover_jobs

    saved = dict(discover_jobs())
    JOBS.clear()
    try:
        yield JOBS
    finally:
        JOBS.clear()
        JOBS.update(saved)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
