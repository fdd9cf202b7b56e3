"""信息公开 pages.

Inside (login, ``cases.view``): the cases of inspection rounds with the
state of their public text and the disclosure rate; one case's text, which
the office drafts, publishes (审核公开) and withdraws.

Outside (no login, /public/disclosure/): the published texts only, with
the region, category, source, round and batch, and dates of their case —
no names, phones, addresses, enterprises, titles or descriptions, which
may carry personal data. The text itself was checked when it was saved
and published, and is masked again here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from greenloop.cases import services, statistics
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms_campaigns import (
    DisclosureFilterForm,
    DisclosureTextForm,
    PublicDisclosureFilterForm,
    WithdrawForm,
)
from greenloop.cases.models import Case, CaseDisclosure, CaseEvent, CaseState, DisclosureStatus
from greenloop.cases.views.campaigns import viewer
from greenloop.org.access import can, get_for_user

_EVENTS = (
    "greenloop.cases.case.disclosure_drafted",
    "greenloop.cases.case.disclosure_published",
    "greenloop.cases.case.disclosure_withdrawn",
)


# --- inside ----------------------------------------------------------------------


@login_required
@require_GET
def disclosure_list(request: HttpRequest) -> HttpResponse:
    """The cases of inspection rounds the reader sees and their public texts."""
    user = viewer(request)
    form = DisclosureFilterForm(request.GET or None, user=user)
    cases = (
        Case.objects.visible_to(user)
        .filter(inspection_round__isnull=False)
        .exclude(state=CaseState.DUPLICATE)
    )
    if form.is_valid() and form.cleaned_data["inspection_round"]:
        cases = cases.filter(inspection_round=form.cleaned_data["inspection_round"])
    shown = cases
    if form.is_valid():
        status = form.cleaned_data["status"]
        if status == form.STATUS_MISSING:
            shown = shown.filter(disclosure__isnull=True)
        elif status:
            shown = shown.filter(disclosure__status=status)
    shown = shown.select_related("region", "disclosure", "inspection_round", "batch").order_by(
        "inspection_round_id", "number"
    )
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/disclosure_list.html",
        {
            "form": form,
            "page": page,
            "figures": statistics.disclosure_figures(cases),
            "defs": statistics.get_definitions(),
        },
    )


def _edit_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    disclosure = services.get_disclosure(case)
    can_edit = can(request.user, "cases.edit", case) and case.state != CaseState.DUPLICATE
    status = disclosure.status if disclosure else ""
    ctx: dict[str, Any] = {
        "case": case,
        "disclosure": disclosure,
        "can_edit": can_edit,
        "text_form": (
            DisclosureTextForm(initial={"text": disclosure.text if disclosure else ""})
            if can_edit and status != DisclosureStatus.PUBLISHED
            else None
        ),
        "withdraw_form": (
            WithdrawForm() if can_edit and status == DisclosureStatus.PUBLISHED else None
        ),
        "can_publish": can_edit and status == DisclosureStatus.DRAFT,
        "history": CaseEvent.objects.filter(case=case, action__in=_EVENTS).order_by("at", "pk"),
    }
    ctx.update(extra)
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_edit(request: HttpRequest, case_pk: int) -> HttpResponse:
    """One case's public text: draft, publish, withdraw."""
    user = viewer(request)
    case = get_for_user(
        user,
        Case.objects.select_related("region", "inspection_round", "batch"),
        action="cases.view",
        pk=case_pk,
    )
    if request.method == "GET":
        return render(request, "cases/disclosure_edit.html", _edit_context(request, case))
    if not can(user, "cases.edit", case):
        raise PermissionDenied
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if action == "save":
            form = DisclosureTextForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "cases/disclosure_edit.html",
                    _edit_context(request, case, text_form=form),
                )
            try:
                services.draft_disclosure(
                    case=case, by=user, now=now, text=form.cleaned_data["text"]
                )
            except UnableToActOnCase as exc:
                form.add_error("text", str(exc))
                return render(
                    request,
                    "cases/disclosure_edit.html",
                    _edit_context(request, case, text_form=form),
                )
            messages.success(request, _("已保存公开内容草稿"))
        elif action == "publish":
            services.publish_disclosure(case=case, by=user, now=now)
            messages.success(request, _("已审核公开，公开页面已展示"))
        elif action == "withdraw":
            withdraw = WithdrawForm(request.POST)
            if not withdraw.is_valid():
                messages.error(request, _("撤回公开须填写理由"))
            else:
                services.withdraw_disclosure(
                    case=case, by=user, now=now, reason=withdraw.cleaned_data["reason"]
                )
                messages.success(request, _("已撤回公开"))
        else:
            messages.error(request, _("未知的操作"))
    except UnableToActOnCase as exc:
        messages.error(request, str(exc))
    return redirect("cases:disclosure_edit", case_pk=case.pk)


# --- outside ---------------------------------------------------------------------


def _published() -> Any:
    # Deliberately unscoped: published texts are public information.
    return CaseDisclosure.objects.filter(status=DisclosureStatus.PUBLISHED).select_related(
        "case__region", "case__inspection_round", "case__batch"
    )


def _public_row(d: CaseDisclosure) -> dict[str, Any]:
    """Only what may be shown to anyone."""
    c = d.case
    return {
        "pk": d.pk,
        "number": c.number,
        "external_number": c.external_number,
        "region": c.region.name,
        "category": c.get_category_display(),
        "source": c.get_source_display(),
        "round": c.inspection_round.name if c.inspection_round else "",
        "batch": c.batch.number if c.batch else None,
        "received_date": c.batch.received_date if c.batch else None,
        "due_date": c.due_date,
        "closed": c.state == CaseState.CLOSED,
        "unfounded": c.is_unfounded,
        "closed_at": c.closed_at,
        "published_at": d.published_at,
        "text": services.mask_personal_data(d.text),
    }


@require_GET
def public_disclosures(request: HttpRequest) -> HttpResponse:
    """Published rectification results, searchable by region, category and
    keyword."""
    form = PublicDisclosureFilterForm(request.GET or None)
    qs = _published()
    if form.is_valid():
        if form.cleaned_data["region"]:
            qs = qs.filter(case__region__path__startswith=form.cleaned_data["region"].path)
        if form.cleaned_data["category"]:
            qs = qs.filter(case__category=form.cleaned_data["category"])
        q = form.cleaned_data["q"].strip()
        if q:
            qs = qs.filter(
                Q(text__icontains=q) | Q(case__number__icontains=q) | Q(case__external_number=q)
            )
    qs = qs.order_by("-published_at", "-pk")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/disclosure_public_list.html",
        {"form": form, "page": page, "rows": [_public_row(d) for d in page]},
    )


@require_GET
def public_disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = get_object_or_404(_published(), pk=pk)
    return render(request, "cases/disclosure_public_detail.html", {"d": _public_row(disclosure)})
