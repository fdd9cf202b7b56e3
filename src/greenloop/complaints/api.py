"""Petition endpoints under /api/v1/complaints.

Staff endpoints fetch through ``visible_to``/``get_for_user`` — the rules of
:mod:`greenloop.complaints.access_rules`, the same as the pages — so a
petition out of reach answers 404 like a missing one; each action is one
service call, and the services' refusals (``UnableToActOnPetition``, an
``UnableToActOnCase``) become JSON errors in the handler the cases router
installs. Who reported is never part of a petition's JSON: only masked, and
in full only from ``GET …/complainant`` (``services.reveal_complainant``:
``complaints.view_identity`` in territory, written to the audit log).

Public endpoints (``/complaints/public/…``, no authentication): the report
form and tracking by code, with the validation of the public pages
(``PublicReportForm``, CAPTCHA included) and the same rate limits, counted
together with the pages' (one budget per client address).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from captcha.models import CaptchaStore
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from greenloop.cases.errors import Refusal
from greenloop.cases.models import InspectionBatch
from greenloop.cases.services import mask_personal_data
from greenloop.complaints import services, statistics
from greenloop.complaints.forms import PublicReportForm
from greenloop.complaints.models import (
    Complainant,
    DuplicateCandidate,
    DuplicateDecision,
    Petition,
    PetitionEvent,
    RewardRecord,
)
from greenloop.complaints.views import public as public_views
from greenloop.org.access import can, get_for_user, require_perm
from greenloop.org.models import Region, RegionLevel, Unit
from greenloop.org.roles import Perm

router = Router(tags=["信访举报"])
public_router = Router(tags=["信访举报（公众）"], auth=None)


def install(api: Any) -> None:
    """Mount both routers (the refusal handler is the cases router's)."""
    api.add_router("/complaints/public", public_router)
    api.add_router("/complaints", router)


# --- schemas ---------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    reason: str | None = None


class Ref(Schema):
    id: int
    name: str


class RegionRef(Schema):
    code: str
    name: str


class PetitionOut(Schema):
    id: int
    number: str
    channel: str
    channel_label: str
    external_number: str
    category: str
    category_label: str
    description: str = Field(..., description="反映内容（个人信息打码）")
    enterprise_name: str
    state: str
    state_label: str
    received_at: dt.datetime
    due_date: dt.date
    is_overdue: bool
    region: RegionRef | None = Field(None, description="确认的属地")
    suggested_region: RegionRef | None
    lead_unit: Ref | None
    batch_id: int | None
    duplicate_of: str | None = Field(None, description="重复于（原件编号）")
    is_anonymous: bool
    pending_duplicates: int


class ComplainantMaskedOut(Schema):
    anonymous: bool
    name: str
    phone: str


class ProblemOut(Schema):
    seq: int
    category: str
    description: str
    case_id: int | None
    case_number: str | None
    case_state: str | None


class EventOut(Schema):
    action: str
    label: str
    at: dt.datetime
    actor_name: str
    public: bool
    comment: str


class RewardOut(Schema):
    status: str
    status_label: str
    is_eligible: bool
    amount: str
    proposed_at: dt.datetime
    reviewed_at: dt.datetime | None
    decided_at: dt.datetime | None
    paid_at: dt.datetime | None


class PetitionDetailOut(PetitionOut):
    address: str
    longitude: float | None
    latitude: float | None
    location_from_photo: bool
    reward_requested: bool
    suggested_unit: Ref | None
    finding: str
    finding_label: str
    finding_text: str
    reply_text: str
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    satisfaction: str
    public_text: str
    public_text_approved_at: dt.datetime | None
    photos: int
    complainant: ComplainantMaskedOut
    may_view_identity: bool
    problems: list[ProblemOut]
    events: list[EventOut]
    reward: RewardOut | None


class ComplainantOut(Schema):
    petition: str
    anonymous: bool
    name: str
    phone: str
    id_number: str
    contact_address: str


class CandidateOut(Schema):
    id: int
    earlier_id: int
    earlier_number: str
    earlier_visible: bool
    score: float
    is_likely: bool
    reasons: list[str]
    text_similarity: float
    distance_m: float | None
    same_enterprise: bool
    decision: str
    decision_label: str


class IntakeIn(Schema):
    channel: str = Field(..., description="HOTLINE、LETTER、VISIT、INSPECTION、OTHER")
    category: str
    description: str
    received_at: dt.datetime | None = None
    external_number: str = ""
    batch_id: int | None = None
    enterprise_name: str = ""
    address: str = ""
    longitude: float | None = None
    latitude: float | None = None
    is_anonymous: bool = True
    name: str = ""
    phone: str = ""
    id_number: str = ""
    contact_address: str = ""
    reward_requested: bool = False


class IntakeOut(Schema):
    petition: PetitionDetailOut
    tracking_code: str = Field(..., description="查询码：只在此响应中出现一次，系统不保存")


class RouteIn(Schema):
    region: str = Field(..., description="属地行政区划代码（12位）")
    lead_unit_id: int
    due_date: dt.date | None = None
    comment: str = ""


class ProblemIn(Schema):
    category: str
    description: str


class TextIn(Schema):
    text: str


class CommentIn(Schema):
    comment: str = ""


class RewardStepIn(Schema):
    comment: str = ""
    amount: str = Field("0", description="propose：奖励金额（元）")
    is_eligible: bool = Field(True, description="propose：是否符合奖励条件")
    approve: bool | None = Field(
        None, description="decide：true 批准，false 不予奖励（须说明理由）"
    )


class SummaryOut(Schema):
    total: int
    repeats: int
    repeat_ratio: float | None
    due: int
    on_time: int
    on_time_rate: float | None
    overdue: int
    verified: int
    founded: int
    verified_share: float | None
    evaluated: int
    satisfied: int
    satisfaction_rate: float | None
    disclosed: int


class GroupOut(SummaryOut):
    group: str
    name: str


class EnterpriseOut(Schema):
    name: str
    count: int
    distinct: int
    founded: int


class StatisticsOut(Schema):
    summary: SummaryOut
    by_channel: list[GroupOut]
    by_category: list[GroupOut]
    by_batch: list[GroupOut]
    by_region: list[GroupOut]
    region: str
    top_enterprises: list[EnterpriseOut]
    definitions: dict[str, str]


class GridCountOut(Schema):
    code: str
    name: str
    region: str
    count: int


class DensityOut(Schema):
    level: int
    grids: list[GridCountOut]
    outside: int = Field(..., description="有位置但不在任何网格内的件数")
    definition: str


class CaptchaOut(Schema):
    key: str
    image_url: str


class PublicReportOut(Schema):
    number: str
    due_date: dt.date
    tracking_code: str = Field(..., description="查询码：只显示这一次，请妥善保存")


class TrackIn(Schema):
    code: str


class FeedbackIn(Schema):
    code: str
    satisfaction: str = Field(..., description="SATISFIED、FAIRLY、UNSATISFIED")
    comment: str = ""


class MilestoneOut(Schema):
    label: str
    at: dt.datetime
    comment: str


class PublicStatusOut(Schema):
    number: str
    channel_label: str
    category_label: str
    state: str
    state_label: str
    received_at: dt.datetime
    due_date: dt.date
    milestones: list[MilestoneOut]
    finding_label: str
    reply_text: str
    replied_at: dt.datetime | None
    public_text: str
    satisfaction_label: str
    may_evaluate: bool
    merged_into: str


# --- helpers ---------------------------------------------------------------

_RELATED = ("region", "suggested_region", "suggested_unit", "lead_unit", "duplicate_of")


def _viewer(request: HttpRequest) -> Any:
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    return request.user


def _petition(request: HttpRequest, petition_id: int) -> Petition:
    return get_for_user(  # type: ignore[no-any-return]
        _viewer(request), Petition.objects.select_related(*_RELATED), pk=petition_id
    )


def _invalid(message: str) -> services.UnableToActOnPetition:
    return services.UnableToActOnPetition(message, reason=Refusal.INVALID)


def _region_ref(region: Region | None) -> dict[str, str] | None:
    return None if region is None else {"code": region.code, "name": region.name}


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def _row(p: Petition, today: dt.date, *, unmasked: bool = False) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "channel": p.channel,
        "channel_label": p.get_channel_display(),  # type: ignore[attr-defined]
        "external_number": p.external_number,
        "category": p.category,
        "category_label": p.get_category_display(),  # type: ignore[attr-defined]
        # Residents write their phone into the text: starred out unless the
        # reader may see who reported (as on the pages).
        "description": p.description if unmasked else mask_personal_data(p.description),
        "enterprise_name": p.enterprise_name,
        "state": p.state,
        "state_label": p.get_state_display(),  # type: ignore[attr-defined]
        "received_at": p.received_at,
        "due_date": p.due_date,
        "is_overdue": p.is_open and p.due_date < today,
        "region": _region_ref(p.region),
        "suggested_region": _region_ref(p.suggested_region),
        "lead_unit": _ref(p.lead_unit),
        "batch_id": p.batch_id,
        "duplicate_of": p.duplicate_of.number if p.duplicate_of_id else None,
        "is_anonymous": p.is_anonymous,
        "pending_duplicates": getattr(p, "pending_duplicates", None)
        if hasattr(p, "pending_duplicates")
        else DuplicateCandidate.objects.filter(
            petition=p, decision=DuplicateDecision.PENDING
        ).count(),
    }


