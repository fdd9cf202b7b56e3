"""Case endpoints under /api/v1/cases.

Every endpoint fetches through ``visible_to``/``get_for_user`` (404 when a
case is missing or out of reach), makes one service call, and returns a
declared schema. Refusals of the services (``UnableToActOnCase``) become
JSON ``{"detail": …, "reason": …}`` with 400/403/404/409 in one handler,
installed by :func:`install`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, NinjaAPI, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from greenloop.cases import services
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMilestone,
    CaseUnit,
    InspectionBatch,
    InspectionRound,
    UnitRole,
)
from greenloop.cases.statistics import summarize
from greenloop.cases.workflow import event_label
from greenloop.org.access import get_for_user, require_perm
from greenloop.org.models import Person, Region, Unit
from greenloop.org.roles import Perm

router = Router(tags=["问题闭环"])

_STATUS = {
    Refusal.NOT_FOUND: 404,
    Refusal.FORBIDDEN: 403,
    Refusal.CONFLICT: 409,
    Refusal.STALE: 409,
    Refusal.INVALID: 400,
}


def install(api: NinjaAPI) -> None:
    """Mount the router and map the services' refusals to JSON errors."""

    def refusal(request: HttpRequest, exc: UnableToActOnCase) -> HttpResponse:
        return api.create_response(
            request, {"detail": str(exc), "reason": exc.reason.value}, status=_STATUS[exc.reason]
        )

    # Rounds, 回头看, accountability, disclosure, statistics (/api/v1/cases/…);
    # first, so /cases/rounds etc. resolve before /cases/{case_id}.
    from greenloop.cases.campaigns_api import router as campaigns_router

    api.add_router("/cases", campaigns_router)
    api.add_router("/", router)
    api.add_exception_handler(UnableToActOnCase, refusal)


# --- schemas ---------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    reason: str | None = None


class Ref(Schema):
    id: int
    name: str


class CaseOut(Schema):
    id: int
    number: str
    source: str
    source_label: str
    title: str
    category: str
    category_label: str
    state: str
    state_label: str
    region_code: str
    region_name: str
    lead_unit: Ref | None
    is_key: bool
    due_date: dt.date | None
    next_due_date: dt.date | None
    card: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    kind: str
    media_type: str
    size: int
    purpose: str
    uploaded_at: dt.datetime
    url: str


class EventOut(Schema):
    id: int
    action: str
    label: str
    at: dt.datetime
    actor_name: str
    actor_unit: str
    actor_roles: list[str]
    from_state: str
    to_state: str
    comment: str
    data: dict[str, Any]
    attachments: list[AttachmentOut]


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: dt.date
    done_at: dt.datetime | None


class ActionOut(Schema):
    action: str
    label: str
    needs_comment: bool


class CaseDetailOut(CaseOut):
    external_number: str
    description: str
    problem_count: int
    address: str
    longitude: float | None
    latitude: float | None
    enterprise_name: str
    inspection_round_id: int | None
    batch_id: int | None
    feedback_aspect: str
    responsible_leader: Ref | None
    responsible_units: list[Ref]
    cooperating_units: list[Ref]
    rectification_target: str
    rectification_measures: str
    tags: list[str]
    rectification_cycle: int
    is_unfounded: bool
    verification_finding: str
    duplicate_of: Ref | None
    closed_at: dt.datetime | None
    milestones: list[MilestoneOut]
    timeline: list[EventOut]
    actions: list[ActionOut]


class CaseIn(Schema):
    source: str
    title: str
    category: str
    region: str = Field(..., description="行政区划代码（12位）")
    description: str = ""
    external_number: str = ""
    inspection_round_id: int | None = None
    batch_id: int | None = None
    feedback_aspect: str = ""
    problem_count: int = 1
    address: str = ""
    longitude: float | None = None
    latitude: float | None = None
    enterprise_name: str = ""
    is_key: bool = False
    tags: list[str] = []
    rectification_target: str = ""
    rectification_measures: str = ""


