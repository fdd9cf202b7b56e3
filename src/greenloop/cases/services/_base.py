"""Helpers shared by the case services: the timeline writer, unit and place
checks, JSON-safe values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files import File
from django.db import models
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from greenloop.cases.access_rules import region_in_territory
from greenloop.cases.attachments import store_attachment
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.filetypes import FileType
from greenloop.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMilestone,
    CaseState,
    CaseUnit,
    InspectionBatch,
    InspectionRound,
    Tag,
    UnitRole,
)
from greenloop.cases.notifications import notify_case_event
from greenloop.org.access import ACTIONS, get_scope, is_visible
from greenloop.org.models import Person, Region, Unit

Files = Sequence[File]  # type: ignore[type-arg]

EVENT = "greenloop.cases.case."


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _state_label(state: str) -> str:
    return _(CaseState(state).label)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the timeline's data dict."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": getattr(value, "name", None) or str(value)}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _actor(by: Any) -> tuple[str, str, list[str]]:
    """Name, unit and roles of the user as they are now, for the timeline."""
    scope = get_scope(by)
    cached = getattr(by, "_greenloop_case_actor", None)
    if cached is None:
        person = (
            Person.objects.select_related("unit").filter(pk=scope.person_id).first()
            if scope.person_id
            else None
        )
        name = person.name if person else (by.get_username() if by is not None else "")
        unit = person.unit.name if person else ""
        cached = (name, unit)
        if by is not None:
            by._greenloop_case_actor = cached
    return cached[0], cached[1], sorted(scope.roles)


def _log(
    case: Case,
    event: str,
    *,
    by: Any,
    now: dt.datetime,
    comment: str = "",
    data: dict[str, Any] | None = None,
    from_state: str = "",
    to_state: str = "",
) -> CaseEvent:
    name, unit, roles = _actor(by)
    entry = CaseEvent.objects.create(
        case=case,
        action=event if event.startswith("greenloop.") else EVENT + event,
        at=now,
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_name=name,
        actor_unit=unit,
        actor_roles=roles,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )
    # Robot webhooks hear about some entries, after commit (never blocking).
    notify_case_event(entry)
    return entry


def _store(
    case: Case,
    event: CaseEvent,
    files: Files,
    types: list[FileType],
    purpose: str,
    by: Any,
    now: dt.datetime,
) -> list[CaseAttachment]:
    return [
        store_attachment(
            case=case, event=event, upload=f, detected=t, purpose=purpose, by=by, now=now
        )
        for f, t in zip(files, types, strict=True)
    ]


def _require(
    error: type[UnableToActOnCase], by: Any, action: str, case: Case, message: str
) -> None:
    """Visible (else NOT_FOUND, like a missing row) and allowed (else FORBIDDEN)."""
    if not is_visible(by, case):
        raise error(_("问题不存在或不在您的管辖范围内"), reason=Refusal.NOT_FOUND)
    if not ACTIONS[action](get_scope(by), case):
        raise error(message, reason=Refusal.FORBIDDEN)


def _next_due_date(case_pk: int | None, due_date: dt.date | None) -> dt.date | None:
    """The earliest of the deadline and the open milestones' dates."""
    dates = [due_date] if due_date else []
    if case_pk is not None:
        earliest = CaseMilestone.objects.filter(case_id=case_pk, done_at__isnull=True).aggregate(
            d=Min("due_date")
        )["d"]
        if earliest:
            dates.append(earliest)
    return min(dates) if dates else None


def _visible_units(by: Any, units: Sequence[Unit], error: type[UnableToActOnCase]) -> None:
    ids = {u.pk for u in units}
    if ids and Unit.objects.visible_to(by).filter(pk__in=ids).count() != len(ids):
        raise error(_("所选单位不存在或不在您的管辖范围内"))


def _check_units(
    by: Any,
    lead: Unit | None,
    responsible: Sequence[Unit],
    cooperating: Sequence[Unit],
    error: type[UnableToActOnCase],
) -> None:
    _visible_units(by, [u for u in [lead, *responsible, *cooperating] if u is not None], error)
    ids = [u.pk for u in [*responsible, *cooperating]]
    if len(ids) != len(set(ids)) or (lead is not None and lead.pk in ids):
        raise error(_("同一单位只能担任一种职责（牵头、责任或配合）"))


def _set_units(case: Case, responsible: Sequence[Unit], cooperating: Sequence[Unit]) -> None:
    CaseUnit.objects.filter(case=case).delete()
    CaseUnit.objects.bulk_create(
        [CaseUnit(case=case, unit=u, role=UnitRole.RESPONSIBLE) for u in responsible]
        + [CaseUnit(case=case, unit=u, role=UnitRole.COOPERATING) for u in cooperating]
    )


def _units_of(case: Case, role: str) -> list[Unit]:
    return [
        cu.unit
        for cu in CaseUnit.objects.filter(case=case, role=role)
        .select_related("unit")
        .order_by("unit_id")
    ]


def _check_place(
    *,
    by: Any,
    region: Region,
    longitude: float | None,
    latitude: float | None,
    error: type[UnableToActOnCase],
) -> None:
    if not region_in_territory(get_scope(by), region):
        raise error(_("行政区域不在您的管辖范围内"), reason=Refusal.FORBIDDEN)
    if (longitude is None) != (latitude is None):
        raise error(_("经度和纬度须同时填写"))
    if longitude is not None and not (-180 <= longitude <= 180 and -90 <= latitude <= 90):  # type: ignore[operator]
        raise error(_("经纬度超出范围"))


def _check_round(
    inspection_round: InspectionRound | None,
    batch: InspectionBatch | None,
    error: type[UnableToActOnCase],
) -> InspectionRound | None:
    if batch is not None:
        if inspection_round is not None and batch.inspection_round_id != inspection_round.pk:
            raise error(_("交办批次不属于所选督察轮次"))
        return batch.inspection_round
    return inspection_round


def _tags(names: Sequence[str]) -> list[Tag]:
    clean = sorted({n.strip()[:30] for n in names if n.strip()})
    for name in clean:
        Tag.objects.get_or_create(name=name)
    return list(Tag.objects.filter(name__in=clean).order_by("name"))
