"""``greenloop gateway``: the HJ 212 gateway process(es)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

import click

_WORKER_ENV = "GREENLOOP_GATEWAY_WORKER"


@click.command()
@click.option("--host", default=None, help="Address to listen on.  [default: 127.0.0.1]")
@click.option("--port", default=None, type=int, help="TCP port.  [default: 9212]")
@click.option(
    "--onboarding/--no-onboarding",
    default=None,
    help="Quarantine unknown devices for an administrator to accept.",
)
@click.option(
    "--time-calibration/--no-time-calibration",
    default=None,
    help="Answer 1013 time-calibration requests with 1012 set-time.",
)
@click.option(
    "--batch-size", default=None, type=int, help="Most packets per commit.  [default: 500]"
)
@click.option(
    "--batch-wait-ms",
    default=None,
    type=float,
    help="Milliseconds a commit waits for a batch to fill.  [default: 5]",
)
@click.option(
    "--sqlite-sync",
    type=click.Choice(["full", "normal"]),
    default=None,
    help="SQLite only: fsync every commit (full) or only at checkpoints (normal).  [default: full]",
)
@click.option(
    "--processes",
    default=None,
    type=click.IntRange(1, 64),
    help="Gateway processes sharing the port (SO_REUSEPORT), each with its own writer.  [default: 1]",
)
@click.option(
    "--loop",
    "loop_kind",
    type=click.Choice(["auto", "asyncio", "uvloop"]),
    default=None,
    help="Event loop; auto uses uvloop when it is installed.  [default: auto]",
)
def gateway(
    host: str | None,
    port: int | None,
    onboarding: bool | None,
    time_calibration: bool | None,
    batch_size: int | None,
    batch_wait_ms: float | None,
    sqlite_sync: str | None,
    processes: int | None,
    loop_kind: str | None,
) -> None:
    """Receive HJ 212 data from devices (数采仪) over TCP and store it.

    A data packet is answered (9014) only after the batch holding it has
    been committed. Settings: GREENLOOP_GATEWAY in Django settings; the
    options here win. Stop with Ctrl+C or SIGTERM.
    """
    from greenloop.commands._django import setup_django

    setup_django()
    from greenloop.gateway.config import GatewayConfig
    from greenloop.gateway.server import run
    from greenloop.gateway.store import DjangoStore

    config = GatewayConfig.from_settings(
        host=host,
        port=port,
        onboarding=onboarding,
        time_calibration=time_calibration,
        batch_size=batch_size,
        batch_wait=batch_wait_ms / 1000 if batch_wait_ms is not None else None,
        sqlite_synchronous_full=sqlite_sync == "full" if sqlite_sync is not None else None,
        processes=processes,
        loop=loop_kind,
    )
    _check_schema()
    worker = os.environ.get(_WORKER_ENV)
    if config.processes > 1 and worker is None:
        click.echo(
            f"HJ 212 网关正在监听 {config.host}:{config.port}，{config.processes} 个进程（Ctrl+C 停止）"
        )
        raise SystemExit(_supervise(config.processes))
    if worker is not None:
        config = config.replace(reuse_port=True)
    else:
        click.echo(f"HJ 212 网关正在监听 {config.host}:{config.port}（Ctrl+C 停止）")
    run(config, store=DjangoStore(sqlite_synchronous_full=config.sqlite_synchronous_full))


def _supervise(count: int) -> int:
    """Run ``count`` copies of this command as workers on one port.

    Each worker is a complete gateway (registry cache, group commit, its
    own database connection) listening with ``SO_REUSEPORT``; the kernel
    spreads connections over them. Durability is per worker: each answers
    a packet only after its own commit. SIGINT/SIGTERM are passed on; if a
    worker dies the others are stopped too, so the service manager
    restarts the whole gateway.
    """
    argv = [sys.executable, "-m", "greenloop.gateway", *_own_arguments()]
    workers = [
        subprocess.Popen(argv, env={**os.environ, _WORKER_ENV: str(n)})  # noqa: S603
        for n in range(count)
    ]

    signalled: set[int] = set()

    def stop(signum: int, frame: object) -> None:
        # Once per worker: a second SIGTERM could reach a worker after its
        # event loop (and its handler) is gone, and kill it mid-shutdown.
        # os.kill, not Popen.send_signal: that polls, and a worker it reaped
        # would be missing from os.wait() below. A worker still in the list
        # is not reaped, so its pid is still its own.
        for process in workers:
            if process.pid not in signalled:
                signalled.add(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while workers:
        pid, status = os.wait()
        for process in [p for p in workers if p.pid == pid]:
            workers.remove(process)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode == -signal.SIGTERM and pid in signalled:
                # Asked to stop while starting, before its handler was set.
                process.returncode = 0
            code = code or process.returncode
            stop(signal.SIGTERM, None)
    return code if code >= 0 else 128 - code


def _own_arguments() -> list[str]:
    """The options this command was given (``greenloop gateway …`` or
    ``python -m greenloop.gateway …``)."""
    args = sys.argv[1:]
    return args[1:] if args[:1] == ["gateway"] else args


def _check_schema() -> None:
    from django.db import DatabaseError

    from greenloop.monitoring.models import Device

    try:
        Device.objects.exists()
    except DatabaseError as exc:
        raise click.ClickException(f"数据库未就绪，请先运行 `greenloop migrate`：{exc}") from None
