"""The ledger (台账) export: the cases a user sees, filtered as on the case
list, in the import's layout plus their state, closing date and on-time flag.

:func:`filtered_cases` scopes (``Case.objects.visible_to(user)``) and
filters with the case list's own form, so the export holds exactly the rows
the list shows; :func:`write_ledger` streams them into a write-only
workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import QueryDict
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from greenloop.cases.ledger.columns import (
    EXPORT_FIELDS,
    FIELDS,
    IMPORT_FIELDS,
    aspect_label,
    category_label,
    format_batch,
)
from greenloop.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseQuerySet,
    CaseSource,
    CaseState,
    CaseUnit,
    UnitRole,
)
from greenloop.org.models import Region, Unit

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "台账"
INSTRUCTIONS_SHEET = "说明"
_PROGRESS = "greenloop.cases.case.progress_reported"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1B7F4C")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAPPED = frozenset({"title", "description", "rectification_target", "rectification_measures"})
_WRAPPED |= {"progress", "enterprise_name"}
_DATE_FORMAT = "yyyy-mm-dd"


# --- filters -----------------------------------------------------------------


def filtered_cases(user: Any, params: QueryDict, *, today: dt.date) -> CaseQuerySet:
    """The cases ``user`` sees, narrowed as the case list narrows them: its
    own filter form over the same GET parameters (``q``, ``state``,
    ``source``, ``category``, ``region``, ``lead_unit``, ``key``,
    ``deadline``, ``inspection_round``, ``batch``). As on the list, invalid
    parameters are ignored and the valid ones apply."""
    from greenloop.cases.forms import CaseFilterForm

    form = CaseFilterForm(params, user=user)
    return form.apply(Case.objects.visible_to(user), today)


# --- names that read back ------------------------------------------------------


class _Names:
    """Region and unit names as the importer will resolve them: the plain
    name when it is unique, else the region qualified by its parents and
    the unit by its code."""

    def __init__(self) -> None:
        self._regions = {
            pk: (name, parent)
            for pk, name, parent in Region.objects.values_list("pk", "name", "parent_id")
        }
        self._region_names = Counter(name for name, _ in self._regions.values())
        self._region_labels: dict[int, str] = {}
        self._unit_names = Counter(Unit.objects.values_list("name", flat=True))

    def region(self, pk: int) -> str:
        label = self._region_labels.get(pk)
        if label is None:
            name, parent = self._regions[pk]
            label = name
            if self._region_names[name] > 1:
                chain: list[str] = []
                while parent is not None and len(chain) < 2:
                    parent_name, parent = self._regions[parent]
                    chain.insert(0, parent_name)
                label = "".join(chain) + name
            self._region_labels[pk] = label
        return label

    def unit(self, unit: Unit) -> str:
        return unit.name if self._unit_names[unit.name] <= 1 else unit.code


# --- rows ----------------------------------------------------------------------


def ledger_queryset(cases: CaseQuerySet) -> CaseQuerySet:
    """What one export row needs, in ledger order: batch, 受理编号, number."""
    latest_progress = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action=_PROGRESS)
        .order_by("-at", "-pk")
        .values("comment")[:1]
    )
    return (
        cases.select_related("region", "lead_unit", "batch", "inspection_round", "duplicate_of")
        .prefetch_related(
            Prefetch(
                "case_units",
                queryset=CaseUnit.objects.select_related("unit").order_by("pk"),
            )
        )
        .annotate(latest_progress=Subquery(latest_progress))
        .order_by(
            F("inspection_round_id").asc(nulls_last=True),
            F("batch__number").asc(nulls_last=True),
            "external_number",
            "pk",
        )
    )


def _on_time(case: Case, today: dt.date) -> str:
    if case.state == CaseState.CLOSED and case.closed_at is not None:
        if case.due_date is None or timezone.localdate(case.closed_at) <= case.due_date:
            return "是"
        return "否"
    if case.state in OPEN_STATES and case.next_due_date and case.next_due_date < today:
        return "否（逾期）"
    return ""


def _progress(case: Any) -> str:
    if case.state == CaseState.DUPLICATE and case.duplicate_of is not None:
        return f"重复件，已并入{case.duplicate_of.number}"
    if case.is_unfounded:
        return case.verification_finding
    return case.latest_progress or ""


def _founded(case: Case) -> str:
    if case.is_unfounded:
        return "不属实"
    if case.state in (CaseState.REGISTERED, CaseState.DUPLICATE):
        return ""
    return "属实"


def _closure(case: Case) -> str:
    if case.state == CaseState.CLOSED:
        return "已办结"
    if case.state == CaseState.DUPLICATE:
        return "已合并"
    return "未办结"


def ledger_values(case: Any, seq: int, names: _Names, today: dt.date) -> dict[str, Any]:
    """One row of the ledger by field code (dates as dates)."""
    responsible: list[str] = []
    cooperating: list[str] = []
    for cu in case.case_units.all():
        (responsible if cu.role == UnitRole.RESPONSIBLE else cooperating).append(
            names.unit(cu.unit)
        )
    if case.lead_unit is not None:
        responsible.insert(0, names.unit(case.lead_unit))
    return {
        "seq": seq,
        "number": case.number,
        "external_number": case.external_number,
        "batch": format_batch(case.batch.number) if case.batch else "",
        "title": case.title,
        "enterprise_name": case.enterprise_name,
        "description": case.description,
        "region": names.region(case.region_id),
        "address": case.address,
        "category": category_label(case.category),
        "problem_count": case.problem_count,
        "is_key": "是" if case.is_key else "否",
        "feedback_aspect": aspect_label(case.feedback_aspect),
        "responsible_units": "、".join(responsible),
        "cooperating_units": "、".join(cooperating),
        "due_date": case.due_date,
        "rectification_target": case.rectification_target,
        "rectification_measures": case.rectification_measures,
        "progress": _progress(case),
        "founded": _founded(case),
        "closure": _closure(case),
        "state": str(CaseState(case.state).label),
        "closed_date": timezone.localdate(case.closed_at) if case.closed_at else None,
        "on_time": _on_time(case, today),
        "source": str(CaseSource(case.source).label),
        "round": case.inspection_round.name if case.inspection_round else "",
    }


# --- the workbook --------------------------------------------------------------


def _header_cells(ws: Any, headers: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cells.append(cell)
    return cells


def _data_cells(ws: Any, fields: Sequence[Any], values: dict[str, Any]) -> list[Any]:
    row: list[Any] = []
    for field in fields:
        value = values[field.code]
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = _DATE_FORMAT
            row.append(cell)
        elif field.code in _WRAPPED and value:
            cell = WriteOnlyCell(ws, value=value)
            cell.alignment = _WRAP
            row.append(cell)
        else:
            row.append(value if value != "" else None)
    return row


def _sheet(wb: Workbook, fields: Sequence[Any], title: str) -> Any:
    ws = wb.create_sheet(SHEET_TITLE)
    for i, field in enumerate(fields, start=1):
        ws.column_dimensions[get_column_letter(i)].width = field.width
    # Title, header; rows and the first three columns stay in view.
    ws.freeze_panes = "D3"
    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = _TITLE_FONT
    ws.append([title_cell])
    ws.append(_header_cells(ws, (f.header for f in fields)))
    return ws


def write_ledger(cases: CaseQuerySet, out: IO[bytes], *, now: dt.datetime, title: str = "") -> int:
    """Write ``cases`` (already scoped and filtered) as a ledger to ``out``;
    return the number of rows."""
    today = timezone.localdate(now)
    local = timezone.localtime(now)
    wb = Workbook(write_only=True)
    ws = _sheet(wb, EXPORT_FIELDS, f"{title or '问题台账'}（导出时间：{local:%Y-%m-%d %H:%M}）")
    names = _Names()
    count = 0
    for count, case in enumerate(ledger_queryset(cases).iterator(chunk_size=1000), start=1):
        ws.append(_data_cells(ws, EXPORT_FIELDS, ledger_values(case, count, names, today)))
    _instructions(wb)
    wb.save(out)
    return count


def export_ledger(cases: CaseQuerySet, *, now: dt.datetime, title: str = "") -> bytes:
    out = io.BytesIO()
    write_ledger(cases, out, now=now, title=title)
    return out.getvalue()


def build_template() -> bytes:
    """An empty ledger with the importable columns and the 说明 sheet."""
    wb = Workbook(write_only=True)
    _sheet(wb, IMPORT_FIELDS, "督察交办问题台账")
    _instructions(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _instructions(wb: Workbook) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 50
    ws.append(_header_cells(ws, ["列名", "说明", "也可识别的列名"]))
    for field in IMPORT_FIELDS:
        ws.append([field.header, field.note, "、".join(field.synonyms)])
    ws.append([])
    ws.append(["仅导出", "以下各列由导出生成，导入时不读取"])
    for field in FIELDS:
        if not field.imported:
            ws.append([field.header, "", "、".join(field.synonyms)])
