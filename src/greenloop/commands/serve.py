"""``greenloop serve`` and ``greenloop web``: the web process under granian."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from greenloop.commands._django import collect_static, run_migrations, setup_django


def _run_granian(host: str, port: int, workers: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "greenloop.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # Django views are synchronous and mostly wait on the database: a
        # small pool per worker, not granian's default of hundreds.
        blocking_threads=16,
        log_access=False,
    ).serve()


def _print_demo_logins(host: str, port: int) -> None:
    from greenloop.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    click.echo("")
    click.echo(f"GreenLoop 演示系统：http://{host}:{port}/")
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, label in DEMO_ACCOUNTS:
        click.echo(f"  {username:<12} {label}")
    click.echo("")


def _greenloop_exe() -> str:
    beside = Path(sys.executable).with_name("greenloop")
    return str(beside) if beside.exists() else "greenloop"


def _start_companions(
    *, gateway_port: int | None, simulate: bool, worker: bool = True
) -> list[subprocess.Popen[bytes]]:
    """The job worker, the gateway (and in demo mode the device simulator)
    run as their own processes beside the web, as in production; they share
    the database."""
    procs: list[subprocess.Popen[bytes]] = []
    if worker:
        procs.append(subprocess.Popen([_greenloop_exe(), "worker"]))  # noqa: S603
        click.echo("定时任务进程已启动（数据入湖、设备健康检查等）")
    if gateway_port is None:
        return procs
    procs.append(subprocess.Popen([_greenloop_exe(), "gateway", "--port", str(gateway_port)]))  # noqa: S603
    click.echo(f"HJ 212 网关：127.0.0.1:{gateway_port}")
    if simulate:
        procs.append(
            subprocess.Popen(  # noqa: S603
                [
                    _greenloop_exe(),
                    "simulate",
                    "--provision",
                    "--interval",
                    "30",
                    "--gateway",
                    f"127.0.0.1:{gateway_port}",
                ]
            )
        )
        click.echo("设备模拟器已启动：演示设备通过真实 HJ 212 协议向网关上报数据")
    return procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    # The simulator first, so the gateway does not log its disconnects as faults.
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Web worker processes.")
@click.option(
    "--gateway-port", default=9212, show_default=True, type=int, help="HJ 212 gateway port."
)
@click.option("--no-gateway", is_flag=True, help="Do not start the HJ 212 gateway.")
@click.option("--no-worker", is_flag=True, help="Do not start the job worker (greenloop worker).")
@click.option(
    "--demo", is_flag=True, help="Build the demo city on an empty database and show demo logins."
)
@click.option("--seed", default=2026, show_default=True, help="Seed of the demo city.")
@click.option(
    "--prepare-only",
    is_flag=True,
    help="Migrate, collect static files and build the demo, then exit.",
)
def serve(
    host: str,
    port: int,
    workers: int,
    gateway_port: int,
    no_gateway: bool,
    no_worker: bool,
    demo: bool,
    seed: int,
    prepare_only: bool,
) -> None:
    """Run GreenLoop on one machine: migrate, (demo,) then the web, the job
    worker and the HJ 212 gateway (with --demo also a device simulator)."""
    setup_django(demo=demo)
    run_migrations()
    collect_static()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    if demo:
        from greenloop.demo.city import build_demo_city, is_empty

        if is_empty():
            click.echo("正在生成演示城市……")
            summary = build_demo_city(seed=seed, now=timezone.now())
            click.echo(f"演示城市已建成：{summary}")
        _print_demo_logins(host, port)
    elif not get_user_model().objects.filter(is_superuser=True).exists():
        click.echo("尚无管理员账号：请先运行 `greenloop createadmin` 创建系统管理员。")
    if prepare_only:
        return
    procs = _start_companions(
        gateway_port=None if no_gateway else gateway_port, simulate=demo, worker=not no_worker
    )
    click.echo(f"正在监听 http://{host}:{port}/ （Ctrl+C 停止）")
    try:
        _run_granian(host, port, workers)
    finally:
        _stop(procs)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=int(os.environ.get("GREENLOOP_WEB_WORKERS", "2")),
    show_default=True,
    type=int,
)
def web(host: str, port: int, workers: int) -> None:
    """Run only the web process (production: several, behind a proxy)."""
    setup_django()
    collect_static()
    _run_granian(host, port, workers)
