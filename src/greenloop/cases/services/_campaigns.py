"""Inspection rounds and their batches; 回头看 review campaigns.

Rounds and batches organise cases and hold no case content: every holder
of ``cases.view`` sees them, the office (``cases.edit``, dispatchers)
creates them. A 回头看 campaign selects closed cases in the office's
territory by a filter; review groups (驻点组) of people take items; each
item's outcome is recorded once: consolidated (巩固), or relapsed, which
re-opens the case through :func:`reopen_case` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from greenloop.cases.access_rules import region_in_territory, territory_q
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseState,
    InspectionBatch,
    InspectionRound,
    ReviewCampaign,
    ReviewGroup,
    ReviewItem,
    ReviewOutcome,
    RoundKind,
)
from greenloop.cases.services._base import EVENT, Files, _actor, _log, _today
from greenloop.cases.services._transitions import reopen_case
from greenloop.cases.workflow import EVENT_LABELS
from greenloop.org.access import get_scope, is_visible
from greenloop.org.models import Person, Region, Unit
from greenloop.org.roles import Perm

# The timeline entries this module writes, labelled for the case page.
EVENT_LABELS.setdefault(EVENT + "review_selected", gettext_noop("列入回头看"))
EVENT_LABELS.setdefault(EVENT + "review_consolidated", gettext_noop("回头看：整改成效巩固"))
EVENT_LABELS.setdefault(EVENT + "review_relapsed", gettext_noop("回头看：问题反弹"))


class UnableToManageRound(UnableToActOnCase):
    """A round or batch could not be created."""


class UnableToReview(UnableToActOnCase):
    """A 回头看 campaign, group, assignment or outcome was refused."""


def _require_office(by: Any, error: type[UnableToActOnCase], message: str) -> None:
    if not get_scope(by).has(Perm.EDIT_CASES):
        raise error(message, reason=Refusal.FORBIDDEN)


# --- rounds and batches ----------------------------------------------------


def create_round(
    *,
    by: Any,
    now: dt.datetime,
    kind: str,
    name: str,
    team_name: str = "",
    stationed_start_date: dt.date | None = None,
    stationed_end_date: dt.date | None = None,
    feedback_date: dt.date | None = None,
    note: str = "",
) -> InspectionRound:
    """An inspection round (督察轮次): central or provincial, its stationed
    dates and feedback date."""
    error = UnableToManageRound
    _require_office(by, error, _("只有生态委办（调度员）可以新建督察轮次"))
    name = name.strip()
    if kind not in RoundKind.values:
        raise error(_("督察类型无效"))
    if not name:
        raise error(_("请填写督察轮次名称"))
    if len(name) > 100:
        raise error(_("名称不能超过100个字"))
    if InspectionRound.objects.filter(name=name).exists():
        raise error(_("已有同名的督察轮次“%(name)s”") % {"name": name})
    if stationed_start_date and stationed_end_date and stationed_end_date < stationed_start_date:
        raise error(_("撤离日期不能早于进驻日期"))
    if stationed_start_date and feedback_date and feedback_date < stationed_start_date:
        raise error(_("反馈日期不能早于进驻日期"))
    return InspectionRound.objects.create(
        kind=kind,
        name=name,
        team_name=team_name.strip(),
        stationed_start_date=stationed_start_date,
        stationed_end_date=stationed_end_date,
        feedback_date=feedback_date,
        note=note,
    )


def create_batch(
    *,
    by: Any,
    now: dt.datetime,
    inspection_round: InspectionRound,
    received_date: dt.date | None,
    number: int | None = None,
    note: str = "",
) -> InspectionBatch:
    """A batch (批次) of petitions the team transferred; numbered on from the
    round's latest batch unless ``number`` is given."""
    error = UnableToManageRound
    _require_office(by, error, _("只有生态委办（调度员）可以登记交办批次"))
    if received_date is None:
        raise error(_("请填写交办日期"))
    start = inspection_round.stationed_start_date
    if start is not None and received_date < start:
        raise error(_("交办日期不能早于督察组进驻日期"))
    if number is None:
        latest = inspection_round.batches.aggregate(n=Max("number"))["n"]
        number = (latest or 0) + 1
    if number < 1:
        raise error(_("批次号至少为1"))
    if inspection_round.batches.filter(number=number).exists():
        raise error(_("本轮督察已有第%(number)s批") % {"number": number})
    try:
        with transaction.atomic():
            return InspectionBatch.objects.create(
                inspection_round=inspection_round,
                number=number,
                received_date=received_date,
                note=note,
            )
    except IntegrityError:
        # Another request took the number in the same instant.
        raise error(
            _("本轮督察已有第%(number)s批") % {"number": number}, reason=Refusal.STALE
        ) from None


