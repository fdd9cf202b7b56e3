"""The petition ledger as Excel (信访件台账导出).

* ``GET /complaints/export/?<the queue's filters>`` — the petitions the
  queue shows with the same filters, who reported **masked**;
* ``/complaints/export/unmasked/`` — for holders of
  ``complaints.view_identity`` only: a confirmation page (GET) naming what
  will be written, then the download (POST, with a reason). Identities are
  written in full only where the access rules give them to the reader.

Every export is recorded in the audit log (masked or not, the row count,
the filters; unmasked ones with the reason).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from greenloop.audit.log import ACTION_LABELS
from greenloop.complaints import exports
from greenloop.complaints.forms import QueueFilterForm, RevealForm
from greenloop.complaints.models import Complainant, DuplicateDecision, Petition
from greenloop.org.access import require_perm
from greenloop.org.exports import XLSX_CONTENT_TYPE, attachment_header
from greenloop.org.roles import Perm

# The audit page names these events (audit/log.py is shared; additive).
ACTION_LABELS.setdefault(exports.EXPORTED, gettext_lazy("导出信访件台账（举报人信息已打码）"))
ACTION_LABELS.setdefault(exports.EXPORTED_UNMASKED, gettext_lazy("导出信访件台账（含举报人信息）"))


def filtered(user: Any, form: QueueFilterForm) -> QuerySet[Petition]:
    """The queue's petitions under the queue's filters (views/staff.py)."""
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
    return petitions


def _filters(form: QueueFilterForm) -> dict[str, Any]:
    return dict(form.cleaned_data) if form.is_valid() else {}


def _download(content: bytes, stem: str) -> HttpResponse:
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(name, fallback=f"petitions-{name[-13:]}")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    form = QueueFilterForm(request.GET or None)
    petitions = filtered(request.user, form)
    content = exports.ledger_workbook(petitions)
    exports.audit_export(
        by=request.user, count=petitions.count(), unmasked=False, filters=_filters(form)
    )
    return _download(content, _("信访件台账"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ledger_unmasked(request: HttpRequest) -> HttpResponse:
    """含举报人信息的台账: an explicit choice, with a reason, audited."""
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    require_perm(request.user, Perm.VIEW_COMPLAINANT)
    source = request.POST if request.method == "POST" else request.GET
    form = QueueFilterForm(source or None)
    petitions = filtered(request.user, form)
    reason_form = RevealForm(request.POST or None)
    if request.method == "POST" and reason_form.is_valid() and request.POST.get("confirm"):
        # Only the complainants the rules give this reader (territory).
        unmasked_ids = set(
            Complainant.objects.visible_to(request.user)
            .filter(petition__in=petitions.values("pk"))
            .values_list("petition_id", flat=True)
        )
        content = exports.ledger_workbook(petitions, unmasked_ids=unmasked_ids)
        exports.audit_export(
            by=request.user,
            count=petitions.count(),
            unmasked=True,
            filters=_filters(form),
            reason=reason_form.cleaned_data["reason"],
        )
        return _download(content, _("信访件台账（含举报人信息）"))
    return render(
        request,
        "complaints/export_unmasked.html",
        {
            "form": form,
            "reason_form": reason_form,
            "count": petitions.count(),
            "named": Complainant.objects.visible_to(request.user)
            .filter(petition__in=petitions.values("pk"))
            .count(),
        },
        status=400 if request.method == "POST" else 200,
    )
