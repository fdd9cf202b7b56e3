"""Administrative commands: migrate, createadmin, demo, manage."""

from __future__ import annotations

import sys

import click

from greenloop.commands._django import run_migrations, setup_django


@click.command()
@click.option("-v", "--verbosity", default=1, show_default=True, help="Django verbosity 0–3.")
def migrate(verbosity: int) -> None:
    """Create or upgrade the database schema."""
    setup_django()
    run_migrations(verbosity=verbosity)


@click.command()
@click.option("--username", prompt="用户名", help="Account name of the administrator.")
@click.option(
    "--password", prompt="密码", hide_input=True, confirmation_prompt=True,
    help="Password; checked by Django's password validators.",
)
def createadmin(username: str, password: str) -> None:
    """Create the first system administrator (系统管理员)."""
    setup_django()
    run_migrations()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from greenloop.audit.log import record

    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise click.ClickException(f"账号 {username} 已存在")
    user = user_model(username=username, is_staff=True, is_superuser=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise click.ClickException("密码不符合要求：" + "；".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    record("greenloop.org.account.created", actor_name="greenloop createadmin", target=username,
           data={"role": "SYSADMIN"})
    click.echo(f"已创建系统管理员 {username}。")


@click.command()
@click.option("--seed", default=2026, show_default=True, help="Same seed, same city.")
def demo(seed: int) -> None:
    """Build the demo city into an empty database."""
    setup_django(demo=True)
    run_migrations()
    from greenloop.demo.city import build_demo_city, is_empty

    if not is_empty():
        raise click.ClickException("数据库中已有数据，演示城市只能建在空数据库中。")
    summary = build_demo_city(seed=seed, now=_now())
    click.echo(f"演示城市已建成：{summary}")


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (for operators)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["greenloop manage", *args])
    sys.exit(0)