# --- 回头看: selecting cases ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewSelection:
    """The filter that selects closed cases into a campaign."""

    region: Region | None = None
    inspection_round: InspectionRound | None = None
    category: str = ""
    source: str = ""
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    key_only: bool = False

    def to_json(self) -> dict[str, Any]:
        """As stored on the campaign, to show how its cases were chosen."""
        data: dict[str, Any] = {
            "region": self.region.code if self.region else None,
            "region_name": self.region.name if self.region else None,
            "inspection_round": self.inspection_round.pk if self.inspection_round else None,
            "inspection_round_name": self.inspection_round.name if self.inspection_round else None,
            "category": self.category,
            "source": self.source,
            "closed_from": self.closed_from.isoformat() if self.closed_from else None,
            "closed_to": self.closed_to.isoformat() if self.closed_to else None,
            "key_only": self.key_only,
        }
        return {k: v for k, v in data.items() if v not in (None, "", False)}


def select_for_review(*, by: Any, selection: ReviewSelection) -> QuerySet[Case]:
    """The closed cases a campaign by ``by`` would take: visible, in their
    territory, rectified (closed as unfounded ones had nothing to
    rectify), matching the filter. Dates are Beijing dates of closure."""
    scope = get_scope(by)
    qs: QuerySet[Case] = (
        Case.objects.visible_to(by)
        .filter(territory_q(scope))
        .filter(state=CaseState.CLOSED, is_unfounded=False)
    )
    if selection.region is not None:
        qs = qs.filter(region__path__startswith=selection.region.path)
    if selection.inspection_round is not None:
        qs = qs.filter(inspection_round=selection.inspection_round)
    if selection.category:
        qs = qs.filter(category=selection.category)
    if selection.source:
        qs = qs.filter(source=selection.source)
    if selection.closed_from is not None:
        qs = qs.filter(closed_at__date__gte=selection.closed_from)
    if selection.closed_to is not None:
        qs = qs.filter(closed_at__date__lte=selection.closed_to)
    if selection.key_only:
        qs = qs.filter(is_key=True)
    return qs


def _campaign_region(by: Any, selection: ReviewSelection) -> Region:
    scope = get_scope(by)
    if selection.region is not None:
        if not region_in_territory(scope, selection.region):
            raise UnableToReview(_("所选区域不在您的管辖范围内"), reason=Refusal.FORBIDDEN)
        return selection.region
    if scope.region_path:
        found: Region = Region.objects.get(path=scope.region_path)
        return found
    roots: list[Region] = list(Region.objects.filter(parent__isnull=True).order_by("pk")[:2])
    if len(roots) != 1:
        raise UnableToReview(_("请选择回头看的区域范围"))
    return roots[0]


