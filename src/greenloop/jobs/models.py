"""The run log of scheduled jobs, which is also their lock.

A worker claims a period of a job by inserting its :class:`JobRun` row; the
unique constraint on (job, scheduled_at) lets exactly one of several racing
workers succeed, on SQLite and PostgreSQL alike. The table is the source of
truth for what ran, what is due and what failed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RunTrigger(models.TextChoices):
    SCHEDULE = "SCHEDULE", _("定时")
    MANUAL = "MANUAL", _("手动")


class RunStatus(models.TextChoices):
    RUNNING = "RUNNING", _("运行中")
    OK = "OK", _("成功")
    FAILED = "FAILED", _("失败")


class JobRun(models.Model):
    """One run of one job: for a scheduled period, or started by hand."""

    job = models.CharField(_("任务"), max_length=100)
    # When the period's run was due (period start + offset); for a manual
    # run, the moment it was asked for.
    scheduled_at = models.DateTimeField(_("计划时间"))
    trigger = models.CharField(
        _("触发方式"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    summary = models.CharField(_("结果摘要"), max_length=500, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    # host:pid of the worker that ran it, to tell several workers apart.
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("任务运行记录")
        verbose_name_plural = pgettext_lazy("plural", "任务运行记录")
        constraints = [
            # The lock: one scheduled run per job and period, whatever the
            # number of workers (runner.claim inserts and checks).
            models.UniqueConstraint(
                fields=["job", "scheduled_at"],
                condition=Q(trigger="SCHEDULE"),
                name="jobs_run_once_per_period",
            ),
        ]
        indexes = [
            # The latest runs of a job (worker --list, due computation).
            models.Index(fields=["job", "-scheduled_at"], name="jobs_run_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.scheduled_at:%Y-%m-%d %H:%M} {self.status}"
