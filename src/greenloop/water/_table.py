"""Reading and checking a CSV of water samples for the ``water`` commands.

The checks are vectorised per column; only the rows found wrong are turned
into messages. Every message names the file line (the header is line 1)
and the column, in Chinese.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.lib.problems import InputProblem
from greenloop.water._classes import WaterClass, parse_bodies, parse_classes
from greenloop.water._rules import DEFAULT_RULES, WaterRules
from greenloop.water._standards import STANDARDS, get_standard, standards_for_dates

__all__ = ["FIXED_COLUMNS", "InputError", "SampleTable", "TableError", "read_samples"]

# Canonical name -> accepted header spellings (case-insensitive).
FIXED_COLUMNS: dict[str, tuple[str, ...]] = {
    "section": ("section", "断面", "断面名称", "点位", "点位名称"),
    "date": ("date", "日期", "采样日期", "监测日期", "时间"),
    "body": ("body", "水体", "水体类型"),
    "target": ("target", "目标", "水质目标", "目标类别"),
    "do_sat": ("do_sat", "do_saturation", "溶解氧饱和度"),
}
_REQUIRED = ("section", "date", "body")
_LABELS = {
    "section": "断面",
    "date": "日期",
    "body": "水体类型",
    "target": "水质目标",
    "do_sat": "溶解氧饱和度",
}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_BELOW_DL = re.compile(rf"^(?:<\s*(?P<lt>{_NUMBER})|(?P<suffix>{_NUMBER})\s*[Ll])$")
_NO_DETECTION_LIMIT = ("ph", "do", "wt", "do_sat")  # values, not concentrations
_PH_MAX = 14.0


InputError = InputProblem


class TableError(Exception):
    """The file cannot be read as a table of samples at all."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class SampleTable:
    """Parsed samples; rows with an error are marked in ``invalid``."""

    raw: pd.DataFrame
    lines: npt.NDArray[np.int64]
    section: npt.NDArray[np.object_]
    dates: npt.NDArray[np.datetime64]
    lake: npt.NDArray[np.bool_]
    target: npt.NDArray[np.int64]
    values: pd.DataFrame
    below_dl: pd.DataFrame
    do_saturation: npt.NDArray[np.float64] | None
    standard: npt.NDArray[np.object_]
    item_headers: dict[str, str]
    fixed_headers: dict[str, str]
    invalid: npt.NDArray[np.bool_]
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return "".join(name.split()).casefold()


