"""The ledger (台账) layout: its columns, their header synonyms, and how cell
values are read.

One layout serves import and export. Inspection teams and cities name the
same column in many ways (受理编号 / 信访件编号 / 交办编号…); each field lists
the names it is known by, matched after :func:`normalize_header`. A user may
map any other header by hand; :mod:`.mapping` remembers that per user.

Columns marked ``imported=False`` are written by the export (state, closing
date, on-time flag…) and recognised but not read on import: re-importing an
export gives no "unknown column" noise and never fakes a case's history.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from greenloop.cases.models import CaseCategory, FeedbackAspect
from greenloop.org.importing.schema import normalize_header as _org_normalize_header


@dataclass(frozen=True, slots=True)
class LedgerField:
    code: str
    # The header the export writes and the mapping form shows.
    header: str
    synonyms: tuple[str, ...] = ()
    # Read on import.
    imported: bool = True
    # Written by the export.
    exported: bool = True
    # Export column width, in Excel character units.
    width: int = 14
    note: str = ""


def _f(code: str, header: str, synonyms: str = "", **kw: object) -> LedgerField:
    return LedgerField(code, header, tuple(synonyms.split()), **kw)  # type: ignore[arg-type]


# Export order. Codes are stable: remembered mappings store them.
FIELDS: tuple[LedgerField, ...] = (
    _f("seq", "序号", "编号序号", imported=False, width=6),
    _f("number", "问题编号", "系统编号 平台编号", imported=False, width=16),
    _f(
        "external_number",
        "受理编号",
        "信访编号 信访件编号 交办编号 来件编号 案件编号 举报编号 转办编号 受理号 信访件受理编号",
        width=16,
        note="督察组受理编号；交办信访件必填，同一轮次内不能重复",
    ),
    _f(
        "batch",
        "交办批次",
        "批次 批次号 交办批次号 转办批次 交办批号 交办批",
        width=10,
        note="如“第3批”或“3”；需先选择督察轮次，系统中没有的批次将自动创建",
    ),
    _f(
        "title",
        "问题标题",
        "标题 问题名称 问题简述 简要问题",
        width=30,
        note="选填；不填时取“反映问题”的第一句",
    ),
    _f(
        "enterprise_name",
        "反映对象",
        "被反映对象 被举报对象 被投诉对象 反映对象名称 涉及企业 企业名称 涉事企业",
        width=24,
    ),
    _f(
        "description",
        "反映问题",
        "反映主要问题 反映的主要问题 主要问题 问题描述 问题内容 反映内容 信访内容 举报内容 "
        "反馈问题 存在问题 问题",
        width=50,
    ),
    _f(
        "region",
        "行政区域",
        "区域 所属区域 所在区域 行政区划 所属行政区域 属地 区县 县区 所在县区 所在地 地区 所属地区",
        width=14,
        note="区划名称或12位代码，须在您的管辖范围内；重名时写上级名称，如“铁西区兴盛街道”",
    ),
    _f("address", "地址", "详细地址 具体地址 位置 具体位置 问题地址 发生地点", width=24),
    _f(
        "category",
        "污染类型",
        "污染类别 问题类型 类型 信访类型 举报类型 环境要素 污染种类",
        width=12,
        note="大气、水、土壤、固废、噪声、生态、辐射、其他",
    ),
    _f("problem_count", "反映问题数", "问题数 问题个数 反映问题个数", width=8, note="选填，默认1"),
    _f(
        "is_key",
        "是否重点",
        "重点件 是否重点件 是否重点信访件 是否为重点件 重点",
        width=8,
        note="是/否，默认否",
    ),
    _f(
        "feedback_aspect",
        "问题类别",
        "反馈问题类别 共性/个性",
        width=10,
        note="反馈问题填写：共性问题/个性问题",
    ),
    _f(
        "lead_unit",
        "牵头单位",
        "牵头责任单位 主办单位 牵头部门",
        exported=False,
        note="选填；不填时取“责任单位”中的第一个",
    ),
    _f(
        "responsible_units",
        "责任单位",
        "责任主体 承办单位 办理单位 责任部门 责任单位部门",
        width=24,
        note="单位名称或编码，多个用“、”分隔；导出时牵头单位在前",
    ),
    _f("cooperating_units", "配合单位", "协办单位 配合部门 协同单位 配合责任单位", width=24),
    _f(
        "due_date",
        "整改时限",
        "办结时限 完成时限 整改期限 办理时限 整改完成时限 时限要求 完成期限",
        width=12,
        note="日期，不早于导入当天；与责任单位同时填写时导入即交办",
    ),
    _f("rectification_target", "整改目标", "目标 整改目标要求", width=30),
    _f("rectification_measures", "整改措施", "措施 主要措施 整改举措", width=40),
    _f(
        "progress",
        "办理情况",
        "整改情况 办理结果 整改进展 调查核实情况 查处情况 处理情况 办理进展 整改落实情况",
        imported=False,
        width=40,
    ),
    _f("founded", "是否属实", "属实情况 核查结果 核实情况", imported=False, width=8),
    _f("closure", "办结情况", "是否办结 办结状态", imported=False, width=10),
    _f("state", "当前状态", "状态 办理状态", imported=False, width=10),
    _f("closed_date", "销号日期", "办结日期 销号时间 办结时间", imported=False, width=12),
    _f("on_time", "是否按期办结", "按期办结 是否按期", imported=False, width=10),
    _f("source", "来源", "问题来源", imported=False, width=14),
    _f("round", "督察轮次", "轮次", imported=False, width=20),
)
BY_CODE: dict[str, LedgerField] = {f.code: f for f in FIELDS}
IMPORT_FIELDS: tuple[LedgerField, ...] = tuple(f for f in FIELDS if f.imported)
EXPORT_FIELDS: tuple[LedgerField, ...] = tuple(f for f in FIELDS if f.exported)


_SPACES = re.compile(r"\s+")


def normalize_header(value: object) -> str:
    """“ 整改\\n时限（日期）*” → “整改时限”: the org import's rule, and no
    whitespace inside (headers of merged cells often wrap)."""
    return _SPACES.sub("", _org_normalize_header(value))


def _key(text: str) -> str:
    return normalize_header(text).replace("/", "").replace("、", "")


_SYNONYMS: dict[str, str] = {}
for _field in FIELDS:
    for _name in (_field.header, *_field.synonyms):
        _SYNONYMS.setdefault(_key(_name), _field.code)


def builtin_field(header: str) -> str:
    """The field a header names by the built-in synonyms, or ""."""
    return _SYNONYMS.get(_key(header), "")


# --- reading cell values ---------------------------------------------------


class BadValue(ValueError):
    """A cell value that cannot be read; ``str(exc)`` is the reason."""


def cell_text(value: object) -> str:
    """A cell's value as the text the user sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Numbers typed into number cells come back as floats.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


