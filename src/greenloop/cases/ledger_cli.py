"""``greenloop cases import|export``: the case ledger from the command line.

``import FILE.xlsx --by USER`` prints the preview (column mapping, counts,
every problem as 表/行/列/原因) and exits 1 if the file has problems; with
``--commit`` it registers the cases when it has none — the same checks and
the same transaction as the import page, in the name of ``--by`` (a
dispatcher: registering and assigning are theirs). ``export --out FILE.xlsx
--by USER`` writes the ledger of the cases that user sees, filtered like the
case list.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click


def _setup() -> None:
    from greenloop.commands._django import setup_django

    setup_django()


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.BadParameter(f"没有启用中的登录账号“{username}”", param_hint="--by")
    return user


def _echo_problems(problems: list[Any]) -> None:
    click.echo(f"发现 {len(problems)} 个问题，整个文件都不会导入：")
    click.echo("表\t行\t列\t原因")
    for p in problems:
        row = "" if p.row is None else str(p.row)
        click.echo(f"{p.sheet or '工作簿'}\t{row}\t{p.column}\t{p.reason}")


def _echo_plan(plan: Any) -> None:
    if plan.columns:
        click.echo(f"工作表“{plan.sheet}”，第{plan.header_row}行为表头：")
        for c in plan.columns:
            target = c.field_header or "（不导入）"
            how = f"（{c.how_label}）" if c.how_label else ""
            click.echo(f"  {c.letter}列 {c.header} → {target}{how}")
    for note in plan.notes:
        where = f"第{note.row}行：" if note.row else ""
        click.echo(f"提示：{where}{note.reason}")
    if plan.ok:
        batches = "、".join(f"第{n}批" for n in plan.new_batches) or "无"
        click.echo(
            f"将登记 {len(plan.rows)} 件（其中交办 {plan.assigned} 件），"
            f"反映问题 {plan.problem_total} 个，重点件 {plan.key_cases} 件；新建交办批次：{batches}"
        )


def _mapping(values: tuple[str, ...], header_fields: dict[str, str]) -> dict[str, str]:
    """``--map 表头=字段`` pairs → {header: field code}."""
    result: dict[str, str] = {}
    for value in values:
        header, sep, field = value.partition("=")
        if not sep or not header.strip():
            raise click.BadParameter(
                f"“{value}”应写成 表头=字段，如 信访件号=受理编号", param_hint="--map"
            )
        field = field.strip()
        if field in ("", "不导入"):
            code = ""
        elif field in header_fields:
            code = header_fields[field]
        else:
            raise click.BadParameter(
                f"未知的字段“{field}”，应为：{'、'.join(header_fields)} 或“不导入”",
                param_hint="--map",
            )
        result[header.strip()] = code
    return result


@click.group("cases")
def cases() -> None:
    """问题台账的导入与导出（.xlsx）。"""


@cases.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--by", "username", required=True, metavar="账号", help="以该账号的名义导入（调度员）。"
)
@click.option(
    "--feedback",
    is_flag=True,
    help="导入督察反馈问题（整改任务）；不加此项为督察交办信访件。须同时指定 --round。",
)
@click.option("--round", "round_id", type=int, metavar="ID", help="督察轮次的ID。")
@click.option(
    "--batch", "batch_number", type=click.IntRange(1, 999), help="表中未填交办批次的行归入此批次。"
)
@click.option(
    "--received",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="新建批次的交办日期（YYYY-MM-DD），默认今天。",
)
@click.option("--sheet", default="", help="要导入的工作表名称；默认自动选择。")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="表头=字段",
    help="指定某列对应的字段，如 --map 信访件号=受理编号；可多次使用；字段写“不导入”则跳过该列。",
)
@click.option("--commit", is_flag=True, help="检查通过后写入数据库；不加此项只预览，不写入。")
def import_(
    file: Path,
    username: str,
    feedback: bool,
    round_id: int | None,
    batch_number: int | None,
    received: dt.datetime | None,
    sheet: str,
    maps: tuple[str, ...],
    commit: bool,
) -> None:
    """从 Excel 台账（.xlsx）导入督察交办信访件或反馈问题。

    先不加 --commit 预览：列出各列对应的字段、将登记的件数和每个错误（表、行、列、原因）；
    没有错误时再加 --commit 导入，要么全部登记，要么一件不登记。
    """
    _setup()
    from django.utils import timezone

    from greenloop.cases.ledger import (
        LedgerOptions,
        LedgerRejected,
        SourceKind,
        commit_ledger,
        preview_ledger,
    )
    from greenloop.cases.ledger.columns import FIELDS
    from greenloop.org.importing.workbook import WorkbookRejected

    by = _user(username)
    by_header = _mapping(maps, {f.header: f.code for f in FIELDS})
    options = LedgerOptions(
        kind=SourceKind.FEEDBACK if feedback else SourceKind.PETITION,
        round_id=round_id,
        batch_number=batch_number,
        received_date=received.date() if received else None,
        sheet=sheet,
    )
    now = timezone.now()
    click.echo(f"文件：{file}")
    try:
        if by_header:
            options = _with_chosen(options, file, by_header, by=by, now=now)
        if not commit:
            plan = preview_ledger(file, options=options, by=by, now=now)
            _echo_plan(plan)
            if plan.problems:
                _echo_problems(plan.problems)
                raise SystemExit(1)
            click.echo("检查通过。加 --commit 执行导入。")
            return
        plan = commit_ledger(file, options=options, by=by, now=now, source_name=file.name)
    except WorkbookRejected as exc:
        click.echo(f"文件被拒绝：{exc}")
        raise SystemExit(1) from None
    except LedgerRejected as exc:
        _echo_problems(exc.problems)
        raise SystemExit(1) from None
    _echo_plan(plan)
    span = f"（{plan.numbers[0]} 至 {plan.numbers[-1]}）" if plan.numbers else ""
    click.echo(f"导入完成：登记 {len(plan.rows)} 件{span}，其中交办 {plan.assigned} 件。")


def _with_chosen(
    options: Any, file: Path, by_header: dict[str, str], *, by: Any, now: dt.datetime
) -> Any:
    """Turn ``--map`` header choices into column choices of the sheet the
    preview picks (a first preview finds the sheet and its header row)."""
    from dataclasses import replace

    from greenloop.cases.ledger import preview_ledger
    from greenloop.cases.ledger.columns import normalize_header as normalize

    first = preview_ledger(file, options=options, by=by, now=now)
    wanted = {normalize(h): code for h, code in by_header.items()}
    chosen = {c.index: wanted[c.header] for c in first.columns if c.header in wanted}
    missing = sorted(set(wanted) - {c.header for c in first.columns})
    if missing:
        raise click.BadParameter(
            f"工作表“{first.sheet}”的表头中没有：{'、'.join(missing)}", param_hint="--map"
        )
    return replace(options, sheet=first.sheet, chosen=chosen)


@cases.command("export")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="输出的 .xlsx 文件。",
)
@click.option("--by", "username", required=True, metavar="账号", help="按该账号的管辖范围导出。")
@click.option("--state", multiple=True, help="状态代码，可多次使用，如 RECTIFYING；OPEN 为在办。")
@click.option("--source", default="", help="来源代码，如 INSPECTION_PETITION。")
@click.option("--category", default="", help="污染类型代码，如 AIR。")
@click.option("--region", default="", metavar="区划代码", help="行政区域（含下级）。")
@click.option("--unit", "lead_unit", type=int, metavar="ID", help="牵头单位ID。")
@click.option("--key/--not-key", default=None, help="只导出重点件 / 非重点件。")
@click.option("--overdue", is_flag=True, help="只导出已逾期（红牌）的问题。")
@click.option("--round", "round_id", type=int, metavar="ID", help="督察轮次ID。")
@click.option("--batch", "batch_id", type=int, metavar="ID", help="交办批次ID。")
@click.option("-q", "q", default="", help="关键词（编号、受理编号、标题、反映对象）。")
def export(
    out: Path,
    username: str,
    state: tuple[str, ...],
    source: str,
    category: str,
    region: str,
    lead_unit: int | None,
    key: bool | None,
    overdue: bool,
    round_id: int | None,
    batch_id: int | None,
    q: str,
) -> None:
    """导出问题台账（.xlsx）：该账号管辖范围内、符合筛选条件的问题。"""
    _setup()
    from django.http import QueryDict
    from django.utils import timezone

    from greenloop.audit.log import record
    from greenloop.cases.ledger import filtered_cases, write_ledger

    by = _user(username)
    params = QueryDict(mutable=True)
    params.setlist("state", list(state))
    for name, value in (
        ("source", source),
        ("category", category),
        ("region", region),
        ("lead_unit", lead_unit),
        ("key", None if key is None else ("1" if key else "0")),
        ("deadline", "overdue" if overdue else None),
        ("inspection_round", round_id),
        ("batch", batch_id),
        ("q", q),
    ):
        if value not in (None, ""):
            params[name] = str(value)
    now = timezone.now()
    cases = filtered_cases(by, params, today=timezone.localdate(now))
    with out.open("wb") as fp:
        count = write_ledger(cases, fp, now=now)
    record(
        "greenloop.cases.ledger.exported",
        actor=by,
        target=out.name,
        data={"filters": {k: v for k, v in params.lists() if any(v)}, "rows": count},
    )
    click.echo(f"已导出 {count} 件问题到 {out}")
