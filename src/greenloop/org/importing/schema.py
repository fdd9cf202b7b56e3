"""The import workbook: its sheets, their columns and the allowed values.

Headers are matched after :func:`normalize_header`, so a header may carry a
hint in brackets (“属地管辖（是/否）”, “登录账号（选填）”) and surrounding
spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext

from greenloop.org.models import KIND_LEVEL, RegionKind, RegionLevel, UnitKind
from greenloop.org.roles import Role


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    # The column may be left out of the sheet altogether.
    optional: bool = False
    # Every row needs a value in it.
    required: bool = True
    # Shown in brackets after the name in the template.
    hint: str = ""
    note: str = ""

    @property
    def header(self) -> str:
        return f"{self.name}（{self.hint}）" if self.hint else self.name


@dataclass(frozen=True, slots=True)
class SheetSpec:
    title: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> str:
        """The column that identifies a row; it also locates the header row."""
        return self.columns[0].name

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.optional]


# Column names, each used in exactly one place below and by the validator.
R_CODE, R_NAME, R_KIND, R_PARENT, R_BOUNDARY = (
    "区划代码",
    "名称",
    "类型",
    "上级区划代码",
    "边界GeoJSON",
)
U_CODE, U_NAME, U_KIND, U_REGION, U_PARENT, U_GOVERNS = (
    "单位编码",
    "单位名称",
    "单位类型",
    "所在区划代码",
    "上级单位编码",
    "属地管辖",
)
P_NAME, P_UNIT, P_POSTS, P_PHONE, P_ROLES, P_USERNAME = (
    "姓名",
    "单位编码",
    "职务",
    "联系电话",
    "角色",
    "登录账号",
)

REGION_SHEET = SheetSpec(
    "区划",
    (
        Column(R_CODE, note="12位统计用区划代码，如 210303001001"),
        Column(R_NAME),
        Column(R_KIND, note="、".join(RegionKind.labels)),
        Column(
            R_PARENT, required=False, note="类型为“市”时留空，其余必填；上级可在本表中或已在系统中"
        ),
        Column(
            R_BOUNDARY,
            optional=True,
            required=False,
            hint="选填",
            note="GeoJSON 文本（Polygon、MultiPolygon、Feature 或 FeatureCollection）",
        ),
    ),
)
UNIT_SHEET = SheetSpec(
    "单位",
    (
        Column(U_CODE, note="字母、数字、“-”“_”“.”，最长32位"),
        Column(U_NAME),
        Column(U_KIND, note="、".join(UnitKind.labels)),
        Column(U_REGION, note="单位所在区划的12位代码"),
        Column(U_PARENT, required=False, hint="选填", note="上级单位可在本表中或已在系统中"),
        Column(
            U_GOVERNS,
            hint="是/否",
            note="党委、政府、委办等对所在区划全域负责的填“是”，职能部门填“否”",
        ),
    ),
)
PERSON_SHEET = SheetSpec(
    "人员",
    (
        Column(P_NAME),
        Column(P_UNIT, note="人员所在单位的编码"),
        Column(P_POSTS, required=False, hint="选填"),
        Column(
            P_PHONE,
            required=False,
            hint="选填",
            note="11位手机号，或带区号的固定电话，如 024-12345678",
        ),
        Column(
            P_ROLES,
            required=False,
            hint="选填",
            note="多个角色用“、”或“;”分隔：" + "、".join(Role.labels),
        ),
        Column(
            P_USERNAME,
            optional=True,
            required=False,
            hint="选填",
            note="填写后创建登录账号（不设密码）；已有账号的人员按账号匹配",
        ),
    ),
)
SHEETS: tuple[SheetSpec, ...] = (REGION_SHEET, UNIT_SHEET, PERSON_SHEET)
# Sheets the template carries for people, not for the importer.
INSTRUCTIONS_SHEET = "说明"

_BRACKETED = re.compile(r"\s*[（(].*$")


def normalize_header(value: object) -> str:
    """“ 属地管辖（是/否）*” → “属地管辖”."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").strip().rstrip("*＊").strip()
    return _BRACKETED.sub("", text).strip()


REGION_KIND_BY_LABEL: dict[str, str] = {str(k.label): str(k.value) for k in RegionKind}
UNIT_KIND_BY_LABEL: dict[str, str] = {str(k.label): str(k.value) for k in UnitKind}
ROLE_BY_LABEL: dict[str, str] = {str(r.label): str(r.value) for r in Role}
ROLE_SEPARATORS = re.compile(r"[、;；,，\s]+")

YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√"})
NO = frozenset({"否", "N", "NO", "FALSE", "0", "×"})

# Digits of the 12-digit statistical division code that belong to each
# level: 省(2) 市(2) 县(2) 乡(3) 村(3). A region of level L has a non-zero
# segment DIGITS[L-1]:DIGITS[L], shares DIGITS[L-1] leading digits with its
# parent and ends in zeros after DIGITS[L].
CODE_DIGITS: dict[int, int] = {
    0: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


def region_level(kind: str) -> int:
    return int(KIND_LEVEL[kind])


def level_label(level: int) -> str:
    """The level's name in the active language, for messages."""
    return gettext(RegionLevel(level).label)


def kinds_of_level(level: int) -> str:
    # The labels as typed in the 类型 column, hence never translated.
    return "、".join(str(RegionKind(k).label) for k, lv in KIND_LEVEL.items() if lv == level)
