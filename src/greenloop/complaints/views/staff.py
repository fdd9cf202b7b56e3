"""Staff pages: the petition queue, intake of calls/letters/visits, one
petition with its duplicates, routing, handling, reply, disclosure and
rewards. Each POST makes one service call; refusals come back as the
service's message. Who reported is masked unless revealed (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from greenloop.cases.errors import Refusal
from greenloop.cases.services import mask_personal_data
from greenloop.complaints import services
from greenloop.complaints.forms import (
    FindingForm,
    OptionalTextForm,
    ProblemForm,
    QueueFilterForm,
    RevealForm,
    RewardDecisionForm,
    RewardProposalForm,
    RouteForm,
    StaffEntryForm,
    TextForm,
)
from greenloop.complaints.models import (
    Complainant,
    DuplicateCandidate,
    DuplicateDecision,
    Petition,
    PetitionPhoto,
    PetitionState,
    RewardRecord,
    RewardStatus,
)
from greenloop.org.access import can, get_for_user, get_scope, require_perm
from greenloop.org.roles import Perm

PER_PAGE = 50
_RELATED = ("region", "suggested_region", "suggested_unit", "lead_unit", "duplicate_of", "batch")


def _viewer(request: HttpRequest) -> Any:
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    return request.user


def _petition(request: HttpRequest, pk: int) -> Petition:
    return get_for_user(  # type: ignore[no-any-return]
        _viewer(request), Petition.objects.select_related(*_RELATED), pk=pk
    )


def _refused(exc: services.UnableToActOnPetition) -> None:
    if exc.reason is Refusal.NOT_FOUND:
        raise Http404 from exc
    if exc.reason is Refusal.FORBIDDEN:
        raise PermissionDenied(str(exc)) from exc


# --- the queue --------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = QueueFilterForm(request.GET or None)
    petitions = Petition.objects.visible_to(user)
    if form.is_valid():
        data = form.cleaned_data
        petitions = petitions.search(data["q"])
        for field in ("state", "channel", "category"):
            if data[field]:
                petitions = petitions.filter(**{field: data[field]})
        if data["overdue"]:
            petitions = petitions.overdue(timezone.localdate())
        if data["duplicates"]:
            petitions = petitions.filter(
                duplicate_candidates__decision=DuplicateDecision.PENDING
            ).distinct()
    counts = dict(
        Petition.objects.visible_to(user).order_by().values_list("state").annotate(n=Count("pk"))
    )
    petitions = (
        petitions.select_related("region", "suggested_region", "lead_unit")
        .annotate(
            pending_duplicates=Count(
                "duplicate_candidates",
                filter=Q(duplicate_candidates__decision=DuplicateDecision.PENDING),
            )
        )
        .order_by("-received_at", "-pk")
    )
    page = Paginator(petitions, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/queue.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "counts": [
                (state, label, counts.get(state, 0)) for state, label in PetitionState.choices
            ],
            "can_handle": get_scope(user).has(Perm.HANDLE_COMPLAINTS),
        },
    )


# --- staff intake -------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.HANDLE_COMPLAINTS)
    initial = {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = StaffEntryForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intake = services.register_petition(
                by=request.user,
                now=timezone.now(),
                channel=data["channel"],
                received_at=data["received_at"],
                external_number=data["external_number"],
                batch=data["batch"],
                category=data["category"],
                description=data["description"],
                enterprise_name=data["enterprise_name"],
                address=data["address"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                is_anonymous=data["is_anonymous"],
                name=data["name"],
                phone=data["phone"],
                id_number=data["id_number"],
                contact_address=data["contact_address"],
                reward_requested=data["reward_requested"],
                photos=data["photos"],
            )
        except services.UnableToActOnPetition as exc:
            _refused(exc)
            error = str(exc)
        else:
            response = render(
                request,
                "complaints/registered.html",
                {"petition": intake.petition, "code": intake.tracking_code},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "complaints/new.html",
        {"form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


# --- one petition ---------------------------------------------------------------


def _detail_context(request: HttpRequest, petition: Petition) -> dict[str, Any]:
    user = request.user
    can_handle = can(user, "complaints.handle", petition)
    complainant = Complainant.objects.filter(petition=petition).first()
    candidates = list(
        DuplicateCandidate.objects.filter(petition=petition)
        .select_related("earlier", "earlier__region")
        .order_by("-score", "pk")
    )
    earlier_visible = set(
        Petition.objects.visible_to(user)
        .filter(pk__in=[c.earlier_id for c in candidates])
        .values_list("pk", flat=True)
    )
    reward = RewardRecord.objects.filter(petition=petition).first()
    route_form = None
    if can_handle and petition.state == PetitionState.RECEIVED:
        route_form = RouteForm(
            user=user,
            initial={
                "region": petition.region_id or petition.suggested_region_id,
                "lead_unit": petition.lead_unit_id or petition.suggested_unit_id,
                "due_date": petition.due_date,
            },
        )
    can_reveal = can(user, "complaints.view_identity", petition)
    return {
        "petition": petition,
        # Residents sometimes write their phone into the text: starred out
        # for everyone who may not see who reported.
        "description": petition.description
        if can_reveal
        else mask_personal_data(petition.description),
        "complainant": complainant,
        "can_handle": can_handle,
        "can_reveal": can_reveal,
        "can_approve_reward": can(user, "complaints.approve_reward", petition),
        "problems": [
            (pr, pr.description if can_reveal else mask_personal_data(pr.description))
            for pr in petition.problems.select_related("case", "case__lead_unit").order_by("seq")
        ],
        "photos": list(petition.photos.order_by("pk")),
        "candidates": [(c, c.earlier_id in earlier_visible) for c in candidates],
        "events": list(petition.events.order_by("-at", "-pk")),
        "reward": reward,
        "today": timezone.localdate(),
        "route_form": route_form,
        "finding_form": FindingForm() if can_handle else None,
        "reply_form": TextForm() if can_handle else None,
        "public_form": TextForm(initial={"text": petition.public_text}) if can_handle else None,
        "problem_form": ProblemForm() if can_handle else None,
        "reveal_form": RevealForm(),
        "reward_form": RewardProposalForm() if can_handle and reward is None else None,
        "reward_decision_form": RewardDecisionForm(),
        "text_form": OptionalTextForm(),
        "RewardStatus": RewardStatus,
        "PetitionState": PetitionState,
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = _petition(request, pk)
    return render(request, "complaints/detail.html", _detail_context(request, petition))


@never_cache
@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看举报人信息: shown on this response only, audited."""
    petition = _petition(request, pk)
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        complainant = services.reveal_complainant(
            petition=petition, by=request.user, now=timezone.now(), reason=reason
        )
    except services.UnableToActOnPetition as exc:
        _refused(exc)
        raise
    ctx = _detail_context(request, petition)
    ctx["revealed"] = True
    ctx["complainant"] = complainant
    response = render(request, "complaints/detail.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    petition = _petition(request, pk)
    row = get_object_or_404(PetitionPhoto, petition=petition, pk=photo_pk)
    response = FileResponse(row.file.open("rb"), content_type=row.media_type)
    response["Content-Disposition"] = (
        f'inline; filename="{petition.number}-{row.pk}.{row.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- actions: one service call each ------------------------------------------------


def _act(
    request: HttpRequest, pk: int, call: Callable[[Petition, Any], Any], success: str
) -> HttpResponse:
    petition = _petition(request, pk)
    try:
        call(petition, timezone.now())
    except services.UnableToActOnPetition as exc:
        _refused(exc)
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("complaints:detail", pk=petition.pk)


def _invalid(request: HttpRequest, pk: int, form: Any) -> HttpResponse:
    _petition(request, pk)  # out of reach answers 404 before any message
    problems = "；".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, problems or _("请检查填写的内容"))
    return redirect("complaints:detail", pk=pk)


@login_required
@require_POST
def route(request: HttpRequest, pk: int) -> HttpResponse:
    form = RouteForm(request.POST, user=request.user)
    if not form.is_valid():
        return _invalid(request, pk, form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda p, now: services.route_petition(
            petition=p,
            by=request.user,
            now=now,
            region=data["region"],
            lead_unit=data["lead_unit"],
            due_date=data["due_date"],
            comment=data["comment"],
        ),
        _("已交办，问题已转入闭环办理"),
    )


@login_required
@require_POST
def add_problem(request: HttpRequest, pk: int) -> HttpResponse:
    form = ProblemForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda p, now: services.add_problem(
            petition=p, by=request.user, now=now, **form.cleaned_data
        ),
        _("已补充反映问题"),
    )


