"""Reading and checking CSV input of the ``aqi`` commands.

Every problem found is collected with its line and column, so that a bureau
fixes a file in one pass; nothing is computed from a file with errors (a
skipped row would silently change moving averages and daily means).
Line numbers are those of the file: the header is line 1, the first data row
line 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import pandas as pd

from greenloop.lib.problems import InputProblem

#: Highest plausible concentration of each column's pollutant, in the unit
#: the command expects (µg/m³, CO mg/m³). Above it the value is taken for a
#: unit error: the top of the CO table is 150 mg/m³, while CO in µg/m³ is
#: typically 300–3,000; sand storms give PM10 hourly values near 10,000.
PLAUSIBLE_MAX: dict[str, float] = {
    "so2": 10_000.0,
    "no2": 10_000.0,
    "pm10": 20_000.0,
    "co": 150.0,
    "o3": 2_000.0,
    "pm25": 5_000.0,
}

#: Pollutants that are never all at or below 1 µg/m³ over a day's values:
#: a file where they are is most likely in mg/m³ (SO2 can be that clean).
_NEVER_ALL_BELOW_ONE = ("no2", "pm10", "o3", "pm25")
_MIN_VALUES_FOR_SCALE_CHECK = 24

#: Text that means "missing" besides an empty cell (HJ 633 shows NA).
MISSING_TEXT = frozenset({"", "NA"})

MAX_REPORTED = 50


class InvalidInput(ValueError):
    """The input file has problems; nothing was computed."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems[:MAX_REPORTED]))


def pollutant_of(column: str) -> str:
    """Pollutant of an input column (``pm25_24h`` → ``pm25``, ``o3_8h`` → ``o3``)."""
    return column.split("_", 1)[0]