def _masked(complainant: Complainant | None, petition: Petition) -> dict[str, Any]:
    if complainant is None:
        return {"anonymous": True, "name": "", "phone": ""}
    return {
        "anonymous": petition.is_anonymous or not complainant.name,
        "name": complainant.masked_name,
        "phone": complainant.masked_phone,
    }


def _detail(request: HttpRequest, petition: Petition) -> dict[str, Any]:
    petition = Petition.objects.select_related(*_RELATED).get(pk=petition.pk)
    user = request.user
    unmasked = can(user, "complaints.view_identity", petition)
    reward = RewardRecord.objects.filter(petition=petition).first()
    problems = petition.problems.select_related("case").order_by("seq")
    return {
        **_row(petition, timezone.localdate(), unmasked=unmasked),
        "address": petition.address,
        "longitude": petition.longitude,
        "latitude": petition.latitude,
        "location_from_photo": petition.location_from_photo,
        "reward_requested": petition.reward_requested,
        "suggested_unit": _ref(petition.suggested_unit),
        "finding": petition.finding,
        "finding_label": petition.get_finding_display() if petition.finding else "",  # type: ignore[attr-defined]
        "finding_text": petition.finding_text,
        "reply_text": petition.reply_text,
        "replied_at": petition.replied_at,
        "closed_at": petition.closed_at,
        "satisfaction": petition.satisfaction,
        "public_text": petition.public_text,
        "public_text_approved_at": petition.public_text_approved_at,
        "photos": petition.photos.count(),
        "complainant": _masked(Complainant.objects.filter(petition=petition).first(), petition),
        "may_view_identity": unmasked,
        "problems": [
            {
                "seq": pr.seq,
                "category": pr.category,
                "description": pr.description if unmasked else mask_personal_data(pr.description),
                "case_id": pr.case_id,
                "case_number": pr.case.number if pr.case else None,
                "case_state": pr.case.state if pr.case else None,
            }
            for pr in problems
        ],
        "events": [
            {
                "action": e.action,
                "label": e.action_label,
                "at": e.at,
                "actor_name": e.actor_name,
                "public": e.public,
                "comment": e.comment,
            }
            for e in PetitionEvent.objects.filter(petition=petition).order_by("at", "pk")
        ],
        "reward": None
        if reward is None
        else {
            "status": reward.status,
            "status_label": reward.get_status_display(),  # type: ignore[attr-defined]
            "is_eligible": reward.is_eligible,
            "amount": str(reward.amount),
            "proposed_at": reward.proposed_at,
            "reviewed_at": reward.reviewed_at,
            "decided_at": reward.decided_at,
            "paid_at": reward.paid_at,
        },
    }