def create_review_campaign(
    *,
    by: Any,
    now: dt.datetime,
    name: str,
    selection: ReviewSelection,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> ReviewCampaign:
    """Start a 回头看: every case :func:`select_for_review` finds becomes a
    pending item, and each case's timeline says it was selected."""
    error = UnableToReview
    _require_office(by, error, _("只有生态委办（调度员）可以组织回头看"))
    if not get_scope(by).is_territorial:
        raise error(_("只有属地生态委办可以组织回头看"), reason=Refusal.FORBIDDEN)
    name = name.strip()
    if not name:
        raise error(_("请填写回头看名称"))
    if len(name) > 100:
        raise error(_("名称不能超过100个字"))
    if selection.category and selection.category not in CaseCategory.values:
        raise error(_("污染类型无效"))
    if selection.source and selection.source not in CaseSource.values:
        raise error(_("问题来源无效"))
    if (
        selection.closed_from
        and selection.closed_to
        and selection.closed_to < selection.closed_from
    ):
        raise error(_("销号日期的起止顺序有误"))
    start_date = start_date or _today(now)
    if end_date is not None and end_date < start_date:
        raise error(_("结束日期不能早于开始日期"))
    region = _campaign_region(by, selection)
    case_ids = list(
        select_for_review(by=by, selection=selection).order_by("pk").values_list("pk", flat=True)
    )
    if not case_ids:
        raise error(_("没有符合条件的已销号问题，请调整筛选条件"))

    actor_name, actor_unit, roles = _actor(by)
    with transaction.atomic():
        campaign = ReviewCampaign.objects.create(
            name=name,
            region=region,
            start_date=start_date,
            end_date=end_date,
            selection=selection.to_json(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
            created_at=now,
        )
        ReviewItem.objects.bulk_create(
            [ReviewItem(campaign=campaign, case_id=pk) for pk in case_ids], batch_size=500
        )
        # One entry per case, written in bulk: a city 回头看 takes a thousand.
        data = {"campaign": {"id": campaign.pk, "name": campaign.name}}
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=pk,
                    action=EVENT + "review_selected",
                    at=now,
                    actor=by if getattr(by, "is_authenticated", False) else None,
                    actor_name=actor_name,
                    actor_unit=actor_unit,
                    actor_roles=roles,
                    data=data,
                )
                for pk in case_ids
            ],
            batch_size=500,
        )
    return campaign


# --- 回头看: groups ---------------------------------------------------------------


def add_review_group(
    *,
    campaign: ReviewCampaign,
    by: Any,
    now: dt.datetime,
    name: str,
    members: Sequence[Person] = (),
) -> ReviewGroup:
    """A resident group (驻点组) of the campaign and its people."""
    error = UnableToReview
    _require_office(by, error, _("只有生态委办（调度员）可以设置回头看工作组"))
    name = name.strip()
    if not name:
        raise error(_("请填写工作组名称"))
    if len(name) > 60:
        raise error(_("组名不能超过60个字"))
    if campaign.groups.filter(name=name).exists():
        raise error(_("本次回头看已有“%(name)s”") % {"name": name})
    ids = {p.pk for p in members}
    if ids and Person.objects.visible_to(by).filter(pk__in=ids).count() != len(ids):
        raise error(_("所选人员不存在或不在您的管辖范围内"))
    with transaction.atomic():
        group = ReviewGroup.objects.create(campaign=campaign, name=name)
        group.members.set(sorted(ids))
    return group


def assign_review_items(
    *,
    campaign: ReviewCampaign,
    group: ReviewGroup,
    by: Any,
    now: dt.datetime,
    region: Region | None = None,
    items: Sequence[ReviewItem] = (),
) -> int:
    """Give the group the campaign's pending items in ``region`` (or the
    ``items`` named); returns how many it received. Items already reviewed
    keep their group."""
    error = UnableToReview
    _require_office(by, error, _("只有生态委办（调度员）可以分配回头看任务"))
    if group.campaign_id != campaign.pk:
        raise error(_("工作组不属于本次回头看"))
    scope = get_scope(by)
    qs = ReviewItem.objects.filter(campaign=campaign, outcome=ReviewOutcome.PENDING).filter(
        territory_q(scope, "case__")
    )
    if region is not None:
        qs = qs.filter(case__region__path__startswith=region.path)
    if items:
        qs = qs.filter(pk__in=[i.pk for i in items])
    if region is None and not items:
        raise error(_("请选择区域或要分配的问题"))
    assigned = qs.update(group=group)
    if not assigned:
        raise error(_("所选范围内没有可分配的待复查问题"))
    return assigned