def read_csv(stream: IO[bytes] | str) -> pd.DataFrame:
    """Read a CSV file as text cells (nothing converted yet).

    Accepts UTF-8 with or without BOM; surrounding spaces of cells and
    header names are removed.
    """
    try:
        frame = pd.read_csv(
            stream,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError as exc:
        raise InvalidInput([InputProblem(None, None, "文件为空，缺少表头")]) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InvalidInput([InputProblem(None, None, f"无法读取 CSV：{exc}")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _lines(mask: np.ndarray[Any, Any]) -> list[int]:
    return (np.flatnonzero(mask) + 2).tolist()


def check_columns(
    frame: pd.DataFrame, required: Sequence[str], reserved: Sequence[str]
) -> list[InputProblem]:
    """Problems with the header: missing required or clashing columns."""
    problems = []
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems.append(InputProblem(1, None, f"缺少必需的列：{', '.join(missing)}"))
    clash = [c for c in reserved if c in frame.columns]
    if clash:
        problems.append(InputProblem(1, None, f"输入不能含有输出列：{', '.join(clash)}"))
    dup = frame.columns[frame.columns.duplicated()].tolist()
    if dup:
        problems.append(InputProblem(1, None, f"列名重复：{', '.join(map(str, dup))}"))
    return problems


def parse_station(frame: pd.DataFrame, problems: list[InputProblem]) -> np.ndarray[Any, Any]:
    """Station labels; an empty one is a problem."""
    station = frame["station"].str.strip()
    for line in _lines((station == "").to_numpy())[:MAX_REPORTED]:
        problems.append(InputProblem(line, "station", "站点不能为空"))
    labels: np.ndarray[Any, Any] = station.to_numpy(dtype=object)
    return labels


def parse_times(
    frame: pd.DataFrame, column: str, problems: list[InputProblem], *, hourly: bool
) -> pd.DatetimeIndex:
    """Parse ISO 8601 dates or times; impossible ones are problems.

    Times are local Beijing time; a time with a UTC offset is converted.
    Hourly values must be on the hour; daily dates must be dates.
    """
    text = frame[column].str.strip()
    times = _parse_iso(text)
    bad = times.isna()
    for line, value in zip(_lines(bad)[:MAX_REPORTED], text[bad].tolist(), strict=False):
        kind = "日期时间" if hourly else "日期"
        problems.append(
            InputProblem(
                line, column, f"无效的{kind} {value!r}（应为 ISO 8601，如 2025-06-01 13:00）"
            )
        )
    ok = ~bad
    ns = times.asi8
    unit = 3_600 * 10**9 if hourly else 86_400 * 10**9
    off = ok & (ns % unit != 0)
    for line, value in zip(_lines(off)[:MAX_REPORTED], text[off].tolist(), strict=False):
        need = "整点" if hourly else "日期（不含时刻）"
        problems.append(InputProblem(line, column, f"{value!r} 不是{need}"))
    return times


_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_HOUR_24 = r"^(\d{4}-\d{2}-\d{2})[ T]24:00(?::00)?$"


def _parse_iso(text: pd.Series) -> pd.DatetimeIndex:
    """ISO 8601 text to naive Beijing times; ``NaT`` where impossible.

    Times with a UTC offset (``Z``, ``+08:00``) are converted to Beijing
    time, so a file may mix both. ``24:00`` (HJ 663 writes "24 时") is
    00:00 of the next day.
    """
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    hour_24 = text.str.extract(_HOUR_24, expand=False)
    is_24 = hour_24.notna().to_numpy()
    aware = text.str.contains(_OFFSET, regex=True).to_numpy() & ~is_24
    naive = ~aware & ~is_24
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = pd.DatetimeIndex(parsed).as_unit("ns").to_numpy()
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
        local = pd.DatetimeIndex(parsed).tz_convert("Asia/Shanghai").tz_localize(None)
        out[aware] = local.as_unit("ns").to_numpy()
    if is_24.any():
        day = pd.to_datetime(hour_24[is_24], format="%Y-%m-%d", errors="coerce")
        out[is_24] = (pd.DatetimeIndex(day) + pd.Timedelta(days=1)).as_unit("ns").to_numpy()
    return pd.DatetimeIndex(out)


def parse_concentrations(
    frame: pd.DataFrame, column: str, problems: list[InputProblem]
) -> np.ndarray[Any, Any]:
    """Parse one concentration column to floats, ``NaN`` for missing cells.

    Problems: non-numeric text, negative or infinite values, values above
    :data:`PLAUSIBLE_MAX` (a unit error, e.g. CO in µg/m³) and a column of
    µg/m³ pollutant values that are all at most 1 (mg/m³ given).
    """
    # No strip: read_csv dropped leading spaces and to_numeric ignores the
    # trailing ones; stripping 2.6 million cells costs more than the AQI.
    text = frame[column]
    missing = text.isin(MISSING_TEXT).to_numpy()
    values = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    pollutant = pollutant_of(column)
    unit = "mg/m³" if pollutant == "co" else "µg/m³"
    non_numeric = ~missing & np.isnan(values)
    for line, value in zip(_lines(non_numeric), text[non_numeric].tolist(), strict=False):
        problems.append(InputProblem(line, column, f"浓度 {value!r} 不是数值"))
    with np.errstate(invalid="ignore"):
        negative = values < 0
        infinite = np.isinf(values)
        ceiling = PLAUSIBLE_MAX[pollutant]
        too_big = ~infinite & (values > ceiling)
    for line, value in zip(
        _lines(negative | infinite), text[negative | infinite].tolist(), strict=False
    ):
        problems.append(InputProblem(line, column, f"浓度 {value!r} 不能为负数或无穷大"))
    hint = (
        "CO 的单位应为 mg/m³，该值像是 µg/m³（差 1000 倍）"
        if pollutant == "co"
        else f"单位应为 {unit}，请检查是否差 1000 倍"
    )
    for line, value in zip(_lines(too_big), text[too_big].tolist(), strict=False):
        problems.append(
            InputProblem(line, column, f"浓度 {value} {unit} 超过合理上限 {ceiling:g}：{hint}")
        )
    present = values[~np.isnan(values)]
    if (
        pollutant in _NEVER_ALL_BELOW_ONE
        and present.size >= _MIN_VALUES_FOR_SCALE_CHECK
        and present.max() <= 1.0
    ):
        problems.append(
            InputProblem(
                None,
                column,
                f"全部 {present.size} 个值都不超过 1：单位应为 µg/m³，数据像是 mg/m³（差 1000 倍）",
            )
        )
    bad = non_numeric | negative | infinite
    values[bad] = np.nan
    result: np.ndarray[Any, Any] = values
    return result


def check_duplicates(
    station: np.ndarray[Any, Any],
    times: pd.DatetimeIndex,
    column: str,
    problems: list[InputProblem],
    what: str,
) -> None:
    """Rows with the same station and time/date are problems (both lines named).

    Rows whose station or time could not be read are left out: they are
    reported already.
    """
    ok = (station != "") & ~times.isna()
    rows = np.flatnonzero(ok)
    frame = pd.DataFrame({"s": station[rows], "t": times.asi8[rows]})
    dup = frame.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first_line: dict[tuple[Any, int], int] = {}
    for row, key in zip(
        rows[dup].tolist(), frame[dup].itertuples(index=False, name=None), strict=True
    ):
        if key not in first_line:
            first_line[key] = row + 2
            continue
        problems.append(
            InputProblem(row + 2, column, f"与第 {first_line[key]} 行重复（同一站点同一{what}）")
        )
