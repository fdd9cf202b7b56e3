"""Excel exports of the air and water tables: one sheet per table, a
title row, the Chinese header row (frozen, filtered, printed on every page)
and the rows exactly as the page shows them.

The functions take rows and return bytes; the views decide what is in them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from greenloop.org.exports import XLSX_CONTENT_TYPE, attachment_header

__all__ = ["XLSX_CONTENT_TYPE", "Sheet", "attachment_header", "filename", "workbook"]

_FONT = "宋体"
_HEADER_ROW = 2
# Characters XML 1.0 cannot carry; openpyxl refuses them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_SHEET_ILLEGAL = re.compile(r"[\\/*?:\[\]]")


@dataclass(frozen=True)
class Sheet:
    """One table: ``title`` (also the sheet name), headers, rows of cells
    (numbers stay numbers, ``None`` is an empty cell)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] = field(default_factory=tuple)


def filename(stem: str) -> str:
    return f"{_FILENAME_ILLEGAL.sub('_', stem)}.xlsx"


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one ``.xlsx`` file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for sheet in sheets:
        ws = wb.create_sheet(_SHEET_ILLEGAL.sub("_", sheet.title)[:31] or "Sheet")
        columns = max(1, len(sheet.headers))
        last_col = get_column_letter(columns)
        ws["A1"] = sheet.title
        ws["A1"].font = Font(name=_FONT, size=14, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(f"A1:{last_col}1")
        ws.row_dimensions[1].height = 28
        for col, label in enumerate(sheet.headers, start=1):
            cell = ws.cell(row=_HEADER_ROW, column=col, value=label)
            cell.font = Font(name=_FONT, size=11, bold=True)
            cell.fill = PatternFill("solid", fgColor="E3EFE8")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            width = sheet.widths[col - 1] if col <= len(sheet.widths) else None
            ws.column_dimensions[get_column_letter(col)].width = width or max(
                10, min(40, 2 * len(label) + 4)
            )
        body = Font(name=_FONT, size=11)
        for r, row in enumerate(sheet.rows, start=_HEADER_ROW + 1):
            for col, value in enumerate(row, start=1):
                if isinstance(value, str):
                    value = _XML_ILLEGAL.sub("", value)
                cell = ws.cell(row=r, column=col, value=value)
                if isinstance(value, str):
                    # Text that starts with "=" is text, never a formula.
                    cell.data_type = "s"
                cell.font = body
                cell.border = border
        last_row = _HEADER_ROW + len(sheet.rows)
        ws.freeze_panes = f"A{_HEADER_ROW + 1}"
        ws.auto_filter.ref = f"A{_HEADER_ROW}:{last_col}{last_row}"
        ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if not sheets:
        wb.create_sheet("Sheet")
    wb.properties.title = sheets[0].title if sheets else ""
    wb.properties.creator = "GreenLoop"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