def _parse_frame(text: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise TableError([InputError(None, None, "文件为空")]) from exc
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, saw = found.groups()
            message = f"字段数为 {saw}，表头为 {expected} 列"
            raise TableError([InputError(int(line), None, message)]) from exc
        raise TableError([InputError(None, None, f"CSV 格式错误：{exc}")]) from exc
    return frame


class _Checker:
    """Collects errors per (row, column) with vectorised masks."""

    def __init__(self, lines: npt.NDArray[np.int64]) -> None:
        self.lines = lines
        self.invalid = np.zeros(len(lines), dtype=bool)
        self.errors: list[InputError] = []
        self._seen: dict[str, npt.NDArray[np.bool_]] = {}

    def flag(
        self,
        mask: npt.NDArray[np.bool_],
        column: str,
        messages: npt.ArrayLike,
    ) -> None:
        """Record an error for each row in ``mask`` (messages per row or one).

        Only the first error of a cell is kept.
        """
        seen = self._seen.setdefault(column, np.zeros(len(self.lines), dtype=bool))
        mask = np.asarray(mask, dtype=bool) & ~seen
        if not mask.any():
            return
        texts = np.broadcast_to(np.asarray(messages, dtype=object), mask.shape)
        for position in np.flatnonzero(mask):
            self.errors.append(InputError(int(self.lines[position]), column, texts[position]))
        self.invalid |= mask
        seen |= mask


def _quoted(cells: pd.Series) -> npt.NDArray[np.object_]:
    return ("“" + cells.astype(str) + "”").to_numpy(dtype=object)


def _parse_numbers(
    cells: pd.Series, code: str, header: str, check: _Checker, rules: WaterRules
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    text = cells.str.strip()
    empty = (text == "").to_numpy()
    plain = text.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
    below = text.str.extract(_BELOW_DL)
    is_below = (below["lt"].notna() | below["suffix"].notna()).to_numpy()
    number_text = text.where(plain, below["lt"].fillna(below["suffix"]))
    values = pd.to_numeric(number_text.where(plain | is_below), errors="coerce").to_numpy(float)
    bad = ~empty & ~plain & ~is_below
    check.flag(bad, header, _quoted(cells) + "不是数值（低于检出限写作“0.01L”或“<0.01”）")
    if code in _NO_DETECTION_LIMIT:
        check.flag(is_below, header, "该项目不能标注低于检出限")
    negative = ~np.isnan(values) & (values < 0)
    check.flag(negative, header, _quoted(cells) + "为负数")
    if code == "ph":
        check.flag(~np.isnan(values) & (values > _PH_MAX), header, _quoted(cells) + "超出 pH 0–14")
    if code not in _NO_DETECTION_LIMIT:
        # Reference §2 ⚠: a share (half) of the detection limit for arithmetic.
        values = np.where(is_below, values * rules.below_dl_fraction, values)
    values = np.where(bad | negative, np.nan, values)
    return values, is_below & ~bad & ~negative


def _resolve_headers(
    header: list[str], standard_codes: list[str]
) -> tuple[dict[str, int], dict[str, int], list[str], list[InputError]]:
    fixed_index = {
        _key(alias): name for name, aliases in FIXED_COLUMNS.items() for alias in aliases
    }
    fixed: dict[str, int] = {}
    items: dict[str, int] = {}
    unknown: list[str] = []
    errors: list[InputError] = []
    for position, name in enumerate(header):
        canonical = fixed_index.get(_key(name))
        if canonical is not None:
            target, kind = fixed, canonical
        else:
            found = {STANDARDS[c].resolve_column(name) for c in standard_codes} - {None}
            if not found:
                if name.strip():
                    unknown.append(name)
                continue
            target, kind = items, str(found.pop())
        if kind in target:
            first = header[target[kind]]
            errors.append(InputError(1, name, f"与列“{first}”重复"))
            continue
        target[kind] = position
    return fixed, items, unknown, errors


def read_samples(
    text: str,
    *,
    standard: str = "auto",
    rules: WaterRules = DEFAULT_RULES,
    one_target_per_section: bool = False,
) -> SampleTable:
    """Parse and check CSV text of samples.

    Raises
    ------
    TableError
        When the file cannot be used at all (unreadable, missing columns,
        duplicated columns, no item columns, unknown standard).
    """
    frame = _parse_frame(text)
    header = [str(h).strip().lstrip("\ufeff") for h in frame.iloc[0].tolist()]
    body_rows = frame.iloc[1:].reset_index(drop=True)
    body_rows.columns = pd.RangeIndex(len(header))
    lines = np.arange(2, len(body_rows) + 2, dtype=np.int64)
    blank = (body_rows.apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
    body_rows = body_rows[~blank].reset_index(drop=True)
    lines = lines[~blank]

    if standard == "auto":
        standard_codes = list(STANDARDS)
    else:
        try:
            standard_codes = [get_standard(standard).code]
        except KeyError as exc:
            raise TableError([InputError(None, None, str(exc.args[0]))]) from exc
    fixed, items, unknown, header_errors = _resolve_headers(header, standard_codes)
    missing = [name for name in _REQUIRED if name not in fixed]
    if missing:
        names = "、".join(f"{name}（{_LABELS[name]}）" for name in missing)
        header_errors.append(InputError(None, None, f"缺少必需列：{names}"))
    if not any(code in rules.class_items for code in items):
        header_errors.append(
            InputError(
                None,
                None,
                "没有可评价的监测项目列（如 ph、do、codmn、nh3n、tp，见 greenloop water items）",
            )
        )
    if header_errors:
        raise TableError(header_errors)

    raw = body_rows.copy()
    raw.columns = header
    check = _Checker(lines)

    def column(name: str) -> pd.Series:
        return body_rows[fixed[name]].str.strip()

    section = column("section")
    check.flag((section == "").to_numpy(), header[fixed["section"]], "断面名称为空")

    date_header = header[fixed["date"]]
    date_text = column("date").str.replace("/", "-", regex=False)
    dates = pd.to_datetime(date_text, format="ISO8601", errors="coerce")
    date_empty = (date_text == "").to_numpy()
    check.flag(date_empty, date_header, "日期为空")
    check.flag(
        dates.isna().to_numpy() & ~date_empty,
        date_header,
        _quoted(column("date")) + "不是有效日期（应为 YYYY-MM-DD，且日期存在）",
    )

    body_header = header[fixed["body"]]
    bodies = parse_bodies(column("body"))
    check.flag(
        bodies < 0,
        body_header,
        _quoted(column("body")) + "不是可识别的水体类型（river/河流 或 lake/湖库）",
    )
    lake = bodies == 1

    target = np.zeros(len(body_rows), dtype=np.int64)
    if "target" in fixed:
        target_header = header[fixed["target"]]
        target = parse_classes(column("target")).astype(np.int64)
        check.flag(
            (target < 0) | (target == WaterClass.WORSE_THAN_V),
            target_header,
            _quoted(column("target")) + "不是可识别的水质目标（Ⅰ–Ⅴ 或 I–V）",
        )
        target = np.where((target < 0) | (target > WaterClass.V), 0, target)

    values: dict[str, npt.NDArray[np.float64]] = {}
    below: dict[str, npt.NDArray[np.bool_]] = {}
    for code, position in items.items():
        values[code], below[code] = _parse_numbers(
            body_rows[position], code, header[position], check, rules
        )
    saturation = None
    if "do_sat" in fixed:
        saturation, _ = _parse_numbers(
            body_rows[fixed["do_sat"]], "do_sat", header[fixed["do_sat"]], check, rules
        )

    if standard == "auto":
        codes = np.full(len(body_rows), "", dtype=object)
        known = dates.notna().to_numpy()
        codes[known] = standards_for_dates(dates[known].to_numpy())
        first = next(iter(STANDARDS.values()))
        check.flag(
            known & (codes == ""),
            date_header,
            f"早于 {first.code} 实施日期 {first.effective_from:%Y-%m-%d}，没有适用的标准"
            f"（可用 --standard {first.code.replace(' ', '')} 指定）",
        )
    else:
        codes = np.full(len(body_rows), standard_codes[0], dtype=object)

    _check_sections(check, section, dates, lake, target, header, fixed, one_target_per_section)

    item_headers = {code: header[position] for code, position in items.items()}
    order = sorted(
        check.errors,
        key=lambda e: (e.line or 0, header.index(e.column) if e.column in header else -1),
    )
    return SampleTable(
        raw=raw,
        lines=lines,
        section=section.to_numpy(dtype=object),
        dates=dates.to_numpy(dtype="datetime64[s]"),
        lake=lake,
        target=target,
        values=pd.DataFrame(values, dtype=float),
        below_dl=pd.DataFrame(below, dtype=bool),
        do_saturation=saturation,
        standard=codes,
        item_headers=item_headers,
        fixed_headers={name: header[position] for name, position in fixed.items()},
        invalid=check.invalid,
        errors=order,
        notes=[f"未识别的列（原样保留，不参与评价）：{'、'.join(unknown)}"] if unknown else [],
    )


def _check_sections(
    check: _Checker,
    section: pd.Series,
    dates: pd.Series,
    lake: npt.NDArray[np.bool_],
    target: npt.NDArray[np.int64],
    header: list[str],
    fixed: dict[str, int],
    one_target_per_section: bool,
) -> None:
    """Duplicated samples and sections that change type (or target)."""
    frame = pd.DataFrame(
        {
            "section": section.to_numpy(dtype=object),
            "date": dates.to_numpy(),
            "lake": lake,
            "target": target,
            "line": check.lines,
        }
    )
    usable = frame[~check.invalid]
    duplicated = usable.duplicated(["section", "date"], keep="first")
    first_line = usable.groupby(["section", "date"], sort=False)["line"].transform("first")
    mask = np.zeros(len(frame), dtype=bool)
    mask[usable.index[duplicated]] = True
    messages = np.full(len(frame), "", dtype=object)
    messages[usable.index] = (
        "与第 " + first_line.astype(str) + " 行的断面和日期相同（重复样品）"
    ).to_numpy(dtype=object)
    check.flag(mask, header[fixed["date"]], messages)

    usable = frame[~check.invalid]
    checks = [("lake", "body", "水体类型")]
    if one_target_per_section and "target" in fixed:
        checks.append(("target", "target", "水质目标"))
    for field_name, column, label in checks:
        grouped = usable.groupby("section", sort=False)
        first_value = grouped[field_name].transform("first")
        first_line = grouped["line"].transform("first")
        differs = usable[field_name] != first_value
        mask = np.zeros(len(frame), dtype=bool)
        mask[usable.index[differs]] = True
        messages = np.full(len(frame), "", dtype=object)
        messages[usable.index] = (
            "断面的" + label + "与第 " + first_line.astype(str) + " 行不一致"
        ).to_numpy(dtype=object)
        check.flag(mask, header[fixed[column]], messages)