def _candidate_out(c: DuplicateCandidate, visible: set[int]) -> dict[str, Any]:
    return {
        "id": c.pk,
        "earlier_id": c.earlier_id,
        "earlier_number": c.earlier.number,
        "earlier_visible": c.earlier_id in visible,
        "score": c.score,
        "is_likely": c.is_likely,
        "reasons": [str(r) for r in c.reasons],
        "text_similarity": c.text_similarity,
        "distance_m": c.distance_m,
        "same_enterprise": c.same_enterprise,
        "decision": c.decision,
        "decision_label": c.get_decision_display(),  # type: ignore[attr-defined]
    }


def _candidate(request: HttpRequest, petition_id: int, candidate_id: int) -> DuplicateCandidate:
    petition = _petition(request, petition_id)
    return get_object_or_404(
        DuplicateCandidate.objects.select_related("petition", "earlier"),
        petition=petition,
        pk=candidate_id,
    )


def _reward(request: HttpRequest, petition_id: int) -> RewardRecord:
    petition = _petition(request, petition_id)
    return get_object_or_404(RewardRecord.objects.select_related("petition"), petition=petition)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(_("日期格式应为YYYY-MM-DD：%(text)s") % {"text": text}) from exc


def _filters(
    user: Any,
    *,
    region: str | None,
    channel: str | None,
    category: str | None,
    batch: int | None,
    received_from: dt.date | None,
    received_to: dt.date | None,
) -> statistics.Filters:
    found_region = None
    if region:
        found_region = Region.objects.visible_to(user).filter(code=region).first()
        if found_region is None:
            raise _invalid(_("行政区划代码 %(code)s 不存在或不在您的管辖范围内") % {"code": region})
    found_batch = None
    if batch is not None:
        found_batch = InspectionBatch.objects.visible_to(user).filter(pk=batch).first()
        if found_batch is None:
            raise _invalid(_("交办批次不存在"))
    return statistics.Filters(
        region=found_region,
        channel=channel or "",
        category=category or "",
        batch=found_batch,
        received_from=received_from,
        received_to=received_to,
    )


