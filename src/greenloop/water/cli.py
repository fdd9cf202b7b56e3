"""``greenloop water``: classify surface-water samples and sections.

The commands parse arguments, build :class:`WaterRules`, read the file and
call the kernel; formatting of the output CSV is the only logic here.
"""

from __future__ import annotations

import sys
from typing import Literal

import click
import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.water._basin import FEW_SECTIONS, basin_status, share_status
from greenloop.water._classes import WaterClass, class_labels, class_statuses
from greenloop.water._classify import evaluate_samples, evaluate_sections
from greenloop.water._cwqi import city_cwqi
from greenloop.water._numeric import format_fixed, snap
from greenloop.water._rules import CLASS_ITEMS, CWQI_ITEMS, WaterRules
from greenloop.water._standards import GB3838_2002, STANDARDS, get_standard
from greenloop.water._table import FIXED_COLUMNS, InputError, SampleTable, TableError, read_samples

__all__ = ["water"]

SAMPLE_COLUMNS = (
    "class",
    "status",
    "exceeding",
    "reference_exceeding",
    "meets_target",
    "cwqi",
    "standard",
)
MAX_ERRORS_SHOWN = 100
EXIT_DATA_ERROR = 1


@click.group()
def water() -> None:
    """地表水水质评价：GB 3838-2002 类别、超标项目、达标情况与城市水质指数 CWQI。"""


@water.command()
@click.option("--standard", default="GB3838-2002", show_default=True, help="标准版本。")
def items(standard: str) -> None:
    """列出可用的监测项目列名、单位与 Ⅰ–Ⅴ 类限值（CSV）。"""
    try:
        std = get_standard(standard)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--standard") from exc
    rows = []
    for spec in std.items.values():
        for body, limits in (("river", spec.river), ("lake", spec.lake)):
            if body == "lake" and limits == spec.river:
                continue
            cells = ["", "", "", "", ""]
            if spec.kind == "range" and limits:
                cells = [f"{limits[0]:g}~{limits[1]:g}"] * 5
            elif limits:
                cells = [np.format_float_positional(v, trim="-") for v in limits]
            rows.append(
                {
                    "column": spec.code,
                    "name": spec.name,
                    "unit": spec.unit,
                    "body": "all" if spec.lake == spec.river else body,
                    "kind": spec.kind,
                    **dict(zip(("I", "II", "III", "IV", "V"), cells, strict=True)),
                    "in_class": "yes" if spec.code in CLASS_ITEMS else "no",
                    "in_cwqi": "yes" if spec.code in CWQI_ITEMS else "no",
                    "aliases": "|".join((spec.name, *spec.aliases)),
                }
            )
    click.echo(pd.DataFrame(rows).to_csv(index=False, lineterminator="\n"), nl=False)


_CLASSIFY_HELP = f"""对 CSV 中的水样按 GB 3838-2002 单因子法评价，结果 CSV 写到标准输出。

\b
输入列（表头不区分大小写）：
  section  断面名称（也可写 {"、".join(FIXED_COLUMNS["section"][1:])}）
  date     采样日期 YYYY-MM-DD（或 YYYY-MM、YYYY/MM/DD、带时间）
  body     水体类型：river/河流/河 或 lake/湖库/湖泊/水库/湖/库
  target   可选，水质目标 Ⅰ–Ⅴ、I–V 或 1–5（可带“类”）
  do_sat   可选，溶解氧饱和度（%），≥ 90 时溶解氧计 Ⅰ 类
  项目列   ph do codmn cod bod5 nh3n tp tn cu zn f se as hg cd cr6 pb
           cn phenol oil las sulfide fc wt，也认中文名和 NH3-N、CODMn
           等写法（greenloop water items 列出全部）。空单元格 = 未监测；
           低于检出限写“0.01L”或“<0.01”（按检出限的一半计算，定类计 Ⅰ 类）。

\b
输出（--by sample）：输入各列，加
  class 类别（Ⅰ…Ⅴ、劣Ⅴ）, status 水质状况, exceeding 超过目标类别的
  定类项目及超标倍数（如“总磷(1.2);氨氮(0.6);溶解氧”，按倍数降序；无目标
  时对照 Ⅲ 类）, reference_exceeding 参考指标（湖库总氮、粪大肠菌群）,
  meets_target true/false（无目标为空）, cwqi 单样 CWQI（4 位小数）,
  standard 所用标准。

\b
--by section：每个断面一行，按文件全部日期求各项目算术均值后定类，列为
  level（section）, section, body, target, start, end, samples, 各项目均值,
  class, status, exceeding, reference_exceeding, meets_target, cwqi,
  standard；最后一行 level=city 为全市 CWQI（河流、湖库按断面数加权）及
  全市水质状况（≥ {FEW_SECTIONS} 个断面按类别比例法）。

\b
错误：缺列、非数值、负数、不存在的日期、无法识别的类别或水体类型、
  重复样品、同一断面水体类型不一致等，逐条写到标准错误，注明行号（表头为
  第 1 行）和列名，退出码 1，标准输出不输出任何内容。加 --skip-invalid 时
  仍报告错误、退出码仍为 1，但输出其余有效行（--by section 时只用有效行
  计算）。
"""