class CasePatch(Schema):
    version: int
    comment: str = ""
    title: str | None = None
    description: str | None = None
    category: str | None = None
    external_number: str | None = None
    region: str | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    enterprise_name: str | None = None
    is_key: bool | None = None
    problem_count: int | None = None
    inspection_round_id: int | None = None
    batch_id: int | None = None
    feedback_aspect: str | None = None
    lead_unit_id: int | None = None
    responsible_leader_id: int | None = None
    responsible_unit_ids: list[int] | None = None
    cooperating_unit_ids: list[int] | None = None
    rectification_target: str | None = None
    rectification_measures: str | None = None
    due_date: dt.date | None = None
    tags: list[str] | None = None


class ActionIn(Schema):
    version: int
    comment: str = ""
    lead_unit_id: int | None = None
    responsible_unit_ids: list[int] = []
    cooperating_unit_ids: list[int] = []
    responsible_leader_id: int | None = None
    due_date: dt.date | None = None
    into_id: int | None = Field(None, description="merge：并入的问题ID")


class TextIn(Schema):
    text: str


class MilestoneIn(Schema):
    version: int
    title: str
    due_date: dt.date


class MilestoneDoneIn(Schema):
    comment: str = ""


class SummaryOut(Schema):
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


class CardCountsOut(Schema):
    key: str
    name: str
    open: int
    yellow: int
    red: int


# --- helpers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Filters:
    state: list[str] | None
    source: str | None
    category: str | None
    region: str | None
    unit: int | None
    overdue: bool | None
    due_soon: bool | None
    key: bool | None
    inspection_round: int | None
    batch: int | None
    inbox: bool | None
    q: str | None


_DETAIL_RELATED = ("region", "lead_unit", "responsible_leader", "duplicate_of")


def _viewer(request: HttpRequest) -> Any:
    require_perm(request.user, Perm.VIEW_CASES)
    return request.user


def _case(request: HttpRequest, case_id: int) -> Case:
    return get_for_user(
        _viewer(request),
        Case.objects.select_related(*_DETAIL_RELATED),
        action="cases.view",
        pk=case_id,
    )


def _invalid(message: str) -> UnableToActOnCase:
    return UnableToActOnCase(message, reason=Refusal.INVALID)


def _units(ids: list[int]) -> list[Unit]:
    found = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    if len(found) != len(set(ids)):
        raise _invalid(_("所选单位不存在或不在您的管辖范围内"))
    return [found[i] for i in ids]


def _one(model: Any, pk: int | None, message: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise _invalid(message)
    return found


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise _invalid(_("行政区划代码 %(code)s 不存在") % {"code": code})
    return region


def _files(files: list[UploadedFile] | None) -> list[UploadedFile]:
    return list(files or [])


def _attachment_out(a: CaseAttachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.original_name,
        "kind": a.kind,
        "media_type": a.media_type,
        "size": a.size,
        "purpose": a.purpose,
        "uploaded_at": a.uploaded_at,
        "url": f"/api/v1/cases/{a.case_id}/attachments/{a.pk}",
    }


def _event_out(e: CaseEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "action": e.action,
        "label": event_label(e.action, e.from_state),
        "at": e.at,
        "actor_name": e.actor_name,
        "actor_unit": e.actor_unit,
        "actor_roles": e.actor_roles,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "comment": e.comment,
        "data": e.data,
        "attachments": [_attachment_out(a) for a in e.attachments.all()],
    }


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, "name", None) or getattr(obj, "number", str(obj))}


_ROW_FIELDS = (
    "id",
    "number",
    "source",
    "title",
    "category",
    "state",
    "is_key",
    "due_date",
    "next_due_date",
    "version",
    "created_at",
    "updated_at",
)
_DETAIL_FIELDS = (
    "external_number",
    "description",
    "problem_count",
    "address",
    "longitude",
    "latitude",
    "enterprise_name",
    "inspection_round_id",
    "batch_id",
    "feedback_aspect",
    "rectification_target",
    "rectification_measures",
    "rectification_cycle",
    "is_unfounded",
    "verification_finding",
    "closed_at",
)


def _row(case: Case, today: dt.date) -> dict[str, Any]:
    """A list row; needs ``region`` and ``lead_unit`` selected."""
    return {
        **{f: getattr(case, f) for f in _ROW_FIELDS},
        "source_label": case.get_source_display(),  # type: ignore[attr-defined]
        "category_label": case.get_category_display(),  # type: ignore[attr-defined]
        "state_label": case.get_state_display(),  # type: ignore[attr-defined]
        "region_code": case.region.code,
        "region_name": case.region.name,
        "lead_unit": _ref(case.lead_unit),
        "card": case.get_card(today).value,
    }