# --- staff: list, detail, identity -------------------------------------------


@router.get("/petitions", response=list[PetitionOut], summary="信访件列表（按管辖范围过滤）")
@paginate(LimitOffsetPagination)
def list_petitions(
    request: HttpRequest,
    state: list[str] | None = Query(None, description="状态，可多选"),  # noqa: B008
    channel: str | None = None,
    category: str | None = None,
    region: str | None = Query(None, description="行政区划代码，含下级"),  # noqa: B008
    batch: int | None = None,
    overdue: bool | None = Query(None, description="仅超期未办结"),  # noqa: B008
    duplicates: bool | None = Query(None, description="仅有待确认的疑似重复件"),  # noqa: B008
    # Dates as text: @paginate's wrapper hides this module's names (``dt``)
    # from ninja's annotation lookup (as in cases/api.py).
    received_from: str | None = Query(None, description="受理日期起（YYYY-MM-DD）"),  # noqa: B008
    received_to: str | None = Query(None, description="受理日期止（YYYY-MM-DD）"),  # noqa: B008
    q: str | None = Query(None, description="编号、来件编号、内容、反映对象、地址"),  # noqa: B008
) -> Any:
    user = _viewer(request)
    filters = _filters(
        user,
        region=region,
        channel=channel,
        category=category,
        batch=batch,
        received_from=_date(received_from),
        received_to=_date(received_to),
    )
    today = timezone.localdate()
    qs = statistics.apply_filters(Petition.objects.visible_to(user), filters)
    if state:
        qs = qs.filter(state__in=state)
    if overdue:
        qs = qs.overdue(today)
    if duplicates:
        qs = qs.filter(duplicate_candidates__decision=DuplicateDecision.PENDING).distinct()
    if q:
        qs = qs.search(q)
    qs = (
        qs.select_related(*_RELATED)
        .annotate(
            pending_duplicates=Count(
                "duplicate_candidates",
                filter=Q(duplicate_candidates__decision=DuplicateDecision.PENDING),
            )
        )
        .order_by("-received_at", "-pk")
    )
    return _LazyMap(qs, lambda p: _row(p, today))


