"""Word and Excel exports of a published responsibility list.

Bureaus exchange these files, so they follow the habits of government
documents: an A4 page with the margins of GB/T 9704, a centred title,
Chinese fonts named for East Asian text (``w:eastAsia``) and page numbers
in the footer; the workbook prints its header row on every page.

The functions take a list and return bytes; the views decide who may have
them.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from greenloop.org.models import DutyCategory, ResponsibilityList

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = ("序号", "责任类别", "责任内容", "依据")

# Characters XML 1.0 cannot carry; python-docx and openpyxl refuse them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True, slots=True)
class DutyRow:
    seq: int
    category: str
    text: str
    legal_basis: str


@dataclass(frozen=True, slots=True)
class DutyListDocument:
    """What both exports show, read from the database once."""

    title: str
    unit_name: str
    region_name: str
    version: int
    published_on: str
    rows: Sequence[DutyRow]

    @property
    def subtitle(self) -> str:
        return f"（第{self.version}版　{self.published_on}发布）"


def document_for(rlist: ResponsibilityList) -> DutyListDocument:
    """Read one list and its duties into the shape the exports write."""
    unit = rlist.unit
    published = timezone.localtime(rlist.published_at) if rlist.published_at else None
    duties = rlist.duties.order_by("order", "pk")
    return DutyListDocument(
        title=list_title(unit.name),
        unit_name=unit.name,
        region_name=unit.region.name,
        version=rlist.version,
        published_on=f"{published.year}年{published.month}月{published.day}日"
        if published
        else "未发布",
        rows=[
            DutyRow(
                seq=i,
                category=DutyCategory(d.category).label,
                text=_clean(d.text),
                legal_basis=_clean(d.legal_basis),
            )
            for i, d in enumerate(duties, start=1)
        ],
    )


def list_title(unit_name: str) -> str:
    return f"{unit_name}生态环境保护责任清单"


def filename_for(doc: DutyListDocument, ext: str) -> str:
    stem = _FILENAME_ILLEGAL.sub("_", f"{doc.title}（第{doc.version}版）")
    return f"{stem}.{ext}"


def attachment_header(filename: str, *, fallback: str) -> str:
    """``Content-Disposition`` for a Chinese file name.

    RFC 6266 with the RFC 5987 ``filename*`` parameter, plus a plain ASCII
    ``filename`` for clients that read only that one.
    """
    ascii_name = fallback.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text or "").replace("\r\n", "\n").replace("\r", "\n")


# --- Word --------------------------------------------------------------------

# GB/T 9704 page: A4, margins in centimetres (top, bottom, left, right).
_MARGINS_CM = (3.7, 3.5, 2.8, 2.6)
# 序号, 责任类别, 责任内容, 依据: together the 15.6 cm between the margins.
_DOCX_WIDTHS_CM = (1.2, 2.8, 7.6, 4.0)
_LATIN_FONT = "Times New Roman"
_TITLE_FONT = "宋体"
_BODY_FONT = "仿宋"
_HEADER_FONT = "黑体"


def duty_list_docx(doc: DutyListDocument) -> bytes:
    """The list as a Word document.

    1. Page set-up and a ``Normal`` style in 仿宋 (East Asian) and Times New
       Roman (Latin).
    2. Title in 宋体 二号 bold, then version and publication date.
    3. The table, its header row repeated on every page.
    4. Page numbers "— n —" in the footer.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    top, bottom, left, right = _MARGINS_CM
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)

    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    _set_fonts(normal.element, _BODY_FONT)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    _run(title, doc.title, font=_TITLE_FONT, size=Pt(22), bold=True)

    meta = document.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.paragraph_format.space_after = Pt(12)
    _run(meta, doc.subtitle, font=_BODY_FONT, size=Pt(14))

    table = document.add_table(rows=1, cols=len(HEADERS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, _DOCX_WIDTHS_CM, strict=True):
        # Word reads the cell widths, LibreOffice and WPS the grid.
        column.width = Cm(width)
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, label, width in zip(header.cells, HEADERS, _DOCX_WIDTHS_CM, strict=True):
        cell.width = Cm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, label, font=_HEADER_FONT, size=Pt(12), bold=True)

    for row in doc.rows:
        cells = table.add_row().cells
        values = (str(row.seq), row.category, row.text, row.legal_basis)
        for i, (cell, value, width) in enumerate(zip(cells, values, _DOCX_WIDTHS_CM, strict=True)):
            cell.width = Cm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            if i < 2:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _multiline(paragraph, value, size=Pt(12))

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer, size=Pt(14))

    props = document.core_properties
    props.title = doc.title
    props.subject = f"第{doc.version}版"
    props.author = "GreenLoop"
    props.last_modified_by = "GreenLoop"
    props.comments = f"{doc.region_name} {doc.unit_name}，{doc.published_on}发布"

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _set_fonts(element: Any, east_asia: str) -> None:
    """Name the Latin and the East Asian font of a style or run.

    ``font.name`` in python-docx sets only the Latin slots; Word picks the
    font for Chinese characters from ``w:eastAsia``.
    """
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), _LATIN_FONT)
    fonts.set(qn("w:hAnsi"), _LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph: Any, text: str, *, font: str, size: Any, bold: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.font.size = size
    if bold:
        run.font.bold = True
    _set_fonts(run._element, font)
    return run


def _multiline(paragraph: Any, text: str, *, size: Any) -> None:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = _run(paragraph, line, font=_BODY_FONT, size=size)
        if i < len(lines) - 1:
            run.add_break()


def _repeat_as_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _page_number(paragraph: Any, *, size: Any) -> None:
    """ "— n —", the page number of 公文, from a PAGE field."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    _run(paragraph, "— ", font=_BODY_FONT, size=size)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    placeholder = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    placeholder.append(text)
    field.append(placeholder)
    paragraph._p.append(field)
    _run(paragraph, " —", font=_BODY_FONT, size=size)


# --- Excel -------------------------------------------------------------------

# Column widths in Excel's units (about one Latin character; a Chinese
# character takes two).
_XLSX_WIDTHS = (8, 18, 70, 36)
_XLSX_FONT = "宋体"
_HEADER_ROW = 3


def duty_list_xlsx(doc: DutyListDocument) -> bytes:
    """The list as a workbook.

    Rows 1 and 2 hold the title and the version line; row 3 the header,
    frozen, filtered and printed on every page; duties follow.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "责任清单"
    last_col = get_column_letter(len(HEADERS))

    ws["A1"] = doc.title
    ws["A1"].font = Font(name=_XLSX_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 32
    ws["A2"] = doc.subtitle
    ws["A2"].font = Font(name=_XLSX_FONT, size=11)
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A2:{last_col}2")

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, (label, width) in enumerate(zip(HEADERS, _XLSX_WIDTHS, strict=True), start=1):
        cell = ws.cell(row=_HEADER_ROW, column=col, value=label)
        cell.font = Font(name=_XLSX_FONT, size=11, bold=True)
        cell.fill = PatternFill("solid", fgColor="E3EFE8")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = width

    body_font = Font(name=_XLSX_FONT, size=11)
    for r, row in enumerate(doc.rows, start=_HEADER_ROW + 1):
        values = (row.seq, row.category, row.text, row.legal_basis)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, str):
                # A duty that starts with "=" is text, never a formula.
                cell.data_type = "s"
            cell.font = body_font
            cell.border = border
            cell.alignment = Alignment(
                horizontal="center" if col <= 2 else "left", vertical="center", wrap_text=True
            )
        # Excel does not grow rows for wrapped text it did not lay out itself.
        lines = max(_lines(str(v), w) for v, w in zip(values, _XLSX_WIDTHS, strict=True))
        ws.row_dimensions[r].height = max(18, 15 * lines + 4)

    last_row = _HEADER_ROW + len(doc.rows)
    ws.freeze_panes = f"A{_HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{_HEADER_ROW}:{last_col}{last_row}"
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    wb.properties.title = doc.title
    wb.properties.subject = f"第{doc.version}版"
    wb.properties.creator = "GreenLoop"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide."""
    total = 0
    for line in text.split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        total += max(1, math.ceil(units / max(1, width - 1)))
    return total
