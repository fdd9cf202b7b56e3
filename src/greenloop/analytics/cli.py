"""``greenloop evaluate air``: HJ 663 evaluation of a date range over the lake.

Contract (issue #6; scripts rely on it, ``docs/lake.md`` lists the columns):

* ``greenloop evaluate air --from DATE --to DATE [--by station|district|city]
  [--yoy] [--lake DIR]``; dates ``YYYY-MM-DD``, local (Beijing) days,
  inclusive; ``--lake`` defaults to ``$GREENLOOP_DATA_DIR/lake``
  (``./greenloop-data/lake``). Django is never loaded.
* Output: CSV on standard output, UTF-8, ``\\n`` line ends, one row per
  station / district / city, sorted by code; the columns of
  :func:`~greenloop.analytics.evaluate.output_columns`. The rule sets used
  (HJ 633, HJ 663, GB 3095, composite-index method) are columns
  ``standards, evaluation, limits, composite_method`` and, with ``--yoy``,
  the same with ``_previous``; they are also summarised on standard error.
* No data, or no stations table for ``--by district|city``: a message on
  standard error, nothing on standard output, exit status 1. Usage errors
  exit with status 2.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

import click

from greenloop.analytics.lake import default_lake_dir

if TYPE_CHECKING:
    from greenloop.analytics.evaluate import AirEvaluation


@click.group()
def evaluate() -> None:
    """环境质量评价（基于监测数据湖）。"""


@evaluate.command()
@click.option(
    "--from",
    "start",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="起始日期（含），YYYY-MM-DD，北京时间自然日。",
)
@click.option(
    "--to",
    "end",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="结束日期（含），YYYY-MM-DD。",
)
@click.option(
    "--by",
    type=click.Choice(["station", "district", "city"]),
    default="city",
    show_default=True,
    help="评价对象：站点、区县（其站点小时浓度的均值）或城市（国控站点均值）。",
)
@click.option("--yoy", is_flag=True, help="同时给出上年同期及同比变化，并注明两期所用标准。")
@click.option(
    "--lake",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="数据湖目录；默认 $GREENLOOP_DATA_DIR/lake。",
)
@click.option(
    "--stations",
    type=click.Choice(["official", "all"]),
    default="official",
    show_default=True,
    help="official：城市用国控站，区县和站点用国控、省控站；all：包括微站。",
)
@click.option(
    "--o3-1h/--no-o3-1h",
    default=True,
    show_default=True,
    help="HJ 633-2012 日报：O3 日最大 1 小时值是否参与日 AQI（标准条文：参与）。",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "pyspark"]),
    default=None,
    help="分析引擎；默认取 GREENLOOP_ANALYTICS_ENGINE，否则 duckdb。",
)
def air(
    start: dt.datetime,
    end: dt.datetime,
    by: str,
    yoy: bool,
    lake: Path | None,
    stations: str,
    o3_1h: bool,
    engine: str | None,
) -> None:
    """空气质量评价：期间统计、达标、优良天数比例、综合指数（HJ 663）。"""
    from greenloop.airquality import AqiOptions
    from greenloop.analytics import engine as engines
    from greenloop.analytics import evaluate as ev
    from greenloop.analytics.lake import MissingStations

    if end < start:
        raise click.BadParameter("结束日期早于开始日期", param_hint="--to")
    lake_dir = lake if lake is not None else default_lake_dir()
    try:
        con = engines.connect(engine)
        result = ev.evaluate_air(
            con,
            lake_dir,
            start=start.date(),
            end=end.date(),
            by=cast(ev.By, by),
            yoy=yoy,
            stations=cast(ev.StationChoice, stations),
            options=AqiOptions(daily_o3_1h=o3_1h),
        )
    except (ev.NoData, MissingStations, engines.EngineUnavailable) as exc:
        _fail(str(exc))
    _summarise(result)
    text = ev.to_csv_frame(result).to_csv(index=False, lineterminator="\n")
    # Bytes go to the binary stream: UTF-8 whatever the locale says.
    click.echo(text.encode("utf-8"), nl=False)


def _summarise(result: AirEvaluation) -> None:
    lines = []
    for title, side in (("本期", result.current), ("上年同期", result.previous)):
        if side is None:
            continue
        rules = "；".join(
            f"{name} {side.rules[key] or '—'}"
            for key, name in (
                ("standards", "AQI"),
                ("evaluation", "评价"),
                ("limits", "限值"),
                ("composite_method", "综合指数"),
            )
        )
        lines.append(f"{title} {side.label}：{rules}")
    click.echo(("\n".join(lines) + "\n").encode("utf-8"), err=True, nl=False)


def _fail(message: str) -> NoReturn:
    click.echo(f"错误：{message}\n".encode(), err=True, nl=False)
    sys.exit(1)
