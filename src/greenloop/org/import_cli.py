"""``greenloop import FILE.xlsx [--commit]``: the import from the command line.

Without ``--commit`` it prints the preview and exits 1 if the file has
problems; with ``--commit`` it imports the file when it has none. The same
checks and the same transaction as the import page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _echo_problems(problems: list[Any]) -> None:
    click.echo(f"发现 {len(problems)} 个问题，整个文件都不会导入：")
    click.echo("表\t行\t列\t原因")
    for p in problems:
        row = "" if p.row is None else str(p.row)
        click.echo(f"{p.sheet or '工作簿'}\t{row}\t{p.column}\t{p.reason}")


def _echo_counts(plan: Any) -> None:
    click.echo("表\t新增\t更新\t无变化")
    for title, c in plan.counts().items():
        click.echo(f"{title}\t{c.new}\t{c.updated}\t{c.unchanged}")
    click.echo(f"登录账号：新建 {plan.accounts} 个（不设密码）；角色授予：{plan.role_grants} 项")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="检查通过后写入数据库；不加此项只预览，不写入。")
@click.option("--by", "username", metavar="账号", help="记入审计日志的操作人登录账号。")
def import_(file: Path, commit: bool, username: str | None) -> None:
    """从 Excel 工作簿（.xlsx）导入区划、单位和人员。

    先不加 --commit 预览：列出各表新增、更新的行数和每个错误（表、行、列、原因）；
    没有错误时再加 --commit 导入，要么全部写入，要么一条不写。
    """
    from greenloop.commands._django import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from greenloop.org.importing import (
        ImportRejected,
        WorkbookRejected,
        commit_import,
        preview_import,
    )

    actor = None
    if username:
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise click.BadParameter(f"没有启用中的登录账号“{username}”", param_hint="--by")
    click.echo(f"文件：{file}")
    try:
        if not commit:
            plan = preview_import(file, actor=actor)
            _echo_counts(plan)
            for note in plan.notes:
                click.echo(f"提示：{note.reason}")
            if plan.problems:
                _echo_problems(plan.problems)
                raise SystemExit(1)
            click.echo("检查通过。加 --commit 执行导入。")
            return
        plan = commit_import(
            file,
            actor=actor,
            actor_name="" if actor else "命令行 greenloop import",
            source=file.name,
        )
    except WorkbookRejected as exc:
        click.echo(f"文件被拒绝：{exc}")
        raise SystemExit(1) from None
    except ImportRejected as exc:
        _echo_problems(exc.problems)
        raise SystemExit(1) from None
    _echo_counts(plan)
    click.echo("导入完成。新建的登录账号没有密码，需由负责账号管理的管理员设置后才能登录。")