# --- 回头看: outcomes ---------------------------------------------------------------


def member_groups(by: Any, campaign: ReviewCampaign | int) -> set[int]:
    """The campaign's groups ``by`` is a member of."""
    person_id = get_scope(by).person_id
    if person_id is None:
        return set()
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    return set(
        ReviewGroup.objects.filter(campaign_id=campaign_id, members=person_id).values_list(
            "pk", flat=True
        )
    )


def may_review(by: Any, item: ReviewItem, *, groups: set[int] | None = None) -> bool:
    """Holders of ``cases.reopen`` (dispatchers, the re-check group) within
    their territory, and the members of the item's group. ``groups`` is
    :func:`member_groups`, when the caller already has it (a page of
    items)."""
    scope = get_scope(by)
    if scope.has(Perm.REOPEN_CASES) and region_in_territory(scope, item.case.region):
        return True
    if item.group_id is None:
        return False
    if groups is None:
        groups = member_groups(by, item.campaign_id)
    return item.group_id in groups


def record_review_outcome(
    *,
    item: ReviewItem,
    by: Any,
    now: dt.datetime,
    outcome: str,
    note: str = "",
    version: int | None = None,
    due_date: dt.date | None = None,
    lead_unit: Unit | None = None,
    files: Files = (),
) -> ReviewItem:
    """Record what the review found, once per item.

    1. Check: the case is visible (else NOT_FOUND), the user may review it,
       the item is still pending and the case still closed.
    2. Mark the item with a conditional ``UPDATE … WHERE outcome =
       PENDING``: of two people recording at once, one wins.
    3. Consolidated: a timeline entry. Relapsed: a timeline entry, then
       :func:`reopen_case` with the note as its reason, the new deadline
       and the case ``version`` the page showed; if the re-opening is
       refused, nothing is recorded.
    """
    error = UnableToReview
    case = item.case
    if not is_visible(by, case):
        raise error(_("问题不存在或不在您的管辖范围内"), reason=Refusal.NOT_FOUND)
    if not may_review(by, item):
        raise error(
            _("只有回头看工作组成员、复核组或生态委办可以记录复查结果"), reason=Refusal.FORBIDDEN
        )
    if outcome not in (ReviewOutcome.CONSOLIDATED, ReviewOutcome.RELAPSED):
        raise error(_("请选择复查结果：整改成效巩固或问题反弹"))
    if item.outcome != ReviewOutcome.PENDING:
        raise error(
            _("该问题已记录复查结果（%(outcome)s），不能重复记录")
            % {"outcome": _(ReviewOutcome(item.outcome).label)},
            reason=Refusal.CONFLICT,
        )
    if case.state != CaseState.CLOSED:
        raise error(_("该问题已不是销号状态，不能再记录复查结果"), reason=Refusal.CONFLICT)
    note = note.strip()
    if outcome == ReviewOutcome.RELAPSED and not note:
        raise error(_("问题反弹须填写反弹情况，作为重新整改的理由"))

    data = {
        "campaign": {"id": item.campaign_id, "name": item.campaign.name},
        "outcome": outcome,
    }
    with transaction.atomic():
        updated = ReviewItem.objects.filter(pk=item.pk, outcome=ReviewOutcome.PENDING).update(
            outcome=outcome,
            note=note,
            reviewed_at=now,
            reviewed_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if updated != 1:
            raise error(_("该问题刚刚已被他人记录复查结果，请刷新页面"), reason=Refusal.STALE)
        if outcome == ReviewOutcome.CONSOLIDATED:
            _log(case, "review_consolidated", by=by, now=now, comment=note, data=data)
        else:
            _log(case, "review_relapsed", by=by, now=now, comment=note, data=data)
            reopen_case(
                case=case,
                by=by,
                now=now,
                version=case.version if version is None else version,
                reason=note,
                due_date=due_date,
                lead_unit=lead_unit,
                files=files,
            )
    item.refresh_from_db()
    return item