@login_required
@require_POST
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    form = FindingForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, pk, form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda p, now: services.record_finding(
            petition=p,
            by=request.user,
            now=now,
            finding=data["finding"],
            text=data["text"],
            files=data["files"],
        ),
        _("已录入核查结论"),
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    form = TextForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda p, now: services.reply_to_petition(
            petition=p, by=request.user, now=now, text=form.cleaned_data["text"]
        ),
        _("已答复，举报人可凭查询码查看"),
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    form = OptionalTextForm(request.POST)
    comment = form.cleaned_data["text"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        lambda p, now: services.close_petition(
            petition=p, by=request.user, now=now, comment=comment
        ),
        _("已办结"),
    )


@login_required
@require_POST
def public_text(request: HttpRequest, pk: int) -> HttpResponse:
    form = TextForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, form)
    return _act(
        request,
        pk,
        lambda p, now: services.approve_public_text(
            petition=p, by=request.user, now=now, text=form.cleaned_data["text"]
        ),
        _("公开文本已审核，将在信息公开页显示"),
    )


def _candidate(request: HttpRequest, pk: int, cid: int) -> DuplicateCandidate:
    petition = _petition(request, pk)
    return get_object_or_404(
        DuplicateCandidate.objects.select_related("petition", "earlier"), petition=petition, pk=cid
    )


