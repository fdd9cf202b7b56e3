"""The ledger pages: import (upload, map columns, preview, confirm) and the
export of the case list as a ledger.

1. POST ``upload``: the file is size-checked while it streams in (the org
   import's upload handler: an oversized body is never stored), sniffed and
   zip-checked, then kept under ``DATA_DIR/imports`` with a random name; the
   session holds the token and the upload choices (kind, round, batch).
2. GET shows the preview of the pending file: which column is which field
   (a form to change it), counts, the first rows, every problem and note.
3. POST ``map`` applies the column choices and remembers them for the user.
4. POST ``commit`` checks the file again and imports it in one transaction;
   POST ``cancel`` drops it. Either way the stored file is deleted.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from greenloop.audit.log import record
from greenloop.cases.ledger import (
    CONTENT_TYPE,
    SOURCE_KIND_LABELS,
    LedgerOptions,
    LedgerPlan,
    LedgerRejected,
    SourceKind,
    build_template,
    commit_ledger,
    filtered_cases,
    preview_ledger,
    remember_choices,
    write_ledger,
)
from greenloop.cases.ledger.columns import FIELDS, format_batch
from greenloop.cases.models import InspectionRound
from greenloop.org.access import require_perm
from greenloop.org.importing.workbook import (
    WorkbookRejected,
    check_container,
    check_size,
    max_upload_bytes,
    size_message,
)
from greenloop.org.roles import Perm
from greenloop.web.uploads import SizeLimitedUpload, drop_pending, get_pending, store_pending

logger = logging.getLogger(__name__)

SESSION_KEY = "greenloop.cases.ledger_import"
EXPORT_AUDIT_ACTION = "greenloop.cases.ledger.exported"
# Rows of the preview table.
PREVIEW_ROWS = 20


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx）"))
    kind = forms.ChoiceField(
        label=gettext_lazy("台账类型"),
        choices=[(k.value, SOURCE_KIND_LABELS[k]) for k in SourceKind],
        initial=SourceKind.PETITION,
        widget=forms.RadioSelect,
    )
    inspection_round = forms.ModelChoiceField(
        label=gettext_lazy("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=gettext_lazy("（不属于督察轮次）"),
    )
    batch_number = forms.IntegerField(
        label=gettext_lazy("交办批次（表中未填写批次时）"),
        min_value=1,
        max_value=999,
        required=False,
    )
    received_date = forms.DateField(
        label=gettext_lazy("新建批次的交办日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = InspectionRound.objects.visible_to(user).order_by("-stationed_start_date", "-pk")
        self.fields["inspection_round"].queryset = rounds  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SourceKind.FEEDBACK and not data.get("inspection_round"):
            self.add_error("inspection_round", _("导入督察反馈问题须选择督察轮次"))
        if data.get("batch_number") and not data.get("inspection_round"):
            self.add_error("batch_number", _("指定交办批次须先选择督察轮次"))
        return data


# --- the pending upload ---------------------------------------------------------


def _pending(request: HttpRequest) -> tuple[Path, str, LedgerOptions] | None:
    found = get_pending(request, SESSION_KEY)
    if found is None:
        return None
    path, data = found
    try:
        options = LedgerOptions.from_session(data.get("options") or {})
    except (TypeError, ValueError):
        _drop_pending(request)
        return None
    return path, str(data.get("name", "")), options


def _save_options(request: HttpRequest, options: LedgerOptions) -> None:
    data = dict(request.session[SESSION_KEY])
    data["options"] = options.to_session()
    request.session[SESSION_KEY] = data


def _drop_pending(request: HttpRequest) -> None:
    drop_pending(request, SESSION_KEY)


def _store(request: HttpRequest, upload: UploadedFile, options: LedgerOptions) -> None:
    store_pending(request, SESSION_KEY, upload, {"options": options.to_session()})


# --- the import page ------------------------------------------------------------


@csrf_exempt
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.REGISTER_CASES)
    limiter = None
    if request.method == "POST":
        # Must happen before anything reads the body, CSRF included; the CSRF
        # check runs right after, in _import_page.
        limiter = SizeLimitedUpload(request, max_upload_bytes())
        request.upload_handlers.insert(0, limiter)
    return _import_page(request, limiter)


@csrf_protect
def _import_page(request: HttpRequest, limiter: SizeLimitedUpload | None) -> HttpResponse:
    if request.method != "POST":
        return _show(request)
    action = request.POST.get("action", "")
    if action == "upload":
        return _upload(request, limiter)
    if action == "map":
        return _map(request)
    if action == "commit":
        return _commit(request)
    if action == "cancel":
        _drop_pending(request)
        messages.info(request, _("已取消本次导入，上传的文件已删除。"))
        return redirect("cases:ledger_import")
    return _form(request, error=_("未知的操作。"), status=400)


def _form(
    request: HttpRequest, form: UploadForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/ledger_import.html",
        {
            "form": form or UploadForm(user=request.user),
            "error": error,
            "limit_mb": max_upload_bytes() // (1024 * 1024),
            "fields": [f for f in FIELDS if f.imported],
        },
        status=status,
    )


def _preview(request: HttpRequest, plan: LedgerPlan, name: str, status: int = 200) -> HttpResponse:
    return render(
        request,
        "cases/ledger_import_preview.html",
        {
            "plan": plan,
            "name": name,
            "kind_label": SOURCE_KIND_LABELS.get(SourceKind(plan.options.kind), ""),
            "fields": FIELDS,
            "columns": [(c, plan.samples.get(c.index, "")) for c in plan.columns],
            "rows": plan.rows[:PREVIEW_ROWS],
            "more_rows": max(len(plan.rows) - PREVIEW_ROWS, 0),
            "new_batches": "、".join(format_batch(n) for n in plan.new_batches),
        },
        status=status,
    )


def _show(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        return _form(request)
    path, name, options = found
    try:
        plan = preview_ledger(path, options=options, by=request.user, now=timezone.now())
    except WorkbookRejected as exc:
        _drop_pending(request)
        return _form(request, error=str(exc), status=400)
    return _preview(request, plan, name)


def _upload(request: HttpRequest, limiter: SizeLimitedUpload | None) -> HttpResponse:
    if limiter is not None and limiter.refused_size is not None:
        return _form(request, error=size_message(limiter.refused_size, limiter.limit), status=413)
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _form(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        check_size(upload.size or 0)
        check_container(upload.file)
    except WorkbookRejected as exc:
        too_big = (upload.size or 0) > max_upload_bytes()
        return _form(request, form, error=str(exc), status=413 if too_big else 400)
    chosen_round = form.cleaned_data["inspection_round"]
    options = LedgerOptions(
        kind=form.cleaned_data["kind"],
        round_id=chosen_round.pk if chosen_round else None,
        batch_number=form.cleaned_data["batch_number"],
        received_date=form.cleaned_data["received_date"],
    )
    _store(request, upload, options)
    return redirect("cases:ledger_import")


def _map(request: HttpRequest) -> HttpResponse:
    """Apply the mapping form: the sheet, and a field per column."""
    found = _pending(request)
    if found is None:
        messages.error(request, _("没有待导入的文件，或文件已失效，请重新上传。"))
        return redirect("cases:ledger_import")
    path, name, options = found
    sheet = request.POST.get("sheet", "")
    known = {f.code for f in FIELDS}
    chosen: dict[int, str] = {}
    for key, value in request.POST.items():
        if key.startswith("col-") and key[4:].isdigit() and (value in known or value == ""):
            chosen[int(key[4:])] = value
    if sheet != request.POST.get("shown_sheet", sheet):
        # Another sheet than the one whose columns were shown: map it afresh.
        chosen = {}
    options = LedgerOptions(
        kind=options.kind,
        round_id=options.round_id,
        batch_number=options.batch_number,
        received_date=options.received_date,
        sheet=sheet or options.sheet,
        chosen=chosen,
    )
    if chosen:
        now = timezone.now()
        try:
            plan = preview_ledger(path, options=options, by=request.user, now=now)
        except WorkbookRejected as exc:
            _drop_pending(request)
            return _form(request, error=str(exc), status=400)
        # Choices equal to the built-in synonyms are forgotten, others kept.
        remember_choices(user=request.user, now=now, columns=plan.columns, chosen=chosen)
    _save_options(request, options)
    messages.info(request, _("已按您的选择对应各列，并记住这些选择供下次导入使用。"))
    return redirect("cases:ledger_import")


def _commit(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        messages.error(request, _("没有待导入的文件，或文件已失效，请重新上传。"))
        return redirect("cases:ledger_import")
    path, name, options = found
    try:
        plan = commit_ledger(
            path, options=options, by=request.user, now=timezone.now(), source_name=name
        )
    except WorkbookRejected as exc:
        _drop_pending(request)
        return _form(request, error=str(exc), status=400)
    except LedgerRejected as exc:
        # The database changed since the preview: show what is wrong now.
        plan = preview_ledger(path, options=options, by=request.user, now=timezone.now())
        plan.problems = exc.problems
        return _preview(request, plan, name, status=400)
    _drop_pending(request)
    messages.success(request, _describe(plan))
    return redirect("cases:ledger_import")


def _describe(plan: LedgerPlan) -> str:
    text = _("导入完成：登记问题%(count)d件") % {"count": len(plan.rows)}
    if plan.numbers:
        text += _("（%(first)s 至 %(last)s）") % {
            "first": plan.numbers[0],
            "last": plan.numbers[-1],
        }
    if plan.assigned:
        text += _("，其中%(count)d件已交办") % {"count": plan.assigned}
    if plan.new_batches:
        text += _("；新建交办批次：%(batches)s") % {
            "batches": "、".join(format_batch(n) for n in plan.new_batches)
        }
    return text + _("。")


@require_GET
@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.REGISTER_CASES)
    response = HttpResponse(build_template(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "问题台账导入模板.xlsx")
    return response


# --- the export -------------------------------------------------------------------


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The case list as a ledger: the same filters, the user's cases only."""
    require_perm(request.user, Perm.VIEW_CASES)
    now = timezone.now()
    cases = filtered_cases(request.user, request.GET, today=timezone.localdate(now))
    title = _title(request.GET.get("inspection_round", ""))
    out = io.BytesIO()
    count = write_ledger(cases, out, now=now, title=title)
    record(
        EXPORT_AUDIT_ACTION,
        actor=request.user,
        target=title,
        data={"filters": {k: v for k, v in request.GET.lists() if any(v)}, "rows": count},
    )
    filename = f"{title}-{timezone.localdate(now):%Y%m%d}.xlsx"
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _title(round_id: str) -> str:
    found = InspectionRound.objects.filter(pk=int(round_id)).first() if round_id.isdigit() else None
    return f"{found.name}问题台账" if found is not None else "问题台账"