def _detail(case: Case, user: Any) -> dict[str, Any]:
    units = list(case.case_units.select_related("unit").order_by("unit_id"))
    events = (
        CaseEvent.objects.filter(case=case).prefetch_related("attachments").order_by("at", "pk")
    )
    return {
        **_row(case, timezone.localdate()),
        **{f: getattr(case, f) for f in _DETAIL_FIELDS},
        "responsible_leader": _ref(case.responsible_leader),
        "duplicate_of": (
            {"id": case.duplicate_of.pk, "name": case.duplicate_of.number}
            if case.duplicate_of
            else None
        ),
        "responsible_units": [_ref(u.unit) for u in units if u.role == UnitRole.RESPONSIBLE],
        "cooperating_units": [_ref(u.unit) for u in units if u.role == UnitRole.COOPERATING],
        "tags": sorted(case.tags.values_list("name", flat=True)),
        "milestones": list(case.milestones.order_by("due_date", "pk")),
        "timeline": [_event_out(e) for e in events],
        "actions": [
            {"action": t.action, "label": _(t.label), "needs_comment": t.needs_comment}
            for t in services.get_available_actions(case=case, user=user)
        ],
    }


def _detail_response(request: HttpRequest, case: Case) -> dict[str, Any]:
    case = Case.objects.select_related(*_DETAIL_RELATED).get(pk=case.pk)
    return _detail(case, request.user)


# --- endpoints -------------------------------------------------------------


@router.get("/cases", response=list[CaseOut], summary="问题列表（按管辖范围过滤）")
@paginate(LimitOffsetPagination)
def list_cases(
    request: HttpRequest,
    # Plain parameters: @paginate's wrapper hides this module's names from
    # ninja's annotation lookup, so a filter Schema cannot be used here.
    state: list[str] | None = Query(None, description="状态，可多选"),  # noqa: B008
    source: str | None = None,
    category: str | None = None,
    region: str | None = Query(None, description="行政区划代码，含下级"),  # noqa: B008
    unit: int | None = Query(None, description="牵头、责任或配合单位ID"),  # noqa: B008
    overdue: bool | None = Query(None, description="红牌：已逾期"),  # noqa: B008
    due_soon: bool | None = Query(None, description="黄牌：临期"),  # noqa: B008
    key: bool | None = None,
    inspection_round: int | None = None,
    batch: int | None = None,
    inbox: bool | None = Query(None, description="只列出我现在需要办理的"),  # noqa: B008
    q: str | None = None,
) -> Any:
    filters = _Filters(
        state,
        source,
        category,
        region,
        unit,
        overdue,
        due_soon,
        key,
        inspection_round,
        batch,
        inbox,
        q,
    )
    user = _viewer(request)
    qs = Case.objects.visible_to(user)
    today = timezone.localdate()
    if filters.inbox:
        qs = qs.in_inbox(user)
    if filters.state:
        qs = qs.filter(state__in=filters.state)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.region:
        qs = qs.filter(region__path__startswith=_region(filters.region).path)
    if filters.unit is not None:
        taking_part = CaseUnit.objects.filter(unit=filters.unit).values("case_id")
        qs = qs.filter(Q(lead_unit=filters.unit) | Q(pk__in=taking_part))
    if filters.overdue is not None:
        overdue = Case.objects.overdue(today).values("pk")
        qs = qs.overdue(today) if filters.overdue else qs.exclude(pk__in=overdue)
    if filters.due_soon is not None:
        soon = Case.objects.due_soon(today).values("pk")
        qs = qs.due_soon(today) if filters.due_soon else qs.exclude(pk__in=soon)
    if filters.key is not None:
        qs = qs.filter(is_key=filters.key)
    if filters.inspection_round is not None:
        qs = qs.filter(inspection_round_id=filters.inspection_round)
    if filters.batch is not None:
        qs = qs.filter(batch_id=filters.batch)
    if filters.q:
        qs = qs.search(filters.q)
    return _LazyMap(
        qs.select_related("region", "lead_unit").order_by("-pk"), lambda c: _row(c, today)
    )