_DATE_TEXT = re.compile(
    r"^(\d{4})\s*(?:[-/.年]\s*)(\d{1,2})\s*(?:[-/.月]\s*)(\d{1,2})\s*日?"
    r"(?:\s*(?:前|之前|以前))?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel's day numbers for 2000-01-01 … 2099-12-31 (cells formatted as numbers).
_EXCEL_SERIALS = range(36526, 73415)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """A date cell, or text such as 2026-06-30, 2026/6/30, 2026.6.30,
    2026年6月30日, 20260630; ``None`` when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in _EXCEL_SERIALS:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = cell_text(value)
    else:
        text = cell_text(value)
    if not text:
        return None
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        if any(word in text for word in ("长期", "持续", "立行立改", "年底", "月底")):
            raise BadValue(
                _(
                    "“%(text)s”不是具体日期：请填写日期，如 2026-06-30；长期任务可在导入后添加阶段节点"
                )
                % {"text": text}
            )
        raise BadValue(
            _("“%(text)s”不是日期，请填写如 2026-06-30 或 2026年6月30日") % {"text": text}
        )
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadValue(_("“%(text)s”不是有效的日期") % {"text": text}) from None


YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√", "✓", "重点", "重点件"})
NO = frozenset({"否", "N", "NO", "FALSE", "0", "×", "✗", "一般", "非重点", "-", "—", "/"})


def parse_yes_no(value: object) -> bool:
    text = cell_text(value).upper()
    if not text or text in NO:
        return False
    if text in YES:
        return True
    raise BadValue(_("“%(text)s”应为“是”或“否”") % {"text": cell_text(value)})


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_BATCH = re.compile(r"^第?\s*([0-9]+|[零一二两三四五六七八九十百]+)\s*批?(?:次)?$")


def _chinese_number(text: str) -> int:
    """一 … 九百九十九, as written in 第二十三批."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def parse_batch(value: object) -> int | None:
    """第3批 / 3 / 第三批 / 三批 → 3; ``None`` when empty."""
    text = cell_text(value).replace(" ", "")
    if not text:
        return None
    match = _BATCH.match(text)
    if match is None:
        raise BadValue(_("“%(text)s”不是批次号，请填写如“第3批”或“3”") % {"text": text})
    digits = match.group(1)
    number = int(digits) if digits.isdigit() else _chinese_number(digits)
    if not 1 <= number <= 999:
        raise BadValue(_("批次号“%(text)s”应在1到999之间") % {"text": text})
    return number


def format_batch(number: int) -> str:
    return f"第{number}批"


# Words that name a category, tried in order against each part of the cell:
# the specific ones before 水, which other words contain.
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    *((str(label), str(value)) for value, label in CaseCategory.choices),
    ("固体废物", CaseCategory.WASTE),
    ("危险废物", CaseCategory.WASTE),
    ("大气", CaseCategory.AIR),
    ("废气", CaseCategory.AIR),
    ("扬尘", CaseCategory.AIR),
    ("油烟", CaseCategory.AIR),
    ("烟尘", CaseCategory.AIR),
    ("粉尘", CaseCategory.AIR),
    ("异味", CaseCategory.AIR),
    ("恶臭", CaseCategory.AIR),
    ("空气", CaseCategory.AIR),
    ("水污染", CaseCategory.WATER),
    ("废水", CaseCategory.WATER),
    ("污水", CaseCategory.WATER),
    ("水", CaseCategory.WATER),
    ("土壤", CaseCategory.SOIL),
    ("固废", CaseCategory.WASTE),
    ("危废", CaseCategory.WASTE),
    ("垃圾", CaseCategory.WASTE),
    ("噪声", CaseCategory.NOISE),
    ("噪音", CaseCategory.NOISE),
    ("生态", CaseCategory.ECOLOGY),
    ("辐射", CaseCategory.RADIATION),
    ("其他", CaseCategory.OTHER),
    ("其它", CaseCategory.OTHER),
)
_CATEGORY_SPLIT = re.compile(r"[、,，;；/\s]+")