@water.command(help=_CLASSIFY_HELP)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--by",
    type=click.Choice(["sample", "section"]),
    default="sample",
    show_default=True,
    help="逐样品评价，或按断面汇总文件所含时段。",
)
@click.option(
    "--standard",
    default="auto",
    show_default=True,
    help="auto：按每行日期选用当时有效的标准；或指定如 GB3838-2002。",
)
@click.option(
    "--multiple-of",
    type=click.Choice(["target", "III"]),
    default="target",
    show_default=True,
    help="超标倍数的对照类别：水质目标（无目标时 Ⅲ 类），或一律 Ⅲ 类。",
)
@click.option(
    "--lake-tn/--no-lake-tn",
    default=False,
    show_default=True,
    help="湖库总氮是否参与定类（默认单独评价）。",
)
@click.option(
    "--ph-outside-class",
    default="劣V",
    show_default=True,
    help="pH 超出 6–9 时的类别。",
)
@click.option(
    "--min-samples",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="--by section 时断面定类所需的最少样品数。",
)
@click.option(
    "--below-dl-fraction",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="低于检出限的数据按检出限的多少倍参与计算。",
)
@click.option(
    "--city-weighting",
    type=click.Choice(["count", "equal"]),
    default="count",
    show_default=True,
    help="全市 CWQI：河流、湖库 CWQI 按断面数加权或等权。",
)
@click.option(
    "--city-averaging",
    type=click.Choice(["concentrations", "sections"]),
    default="concentrations",
    show_default=True,
    help="全市 CWQI：先平均各项目浓度再计算，或平均断面 CWQI。",
)
@click.option(
    "--mean-decimals",
    default="",
    metavar="ITEM=N,…",
    help="--by section 时先将均值修约到 N 位小数再定类，如 nh3n=2,tp=3（默认不修约）。",
)
@click.option(
    "--rounding",
    type=click.Choice(["half_even", "half_up"]),
    default="half_even",
    show_default=True,
    help="修约：half_even 按 GB/T 8170 四舍六入五成双；half_up 四舍五入。",
)
@click.option("--skip-invalid", is_flag=True, help="有错误时仍输出其余有效行（退出码仍为 1）。")
@click.option(
    "--encoding",
    default="auto",
    show_default=True,
    help="输入编码；auto 先试 UTF-8（可带 BOM），再试 GB18030。",
)
@click.pass_context
def classify(
    ctx: click.Context,
    file: str,
    by: Literal["sample", "section"],
    standard: str,
    multiple_of: Literal["target", "III"],
    lake_tn: bool,
    ph_outside_class: str,
    min_samples: int,
    below_dl_fraction: float,
    city_weighting: Literal["count", "equal"],
    city_averaging: Literal["concentrations", "sections"],
    mean_decimals: str,
    rounding: Literal["half_even", "half_up"],
    skip_invalid: bool,
    encoding: str,
) -> None:
    try:
        ph_class = WaterClass.parse(ph_outside_class)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--ph-outside-class") from exc
    rules = WaterRules(
        lake_tn_in_class=lake_tn,
        ph_outside_class=ph_class,
        below_dl_fraction=below_dl_fraction,
        min_samples=min_samples,
        exceedance_reference=multiple_of,
        city_weighting=city_weighting,
        city_averaging=city_averaging,
        rounding=rounding,
        mean_decimals=_parse_decimals(mean_decimals),
    )
    text = _read_text(file, encoding)
    try:
        table = read_samples(
            text, standard=standard, rules=rules, one_target_per_section=by == "section"
        )
    except TableError as exc:
        _report(exc.errors)
        ctx.exit(EXIT_DATA_ERROR)
    for note in table.notes:
        click.echo(f"提示：{note}", err=True)
    valid = ~table.invalid
    if by == "section":
        used = pd.unique(table.standard[valid])
        if len(used) > 1:
            table.errors.append(
                InputError(None, None, f"文件跨越多个标准版本（{'、'.join(used)}），请分时段评价")
            )
            valid[:] = False
    if table.errors:
        _report(table.errors)
        if not skip_invalid:
            click.echo("有错误，未输出结果（可用 --skip-invalid 输出其余有效行）。", err=True)
            ctx.exit(EXIT_DATA_ERROR)
    output = _by_sample(table, valid, rules) if by == "sample" else _by_section(table, valid, rules)
    click.echo(output.to_csv(index=False, lineterminator="\n"), nl=False)
    if table.errors:
        ctx.exit(EXIT_DATA_ERROR)


