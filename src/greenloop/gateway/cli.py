"""``greenloop gateway``: the HJ 212 gateway process."""

from __future__ import annotations

import click


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
def gateway(
    host: str | None,
    port: int | None,
    onboarding: bool | None,
    time_calibration: bool | None,
    batch_size: int | None,
    batch_wait_ms: float | None,
    sqlite_sync: str | None,
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
    )
    _check_schema()
    click.echo(f"HJ 212 网关正在监听 {config.host}:{config.port}（Ctrl+C 停止）")
    run(config, store=DjangoStore(sqlite_synchronous_full=config.sqlite_synchronous_full))


def _check_schema() -> None:
    from django.db import DatabaseError

    from greenloop.monitoring.models import Device

    try:
        Device.objects.exists()
    except DatabaseError as exc:
        raise click.ClickException(f"数据库未就绪，请先运行 `greenloop migrate`：{exc}") from None
