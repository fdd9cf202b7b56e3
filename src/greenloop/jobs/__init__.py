"""Scheduled jobs: a registry that apps fill from their ``jobs.py``, and the
``greenloop worker`` process that runs them (also started by ``greenloop serve``).

Apps declare jobs with :func:`job`::

    from greenloop.jobs import job

    @job("monitoring.move_to_lake", every=timedelta(minutes=10))
    def move_to_lake(now: datetime) -> str:
        ...
        return "moved 1,234 rows"        # a one-line summary for the run log

A job must be idempotent: the worker may run it again after a crash, and two
workers may be started in production (the runner claims each period of a job
once, and never starts a job while its previous run is in progress).
After downtime a job runs once for the latest missed period; register it
with ``catch_up=True`` to get one run per missed period instead. The
runner: :mod:`greenloop.jobs.runner`; the run log: :class:`JobRun`
(``greenloop.jobs.models``); docs/decisions/0013-jobs-worker.md.
"""

from greenloop.jobs.registry import JOBS, Job, job

__all__ = ["JOBS", "Job", "job"]