def _parse_decimals(text: str) -> dict[str, int]:
    decimals: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, digits = part.partition("=")
        code = GB3838_2002.resolve_column(name)
        if code is None or not digits.strip().isdigit():
            raise click.BadParameter(
                f"应为 项目=位数，如 tp=3：{part}", param_hint="--mean-decimals"
            )
        decimals[code] = int(digits)
    return decimals


def _read_text(file: str, encoding: str) -> str:
    try:
        if file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise click.FileError(file, hint=exc.strerror) from exc
    candidates = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
        except LookupError as exc:
            raise click.BadParameter(f"未知编码：{encoding}", param_hint="--encoding") from exc
    raise click.FileError(file, hint=f"无法按 {'、'.join(candidates)} 解码，请用 --encoding 指定")


def _report(errors: list[InputError]) -> None:
    for error in errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"错误：{error}", err=True)
    if len(errors) > MAX_ERRORS_SHOWN:
        click.echo(f"……另有 {len(errors) - MAX_ERRORS_SHOWN} 处错误未列出", err=True)


def _yes_no(values: pd.Series) -> npt.NDArray[np.object_]:
    flags = pd.array(values, dtype="boolean")
    text = np.where(flags.fillna(False).to_numpy(dtype=bool), "true", "false").astype(object)
    return np.where(flags.isna(), "", text)


def _format_results(result: pd.DataFrame, codes: npt.ArrayLike, rules: WaterRules) -> pd.DataFrame:
    classes = result["class"].fillna(0).to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "class": class_labels(classes),
            "status": class_statuses(classes),
            "exceeding": result["exceeding"].to_numpy(dtype=object),
            "reference_exceeding": result["reference_exceeding"].to_numpy(dtype=object),
            "meets_target": _yes_no(result["meets_target"]),
            "cwqi": format_fixed(
                result["cwqi"].to_numpy(dtype=float), rules.cwqi_decimals, mode=rules.rounding
            ),
            "standard": np.asarray(codes, dtype=object),
        },
        index=result.index,
    )


def _passthrough(table: SampleTable, valid: npt.NDArray[np.bool_]) -> pd.DataFrame:
    raw = table.raw.loc[valid]
    clashing = [c for c in raw.columns if c in SAMPLE_COLUMNS]
    if clashing:
        click.echo(f"提示：输入中的列 {'、'.join(clashing)} 被评价结果取代", err=True)
    return raw.drop(columns=clashing)


