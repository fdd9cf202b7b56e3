"""``greenloop worker``: run the scheduled jobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from greenloop.jobs.models import JobRun
    from greenloop.jobs.registry import Job


def _duration(value: timedelta) -> str:
    """``timedelta(hours=3, minutes=30)`` → ``3 小时 30 分钟``."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60), ("秒", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts) or "0 秒"


@click.command()
@click.option(
    "--once", is_flag=True, help="Run the jobs that are due now, then exit (1 if one failed)."
)
@click.option("--run", "run_name", metavar="NAME", help="Run one job now, whatever its schedule.")
@click.option(
    "--list", "list_jobs", is_flag=True, help="List the jobs, their schedule and last run."
)
def worker(once: bool, run_name: str | None, list_jobs: bool) -> None:
    """Run scheduled jobs (moving closed monitoring data to the lake, device
    health checks, …) until stopped with Ctrl+C or SIGTERM.

    Several workers may run side by side: each period of each job runs once.
    """
    from greenloop.commands._django import setup_django

    setup_django()
    import threading

    from django.utils import timezone

    from greenloop.jobs import runner

    _check_schema()
    jobs = runner.discover_jobs()
    if list_jobs:
        _print_jobs(jobs)
        return
    if run_name is not None:
        try:
            run = runner.run_now(run_name, clock=timezone.now)
        except runner.UnknownJob:
            raise click.ClickException(
                f"没有名为 {run_name} 的任务；`greenloop worker --list` 列出全部任务"
            ) from None
        _print_run(run)
        if run.status != "OK":
            raise SystemExit(1)
        return
    stop = threading.Event()
    runner.install_signal_handlers(stop)
    if not once:
        click.echo(f"任务进程已启动：{len(jobs)} 个定时任务（Ctrl+C 停止）")
    try:
        if once:
            runs = runner.run_due(clock=timezone.now, stop=stop)
        else:
            runner.serve(clock=timezone.now, stop=stop)
    except KeyboardInterrupt:
        click.echo("任务进程已中断（正在运行的任务记为失败）", err=True)
        raise SystemExit(130) from None
    if once:
        failed = [run for run in runs if run.status != "OK"]
        click.echo(f"已运行 {len(runs)} 个到期任务，失败 {len(failed)} 个")
        for run in failed:
            click.echo(f"  {run.job}：{run.error.rstrip().splitlines()[-1]}", err=True)
        if failed:
            raise SystemExit(1)


def _status(run: JobRun) -> str:
    from greenloop.jobs.models import RunStatus

    return str(RunStatus(run.status).label)


def _print_run(run: JobRun) -> None:
    click.echo(f"{run.job}: {_status(run)} {run.summary}".rstrip())
    if run.error:
        click.echo(run.error.rstrip().splitlines()[-1], err=True)


def _print_jobs(jobs: Mapping[str, Job]) -> None:
    from django.utils import timezone

    from greenloop.jobs import runner

    now = timezone.now()
    latest = runner.latest_runs(jobs)
    local = timezone.get_default_timezone()
    for name in sorted(jobs):
        job = jobs[name]
        schedule = f"每 {_duration(job.every)}"
        if job.offset:
            schedule += f"，偏移 {_duration(job.offset)}"
        nxt = runner.next_due(job, now).astimezone(local)
        click.echo(f"{name}  {schedule}  下次 {nxt:%Y-%m-%d %H:%M}  {job.description}")
        run = latest.get(name)
        if run is None:
            click.echo("    尚未运行")
            continue
        started = run.started_at.astimezone(local)
        line = f"    最近运行 {started:%Y-%m-%d %H:%M:%S} {_status(run)}"
        if run.summary:
            line += f"：{run.summary}"
        elif run.error:
            line += f"：{run.error.rstrip().splitlines()[-1]}"
        click.echo(line)


def _check_schema() -> None:
    from django.db import DatabaseError

    from greenloop.jobs.models import JobRun

    try:
        JobRun.objects.exists()
    except DatabaseError as exc:
        raise click.ClickException(f"数据库未就绪，请先运行 `greenloop migrate`：{exc}") from None
