"""Historical closed cases: a previous year's ledger (台账) taken in.

A city that starts using GreenLoop has years of problems it rectified,
accepted, re-checked and closed in spreadsheets. A 回头看 re-examines
exactly those, so they must be cases. Their loop happened outside the
system: replaying seven transitions with invented people and times would
forge a timeline. :func:`import_closed_cases` instead creates each case
directly in ``CLOSED`` — the only place besides the transitions where a
state is set, and only when the row is created — with one timeline entry,
``greenloop.cases.case.imported_closed``, that names the ledger and keeps
the original dates. From then on the case is like any other closed case:
a 回头看 may select it and :func:`~._transitions.reopen_case` re-open it.

Bulk-friendly: checks run over all records first (one query for the lead
units, none per record), numbers are taken from each sequence row in one
block, and the cases and their entries are written with ``bulk_create``;
all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from greenloop.cases import tally
from greenloop.cases.access_rules import region_in_territory
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    NUMBER_PREFIXES,
    Case,
    CaseCategory,
    CaseEvent,
    CaseNumberSequence,
    CaseSource,
    CaseState,
)
from greenloop.cases.services._base import EVENT, _actor, _plain, _today
from greenloop.cases.workflow import EVENT_LABELS
from greenloop.org.access import get_scope
from greenloop.org.models import Region, Unit
from greenloop.org.roles import Perm

IMPORTED_CLOSED = EVENT + "imported_closed"
EVENT_LABELS.setdefault(IMPORTED_CLOSED, gettext_noop("从历史台账导入（已销号）"))

# A ledger gives dates, not times: a case counts as registered and closed
# at noon Beijing time of its dates, so every Beijing-date figure
# (on-time closure, registration period) reads the ledger's own dates.
_LEDGER_HOUR = 12
_BATCH = 1000


class UnableToImportCase(UnableToActOnCase):
    """A historical ledger, or one of its records, was refused."""


@dataclass(frozen=True, slots=True)
class ClosedCaseRecord:
    """One row of a previous year's ledger: a problem already closed (销号).

    ``result`` is the ledger's 办理情况 (what was done); a record with an
    ``unfounded_finding`` was verified untrue (不属实) and closed, and
    needed no rectification.
    """

    source: str
    title: str
    category: str
    region: Region
    lead_unit: Unit
    registered_date: dt.date
    closed_date: dt.date
    due_date: dt.date | None = None
    description: str = ""
    external_number: str = ""
    enterprise_name: str = ""
    address: str = ""
    is_key: bool = False
    problem_count: int = 1
    rectification_measures: str = ""
    result: str = ""
    unfounded_finding: str = ""


def _ledger_time(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(_LEDGER_HOUR), tzinfo=timezone.get_default_timezone())


def _check_record(n: int, r: ClosedCaseRecord, *, by: Any, today: dt.date) -> None:
    """Everything one record needs that the database need not be asked."""
    error = UnableToImportCase

    def refuse(message: str, reason: Refusal = Refusal.INVALID) -> UnableToImportCase:
        return error(_("第%(row)d条：%(problem)s") % {"row": n, "problem": message}, reason=reason)

    if r.source not in CaseSource.values:
        raise refuse(_("问题来源无效"))
    if r.category not in CaseCategory.values:
        raise refuse(_("污染类型无效"))
    if not r.title.strip():
        raise refuse(_("请填写问题标题"))
    if len(r.title.strip()) > 200:
        raise refuse(_("问题标题不能超过200个字"))
    if r.problem_count < 1:
        raise refuse(_("反映问题数至少为1"))
    if not region_in_territory(get_scope(by), r.region):
        raise refuse(_("行政区域不在您的管辖范围内"), Refusal.FORBIDDEN)
    if r.closed_date > today:
        raise refuse(_("销号日期不能晚于今天"))
    if r.registered_date > r.closed_date:
        raise refuse(_("登记日期不能晚于销号日期"))
    if r.due_date is not None and r.due_date < r.registered_date:
        raise refuse(_("整改时限不能早于登记日期"))


def _take_numbers(source: str, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers of ``source`` in ``year``, in one block.

    As in registration: the sequence row is locked (``SELECT … FOR
    UPDATE``) and moved on in the caller's transaction, so numbers taken
    here and by concurrent registrations never meet.
    """
    seq, _created = CaseNumberSequence.objects.select_for_update().get_or_create(
        source=source, year=year
    )
    CaseNumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + count)
    seq.refresh_from_db(fields=["last"])
    first = seq.last - count + 1
    return [f"{NUMBER_PREFIXES[source]}-{year}-{n:04d}" for n in range(first, seq.last + 1)]


