"""Changing a case's fields and milestones (never its state)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from greenloop.cases import tally
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    OPEN_STATES,
    WORKING_STATES,
    Case,
    CaseCategory,
    CaseMilestone,
    FeedbackAspect,
    Tag,
    UnitRole,
)
from greenloop.cases.services._base import (
    _check_place,
    _check_round,
    _check_units,
    _log,
    _next_due_date,
    _plain,
    _require,
    _set_units,
    _tags,
    _units_of,
)
from greenloop.org.models import Person


class UnableToChangeCase(UnableToActOnCase):
    pass


EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "external_number",
        "region",
        "address",
        "longitude",
        "latitude",
        "enterprise_name",
        "is_key",
        "problem_count",
        "inspection_round",
        "batch",
        "feedback_aspect",
        "lead_unit",
        "responsible_leader",
        "rectification_target",
        "rectification_measures",
        "due_date",
    }
)
EDITABLE_RELATIONS = frozenset({"responsible_units", "cooperating_units", "tags"})


def change_case(
    *,
    case: Case,
    by: Any,
    now: dt.datetime,
    version: int,
    changes: Mapping[str, Any],
    comment: str = "",
) -> Case:
    """Change fields of a case (not its state). Each change is recorded with
    its old and new value; a change to nothing records nothing."""
    error = UnableToChangeCase
    _require(error, by, "cases.edit", case, _("您无权修改该问题"))
    unknown = set(changes) - EDITABLE_FIELDS - EDITABLE_RELATIONS
    if unknown:
        raise error(
            _("以下字段不能修改：%(fields)s")
            % {"fields": pgettext("separator between names in a list", "、").join(sorted(unknown))}
        )
    if version != case.version:
        raise error(_("该问题已被他人更新，请刷新页面后重试"), reason=Refusal.STALE)

    new = {f: changes[f] for f in EDITABLE_FIELDS & set(changes)}
    merged = {f: new.get(f, getattr(case, f)) for f in EDITABLE_FIELDS}
    if "title" in new and not str(new["title"]).strip():
        raise error(_("请填写问题标题"))
    if merged["category"] not in CaseCategory.values:
        raise error(_("污染类型无效"))
    if merged["feedback_aspect"] and merged["feedback_aspect"] not in FeedbackAspect.values:
        raise error(_("反馈问题类别无效"))
    if int(merged["problem_count"]) < 1:
        raise error(_("反映问题数至少为1"))
    if {"region", "longitude", "latitude"} & set(new):
        _check_place(
            by=by,
            region=merged["region"],
            longitude=merged["longitude"],
            latitude=merged["latitude"],
            error=error,
        )
    if {"inspection_round", "batch"} & set(new):
        merged["inspection_round"] = new["inspection_round"] = _check_round(
            merged["inspection_round"], merged["batch"], error
        )
    if case.state in WORKING_STATES and (merged["lead_unit"] is None or merged["due_date"] is None):
        raise error(_("办理中的问题必须有牵头单位和整改时限"))
    if (
        "responsible_leader" in new
        and new["responsible_leader"] is not None
        and not (Person.objects.visible_to(by).filter(pk=new["responsible_leader"].pk).exists())
    ):
        raise error(_("所选责任领导不存在或不在您的管辖范围内"))

    old_responsible = _units_of(case, UnitRole.RESPONSIBLE)
    old_cooperating = _units_of(case, UnitRole.COOPERATING)
    responsible = list(changes.get("responsible_units", old_responsible))
    cooperating = list(changes.get("cooperating_units", old_cooperating))
    if {"lead_unit", "responsible_units", "cooperating_units"} & set(changes):
        _check_units(by, merged["lead_unit"], responsible, cooperating, error)

    diff: dict[str, dict[str, Any]] = {}
    for field, value in new.items():
        if field == "title":
            value = new[field] = str(value).strip()
        if getattr(case, field) != value:
            diff[field] = {"old": _plain(getattr(case, field)), "new": _plain(value)}
    if "responsible_units" in changes and {u.pk for u in responsible} != {
        u.pk for u in old_responsible
    }:
        diff["responsible_units"] = {"old": _plain(old_responsible), "new": _plain(responsible)}
    if "cooperating_units" in changes and {u.pk for u in cooperating} != {
        u.pk for u in old_cooperating
    }:
        diff["cooperating_units"] = {"old": _plain(old_cooperating), "new": _plain(cooperating)}
    new_tags: list[Tag] | None = None
    if "tags" in changes:
        old_names = sorted(case.tags.values_list("name", flat=True))
        new_tags = _tags(list(changes["tags"]))
        if [t.name for t in new_tags] != old_names:
            diff["tags"] = {"old": old_names, "new": [t.name for t in new_tags]}
    if not diff:
        return case

    values = {f: new[f] for f in diff if f in EDITABLE_FIELDS}
    if "due_date" in values:
        values["next_due_date"] = _next_due_date(case.pk, values["due_date"])
    with transaction.atomic(), tally.track([case.pk]):
        updated = Case.objects.filter(pk=case.pk, version=version).update(
            version=F("version") + 1, updated_at=now, **values
        )
        if updated != 1:
            raise error(_("该问题刚刚已被他人修改，请刷新页面后重试"), reason=Refusal.STALE)
        if "responsible_units" in diff or "cooperating_units" in diff:
            _set_units(case, responsible, cooperating)
        if "tags" in diff and new_tags is not None:
            case.tags.set(new_tags)
        case.refresh_from_db()
        _log(case, "changed", by=by, now=now, comment=comment.strip(), data={"changes": diff})
    return case


# --- milestones ------------------------------------------------------------


def _refresh_next_due_date(case: Case, now: dt.datetime) -> None:
    # Locked so a concurrent deadline change cannot interleave (PostgreSQL;
    # SQLite serialises writers).
    locked = Case.objects.select_for_update().only("pk", "due_date").get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(
        next_due_date=_next_due_date(case.pk, locked.due_date),
        version=F("version") + 1,
        updated_at=now,
    )
    case.refresh_from_db()


def add_milestone(
    *, case: Case, by: Any, now: dt.datetime, version: int, title: str, due_date: dt.date
) -> CaseMilestone:
    """Add a stage with its own date (长期坚持/阶段性完成 items)."""
    error = UnableToChangeCase
    _require(error, by, "cases.edit", case, _("您无权修改该问题"))
    if version != case.version:
        raise error(_("该问题已被他人更新，请刷新页面后重试"), reason=Refusal.STALE)
    if case.state not in OPEN_STATES:
        raise error(_("问题已办结，不能再增加阶段节点"), reason=Refusal.CONFLICT)
    if not title.strip():
        raise error(_("请填写阶段目标"))
    with transaction.atomic():
        if not Case.objects.filter(pk=case.pk, version=version).update(updated_at=now):
            raise error(_("该问题刚刚已被他人修改，请刷新页面后重试"), reason=Refusal.STALE)
        milestone = CaseMilestone.objects.create(case=case, title=title.strip(), due_date=due_date)
        _refresh_next_due_date(case, now)
        _log(
            case,
            "milestone_added",
            by=by,
            now=now,
            data={
                "milestone": {
                    "id": milestone.pk,
                    "title": milestone.title,
                    "due_date": due_date.isoformat(),
                }
            },
        )
    return milestone


def complete_milestone(
    *, milestone: CaseMilestone, by: Any, now: dt.datetime, comment: str = ""
) -> CaseMilestone:
    case = milestone.case
    error = UnableToChangeCase
    _require(error, by, "cases.complete_milestone", case, _("您无权办理该问题的阶段节点"))
    if case.state not in OPEN_STATES:
        raise error(_("问题已办结，不能再办理阶段节点"), reason=Refusal.CONFLICT)
    with transaction.atomic():
        done = CaseMilestone.objects.filter(pk=milestone.pk, done_at__isnull=True).update(
            done_at=now, done_by=by if getattr(by, "is_authenticated", False) else None
        )
        if not done:
            raise error(_("该阶段节点已完成"), reason=Refusal.CONFLICT)
        _refresh_next_due_date(case, now)
        _log(
            case,
            "milestone_done",
            by=by,
            now=now,
            comment=comment.strip(),
            data={"milestone": {"id": milestone.pk, "title": milestone.title}},
        )
    milestone.refresh_from_db()
    return milestone