def parse_category(value: object) -> str:
    """The case category; for “大气、噪声” the first one named."""
    text = cell_text(value)
    for part in _CATEGORY_SPLIT.split(text):
        if not part:
            continue
        for word, code in _CATEGORY_WORDS:
            if word in part:
                return code
    raise BadValue(
        _("未知的污染类型“%(text)s”，应为：大气、水、土壤、固废、噪声、生态、辐射、其他之一")
        % {"text": text}
    )


def category_label(code: str) -> str:
    return str(CaseCategory(code).label)


_ASPECTS = {
    "共性": FeedbackAspect.COMMON,
    "共性问题": FeedbackAspect.COMMON,
    "全省共性": FeedbackAspect.COMMON,
    "全省共性问题": FeedbackAspect.COMMON,
    "个性": FeedbackAspect.SPECIFIC,
    "个性问题": FeedbackAspect.SPECIFIC,
    "本市个性": FeedbackAspect.SPECIFIC,
    "本市个性问题": FeedbackAspect.SPECIFIC,
}


def parse_aspect(value: object) -> str:
    text = cell_text(value).replace(" ", "")
    if not text:
        return ""
    found = _ASPECTS.get(text)
    if found is None:
        raise BadValue(_("“%(text)s”应为“共性问题”或“个性问题”") % {"text": text})
    return str(found)


def aspect_label(code: str) -> str:
    return str(FeedbackAspect(code).label) if code else ""


def parse_count(value: object) -> int:
    text = cell_text(value)
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise BadValue(_("“%(text)s”应为1到999之间的整数") % {"text": text})
    return int(text)


_UNIT_SPLIT = re.compile(r"[、,，;；/\n]+")


def split_names(value: object) -> list[str]:
    """“铁西区人民政府、市住建局” → the two names, order kept, repeats dropped."""
    names = [n.strip() for n in _UNIT_SPLIT.split(cell_text(value))]
    return list(dict.fromkeys(n for n in names if n))


_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
TITLE_LENGTH = 60


def derive_title(description: str, enterprise_name: str = "") -> str:
    """The first sentence of the description, at most 60 characters."""
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0].strip()
    if not first:
        first = enterprise_name.strip()
    if len(first) > TITLE_LENGTH:
        first = first[: TITLE_LENGTH - 1] + "…"
    return first
