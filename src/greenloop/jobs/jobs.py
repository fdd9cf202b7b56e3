"""The jobs app's own job: keep the run log from growing without end."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from greenloop.jobs.registry import job


@job(
    "jobs.prune_runs",
    every=timedelta(days=1),
    offset=timedelta(hours=3, minutes=30),
    description="删除过期的任务运行记录（保留天数见 GREENLOOP_JOB_RUNS_KEEP_DAYS）",
)
def prune_runs(now: datetime) -> str:
    """Delete job runs older than ``GREENLOOP_JOB_RUNS_KEEP_DAYS`` (default 90)."""
    from greenloop.jobs.runner import prune_runs as prune

    days = int(getattr(settings, "GREENLOOP_JOB_RUNS_KEEP_DAYS", 90))
    deleted = prune(now=now, keep=timedelta(days=days))
    return _("删除 %(count)d 条 %(days)d 天前的运行记录") % {"count": deleted, "days": days}