@router.get(
    "/cases/counts", response=list[CardCountsOut], summary="在办、黄牌、红牌数（按单位或区划）"
)
def case_counts(request: HttpRequest, by: str = "unit", region: str | None = None) -> Any:
    qs = Case.objects.visible_to(_viewer(request))
    today = timezone.localdate()
    if by == "region":
        parent = (
            _region(region)
            if region
            else Region.objects.filter(parent__isnull=True).order_by("pk").first()
        )
        if parent is None:
            return []
        return qs.counts_by_region(parent, today)
    if by != "unit":
        raise _invalid(_("by 只能是 unit 或 region"))
    return qs.counts_by_unit(today)


@router.get(
    "/cases/summary",
    response=SummaryOut,
    summary="统计：应整改、已完成、按期办结率等（定义见 docs/cases.md）",
)
def case_summary(
    request: HttpRequest,
    region: str | None = None,
    inspection_round: int | None = None,
    batch: int | None = None,
    source: str | None = None,
) -> Any:
    qs = Case.objects.visible_to(_viewer(request))
    if region:
        qs = qs.filter(region__path__startswith=_region(region).path)
    if inspection_round is not None:
        qs = qs.filter(inspection_round_id=inspection_round)
    if batch is not None:
        qs = qs.filter(batch_id=batch)
    if source:
        qs = qs.filter(source=source)
    return summarize(qs, timezone.localdate())


@router.get(
    "/cases/{case_id}", response=CaseDetailOut, summary="问题详情（含办理记录和可办理的操作）"
)
def get_case(request: HttpRequest, case_id: int) -> Any:
    return _detail(_case(request, case_id), request.user)


@router.post(
    "/cases", response={201: CaseDetailOut, 400: ErrorOut, 403: ErrorOut}, summary="登记问题"
)
def register_case(request: HttpRequest, payload: CaseIn) -> Any:
    case = services.register_case(
        by=_viewer(request),
        now=timezone.now(),
        source=payload.source,
        title=payload.title,
        category=payload.category,
        region=_region(payload.region),
        description=payload.description,
        external_number=payload.external_number,
        inspection_round=_one(InspectionRound, payload.inspection_round_id, _("督察轮次不存在")),
        batch=_one(InspectionBatch, payload.batch_id, _("交办批次不存在")),
        feedback_aspect=payload.feedback_aspect,
        problem_count=payload.problem_count,
        address=payload.address,
        longitude=payload.longitude,
        latitude=payload.latitude,
        enterprise_name=payload.enterprise_name,
        is_key=payload.is_key,
        tags=payload.tags,
        rectification_target=payload.rectification_target,
        rectification_measures=payload.rectification_measures,
    )
    return Status(201, _detail_response(request, case))


@router.patch(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="修改问题信息（记录修改前后的值）",
)
def change_case(request: HttpRequest, case_id: int, payload: CasePatch) -> Any:
    case = _case(request, case_id)
    given = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    lookups: dict[str, tuple[str, Any, str]] = {
        "inspection_round_id": ("inspection_round", InspectionRound, _("督察轮次不存在")),
        "batch_id": ("batch", InspectionBatch, _("交办批次不存在")),
        "lead_unit_id": ("lead_unit", Unit, _("所选单位不存在或不在您的管辖范围内")),
        "responsible_leader_id": ("responsible_leader", Person, _("所选责任领导不存在")),
    }
    for key, value in given.items():
        if key in ("version", "comment"):
            continue
        if key in lookups:
            field, model, message = lookups[key]
            changes[field] = _one(model, value, message)
        elif key == "region":
            changes["region"] = _region(value) if value else None
        elif key in ("responsible_unit_ids", "cooperating_unit_ids"):
            changes[key.replace("_unit_ids", "_units")] = _units(value or [])
        else:
            changes[key] = value
    if changes.get("region", case.region) is None:
        raise _invalid(_("行政区域不能为空"))
    case = services.change_case(
        case=case,
        by=request.user,
        now=timezone.now(),
        version=payload.version,
        changes=changes,
        comment=payload.comment,
    )
    return _detail_response(request, case)