@login_required
@require_POST
def merge(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    candidate = _candidate(request, pk, cid)
    return _act(
        request,
        pk,
        lambda p, now: services.merge_duplicate(candidate=candidate, by=request.user, now=now),
        _("已确认为重复件并合并"),
    )


@login_required
@require_POST
def reject(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    candidate = _candidate(request, pk, cid)
    return _act(
        request,
        pk,
        lambda p, now: services.reject_duplicate(candidate=candidate, by=request.user, now=now),
        _("已确认不是重复件"),
    )


@login_required
@require_POST
def reward(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    petition = _petition(request, pk)
    user = request.user
    if step == "propose":
        form = RewardProposalForm(request.POST)
        if not form.is_valid():
            return _invalid(request, pk, form)
        data = form.cleaned_data
        return _act(
            request,
            pk,
            lambda p, now: services.propose_reward(
                petition=p,
                by=user,
                now=now,
                amount=data["amount"] or 0,
                is_eligible=data["is_eligible"],
                comment=data["comment"],
            ),
            _("已提出举报奖励"),
        )
    row = get_object_or_404(RewardRecord, petition=petition)
    if step == "decide":
        decision = RewardDecisionForm(request.POST)
        if not decision.is_valid():
            return _invalid(request, pk, decision)
        d = decision.cleaned_data
        return _act(
            request,
            pk,
            lambda p, now: services.decide_reward(
                reward=row, by=user, now=now, approve=d["approve"], comment=d["comment"]
            ),
            _("已审批举报奖励"),
        )
    text = OptionalTextForm(request.POST)
    comment = text.cleaned_data["text"] if text.is_valid() else ""
    steps = {
        "review": (services.review_reward, _("已审核举报奖励")),
        "pay": (services.pay_reward, _("已登记奖励发放")),
    }
    if step not in steps:
        raise Http404
    call, success = steps[step]
    return _act(
        request, pk, lambda p, now: call(reward=row, by=user, now=now, comment=comment), success
    )
