"""Inspection rounds and 回头看 pages.

* rounds: the list with each round's progress; one round's overview per
  batch and per feedback aspect, linking to the case list filtered by
  round and batch; the office adds rounds and batches;
* 回头看: the list; a new campaign from a filter, with the count
  previewed (htmx) before anything is created; one campaign's figures,
  groups and items, each pending item with its outcome form (htmx swaps
  the row and the figures).

Figures count only the cases the reader sees. Who may do what is asked of
:mod:`greenloop.org.access` and the services decide.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from greenloop.cases import services, statistics
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms_campaigns import (
    AssignItemsForm,
    BatchForm,
    OutcomeForm,
    ReviewGroupForm,
    ReviewSelectionForm,
    RoundForm,
)
from greenloop.cases.models import (
    AccountabilityRecord,
    Case,
    CaseState,
    InspectionRound,
    ReviewCampaign,
    ReviewItem,
    ReviewOutcome,
)
from greenloop.org.access import get_for_user, has_perm, require_perm
from greenloop.org.roles import Perm

REVIEW = "cases/review_detail.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def login_required_htmx(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``login_required`` that moves the whole page to the login form when
    an htmx request arrives without a session."""
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.htmx and not request.user.is_authenticated:
            here = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here).url)
        return guarded(request, *args, **kwargs)

    return wrapper


def viewer(request: HttpRequest) -> Any:
    """The user, who must hold ``cases.view`` (三员 hold none: 403)."""
    require_perm(request.user, Perm.VIEW_CASES)
    return request.user


def case_list_url(**params: Any) -> str:
    """The case list (/cases/) filtered by ``params`` (``inspection_round``,
    ``batch``… as its filter form names them)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("cases:list") + (f"?{query}" if query else "")


def form_problems(form: Any) -> str:
    parts = []
    colon = pgettext("colon introducing what follows", "：")
    semicolon = pgettext("separator between sentences in a list", "；")
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = semicolon.join(str(e) for e in errors)
        parts.append(f"{label}{colon}{text}" if label else text)
    return semicolon.join(parts)


# --- rounds ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    """Every round with the progress of its cases the reader sees."""
    user = viewer(request)
    can_manage = has_perm(user, Perm.EDIT_CASES)
    form = RoundForm() if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = RoundForm(request.POST)
        if form.is_valid():
            try:
                created = services.create_round(by=user, now=timezone.now(), **form.cleaned_data)
            except UnableToActOnCase as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已新建督察轮次“%(name)s”") % {"name": created.name})
                return redirect("cases:round_detail", pk=created.pk)
    rounds = list(
        InspectionRound.objects.visible_to(user)
        .annotate(n_batches=Count("batches"))
        .order_by("-stationed_start_date", "-pk")
    )
    figures = {
        g["group"]: g
        for g in statistics.summarize_by(
            Case.objects.visible_to(user),
            timezone.localdate(),
            "inspection_round",
            keys=[r.pk for r in rounds],
        )
    }
    return render(
        request,
        "cases/round_list.html",
        {
            "rows": [(r, figures[str(r.pk)], case_list_url(inspection_round=r.pk)) for r in rounds],
            "form": form,
            "defs": statistics.get_definitions(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round: progress per batch and per feedback aspect, its feedback
    tasks, accountability; the office adds batches here."""
    user = viewer(request)
    inspection_round = get_for_user(user, InspectionRound, action="cases.view", pk=pk)
    can_manage = has_perm(user, Perm.EDIT_CASES)
    batch_form = BatchForm() if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        batch_form = BatchForm(request.POST)
        if batch_form.is_valid():
            try:
                batch = services.create_batch(
                    by=user,
                    now=timezone.now(),
                    inspection_round=inspection_round,
                    **batch_form.cleaned_data,
                )
            except UnableToActOnCase as exc:
                batch_form.add_error(None, str(exc))
            else:
                messages.success(request, _("已登记第%(number)s批") % {"number": batch.number})
                return redirect("cases:round_detail", pk=inspection_round.pk)

    today = timezone.localdate()
    batches = list(inspection_round.batches.order_by("number"))
    cases = Case.objects.visible_to(user).filter(inspection_round=inspection_round)
    progress = statistics.round_progress(cases, batches, today)
    tasks = list(
        cases.exclude(feedback_aspect="")
        .select_related("region", "lead_unit")
        .order_by("feedback_aspect", "number")
    )
    aspects = [
        {**a, "cases": [c for c in tasks if c.feedback_aspect == a["group"]]}
        for a in progress["aspects"]
    ]
    records = AccountabilityRecord.objects.visible_to(user).filter(
        inspection_round=inspection_round
    )
    return render(
        request,
        "cases/round_detail.html",
        {
            "round": inspection_round,
            "progress": progress,
            "batches": [
                (b, case_list_url(inspection_round=inspection_round.pk, batch=b["group"]))
                for b in progress["batches"]
            ],
            "aspects": aspects,
            "today": today,
            "states": [s for s in progress["states"] if s["count"]],
            "accountability": statistics.accountability_totals(records),
            "accountability_by_form": statistics.accountability_counts(records, "form"),
            "list_url": case_list_url(inspection_round=inspection_round.pk),
            "batch_form": batch_form,
            "defs": statistics.get_definitions(),
        },
    )


