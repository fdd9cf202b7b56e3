"""问责: recording who was held accountable, how and why, for which cases.

The office (``cases.edit``: dispatchers) records decisions. A record names
the person as written in the decision (free text), their unit — from the
unit register when it is there, else as text — and post; it is seen by
whoever sees its unit or one of its cases
(``greenloop.cases.access_rules``), so it must have one or the other.
Each linked case gets a timeline entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    AccountabilityForm,
    AccountabilityRecord,
    Case,
    InspectionRound,
)
from greenloop.cases.services._base import EVENT, _log, _today
from greenloop.cases.workflow import EVENT_LABELS
from greenloop.org.access import get_scope
from greenloop.org.models import Unit
from greenloop.org.roles import Perm

EVENT_LABELS.setdefault(EVENT + "accountability_recorded", gettext_noop("记录问责"))


class UnableToRecordAccountability(UnableToActOnCase):
    """An accountability record was refused."""


def record_accountability(
    *,
    by: Any,
    now: dt.datetime,
    person_name: str,
    form: str,
    reason: str,
    decided_date: dt.date | None,
    unit: Unit | None = None,
    unit_name: str = "",
    post: str = "",
    inspection_round: InspectionRound | None = None,
    cases: Sequence[Case] = (),
) -> AccountabilityRecord:
    """Record one accountability decision about one person.

    Without ``inspection_round``, the record takes the round of its cases
    when they all share one.
    """
    error = UnableToRecordAccountability
    if not get_scope(by).has(Perm.EDIT_CASES):
        raise error(_("只有生态委办（调度员）可以录入问责情况"), reason=Refusal.FORBIDDEN)
    person_name = person_name.strip()
    unit_name = (unit_name.strip() or (unit.name if unit is not None else ""))[:100]
    if not person_name:
        raise error(_("请填写被问责人姓名"))
    if len(person_name) > 40:
        raise error(_("姓名不能超过40个字"))
    if form not in AccountabilityForm.values:
        raise error(_("问责方式无效"))
    if not reason.strip():
        raise error(_("请填写问责事由"))
    if decided_date is None:
        raise error(_("请填写问责日期"))
    if decided_date > _today(now):
        raise error(_("问责日期不能晚于今天"))
    if not unit_name:
        raise error(_("请填写被问责人所在单位"))
    if unit is not None and not Unit.objects.visible_to(by).filter(pk=unit.pk).exists():
        raise error(_("所选单位不存在或不在您的管辖范围内"))
    case_ids = sorted({c.pk for c in cases})
    visible = set(Case.objects.visible_to(by).filter(pk__in=case_ids).values_list("pk", flat=True))
    if visible != set(case_ids):
        raise error(_("关联的问题不存在或不在您的管辖范围内"))
    if unit is None and not case_ids:
        raise error(_("请从单位名录中选择单位，或至少关联一个问题"))
    if inspection_round is None and cases:
        rounds = {c.inspection_round_id for c in cases}
        if len(rounds) == 1 and None not in rounds:
            inspection_round = InspectionRound.objects.get(pk=cast(int, rounds.pop()))

    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            person_name=person_name,
            unit=unit,
            unit_name=unit_name,
            post=post.strip()[:100],
            form=form,
            reason=reason.strip(),
            decided_date=decided_date,
            inspection_round=inspection_round,
            created_by=by if getattr(by, "is_authenticated", False) else None,
            created_at=now,
        )
        record.cases.set(case_ids)
        data = {
            "record": record.pk,
            "person_name": person_name,
            "unit_name": unit_name,
            "form": form,
            "decided_date": decided_date.isoformat(),
        }
        for case in sorted({c.pk: c for c in cases}.values(), key=lambda c: c.pk):
            _log(case, "accountability_recorded", by=by, now=now, comment=record.reason, data=data)
    return record
