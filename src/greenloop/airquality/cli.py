"""``greenloop aqi``: AQI of hourly or daily CSV files (HJ 633).

Contract (issue #6, scripts rely on it):

* input CSV, UTF-8 (BOM allowed); an empty cell or ``NA`` is a missing value;
* output CSV on standard output: the input columns exactly as given, then
  ``iaqi_so2, iaqi_no2, iaqi_pm10, iaqi_co, iaqi_o3, iaqi_pm25, aqi,
  primary, level, category``; rows in input order; ``\\n`` line ends;
* ``iaqi_*`` and ``aqi`` are plain integers (``0`` … ``500``), empty when
  there is no value; ``primary`` is the primary indicators' column names
  joined by ``;`` (e.g. ``pm25`` or ``pm10;pm25``, ``o3_8h``, ``so2_24h``),
  empty when AQI ≤ 50 or AQI is empty; ``level`` 1–6; ``category`` 优, 良,
  轻度污染, 中度污染, 重度污染, 严重污染; empty with AQI;
* AQI is empty when no sub-index exists, and for HJ 633-2026 rows also when
  an indicator is missing and AQI ≤ 100 (HJ 633-2026 §5.3.1);
* bad input (missing columns, non-numeric or negative concentrations,
  impossible dates, times not on the hour, duplicated hours, implausible
  magnitudes such as CO in µg/m³): nothing is written to standard output;
  every problem (up to 50) is written to standard error in Chinese, naming
  the file line (header = line 1) and the column; exit status 1. Usage
  errors (unknown option, missing file) exit with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any, Literal, cast

import click
import numpy as np
import pandas as pd

from greenloop.airquality import _input
from greenloop.airquality.aqi import (
    DAILY_COLUMNS,
    DAILY_OPTIONAL,
    HOURLY_COLUMNS,
    HOURLY_OPTIONAL,
    RESULT_COLUMNS,
    AqiArrays,
    daily_arrays,
    hourly_arrays,
    to_frame,
)
from greenloop.airquality.iaqi import MISSING
from greenloop.airquality.rulesets import AqiOptions, Convention, StandardChoice

_CHUNK = 200_000

standard_option = click.option(
    "--standard",
    type=click.Choice(["auto", "2012", "2026"]),
    default="auto",
    show_default=True,
    help="HJ 633 版本；auto 按每行数据的日期：2026-03-01 之前用 HJ 633-2012，之后用 HJ 633-2026。",
)


@click.group()
def aqi() -> None:
    """环境空气质量指数 AQI（HJ 633）：实时报与日报。"""


@aqi.command()
@click.argument("file", type=click.File("rb"))
@standard_option
@click.option(
    "--convention",
    type=click.Choice(["published", "text"]),
    default="published",
    show_default=True,
    help=(
        "HJ 633-2012 实时报口径：published = 国家平台实际发布口径（六项 1 小时值，"
        "PM 用 24 小时限值，无 O3 8 小时分指数）；text = 标准条文（PM 24 小时滑动平均、O3 8 小时滑动平均）。"
    ),
)
@click.option(
    "--hour-label",
    type=click.Choice(["end", "start"]),
    default="end",
    show_default=True,
    help="时间标签是小时的结束（end，13:00 = 12–13 时）还是开始。",
)
def hourly(file: IO[bytes], standard: str, convention: str, hour_label: str) -> None:
    """实时报：FILE.csv 含 station,time,so2,no2,pm10,co,o3,pm25（1 小时均值）。

    可选列 so2_24h,o3_8h,pm10_24h,pm25_24h；所用标准需要而未给出时，按 HJ 663
    由本站点的小时序列计算。
    """
    options = AqiOptions(
        convention=cast(Convention, convention),
        hour_label=cast(Literal["end", "start"], hour_label),
    )
    text = _read(file, HOURLY_COLUMNS)
    problems: list[_input.InputProblem] = []
    station = _input.parse_station(text, problems)
    times = _input.parse_times(text, "time", problems, hourly=True)
    values = _parse_values(text, HOURLY_COLUMNS[2:], HOURLY_OPTIONAL, problems)
    _input.check_duplicates(station, times, "time", problems, "小时")
    _fail_on(problems)
    frame = pd.DataFrame({"station": station, "time": times, **values})
    arrays = hourly_arrays(frame, standard=cast(StandardChoice, standard), options=options)
    _write(text, arrays)


@aqi.command()
@click.argument("file", type=click.File("rb"))
@standard_option
@click.option(
    "--o3-1h/--no-o3-1h",
    default=True,
    show_default=True,
    help="HJ 633-2012 日报：给出 o3_1h 时，O3 日最大 1 小时值是否参与 AQI（标准条文：参与）。",
)
def daily(file: IO[bytes], standard: str, o3_1h: bool) -> None:
    """日报：FILE.csv 含 station,date,so2,no2,pm10,co,o3_8h,pm25（日均值）。

    o3_8h 为 O3 日最大 8 小时滑动平均；可选列 o3_1h 为 O3 日最大 1 小时值
    （仅 HJ 633-2012 使用）。
    """
    options = AqiOptions(daily_o3_1h=o3_1h)
    text = _read(file, DAILY_COLUMNS)
    problems: list[_input.InputProblem] = []
    station = _input.parse_station(text, problems)
    dates = _input.parse_times(text, "date", problems, hourly=False)
    values = _parse_values(text, DAILY_COLUMNS[2:], DAILY_OPTIONAL, problems)
    _input.check_duplicates(station, dates, "date", problems, "日期")
    _fail_on(problems)
    frame = pd.DataFrame({"station": station, "date": dates, **values})
    arrays = daily_arrays(frame, standard=cast(StandardChoice, standard), options=options)
    _write(text, arrays)


def _read(file: IO[bytes], required: Sequence[str]) -> pd.DataFrame:
    try:
        text = _input.read_csv(file)
    except _input.InvalidInput as exc:
        _fail_on(exc.problems)
        raise  # unreachable: _fail_on exits
    _fail_on(_input.check_columns(text, required, RESULT_COLUMNS))
    return text


def _parse_values(
    text: pd.DataFrame,
    required: Sequence[str],
    optional: Sequence[str],
    problems: list[_input.InputProblem],
) -> dict[str, Any]:
    columns = [*required, *(c for c in optional if c in text.columns)]
    return {c: _input.parse_concentrations(text, c, problems) for c in columns}


def _fail_on(problems: Sequence[_input.InputProblem]) -> None:
    if not problems:
        return
    # Whole-file problems first, then by line: the order a person fixes them.
    ordered = sorted(problems, key=lambda p: -1 if p.line is None else p.line)
    shown = ordered[: _input.MAX_REPORTED]
    lines = [f"错误：{problem}" for problem in shown]
    more = len(problems) - len(shown)
    tail = f"（另有 {more} 处未列出）" if more > 0 else ""
    lines.append(f"输入有 {len(problems)} 处错误{tail}，未计算任何结果。")
    # Bytes go to the binary stream: Chinese survives a C/POSIX locale.
    click.echo(("\n".join(lines) + "\n").encode("utf-8"), err=True, nl=False)
    sys.exit(1)


#: Text of -1 (missing → empty) … 500, the range of IAQI, AQI and level.
_INT_TEXT = np.array(["", *(str(i) for i in range(501))], dtype=object)


def _format_int(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    text: np.ndarray[Any, Any] = _INT_TEXT[values.astype(np.intp) + 1]
    return text


def _write(text: pd.DataFrame, arrays: AqiArrays) -> None:
    result = to_frame(arrays, text.index)
    out = text.copy()
    for column in RESULT_COLUMNS:
        if column in ("aqi",) or column.startswith("iaqi_"):
            source = arrays.aqi if column == "aqi" else arrays.iaqi[column[5:]]
            out[column] = _format_int(source)
        elif column == "level":
            out[column] = _format_int(np.where(arrays.level == 0, MISSING, arrays.level))
        else:
            out[column] = result[column].astype(object).where(result[column].notna(), "")
    for start in range(0, max(len(out), 1), _CHUNK):
        chunk = out.iloc[start : start + _CHUNK]
        data = chunk.to_csv(index=False, header=start == 0, lineterminator="\n")
        # Bytes go to the binary stream: UTF-8 whatever the locale says.
        click.echo(data.encode("utf-8"), nl=False)