@router.get(
    "/petitions/{petition_id}",
    response={200: PetitionDetailOut, 404: ErrorOut},
    summary="信访件详情（举报人信息打码）",
)
def get_petition(request: HttpRequest, petition_id: int) -> Any:
    return _detail(request, _petition(request, petition_id))


@router.get(
    "/petitions/{petition_id}/complainant",
    response={200: ComplainantOut, 403: ErrorOut, 404: ErrorOut},
    summary="查看举报人信息（须有查看举报人权限；每次查看记入审计日志）",
)
def reveal_complainant(
    request: HttpRequest,
    response: HttpResponse,
    petition_id: int,
    reason: str = Query("", description="查看事由，记入审计日志"),  # noqa: B008
) -> Any:
    response["Cache-Control"] = "no-store"
    petition = _petition(request, petition_id)
    complainant = services.reveal_complainant(
        petition=petition, by=request.user, now=timezone.now(), reason=reason
    )
    return {
        "petition": petition.number,
        "anonymous": complainant is None or not complainant.name,
        "name": complainant.name if complainant else "",
        "phone": complainant.phone if complainant else "",
        "id_number": complainant.id_number if complainant else "",
        "contact_address": complainant.contact_address if complainant else "",
    }


# --- staff: intake and handling ----------------------------------------------------


@router.post(
    "/petitions",
    response={201: IntakeOut, 400: ErrorOut, 403: ErrorOut},
    summary="登记来电、来信、来访等信访件（照片请在页面上传）",
)
def register_petition(request: HttpRequest, payload: IntakeIn) -> Any:
    user = _viewer(request)
    batch = None
    if payload.batch_id is not None:
        batch = InspectionBatch.objects.visible_to(user).filter(pk=payload.batch_id).first()
        if batch is None:
            raise _invalid(_("交办批次不存在"))
    intake = services.register_petition(
        by=user,
        now=timezone.now(),
        channel=payload.channel,
        category=payload.category,
        description=payload.description,
        received_at=payload.received_at,
        external_number=payload.external_number,
        batch=batch,
        enterprise_name=payload.enterprise_name,
        address=payload.address,
        longitude=payload.longitude,
        latitude=payload.latitude,
        is_anonymous=payload.is_anonymous,
        name=payload.name,
        phone=payload.phone,
        id_number=payload.id_number,
        contact_address=payload.contact_address,
        reward_requested=payload.reward_requested,
    )
    return Status(
        201,
        {"petition": _detail(request, intake.petition), "tracking_code": intake.tracking_code},
    )


