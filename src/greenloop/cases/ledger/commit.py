"""Previewing and committing a ledger import.

:func:`commit_ledger` registers all of a sheet's cases or none of them:

1. read the file, outside the transaction (parsing may take seconds);
2. in one transaction, check it again against the database as it is now,
   and refuse with every problem if anything is wrong;
3. create the batches the round lacks, then for each row, in order,
   register the case through ``services.register_case`` and, when it has a
   lead unit and a deadline, assign it through ``services.assign_case``
   (partial unit or deadline cells are stored through
   ``services.change_case``); a refusal by a service is reported on its row
   and, once every row has been tried, undoes the whole import;
4. record ``greenloop.cases.ledger.imported`` with the counts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from greenloop.audit.log import record
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.ledger.mapping import remembered_headers
from greenloop.cases.ledger.plan import LedgerOptions, LedgerPlan, LedgerProblem
from greenloop.cases.ledger.validate import validate
from greenloop.cases.models import Case, InspectionBatch, InspectionRound
from greenloop.cases.services import assign_case, change_case, register_case
from greenloop.org.importing.workbook import read_sheets
from greenloop.org.models import Region, Unit

AUDIT_ACTION = "greenloop.cases.ledger.imported"


class LedgerRejected(Exception):
    """The ledger has problems; nothing was written."""

    def __init__(self, problems: list[LedgerProblem]) -> None:
        super().__init__(_("导入被拒绝：%(count)d个问题") % {"count": len(problems)})
        self.problems = problems


def preview_ledger(path: Path, *, options: LedgerOptions, by: Any, now: dt.datetime) -> LedgerPlan:
    """What importing ``path`` would do; raises ``WorkbookRejected`` for
    files that fail the safety checks."""
    return validate(
        read_sheets(path),
        options=options,
        by=by,
        today=timezone.localdate(now),
        remembered=remembered_headers(by),
    )


def commit_ledger(
    path: Path, *, options: LedgerOptions, by: Any, now: dt.datetime, source_name: str = ""
) -> LedgerPlan:
    """Import ``path`` whole or not at all; return the plan that was written
    (``plan.numbers`` holds the new cases' numbers).

    Raises ``WorkbookRejected`` for a file that fails the safety checks and
    :class:`LedgerRejected` for one with bad rows.
    """
    sheets = read_sheets(path)
    remembered = remembered_headers(by)
    try:
        with transaction.atomic():
            plan = validate(
                sheets,
                options=options,
                by=by,
                today=timezone.localdate(now),
                remembered=remembered,
            )
            if not plan.ok:
                raise LedgerRejected(plan.problems)
            problems = _write(plan, by=by, now=now, source_name=source_name)
            if problems:
                raise LedgerRejected(problems)
            record(AUDIT_ACTION, actor=by, target=source_name, data=plan.summary())
    except IntegrityError as exc:
        # Only a concurrent change between the check and the write gets here.
        raise LedgerRejected(
            [
                LedgerProblem(
                    "",
                    None,
                    "",
                    _("导入期间数据被其他操作修改，未写入任何数据；请重新预览后再导入"),
                )
            ]
        ) from exc
    return plan


def _write(plan: LedgerPlan, *, by: Any, now: dt.datetime, source_name: str) -> list[LedgerProblem]:
    options = plan.options
    inspection_round = (
        InspectionRound.objects.get(pk=options.round_id) if options.round_id is not None else None
    )
    batches: dict[int, InspectionBatch] = {}
    if inspection_round is not None:
        batches = {
            b.number: b for b in InspectionBatch.objects.filter(inspection_round=inspection_round)
        }
        received = options.received_date or timezone.localdate(now)
        for number in plan.new_batches:
            batches[number] = InspectionBatch.objects.create(
                inspection_round=inspection_round, number=number, received_date=received
            )
    unit_ids = {
        pk
        for r in plan.rows
        for pk in [r.lead_unit_id, *r.responsible_unit_ids, *r.cooperating_unit_ids]
        if pk is not None
    }
    units = Unit.objects.in_bulk(unit_ids)
    regions = Region.objects.in_bulk({r.region_id for r in plan.rows})
    where = f"导入台账{('《' + source_name + '》') if source_name else ''}"
    problems: list[LedgerProblem] = []
    for r in plan.rows:
        try:
            case = register_case(
                by=by,
                now=now,
                source=plan.source,
                title=r.title,
                category=r.category,
                region=regions[r.region_id],
                description=r.description,
                external_number=r.external_number,
                inspection_round=inspection_round,
                batch=batches.get(r.batch_number) if r.batch_number is not None else None,
                feedback_aspect=r.feedback_aspect,
                problem_count=r.problem_count,
                address=r.address,
                enterprise_name=r.enterprise_name,
                is_key=r.is_key,
                rectification_target=r.rectification_target,
                rectification_measures=r.rectification_measures,
            )
            case = _assign(case, r, units, by=by, now=now, comment=f"{where}第{r.row}行")
        except UnableToActOnCase as exc:
            problems.append(LedgerProblem(plan.sheet, r.row, "", str(exc)))
            continue
        plan.numbers.append(case.number)
    return problems


def _assign(
    case: Case, r: Any, units: dict[int, Unit], *, by: Any, now: dt.datetime, comment: str
) -> Case:
    lead = units[r.lead_unit_id] if r.lead_unit_id is not None else None
    responsible = [units[pk] for pk in r.responsible_unit_ids]
    cooperating = [units[pk] for pk in r.cooperating_unit_ids]
    if r.assigns:
        return assign_case(
            case=case,
            by=by,
            now=now,
            version=case.version,
            lead_unit=lead,
            due_date=r.due_date,
            responsible_units=responsible,
            cooperating_units=cooperating,
            comment=comment,
        )
    changes: dict[str, Any] = {}
    if lead is not None:
        changes["lead_unit"] = lead
    if r.due_date is not None:
        changes["due_date"] = r.due_date
    if responsible:
        changes["responsible_units"] = responsible
    if cooperating:
        changes["cooperating_units"] = cooperating
    if not changes:
        return case
    return change_case(
        case=case, by=by, now=now, version=case.version, changes=changes, comment=comment
    )