def _by_sample(table: SampleTable, valid: npt.NDArray[np.bool_], rules: WaterRules) -> pd.DataFrame:
    parts = []
    for code in pd.unique(table.standard[valid]):
        rows = valid & (table.standard == code)
        saturation = None if table.do_saturation is None else table.do_saturation[rows]
        result = evaluate_samples(
            table.values.loc[rows],
            table.lake[rows],
            table.target[rows],
            below_dl=table.below_dl.loc[rows],
            do_saturation=saturation,
            standard=STANDARDS[code],
            rules=rules,
        )
        parts.append(_format_results(result, np.full(len(result), code, dtype=object), rules))
    formatted = (
        pd.concat(parts).sort_index() if parts else pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    )
    return pd.concat([_passthrough(table, valid), formatted], axis=1)


def _format_number(values: npt.ArrayLike) -> list[str]:
    # One entry per section: a Python loop over sections, not samples.
    return [
        "" if np.isnan(v) else np.format_float_positional(v, trim="-")
        for v in snap(np.asarray(values, dtype=float))
    ]


def _by_section(
    table: SampleTable, valid: npt.NDArray[np.bool_], rules: WaterRules
) -> pd.DataFrame:
    header = [
        "level",
        "section",
        "body",
        "target",
        "start",
        "end",
        "samples",
        *table.item_headers.values(),
        *SAMPLE_COLUMNS,
    ]
    if not valid.any():
        return pd.DataFrame(columns=header)
    code = table.standard[valid][0]
    standard = STANDARDS[code]
    saturation = None if table.do_saturation is None else table.do_saturation[valid]
    sections = table.section[valid]
    result = evaluate_sections(
        table.values.loc[valid],
        sections,
        table.lake[valid],
        table.target[valid],
        below_dl=table.below_dl.loc[valid],
        do_saturation=saturation,
        standard=standard,
        rules=rules,
    )
    dates = pd.Series(table.dates[valid], index=pd.Index(sections))
    start = dates.groupby(level=0, sort=False).min().reindex(result.index)
    end = dates.groupby(level=0, sort=False).max().reindex(result.index)
    formatted = _format_results(result, np.full(len(result), code, dtype=object), rules)
    formatted.loc[~result["sufficient"].to_numpy(dtype=bool), "status"] = "样本不足"
    rows = pd.DataFrame(
        {
            "level": "section",
            "section": result.index.to_numpy(dtype=object),
            "body": result["body"].to_numpy(dtype=object),
            "target": class_labels(result["target"].to_numpy()),
            "start": start.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
            "end": end.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
            "samples": result["samples"].astype(str).to_numpy(dtype=object),
            **{
                header_name: _format_number(result[item])
                for item, header_name in table.item_headers.items()
            },
        }
    )
    rows = pd.concat([rows, formatted.reset_index(drop=True)], axis=1)
    city = _city_row(result, table, rules, standard.code)
    city["start"], city["end"] = rows["start"].min(), rows["end"].max()
    return pd.concat([rows, pd.DataFrame([city])], ignore_index=True)[header].fillna("")


def _city_row(
    result: pd.DataFrame, table: SampleTable, rules: WaterRules, code: str
) -> dict[str, str]:
    """Whole-file row: city CWQI (ref. §3.3) and the region's status (§2.3)."""
    used = result[result["sufficient"].to_numpy(dtype=bool)]
    items = list(table.item_headers)
    standard = STANDARDS[code]
    city = city_cwqi(used[items], used["body"].to_numpy(), standard=standard, rules=rules)
    water_class, status = "", ""
    if len(used) >= FEW_SECTIONS:
        status = str(share_status(used["class"].to_numpy(), rules=rules)["status"].iloc[0])
    elif len(used) and used["body"].nunique() == 1:
        region = basin_status(used[items], used["body"].to_numpy(), standard=standard, rules=rules)
        water_class = str(class_labels(region["class"].to_numpy())[0])
        status = str(region["status"].iloc[0])
    cwqi = city["city"].to_numpy(dtype=float) if len(city) else np.array([np.nan])
    return {
        "level": "city",
        "section": "全市",
        "samples": str(int(result["samples"].sum())),
        "class": water_class,
        "status": status,
        "cwqi": str(format_fixed(cwqi, rules.cwqi_decimals, mode=rules.rounding)[0]),
        "standard": code,
    }