_ACTION_ERRORS = {
    200: PetitionDetailOut,
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


@router.post(
    "/petitions/{petition_id}/route",
    response=_ACTION_ERRORS,
    summary="确认属地和承办单位并交办（每个问题转为闭环问题）",
)
def route_petition(request: HttpRequest, petition_id: int, payload: RouteIn) -> Any:
    petition = _petition(request, petition_id)
    user = request.user
    region = Region.objects.visible_to(user).filter(code=payload.region).first()
    if region is None:
        raise _invalid(
            _("行政区划代码 %(code)s 不存在或不在您的管辖范围内") % {"code": payload.region}
        )
    unit = Unit.objects.visible_to(user).filter(pk=payload.lead_unit_id).first()
    if unit is None:
        raise _invalid(_("所选单位不存在或不在您的管辖范围内"))
    petition = services.route_petition(
        petition=petition,
        by=user,
        now=timezone.now(),
        region=region,
        lead_unit=unit,
        due_date=payload.due_date,
        comment=payload.comment,
    )
    return _detail(request, petition)


@router.post(
    "/petitions/{petition_id}/problems", response=_ACTION_ERRORS, summary="补充反映问题（交办前）"
)
def add_problem(request: HttpRequest, petition_id: int, payload: ProblemIn) -> Any:
    petition = _petition(request, petition_id)
    services.add_problem(
        petition=petition,
        by=request.user,
        now=timezone.now(),
        category=payload.category,
        description=payload.description,
    )
    return _detail(request, petition)


@router.post(
    "/petitions/{petition_id}/finding",
    response=_ACTION_ERRORS,
    summary="录入核查结论（multipart：finding、text、files；不属实时问题按不实办结）",
)
def record_finding(
    request: HttpRequest,
    petition_id: int,
    finding: str = Form(..., description="TRUE 属实、PARTLY 部分属实、FALSE 不属实"),  # noqa: B008
    text: str = Form(...),  # noqa: B008
    files: list[UploadedFile] | None = File(None),  # noqa: B008
) -> Any:
    petition = services.record_finding(
        petition=_petition(request, petition_id),
        by=request.user,
        now=timezone.now(),
        finding=finding,
        text=text,
        files=list(files or []),
    )
    return _detail(request, petition)


@router.post("/petitions/{petition_id}/reply", response=_ACTION_ERRORS, summary="答复举报人")
def reply(request: HttpRequest, petition_id: int, payload: TextIn) -> Any:
    petition = services.reply_to_petition(
        petition=_petition(request, petition_id),
        by=request.user,
        now=timezone.now(),
        text=payload.text,
    )
    return _detail(request, petition)


@router.post("/petitions/{petition_id}/close", response=_ACTION_ERRORS, summary="办结")
def close(request: HttpRequest, petition_id: int, payload: CommentIn) -> Any:
    petition = services.close_petition(
        petition=_petition(request, petition_id),
        by=request.user,
        now=timezone.now(),
        comment=payload.comment,
    )
    return _detail(request, petition)


@router.post(
    "/petitions/{petition_id}/public-text",
    response=_ACTION_ERRORS,
    summary="审核公开文本（含个人信息的文本会被拒绝）",
)
def approve_public_text(request: HttpRequest, petition_id: int, payload: TextIn) -> Any:
    petition = services.approve_public_text(
        petition=_petition(request, petition_id),
        by=request.user,
        now=timezone.now(),
        text=payload.text,
    )
    return _detail(request, petition)


@router.get(
    "/petitions/{petition_id}/duplicates",
    response={200: list[CandidateOut], 404: ErrorOut},
    summary="疑似重复件（按相似度从高到低）",
)
def duplicates(request: HttpRequest, petition_id: int) -> Any:
    user = _viewer(request)
    petition = _petition(request, petition_id)
    found = list(
        DuplicateCandidate.objects.filter(petition=petition)
        .select_related("earlier")
        .order_by("-score", "pk")
    )
    visible = set(
        Petition.objects.visible_to(user)
        .filter(pk__in=[c.earlier_id for c in found])
        .values_list("pk", flat=True)
    )
    return [_candidate_out(c, visible) for c in found]


@router.post(
    "/petitions/{petition_id}/duplicates/{candidate_id}/merge",
    response=_ACTION_ERRORS,
    summary="确认为重复件并合并到早前的信访件",
)
def merge(request: HttpRequest, petition_id: int, candidate_id: int) -> Any:
    candidate = _candidate(request, petition_id, candidate_id)
    petition = services.merge_duplicate(candidate=candidate, by=request.user, now=timezone.now())
    return _detail(request, petition)


@router.post(
    "/petitions/{petition_id}/duplicates/{candidate_id}/reject",
    response=_ACTION_ERRORS,
    summary="确认不是重复件",
)
def reject(request: HttpRequest, petition_id: int, candidate_id: int) -> Any:
    candidate = _candidate(request, petition_id, candidate_id)
    services.reject_duplicate(candidate=candidate, by=request.user, now=timezone.now())
    return _detail(request, candidate.petition)


@router.post(
    "/petitions/{petition_id}/reward/{step}",
    response=_ACTION_ERRORS,
    summary="举报奖励：propose 提出、review 审核、decide 审批、pay 发放",
)
def reward(request: HttpRequest, petition_id: int, step: str, payload: RewardStepIn) -> Any:
    user, now = request.user, timezone.now()
    if step == "propose":
        services.propose_reward(
            petition=_petition(request, petition_id),
            by=user,
            now=now,
            amount=payload.amount,
            is_eligible=payload.is_eligible,
            comment=payload.comment,
        )
    elif step == "decide":
        if payload.approve is None:
            raise _invalid(_("请选择批准或不予奖励"))
        services.decide_reward(
            reward=_reward(request, petition_id),
            by=user,
            now=now,
            approve=payload.approve,
            comment=payload.comment,
        )
    elif step in ("review", "pay"):
        call = services.review_reward if step == "review" else services.pay_reward
        call(reward=_reward(request, petition_id), by=user, now=now, comment=payload.comment)
    else:
        raise _invalid(_("步骤只能是 propose、review、decide 或 pay"))
    return _detail(request, _petition(request, petition_id))


# --- statistics ----------------------------------------------------------------------


@router.get(
    "/statistics",
    response={200: StatisticsOut, 400: ErrorOut, 403: ErrorOut},
    summary="信访举报统计（口径见 definitions 和 docs/complaints.md）",
)
def petition_statistics(
    request: HttpRequest,
    region: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    batch: int | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> Any:
    user = _viewer(request)
    filters = _filters(
        user,
        region=region,
        channel=channel,
        category=category,
        batch=batch,
        received_from=received_from,
        received_to=received_to,
    )
    figures = statistics.statistics_for(user, filters, timezone.localdate())
    return {**figures, "definitions": statistics.get_definitions()}


@router.get(
    "/statistics/density",
    response={200: DensityOut, 400: ErrorOut, 403: ErrorOut},
    summary="信访件按网格的分布（热力）",
)
def density(
    request: HttpRequest,
    level: int = RegionLevel.TOWNSHIP,
    region: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> Any:
    user = _viewer(request)
    if level not in RegionLevel.values:
        raise _invalid(_("网格层级只能是1至4"))
    filters = _filters(
        user,
        region=region,
        channel=channel,
        category=category,
        batch=None,
        received_from=received_from,
        received_to=received_to,
    )
    pairs, outside = statistics.density_for(user, filters, level)
    return {
        "level": level,
        "grids": statistics.grid_counts(pairs),
        "outside": outside,
        "definition": statistics.get_definitions()["density"],
    }


@router.get("/statistics/definitions", response=dict[str, str], summary="统计口径")
def definitions(request: HttpRequest) -> Any:
    _viewer(request)
    return statistics.get_definitions()


# --- public ---------------------------------------------------------------------------


def _limited(request: HttpRequest, group: str, rate: Any) -> bool:
    """The pages' rate limits, counted in the same group: a client has one
    budget for the form and the API together."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


def _too_many(request: HttpRequest) -> HttpResponse:
    from greenloop.api import api

    return api.create_response(
        request, {"detail": _("请求过于频繁，请稍后再试"), "reason": "RATE_LIMITED"}, status=429
    )


_REPORT_GROUP = "greenloop.complaints.views.public.report"
_TRACK_GROUP = "greenloop.complaints.views.public.track"
_FEEDBACK_GROUP = "greenloop.complaints.views.public.track_feedback"


@public_router.get("/captcha", response=CaptchaOut, summary="取验证码（提交举报时回传 key 和答案）")
def captcha(request: HttpRequest) -> Any:
    key = CaptchaStore.generate_key()
    return {"key": key, "image_url": reverse("captcha-image", args=[key])}


@public_router.post(
    "/reports",
    response={201: PublicReportOut, 400: ErrorOut, 429: ErrorOut},
    summary="网上举报（multipart，校验同举报页面，含验证码；限频）",
)
def submit_report(
    request: HttpRequest,
    category: str = Form(...),  # noqa: B008
    description: str = Form(...),  # noqa: B008
    captcha_key: str = Form(..., description="GET captcha 返回的 key"),  # noqa: B008
    captcha_value: str = Form(..., description="验证码图片上的字符"),  # noqa: B008
    address: str = Form(""),  # noqa: B008
    enterprise_name: str = Form(""),  # noqa: B008
    longitude: float | None = Form(None),  # noqa: B008
    latitude: float | None = Form(None),  # noqa: B008
    is_anonymous: bool = Form(True),  # noqa: B008
    name: str = Form(""),  # noqa: B008
    phone: str = Form(""),  # noqa: B008
    reward_requested: bool = Form(False),  # noqa: B008
    photos: list[UploadedFile] | None = File(None),  # noqa: B008
) -> Any:
    if _limited(request, _REPORT_GROUP, public_views.report_rate):
        return _too_many(request)
    from django.utils.datastructures import MultiValueDict

    data = {
        "category": category,
        "description": description,
        "address": address,
        "enterprise_name": enterprise_name,
        "longitude": "" if longitude is None else str(longitude),
        "latitude": "" if latitude is None else str(latitude),
        "is_anonymous": "1" if is_anonymous else "0",
        "name": name,
        "phone": phone,
        "reward_requested": "on" if reward_requested else "",
        "captcha_0": captcha_key,
        "captcha_1": captcha_value,
    }
    form = PublicReportForm(data, MultiValueDict({"photos": list(photos or [])}))
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[f].label if f in form.fields else ''}：{e}".lstrip("：")
            for f, errors in form.errors.items()
            for e in errors
        )
        raise _invalid(problems)
    cleaned = form.cleaned_data
    anonymous = bool(cleaned["is_anonymous"])
    intake = services.submit_public_report(
        now=timezone.now(),
        category=cleaned["category"],
        description=cleaned["description"],
        address=cleaned["address"],
        enterprise_name=cleaned["enterprise_name"],
        longitude=cleaned["longitude"],
        latitude=cleaned["latitude"],
        is_anonymous=anonymous,
        name="" if anonymous else cleaned["name"],
        phone="" if anonymous else cleaned["phone"],
        reward_requested=cleaned["reward_requested"],
        photos=cleaned["photos"],
    )
    return Status(
        201,
        {
            "number": intake.petition.number,
            "due_date": intake.petition.due_date,
            "tracking_code": intake.tracking_code,
        },
    )


def _public_status(petition: Petition) -> dict[str, Any]:
    status = services.public_status(petition)
    return {
        "number": status.number,
        "channel_label": status.channel_label,
        "category_label": status.category_label,
        "state": status.state,
        "state_label": status.state_label,
        "received_at": status.received_at,
        "due_date": status.due_date,
        "milestones": [
            {"label": e.action_label, "at": e.at, "comment": e.comment} for e in status.milestones
        ],
        "finding_label": status.finding_label,
        "reply_text": status.reply_text,
        "replied_at": status.replied_at,
        "public_text": status.public_text,
        "satisfaction_label": status.satisfaction_label,
        "may_evaluate": status.may_evaluate,
        "merged_into": status.merged_into,
    }


@public_router.post(
    "/track",
    response={200: PublicStatusOut, 404: ErrorOut, 429: ErrorOut},
    summary="凭查询码查询办理进度（查询码放在请求体中，不放在网址里；限频）",
)
def track(request: HttpRequest, payload: TrackIn) -> Any:
    if _limited(request, _TRACK_GROUP, public_views.track_rate):
        return _too_many(request)
    petition = services.find_by_code(payload.code)
    if petition is None:
        # Malformed, wrong and unknown codes answer alike.
        return Status(404, {"detail": _("查询码无效，请核对后重试"), "reason": "NOT_FOUND"})
    return _public_status(petition)


@public_router.post(
    "/track/feedback",
    response={200: PublicStatusOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    summary="举报人评价办理结果（答复后一次）",
)
def track_feedback(request: HttpRequest, payload: FeedbackIn) -> Any:
    if _limited(request, _FEEDBACK_GROUP, public_views.track_rate):
        return _too_many(request)
    petition = services.record_satisfaction(
        code=payload.code,
        now=timezone.now(),
        satisfaction=payload.satisfaction,
        comment=payload.comment,
    )
    return _public_status(petition)


class _LazyMap:
    """A sliceable view of a queryset that maps rows as the paginator reads
    them, so pagination still happens in SQL (as in cases/api.py)."""

    def __init__(self, qs: Any, fn: Any) -> None:
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.fn(row) for row in self.qs[item]]