@router.post(
    "/cases/{case_id}/actions/{action}",
    response={200: CaseDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="办理：assign, start, return_assignment, request_acceptance, accept, send_back, "
    "recheck, close, verify_unfounded, merge, reopen",
)
def act(request: HttpRequest, case_id: int, action: str, payload: ActionIn) -> Any:
    case = _case(request, case_id)
    case = services.act_on_case(
        case=case,
        action=action,
        by=request.user,
        now=timezone.now(),
        version=payload.version,
        comment=payload.comment,
        lead_unit=_one(Unit, payload.lead_unit_id, _("所选单位不存在或不在您的管辖范围内")),
        due_date=payload.due_date,
        responsible_units=_units(payload.responsible_unit_ids),
        cooperating_units=_units(payload.cooperating_unit_ids),
        responsible_leader=_one(Person, payload.responsible_leader_id, _("所选责任领导不存在")),
        into=_one(Case, payload.into_id, _("请指定要并入的问题（须在您的管辖范围内）")),
    )
    return _detail_response(request, case)


@router.post(
    "/cases/{case_id}/comments",
    response={201: EventOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="发表意见",
)
def comment(request: HttpRequest, case_id: int, payload: TextIn) -> Any:
    event = services.add_comment(
        case=_case(request, case_id), by=request.user, now=timezone.now(), text=payload.text
    )
    return Status(201, _event_out(event))


@router.post(
    "/cases/{case_id}/instructions",
    response={201: EventOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="领导批示",
)
def instruct(request: HttpRequest, case_id: int, payload: TextIn) -> Any:
    event = services.instruct_case(
        case=_case(request, case_id), by=request.user, now=timezone.now(), text=payload.text
    )
    return Status(201, _event_out(event))


@router.post(
    "/cases/{case_id}/progress",
    response={201: EventOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="报送整改进展（multipart：text、files；文件作为整改佐证）",
)
def progress(
    request: HttpRequest,
    case_id: int,
    text: str = Form(...),  # noqa: B008
    files: list[UploadedFile] | None = File(None),  # noqa: B008
) -> Any:
    event = services.report_progress(
        case=_case(request, case_id),
        by=request.user,
        now=timezone.now(),
        text=text,
        files=_files(files),
    )
    return Status(201, _event_out(event))


@router.post(
    "/cases/{case_id}/attachments",
    response={201: EventOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="上传附件（multipart：files、comment）",
)
def attach(
    request: HttpRequest,
    case_id: int,
    files: list[UploadedFile] = File(...),  # noqa: B008
    comment: str = Form(""),  # noqa: B008
) -> Any:
    event = services.add_attachments(
        case=_case(request, case_id),
        by=request.user,
        now=timezone.now(),
        files=_files(files),
        comment=comment,
    )
    return Status(201, _event_out(event))


@router.get("/cases/{case_id}/attachments/{attachment_id}", summary="下载附件")
def download(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponse:
    case = _case(request, case_id)
    attachment = get_object_or_404(CaseAttachment, case=case, pk=attachment_id)
    # The name offered carries the detected type's extension.
    name = f"{PurePath(attachment.original_name).stem or 'file'}.{attachment.extension}"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=attachment.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/cases/{case_id}/milestones",
    response={201: MilestoneOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="新增阶段节点",
)
def add_milestone(request: HttpRequest, case_id: int, payload: MilestoneIn) -> Any:
    milestone = services.add_milestone(
        case=_case(request, case_id),
        by=request.user,
        now=timezone.now(),
        version=payload.version,
        title=payload.title,
        due_date=payload.due_date,
    )
    return Status(201, milestone)


@router.post(
    "/cases/{case_id}/milestones/{milestone_id}/done",
    response={200: MilestoneOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="完成阶段节点",
)
def complete_milestone(
    request: HttpRequest, case_id: int, milestone_id: int, payload: MilestoneDoneIn
) -> Any:
    case = _case(request, case_id)
    milestone = get_object_or_404(
        CaseMilestone.objects.select_related("case"), case=case, pk=milestone_id
    )
    return services.complete_milestone(
        milestone=milestone, by=request.user, now=timezone.now(), comment=payload.comment
    )


class _LazyMap:
    """A sliceable view of a queryset that maps rows as the paginator reads
    them, so pagination still happens in SQL (as in org/api.py)."""

    def __init__(self, qs: Any, fn: Any) -> None:
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.fn(row) for row in self.qs[item]]