# --- 回头看: list and creation ------------------------------------------------------


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    campaigns = list(
        ReviewCampaign.objects.visible_to(user)
        .select_related("region")
        .order_by("-start_date", "-pk")
    )
    figures = statistics.review_figures_by(ReviewItem.objects.visible_to(user), "campaign")
    empty = statistics.review_figures(ReviewItem.objects.none())
    return render(
        request,
        "cases/review_list.html",
        {
            "rows": [(c, figures.get(c.pk, empty)) for c in campaigns],
            "can_create": has_perm(user, Perm.EDIT_CASES),
            "defs": statistics.get_definitions(),
        },
    )


def _selection(form: ReviewSelectionForm) -> services.ReviewSelection:
    data = form.cleaned_data
    return services.ReviewSelection(
        region=data["region"],
        inspection_round=data["inspection_round"],
        category=data["category"],
        source=data["source"],
        closed_from=data["closed_from"],
        closed_to=data["closed_to"],
        key_only=data["key_only"],
    )


def _preview_count(user: Any, form: ReviewSelectionForm) -> int | None:
    if not form.is_valid():
        return None
    return services.select_for_review(by=user, selection=_selection(form)).count()


def _office(request: HttpRequest) -> Any:
    user = viewer(request)
    require_perm(user, Perm.EDIT_CASES)
    return user


@login_required_htmx
@require_http_methods(["GET", "POST"])
def review_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new campaign from a filter of closed cases; the count is shown
    before anything is created."""
    user = _office(request)
    if request.method == "POST":
        form = ReviewSelectionForm(request.POST, user=user)
        if form.is_valid():
            try:
                campaign = services.create_review_campaign(
                    by=user,
                    now=timezone.now(),
                    name=form.cleaned_data["name"],
                    selection=_selection(form),
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                )
            except UnableToActOnCase as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已组织回头看“%(name)s”，列入 %(count)s 件已销号问题")
                    % {"name": campaign.name, "count": campaign.items.count()},
                )
                return redirect("cases:review_detail", pk=campaign.pk)
    else:
        form = ReviewSelectionForm(request.GET or None, user=user)
    count = _preview_count(user, form) if form.is_bound else None
    return render(request, "cases/review_create.html", {"form": form, "count": count})


@login_required_htmx
@require_GET
@vary_on_headers("HX-Request")
def review_preview(request: HtmxHttpRequest) -> HttpResponse:
    """How many closed cases the filter selects (htmx fragment)."""
    user = _office(request)
    form = ReviewSelectionForm(request.GET, user=user)
    count = _preview_count(user, form)
    if not request.htmx:
        return redirect(f"{reverse('cases:review_create')}?{request.GET.urlencode()}")
    return render(request, "cases/review_create.html#preview", {"form": form, "count": count})


# --- 回头看: one campaign --------------------------------------------------------------


def _campaign(request: HttpRequest, pk: int) -> ReviewCampaign:
    campaign: ReviewCampaign = get_for_user(
        viewer(request),
        ReviewCampaign.objects.select_related("region"),
        action="cases.view",
        pk=pk,
    )
    return campaign


def _visible_items(user: Any, campaign: ReviewCampaign) -> Any:
    return ReviewItem.objects.visible_to(user).filter(campaign=campaign)


def _figures_context(user: Any, campaign: ReviewCampaign) -> dict[str, Any]:
    items = _visible_items(user, campaign)
    by_group = statistics.review_figures_by(items, "group")
    empty = statistics.review_figures(ReviewItem.objects.none())
    groups = list(campaign.groups.prefetch_related("members").order_by("pk"))
    return {
        "campaign": campaign,
        "figures": statistics.review_figures(items),
        "groups": [(g, by_group.get(g.pk, empty)) for g in groups],
        "unassigned": by_group.get(None),
        "defs": statistics.get_definitions(),
    }


def _row_context(
    user: Any, item: ReviewItem, groups: set[int], form: OutcomeForm | None = None, error: str = ""
) -> dict[str, Any]:
    can_review = (
        item.outcome == ReviewOutcome.PENDING
        and item.case.state == CaseState.CLOSED
        and services.may_review(user, item, groups=groups)
    )
    if can_review and form is None:
        form = OutcomeForm(
            initial={"version": item.case.version, "outcome": ReviewOutcome.CONSOLIDATED},
            prefix=f"item-{item.pk}",
        )
    return {"i": item, "can_review": can_review, "form": form, "error": error}


_ITEM_RELATED = ("case__region", "case__lead_unit", "group", "reviewed_by__person")


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's figures, groups and items (the reader's only)."""
    campaign = _campaign(request, pk)
    user = request.user
    items = (
        _visible_items(user, campaign)
        .select_related(*_ITEM_RELATED)
        .order_by("case__region__path", "case__number", "pk")
    )
    outcome = request.GET.get("outcome", "")
    if outcome in ReviewOutcome.values:
        items = items.filter(outcome=outcome)
    group = request.GET.get("group", "")
    if group == "none":
        items = items.filter(group__isnull=True)
    elif group.isdigit():
        items = items.filter(group_id=int(group))
    q = request.GET.get("q", "").strip()[:40]
    if q:
        items = items.filter(Q(case__number__icontains=q) | Q(case__title__icontains=q))
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    groups = services.member_groups(user, campaign)
    can_manage = has_perm(user, Perm.EDIT_CASES)
    return render(
        request,
        REVIEW,
        {
            **_figures_context(user, campaign),
            "page": page,
            "rows": [_row_context(user, i, groups) for i in page],
            "outcome": outcome,
            "group_filter": group,
            "q": q,
            "outcomes": [(v, _(label)) for v, label in ReviewOutcome.choices],
            "can_manage": can_manage,
            "group_form": ReviewGroupForm(user=user) if can_manage else None,
            "assign_form": AssignItemsForm(user=user, campaign=campaign) if can_manage else None,
        },
    )


