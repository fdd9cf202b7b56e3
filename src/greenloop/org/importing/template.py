"""The import template: the three sheets with their headers, drop-down lists
for the choice columns, text-formatted code columns and a 说明 sheet.

``sample=True`` adds a small, self-consistent example city (codes 2199…,
units EX-…) that imports cleanly into any database without those codes.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from greenloop.org.importing.schema import (
    INSTRUCTIONS_SHEET,
    PERSON_SHEET,
    R_KIND,
    REGION_KIND_BY_LABEL,
    REGION_SHEET,
    SHEETS,
    U_GOVERNS,
    U_KIND,
    UNIT_KIND_BY_LABEL,
    UNIT_SHEET,
    SheetSpec,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows that carry the drop-down lists.
_VALIDATED_ROWS = 5000
# Columns typed in as text so Excel keeps codes and phone numbers as written.
_TEXT_COLUMNS = {
    "区划代码",
    "上级区划代码",
    "单位编码",
    "所在区划代码",
    "上级单位编码",
    "联系电话",
    "登录账号",
}

SAMPLE_ROWS: dict[str, list[tuple[str, ...]]] = {
    REGION_SHEET.title: [
        ("219900000000", "示例市", "市", ""),
        ("219901000000", "示例区", "市辖区", "219900000000"),
        ("219901001000", "示例街道", "街道", "219901000000"),
        ("219901001001", "示例社区", "社区", "219901001000"),
        ("219901002000", "示例镇", "乡镇", "219901000000"),
        ("219901002201", "示例村", "行政村", "219901002000"),
    ],
    UNIT_SHEET.title: [
        (
            "EX-SWB",
            "示例市生态环境保护委员会办公室",
            "生态环境保护委员会办公室",
            "219900000000",
            "",
            "是",
        ),
        ("EX-GOV", "示例市人民政府", "人民政府", "219900000000", "", "是"),
        ("EX-STJ", "示例市生态环境局", "职能部门", "219900000000", "", "否"),
        ("EX-QGOV", "示例区人民政府", "人民政府", "219901000000", "EX-GOV", "是"),
        ("EX-JD", "示例街道党工委办事处", "乡镇（街道）党委政府", "219901001000", "EX-QGOV", "是"),
        ("EX-SQ", "示例社区两委", "村（社区）两委", "219901001001", "EX-JD", "是"),
    ],
    PERSON_SHEET.title: [
        ("张示例", "EX-SWB", "调度科科员", "13800000001", "调度员", "ex_zhang"),
        ("李示例", "EX-QGOV", "副区长", "024-12345678", "领导、单位负责人", ""),
        ("王示例", "EX-STJ", "执法大队队员", "13800000003", "执法人员;单位经办人", ""),
        ("赵示例", "EX-SQ", "网格员", "13800000004", "网格员", ""),
        ("钱示例", "EX-SWB", "信息科科长", "13800000005", "系统管理员", "ex_qian"),
    ],
}

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1B7F4C")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5F6F66")


def build_template(*, sample: bool = False) -> bytes:
    """The template as .xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        _headers(ws, spec)
        if sample:
            for values in SAMPLE_ROWS[spec.title]:
                ws.append(list(values))
    _drop_down(wb[REGION_SHEET.title], REGION_SHEET, R_KIND, list(REGION_KIND_BY_LABEL))
    _drop_down(wb[UNIT_SHEET.title], UNIT_SHEET, U_KIND, list(UNIT_KIND_BY_LABEL))
    _drop_down(wb[UNIT_SHEET.title], UNIT_SHEET, U_GOVERNS, ["是", "否"])
    _instructions(wb.create_sheet(INSTRUCTIONS_SHEET))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _headers(ws: object, spec: SheetSpec) -> None:
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)  # type: ignore[attr-defined]
        cell.font = _HEADER_FONT
        cell.fill = _OPTIONAL_FILL if not column.required else _HEADER_FILL
        letter = get_column_letter(index)
        dimension = ws.column_dimensions[letter]  # type: ignore[attr-defined]
        dimension.width = max(14, len(column.header) * 2 + 4)
        if column.name in _TEXT_COLUMNS:
            dimension.number_format = "@"
    ws.freeze_panes = "A2"  # type: ignore[attr-defined]


def _drop_down(ws: object, spec: SheetSpec, column: str, values: list[str]) -> None:
    letter = get_column_letter([c.name for c in spec.columns].index(column) + 1)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="无效的值",
        error="请从下拉列表中选择",
    )
    dv.add(f"{letter}2:{letter}{_VALIDATED_ROWS}")
    ws.add_data_validation(dv)  # type: ignore[attr-defined]


def _instructions(ws: object) -> None:
    lines: list[tuple[str, ...]] = [
        ("GreenLoop 组织数据导入说明",),
        (),
        (
            "1. 本工作簿含“区划”“单位”“人员”三张表，可只填其中一部分；不需要的表可以删除，本“说明”表导入时忽略。",
        ),
        ("2. 每张表第一行是表头，请勿修改列名；绿色表头为必填，灰色表头为选填。",),
        (
            "3. 区划代码为12位统计用区划代码（省2位、市2位、县2位、乡3位、村3位），须与上级区划代码前段一致，本级以下各位为0。",
        ),
        ("4. 上级区划、所在区划、上级单位可以在本文件中（顺序不限），也可以已在系统中。",),
        (
            "5. 代码或编码已在系统中的行是“更新”，预览时单独列出；选填列留空表示不修改系统中的原值；角色只增加，不撤销。",
        ),
        (
            "6. 人员按登录账号匹配（已有账号时），否则按“单位编码+姓名”匹配。填写新的登录账号会创建账号，但不设密码，"
            "需由负责账号管理的管理员设置初始密码后才能登录。",
        ),
        ("7. 三员分立：系统管理员、安全管理员、安全审计员不能由同一人兼任。",),
        (
            "8. 文件须为 .xlsx，不超过上传大小上限；有任何一行错误时整个文件都不导入，错误会逐条列出表、行、列和原因。",
        ),
        (),
        ("表", "列", "必填", "说明"),
    ]
    for spec in SHEETS:
        for column in spec.columns:
            lines.append(
                (spec.title, column.name, "必填" if column.required else "选填", column.note)
            )
    for values in lines:
        ws.append(list(values))  # type: ignore[attr-defined]
    ws["A1"].font = Font(bold=True, size=14)  # type: ignore[index]
    for letter, width in (("A", 10), ("B", 16), ("C", 8), ("D", 90)):
        ws.column_dimensions[letter].width = width  # type: ignore[attr-defined]