def import_closed_cases(
    *,
    by: Any,
    now: dt.datetime,
    ledger: str,
    records: Sequence[ClosedCaseRecord],
) -> list[Case]:
    """Take in the closed cases of a previous year's ledger, all or nothing.

    1. Check: the user may register and close cases (the office); the
       ledger is named; each record's source, category, title, region (in
       the user's territory) and dates (registered ≤ closed ≤ today; a
       deadline not before registration); every lead unit visible to the
       user. The first problem refuses the whole ledger, naming its row.
    2. Numbers: per source and year of registration, one block from the
       sequence, in order of registration (``举报-2021-0042``).
    3. Write the cases in ``CLOSED`` (``closed_at`` and ``created_at`` at
       noon Beijing time of the ledger's dates; a rectified case has had
       one rectification cycle) and one ``imported_closed`` entry each,
       dated ``now``, with the ledger, the original dates and the lead
       unit in its data and the ledger's result (or finding) as comment.

    Returns the cases in the order of ``records``.
    """
    error = UnableToImportCase
    scope = get_scope(by)
    if not (scope.has(Perm.REGISTER_CASES) and scope.has(Perm.CLOSE_CASES)):
        raise error(_("只有生态委办（调度员）可以导入历史台账"), reason=Refusal.FORBIDDEN)
    ledger = ledger.strip()
    if not ledger:
        raise error(_("请填写历史台账的名称"))
    if len(ledger) > 100:
        raise error(_("台账名称不能超过100个字"))
    if not records:
        raise error(_("台账中没有要导入的问题"))
    today = _today(now)
    for n, record in enumerate(records, start=1):
        _check_record(n, record, by=by, today=today)
    lead_ids = {r.lead_unit.pk for r in records}
    visible = set(Unit.objects.visible_to(by).filter(pk__in=lead_ids).values_list("pk", flat=True))
    for n, record in enumerate(records, start=1):
        if record.lead_unit.pk not in visible:
            raise error(
                _("第%(row)d条：%(problem)s")
                % {"row": n, "problem": _("牵头单位不存在或不在您的管辖范围内")}
            )

    # Registration order within each source and year decides the numbers.
    blocks: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i in sorted(range(len(records)), key=lambda i: (records[i].registered_date, i)):
        r = records[i]
        blocks[r.source, r.registered_date.year].append(i)

    actor = by if getattr(by, "is_authenticated", False) else None
    actor_name, actor_unit, roles = _actor(by)
    with transaction.atomic():
        numbers: dict[int, str] = {}
        for (source, year), indexes in sorted(blocks.items()):
            numbers.update(zip(indexes, _take_numbers(source, year, len(indexes)), strict=True))
        cases = [_case(r, numbers[i], actor, now) for i, r in enumerate(records)]
        Case.objects.bulk_create(cases, batch_size=_BATCH)
        tally.add(case.pk for case in cases)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=case,
                    action=IMPORTED_CLOSED,
                    at=now,
                    actor=actor,
                    actor_name=actor_name,
                    actor_unit=actor_unit,
                    actor_roles=roles,
                    to_state=CaseState.CLOSED,
                    comment=(r.unfounded_finding or r.result).strip(),
                    data={
                        "ledger": ledger,
                        "number": case.number,
                        "registered_date": r.registered_date.isoformat(),
                        "closed_date": r.closed_date.isoformat(),
                        "due_date": _plain(r.due_date),
                        "lead_unit": _plain(r.lead_unit),
                        "unfounded": bool(r.unfounded_finding.strip()),
                    },
                )
                for case, r in zip(cases, records, strict=True)
            ],
            batch_size=_BATCH,
        )
    for case in cases:
        # As if loaded: Case.save() keeps refusing to change the state.
        case._loaded_state = case.state
    return cases


def _case(r: ClosedCaseRecord, number: str, actor: Any, now: dt.datetime) -> Case:
    closed_at = _ledger_time(r.closed_date)
    finding = r.unfounded_finding.strip()
    return Case(
        number=number,
        external_number=r.external_number.strip(),
        source=r.source,
        title=r.title.strip(),
        description=r.description,
        category=r.category,
        problem_count=r.problem_count,
        region=r.region,
        address=r.address,
        enterprise_name=r.enterprise_name.strip(),
        is_key=r.is_key,
        lead_unit=r.lead_unit,
        rectification_measures=r.rectification_measures,
        due_date=r.due_date,
        next_due_date=r.due_date,
        state=CaseState.CLOSED,
        state_changed_at=closed_at,
        rectification_cycle=0 if finding else 1,
        is_unfounded=bool(finding),
        verification_finding=finding,
        closed_at=closed_at,
        created_at=_ledger_time(r.registered_date),
        created_by=actor,
        updated_at=now,
    )


def import_closed_case(*, by: Any, now: dt.datetime, ledger: str, **record: Any) -> Case:
    """One historical closed case: :func:`import_closed_cases` of a single
    :class:`ClosedCaseRecord` built from the keyword arguments."""
    (case,) = import_closed_cases(
        by=by, now=now, ledger=ledger, records=[ClosedCaseRecord(**record)]
    )
    return case