@login_required
@require_POST
def review_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    user = _office(request)
    form = ReviewGroupForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, form_problems(form))
    else:
        try:
            group = services.add_review_group(
                campaign=campaign,
                by=user,
                now=timezone.now(),
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
            )
        except UnableToActOnCase as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已新增工作组“%(name)s”") % {"name": group.name})
    return redirect("cases:review_detail", pk=campaign.pk)


@login_required
@require_POST
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    user = _office(request)
    form = AssignItemsForm(request.POST, user=user, campaign=campaign)
    if not form.is_valid():
        messages.error(request, form_problems(form))
    else:
        try:
            n = services.assign_review_items(
                campaign=campaign,
                group=form.cleaned_data["group"],
                by=user,
                now=timezone.now(),
                region=form.cleaned_data["region"],
            )
        except UnableToActOnCase as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已将 %(count)s 件待复查问题分配给“%(group)s”")
                % {"count": n, "group": form.cleaned_data["group"].name},
            )
    return redirect("cases:review_detail", pk=campaign.pk)


@login_required_htmx
@require_POST
def review_outcome(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Record one item's outcome. htmx gets the row and the figures back;
    a plain post is redirected to the campaign with a message."""
    campaign = _campaign(request, pk)
    user = request.user
    item = get_for_user(
        user,
        ReviewItem.objects.filter(campaign=campaign).select_related(*_ITEM_RELATED, "campaign"),
        action="cases.view",
        pk=item_pk,
    )
    groups = services.member_groups(user, campaign)
    if not services.may_review(user, item, groups=groups):
        raise PermissionDenied
    form = OutcomeForm(request.POST, prefix=f"item-{item.pk}")
    error = ""
    if not form.is_valid():
        error = form_problems(form)
    else:
        data = form.cleaned_data
        try:
            services.record_review_outcome(
                item=item,
                by=user,
                now=timezone.now(),
                outcome=data["outcome"],
                note=data["note"],
                version=data["version"],
                due_date=data["due_date"],
            )
        except UnableToActOnCase as exc:
            error = str(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已记录复查结果"))
        return redirect("cases:review_detail", pk=campaign.pk)
    item = ReviewItem.objects.select_related(*_ITEM_RELATED).get(pk=item.pk)
    row = render_to_string(
        f"{REVIEW}#item_row",
        {**_row_context(user, item, groups, form if error else None, error), "campaign": campaign},
        request,
    )
    figures = render_to_string(
        f"{REVIEW}#figures", {**_figures_context(user, campaign), "oob": True}, request
    )
    # The figures go out of band; <template> keeps the parser from moving
    # their tables into the item table around the swapped row (htmx 2).
    return HttpResponse(f"{row}<template>{figures}</template>")
