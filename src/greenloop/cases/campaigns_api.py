"""Rounds, 回头看, accountability, disclosure and statistics under
/api/v1/cases/.

Mounted by :func:`greenloop.cases.api.install` next to the case router,
so the services' refusals (``UnableToActOnCase``) become the same JSON
errors (400/403/404/409). Every endpoint reads through ``visible_to`` /
``get_for_user`` and makes one service call; figures come from
:mod:`greenloop.cases.statistics` with their definitions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from greenloop.cases import campaign_queries, services, statistics
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    AccountabilityForm,
    AccountabilityRecord,
    Case,
    CaseDisclosure,
    DisclosureStatus,
    InspectionBatch,
    InspectionRound,
    ReviewCampaign,
    ReviewGroup,
    ReviewItem,
    ReviewOutcome,
    RoundKind,
)
from greenloop.org.access import get_for_user, require_perm
from greenloop.org.models import Person, Region, Unit
from greenloop.org.roles import Perm

router = Router(tags=["督察轮次、回头看、问责、信息公开与统计"])

# --- schemas ---------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    reason: str | None = None


_E = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class Ref(Schema):
    id: int
    name: str


class CaseRef(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    region_name: str
    version: int


class SummaryFigures(Schema):
    total: int
    problems: int
    key: int
    duplicates: int
    unfounded: int
    to_rectify: int
    done: int
    in_progress: int
    overdue: int
    due: int
    closed_on_time: int
    on_time_rate: float | None
    completion_rate: float | None


class GroupFigures(SummaryFigures):
    group: str = Field(..., description="区划代码、ID或分组代码；空为未分组")
    name: str
    should_disclose: int
    disclosed: int
    disclosure_rate: float | None


class BatchProgressOut(GroupFigures):
    number: int
    received_date: dt.date
    states: dict[str, int]


class LabelledCountOut(Schema):
    key: str
    label: str
    count: int


class DisclosureFiguresOut(Schema):
    should_disclose: int
    disclosed: int
    published: int
    disclosure_rate: float | None


class StageOut(Schema):
    state: str
    label: str
    stays: int
    average_days: float | None


class StagesOut(Schema):
    stages: list[StageOut]
    closures: int
    days_to_close: float | None


class StatisticsOut(Schema):
    summary: SummaryFigures
    disclosure: DisclosureFiguresOut
    by_state: list[LabelledCountOut]
    by_source: list[LabelledCountOut]
    by_category: list[LabelledCountOut]
    by_region: list[GroupFigures]
    by_unit: list[GroupFigures]
    by_round: list[GroupFigures]
    by_batch: list[GroupFigures]
    stages: StagesOut
    definitions: dict[str, str]


class DefinitionOut(Schema):
    key: str
    definition: str


class BatchIn(Schema):
    received_date: dt.date
    number: int | None = None
    note: str = ""


class BatchOut(Schema):
    id: int
    number: int
    received_date: dt.date
    note: str


class RoundIn(Schema):
    kind: str = Field(..., description="CENTRAL 中央 / PROVINCIAL 省级")
    name: str
    team_name: str = ""
    stationed_start_date: dt.date | None = None
    stationed_end_date: dt.date | None = None
    feedback_date: dt.date | None = None
    note: str = ""


class RoundOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    team_name: str
    stationed_start_date: dt.date | None
    stationed_end_date: dt.date | None
    feedback_date: dt.date | None
    note: str
    batch_count: int


class AccountabilityTotalsOut(Schema):
    records: int
    people: int


class RoundDetailOut(RoundOut):
    summary: GroupFigures
    states: list[LabelledCountOut]
    batches: list[BatchProgressOut]
    unbatched: GroupFigures | None
    aspects: list[GroupFigures]
    accountability: AccountabilityTotalsOut
    definitions: dict[str, str]


class SelectionIn(Schema):
    region: str | None = Field(None, description="行政区划代码，含下级")
    inspection_round: int | None = None
    category: str = ""
    source: str = ""
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    key_only: bool = False


class CampaignIn(SelectionIn):
    name: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class CountOut(Schema):
    count: int


class ReviewFiguresOut(Schema):
    total: int
    reviewed: int
    consolidated: int
    relapsed: int
    pending: int
    relapse_rate: float | None


class ReviewGroupOut(Schema):
    id: int
    name: str
    members: list[Ref]
    figures: ReviewFiguresOut


class CampaignOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    start_date: dt.date
    end_date: dt.date | None
    selection: dict[str, Any]
    created_at: dt.datetime
    figures: ReviewFiguresOut


class CampaignDetailOut(CampaignOut):
    groups: list[ReviewGroupOut]
    definitions: dict[str, str]


class ReviewItemOut(Schema):
    id: int
    case: CaseRef
    group: Ref | None
    outcome: str
    outcome_label: str
    note: str
    reviewed_at: dt.datetime | None


class GroupIn(Schema):
    name: str
    member_ids: list[int] = []


class AssignIn(Schema):
    region: str | None = Field(None, description="把该区域（含下级）的待复查问题分给本组")
    item_ids: list[int] = []


class AssignOut(Schema):
    assigned: int


class OutcomeIn(Schema):
    outcome: str = Field(..., description="CONSOLIDATED 巩固 / RELAPSED 反弹")
    note: str = ""
    version: int | None = Field(None, description="反弹时：页面上问题的版本号")
    due_date: dt.date | None = Field(None, description="反弹时：新的整改时限")
    lead_unit_id: int | None = None


class AccountabilityIn(Schema):
    person_name: str
    form: str
    reason: str
    decided_date: dt.date
    unit_id: int | None = None
    unit_name: str = ""
    post: str = ""
    inspection_round_id: int | None = None
    case_ids: list[int] = []


class CaseNumberOut(Schema):
    id: int
    number: str


class AccountabilityOut(Schema):
    id: int
    person_name: str
    unit: Ref | None
    unit_name: str
    post: str
    form: str
    form_label: str
    reason: str
    decided_date: dt.date
    inspection_round: Ref | None
    cases: list[CaseNumberOut]
    created_at: dt.datetime


class AccountabilityCountOut(Schema):
    key: str
    name: str
    records: int
    people: int


class AccountabilityCountsOut(Schema):
    records: int
    people: int
    by_round: list[AccountabilityCountOut]
    by_form: list[AccountabilityCountOut]


class DisclosureIn(Schema):
    text: str


class WithdrawIn(Schema):
    reason: str


class DisclosureOut(Schema):
    id: int
    case_id: int
    case_number: str
    status: str
    status_label: str
    text: str
    published_at: dt.datetime | None
    public_url: str | None


# --- helpers ---------------------------------------------------------------


def _viewer(request: HttpRequest) -> Any:
    require_perm(request.user, Perm.VIEW_CASES)
    return request.user


def _invalid(message: str) -> UnableToActOnCase:
    return UnableToActOnCase(message, reason=Refusal.INVALID)


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region: Region | None = Region.objects.filter(code=code).first()
    if region is None:
        raise _invalid(_("行政区划代码 %(code)s 不存在") % {"code": code})
    return region


def _round(request: HttpRequest, round_id: int) -> InspectionRound:
    return get_for_user(_viewer(request), InspectionRound, action="cases.view", pk=round_id)


def _campaign(request: HttpRequest, campaign_id: int) -> ReviewCampaign:
    campaign: ReviewCampaign = get_for_user(
        _viewer(request),
        ReviewCampaign.objects.select_related("region"),
        action="cases.view",
        pk=campaign_id,
    )
    return campaign


def _case(request: HttpRequest, case_id: int) -> Case:
    case: Case = get_for_user(
        _viewer(request), Case.objects.select_related("region"), action="cases.view", pk=case_id
    )
    return case


def _one_visible(user: Any, model: Any, pk: int | None, message: str) -> Any:
    if pk is None:
        return None
    found = model.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise _invalid(message)
    return found


def _round_out(r: InspectionRound, batch_count: int) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": _(RoundKind(r.kind).label),
        "name": r.name,
        "team_name": r.team_name,
        "stationed_start_date": r.stationed_start_date,
        "stationed_end_date": r.stationed_end_date,
        "feedback_date": r.feedback_date,
        "note": r.note,
        "batch_count": batch_count,
    }


def _case_ref(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "title": c.title,
        "state": c.state,
        "state_label": c.get_state_display(),
        "region_name": c.region.name,
        "version": c.version,
    }


def _campaign_out(c: ReviewCampaign, figures: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "region_code": c.region.code,
        "region_name": c.region.name,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "selection": c.selection,
        "created_at": c.created_at,
        "figures": figures or statistics.review_figures(ReviewItem.objects.none()),
    }


def _campaign_detail(request: HttpRequest, campaign: ReviewCampaign) -> dict[str, Any]:
    items = ReviewItem.objects.visible_to(request.user).filter(campaign=campaign)
    by_group = statistics.review_figures_by(items, "group")
    empty = statistics.review_figures(ReviewItem.objects.none())
    groups = campaign.groups.prefetch_related("members").order_by("pk")
    return {
        **_campaign_out(campaign, statistics.review_figures(items)),
        "groups": [
            {
                "id": g.pk,
                "name": g.name,
                "members": [{"id": p.pk, "name": p.name} for p in g.members.all()],
                "figures": by_group.get(g.pk, empty),
            }
            for g in groups
        ],
        "definitions": statistics.get_definitions(),
    }


def _item_out(i: ReviewItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "case": _case_ref(i.case),
        "group": {"id": i.group.pk, "name": i.group.name} if i.group else None,
        "outcome": i.outcome,
        "outcome_label": _(ReviewOutcome(i.outcome).label),
        "note": i.note,
        "reviewed_at": i.reviewed_at,
    }


def _record_out(r: AccountabilityRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "person_name": r.person_name,
        "unit": {"id": r.unit.pk, "name": r.unit.name} if r.unit else None,
        "unit_name": r.unit_name,
        "post": r.post,
        "form": r.form,
        "form_label": _(AccountabilityForm(r.form).label),
        "reason": r.reason,
        "decided_date": r.decided_date,
        "inspection_round": (
            {"id": r.inspection_round.pk, "name": r.inspection_round.name}
            if r.inspection_round
            else None
        ),
        # Only the linked cases the reader sees (prefetched that way).
        "cases": [{"id": c.pk, "number": c.number} for c in r.cases.all()],
        "created_at": r.created_at,
    }


def _disclosure_out(d: CaseDisclosure, case: Case) -> dict[str, Any]:
    public = d.status == DisclosureStatus.PUBLISHED
    return {
        "id": d.pk,
        "case_id": case.pk,
        "case_number": case.number,
        "status": d.status,
        "status_label": _(DisclosureStatus(d.status).label),
        "text": d.text,
        "published_at": d.published_at,
        "public_url": reverse("public_disclosure", args=[d.pk]) if public else None,
    }


class _Mapped:
    """A sliceable view of a queryset that maps rows as the paginator reads
    them, so pagination still happens in SQL."""

    def __init__(self, qs: Any, fn: Any) -> None:
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.fn(row) for row in self.qs[item]]


# --- rounds and batches ------------------------------------------------------


@router.get("/rounds", response=list[RoundOut], summary="督察轮次列表")
def list_rounds(request: HttpRequest) -> Any:
    rounds = (
        InspectionRound.objects.visible_to(_viewer(request))
        .annotate(n=Count("batches"))
        .order_by("-stationed_start_date", "-pk")
    )
    return [_round_out(r, r.n) for r in rounds]


@router.post("/rounds", response={201: RoundOut, **_E}, summary="新建督察轮次（调度员）")
def create_round(request: HttpRequest, payload: RoundIn) -> Any:
    r = services.create_round(by=_viewer(request), now=timezone.now(), **payload.model_dump())
    return Status(201, _round_out(r, 0))


@router.get(
    "/rounds/{round_id}",
    response=RoundDetailOut,
    summary="督察轮次进展：按批次、按共性/个性问题（仅统计您可见的问题）",
)
def get_round(request: HttpRequest, round_id: int) -> Any:
    r = _round(request, round_id)
    batches = list(r.batches.order_by("number"))
    cases = Case.objects.visible_to(request.user).filter(inspection_round=r)
    progress = statistics.round_progress(cases, batches, timezone.localdate())
    records = AccountabilityRecord.objects.visible_to(request.user).filter(inspection_round=r)
    return {
        **_round_out(r, len(batches)),
        **progress,
        "accountability": statistics.accountability_totals(records),
        "definitions": statistics.get_definitions(),
    }


@router.post(
    "/rounds/{round_id}/batches",
    response={201: BatchOut, **_E},
    summary="登记交办批次（不填批次号则顺延）",
)
def create_batch(request: HttpRequest, round_id: int, payload: BatchIn) -> Any:
    batch = services.create_batch(
        by=request.user,
        now=timezone.now(),
        inspection_round=_round(request, round_id),
        received_date=payload.received_date,
        number=payload.number,
        note=payload.note,
    )
    return Status(201, batch)


# --- 回头看 ----------------------------------------------------------------------


def _selection(user: Any, payload: SelectionIn) -> services.ReviewSelection:
    return services.ReviewSelection(
        region=_region(payload.region),
        inspection_round=_one_visible(
            user, InspectionRound, payload.inspection_round, _("督察轮次不存在")
        ),
        category=payload.category,
        source=payload.source,
        closed_from=payload.closed_from,
        closed_to=payload.closed_to,
        key_only=payload.key_only,
    )


@router.get("/reviews", response=list[CampaignOut], summary="回头看列表")
def list_reviews(request: HttpRequest) -> Any:
    user = _viewer(request)
    campaigns = list(
        ReviewCampaign.objects.visible_to(user)
        .select_related("region")
        .order_by("-start_date", "-pk")
    )
    figures = statistics.review_figures_by(ReviewItem.objects.visible_to(user), "campaign")
    return [_campaign_out(c, figures.get(c.pk)) for c in campaigns]


@router.get(
    "/reviews/preview", response=CountOut, summary="预览：符合筛选条件、可列入回头看的已销号问题数"
)
def preview_review(request: HttpRequest, filters: Query[SelectionIn]) -> Any:
    user = _viewer(request)
    qs = services.select_for_review(by=user, selection=_selection(user, filters))
    return {"count": qs.count()}


@router.post(
    "/reviews",
    response={201: CampaignDetailOut, **_E},
    summary="按筛选条件组织回头看（调度员）",
)
def create_review(request: HttpRequest, payload: CampaignIn) -> Any:
    user = _viewer(request)
    campaign = services.create_review_campaign(
        by=user,
        now=timezone.now(),
        name=payload.name,
        selection=_selection(user, payload),
        start_date=payload.start_date,
        end_date=payload.end_date,
    )
    return Status(201, _campaign_detail(request, campaign))


@router.get("/reviews/{campaign_id}", response=CampaignDetailOut, summary="回头看详情与统计")
def get_review(request: HttpRequest, campaign_id: int) -> Any:
    return _campaign_detail(request, _campaign(request, campaign_id))


@router.get("/reviews/{campaign_id}/items", response=list[ReviewItemOut], summary="回头看问题清单")
@paginate(LimitOffsetPagination)
def list_review_items(
    request: HttpRequest,
    campaign_id: int,
    outcome: str | None = None,
    group: int | None = None,
) -> Any:
    campaign = _campaign(request, campaign_id)
    items = (
        ReviewItem.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("case__region", "group")
        .order_by("case__region__path", "case__number", "pk")
    )
    if outcome:
        items = items.filter(outcome=outcome)
    if group is not None:
        items = items.filter(group_id=group)
    return _Mapped(items, _item_out)


@router.post(
    "/reviews/{campaign_id}/groups", response={201: ReviewGroupOut, **_E}, summary="新增工作组"
)
def add_group(request: HttpRequest, campaign_id: int, payload: GroupIn) -> Any:
    campaign = _campaign(request, campaign_id)
    people = list(Person.objects.filter(pk__in=payload.member_ids))
    if len(people) != len(set(payload.member_ids)):
        raise _invalid(_("所选人员不存在或不在您的管辖范围内"))
    group = services.add_review_group(
        campaign=campaign, by=request.user, now=timezone.now(), name=payload.name, members=people
    )
    return Status(
        201,
        {
            "id": group.pk,
            "name": group.name,
            "members": [{"id": p.pk, "name": p.name} for p in group.members.order_by("pk")],
            "figures": statistics.review_figures(
                ReviewItem.objects.visible_to(request.user).filter(group=group)
            ),
        },
    )


@router.post(
    "/reviews/{campaign_id}/groups/{group_id}/items",
    response={200: AssignOut, **_E},
    summary="把待复查问题分配给工作组（按区域或按清单）",
)
def assign_items(request: HttpRequest, campaign_id: int, group_id: int, payload: AssignIn) -> Any:
    campaign = _campaign(request, campaign_id)
    group = get_for_user(
        request.user,
        ReviewGroup.objects.filter(campaign=campaign),
        action="cases.view",
        pk=group_id,
    )
    items = list(ReviewItem.objects.filter(campaign=campaign, pk__in=payload.item_ids))
    assigned = services.assign_review_items(
        campaign=campaign,
        group=group,
        by=request.user,
        now=timezone.now(),
        region=_region(payload.region),
        items=items,
    )
    return {"assigned": assigned}


@router.post(
    "/reviews/{campaign_id}/items/{item_id}/outcome",
    response={200: ReviewItemOut, **_E},
    summary="记录复查结果：巩固，或反弹（重新整改）",
)
def record_outcome(request: HttpRequest, campaign_id: int, item_id: int, payload: OutcomeIn) -> Any:
    campaign = _campaign(request, campaign_id)
    item = get_for_user(
        request.user,
        ReviewItem.objects.filter(campaign=campaign).select_related(
            "case__region", "campaign", "group"
        ),
        action="cases.view",
        pk=item_id,
    )
    item = services.record_review_outcome(
        item=item,
        by=request.user,
        now=timezone.now(),
        outcome=payload.outcome,
        note=payload.note,
        version=payload.version,
        due_date=payload.due_date,
        lead_unit=_one_visible(
            request.user, Unit, payload.lead_unit_id, _("所选单位不存在或不在您的管辖范围内")
        ),
    )
    item = ReviewItem.objects.select_related("case__region", "group").get(pk=item.pk)
    return _item_out(item)


# --- accountability --------------------------------------------------------------


@router.get(
    "/accountability", response=list[AccountabilityOut], summary="问责记录（按管辖范围过滤）"
)
@paginate(LimitOffsetPagination)
def list_accountability(
    request: HttpRequest,
    # Plain parameters, dates as text (YYYY-MM-DD): @paginate's wrapper
    # hides this module's names (``dt``) from ninja's annotation lookup.
    inspection_round: int | None = None,
    form: str | None = None,
    unit: int | None = None,
    decided_from: str | None = None,
    decided_to: str | None = None,
    q: str | None = None,
) -> Any:
    user = _viewer(request)
    records = campaign_queries.accountability_records(
        user,
        inspection_round=inspection_round,
        form=form,
        unit=unit,
        decided_from=_date(decided_from),
        decided_to=_date(decided_to),
        q=q,
    )
    return _Mapped(records, _record_out)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _invalid(_("日期格式应为 YYYY-MM-DD：%(text)s") % {"text": text}) from None


@router.post(
    "/accountability", response={201: AccountabilityOut, **_E}, summary="录入问责情况（调度员）"
)
def create_accountability(request: HttpRequest, payload: AccountabilityIn) -> Any:
    user = _viewer(request)
    cases = list(Case.objects.visible_to(user).filter(pk__in=payload.case_ids))
    if len(cases) != len(set(payload.case_ids)):
        raise _invalid(_("关联的问题不存在或不在您的管辖范围内"))
    record = services.record_accountability(
        by=user,
        now=timezone.now(),
        person_name=payload.person_name,
        form=payload.form,
        reason=payload.reason,
        decided_date=payload.decided_date,
        unit=_one_visible(user, Unit, payload.unit_id, _("所选单位不存在或不在您的管辖范围内")),
        unit_name=payload.unit_name,
        post=payload.post,
        inspection_round=_one_visible(
            user, InspectionRound, payload.inspection_round_id, _("督察轮次不存在")
        ),
        cases=cases,
    )
    return Status(201, _record_out(campaign_queries.accountability_records(user).get(pk=record.pk)))


@router.get(
    "/accountability/counts",
    response=AccountabilityCountsOut,
    summary="问责人数与条数：按督察轮次、按问责方式",
)
def accountability_counts(request: HttpRequest) -> Any:
    records = AccountabilityRecord.objects.visible_to(_viewer(request))
    return {
        **statistics.accountability_totals(records),
        "by_round": statistics.accountability_counts(records, "inspection_round"),
        "by_form": statistics.accountability_counts(records, "form"),
    }


# --- disclosure --------------------------------------------------------------------


@router.get(
    "/disclosures", response=list[DisclosureOut], summary="信息公开内容（草稿、已公开、已撤回）"
)
@paginate(LimitOffsetPagination)
def list_disclosures(request: HttpRequest, status: str | None = None) -> Any:
    qs = CaseDisclosure.objects.visible_to(_viewer(request)).select_related("case").order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    return _Mapped(qs, lambda d: _disclosure_out(d, d.case))


@router.get(
    "/{case_id}/disclosure", response={200: DisclosureOut, 404: ErrorOut}, summary="问题的公开内容"
)
def get_disclosure(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id)
    disclosure = services.get_disclosure(case)
    if disclosure is None:
        return Status(404, {"detail": _("该问题还没有公开内容")})
    return _disclosure_out(disclosure, case)


@router.put(
    "/{case_id}/disclosure",
    response={200: DisclosureOut, **_E},
    summary="编写或修改公开内容（草稿；不得含个人信息）",
)
def draft_disclosure(request: HttpRequest, case_id: int, payload: DisclosureIn) -> Any:
    case = _case(request, case_id)
    disclosure = services.draft_disclosure(
        case=case, by=request.user, now=timezone.now(), text=payload.text
    )
    return _disclosure_out(disclosure, case)


@router.post(
    "/{case_id}/disclosure/publish",
    response={200: DisclosureOut, **_E},
    summary="审核并公开（在公开页面展示）",
)
def publish_disclosure(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id)
    disclosure = services.publish_disclosure(case=case, by=request.user, now=timezone.now())
    return _disclosure_out(disclosure, case)


@router.post(
    "/{case_id}/disclosure/withdraw",
    response={200: DisclosureOut, **_E},
    summary="撤回公开（须填写理由）",
)
def withdraw_disclosure(request: HttpRequest, case_id: int, payload: WithdrawIn) -> Any:
    case = _case(request, case_id)
    disclosure = services.withdraw_disclosure(
        case=case, by=request.user, now=timezone.now(), reason=payload.reason
    )
    return _disclosure_out(disclosure, case)


# --- statistics ------------------------------------------------------------------


class StatisticsFilter(Schema):
    region: str | None = Field(None, description="行政区划代码，含下级；按其下级区域分组")
    inspection_round: int | None = None
    batch: int | None = None
    source: str = ""
    category: str = ""
    registered_from: dt.date | None = Field(None, description="登记日期（北京时间）起")
    registered_to: dt.date | None = Field(None, description="登记日期（北京时间）止")


@router.get(
    "/statistics",
    response=StatisticsOut,
    summary="统计：按状态、来源、区域、单位、污染类型、轮次、批次；按期办结率、信息公开率、"
    "整改完成率、各环节平均用时（定义见 definitions 和 docs/cases-statistics.md）",
)
def get_statistics(request: HttpRequest, filters: Query[StatisticsFilter]) -> Any:
    user = _viewer(request)
    inspection_round = _one_visible(
        user, InspectionRound, filters.inspection_round, _("督察轮次不存在")
    )
    batch = _one_visible(user, InspectionBatch, filters.batch, _("交办批次不存在"))
    f = campaign_queries.StatisticsFilters(
        region=_region(filters.region),
        inspection_round=inspection_round or (batch.inspection_round if batch else None),
        batch=batch,
        source=filters.source,
        category=filters.category,
        registered_from=filters.registered_from,
        registered_to=filters.registered_to,
    )
    return {
        **campaign_queries.statistics_for(user, f, timezone.localdate()),
        "definitions": statistics.get_definitions(),
    }


@router.get("/statistics/definitions", response=list[DefinitionOut], summary="各项统计指标的定义")
def get_statistic_definitions(request: HttpRequest) -> Any:
    _viewer(request)
    return [{"key": k, "definition": v} for k, v in statistics.get_definitions().items()]
