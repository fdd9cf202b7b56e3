"""Use cases behind the case pages: saved views of the list and assigning
several cases at once.

Bulk assignment is *per case*: each case goes through
:func:`~greenloop.cases.services.assign_case` in its own transaction, with
its own guard (visibility, the version the list was loaded with, state, role
and reach). A refusal of one case leaves the others assigned and is
reported with the service's message; an office assigning a batch within the
hour wants the 19 good ones through and the one stale row named, not the
whole batch stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import Case, SavedView
from greenloop.cases.services._transitions import assign_case
from greenloop.org.models import Person, Unit

MAX_SAVED_VIEWS = 30
MAX_BULK_ASSIGN = 200


class UnableToSaveView(UnableToActOnCase):
    pass


def save_view(*, by: Any, now: dt.datetime, name: str, query: str) -> SavedView:
    """Save (or, under an existing name, replace) one of the user's views."""
    name = " ".join(name.split())[:40]
    if not getattr(by, "is_authenticated", False):
        raise UnableToSaveView(_("请先登录"), reason=Refusal.FORBIDDEN)
    if not name:
        raise UnableToSaveView(_("请为常用筛选填写名称"))
    mine = SavedView.objects.owned_by(by)
    existing = mine.filter(name=name).first()
    if existing is not None:
        mine.filter(pk=existing.pk).update(query=query[:1000])
        existing.refresh_from_db()
        return existing
    if mine.count() >= MAX_SAVED_VIEWS:
        raise UnableToSaveView(
            _("最多保存%(count)d个常用筛选，请先删除不用的") % {"count": MAX_SAVED_VIEWS}
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=by, name=name, query=query[:1000], created_at=now)
    except IntegrityError:
        # The same name saved twice at once (a double click): keep one.
        return mine.get(name=name)


def delete_view(*, by: Any, view_id: int) -> None:
    """Remove one of the user's own views; others' views are not found."""
    deleted, _rows = SavedView.objects.owned_by(by).filter(pk=view_id).delete()
    if not deleted:
        raise UnableToSaveView(_("该常用筛选不存在"), reason=Refusal.NOT_FOUND)


@dataclass
class BulkAssignment:
    """What happened to each selected case, in the order selected."""

    assigned: list[Case] = field(default_factory=list)
    # (case number, or "#<id>" when the case is not visible; the message)
    refused: list[tuple[str, str]] = field(default_factory=list)


def assign_cases(
    *,
    by: Any,
    now: dt.datetime,
    versions: Mapping[int, int],
    lead_unit: Unit | None,
    due_date: dt.date | None,
    responsible_units: Sequence[Unit] = (),
    cooperating_units: Sequence[Unit] = (),
    responsible_leader: Person | None = None,
    comment: str = "",
) -> BulkAssignment:
    """交办 several cases to the same units and deadline, case by case.

    ``versions`` maps each case id to the version the list showed. Every
    case gets :func:`assign_case` with its own guard and transaction; the
    result names the refused ones with the reason.
    """
    result = BulkAssignment()
    if not versions:
        raise UnableToActOnCase(_("请先勾选要交办的问题"))
    if len(versions) > MAX_BULK_ASSIGN:
        raise UnableToActOnCase(_("一次最多交办%(count)d件问题") % {"count": MAX_BULK_ASSIGN})
    cases = Case.objects.select_related("lead_unit").in_bulk(list(versions))
    for pk, version in versions.items():
        case = cases.get(pk)
        if case is None:
            result.refused.append((f"#{pk}", _("问题不存在或不在您的管辖范围内")))
            continue
        try:
            result.assigned.append(
                assign_case(
                    case=case,
                    by=by,
                    now=now,
                    version=version,
                    lead_unit=lead_unit,
                    due_date=due_date,
                    responsible_units=responsible_units,
                    cooperating_units=cooperating_units,
                    responsible_leader=responsible_leader,
                    comment=comment,
                )
            )
        except UnableToActOnCase as exc:
            result.refused.append((case.number if _sees(by, case) else f"#{pk}", str(exc)))
    return result


def _sees(by: Any, case: Case) -> bool:
    from greenloop.org.access import is_visible

    return is_visible(by, case)
