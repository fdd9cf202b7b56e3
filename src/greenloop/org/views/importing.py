"""The import page: upload, preview, confirm.

1. POST ``upload``: the file is size-checked while it streams in (an
   oversized body is never stored), sniffed and zip-checked, then kept under
   ``DATA_DIR/imports`` with a random name recorded in the session.
2. GET shows the preview of the pending file: counts per sheet, the rows
   that update stored ones and every problem.
3. POST ``commit`` checks the file again and imports it in one transaction;
   POST ``cancel`` drops it. Either way the stored file is deleted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from greenloop.org.access import require_perm
from greenloop.org.importing import (
    ImportRejected,
    Plan,
    WorkbookRejected,
    commit_import,
    preview_import,
)
from greenloop.org.importing.template import CONTENT_TYPE, build_template
from greenloop.org.importing.workbook import (
    check_container,
    check_size,
    max_upload_bytes,
    size_message,
)
from greenloop.org.roles import Perm
from greenloop.web.uploads import SizeLimitedUpload, drop_pending, get_pending, store_pending

logger = logging.getLogger(__name__)

SESSION_KEY = "greenloop.org.import"


def _pending_path(request: HttpRequest) -> tuple[Path, str] | None:
    found = get_pending(request, SESSION_KEY)
    return None if found is None else (found[0], str(found[1].get("name", "")))


def _drop_pending(request: HttpRequest) -> None:
    drop_pending(request, SESSION_KEY)


def _store(request: HttpRequest, upload: UploadedFile) -> None:
    store_pending(request, SESSION_KEY, upload)


@csrf_exempt
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.MANAGE_ORG)
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
    if action == "commit":
        return _commit(request)
    if action == "cancel":
        _drop_pending(request)
        messages.info(request, "已取消本次导入，上传的文件已删除。")
        return redirect("org:import")
    return _form(request, "未知的操作。", status=400)


def _form(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "org/import.html",
        {
            "error": error,
            "limit_mb": max_upload_bytes() // (1024 * 1024),
        },
        status=status,
    )


def _preview(
    request: HttpRequest, plan: Plan, name: str, status: int = 200, *, counts: bool = True
) -> HttpResponse:
    return render(
        request,
        "org/import_preview.html",
        {
            "plan": plan,
            "name": name,
            "counts": plan.counts() if counts else None,
            "updates": plan.updates,
        },
        status=status,
    )


def _show(request: HttpRequest) -> HttpResponse:
    found = _pending_path(request)
    if found is None:
        return _form(request)
    path, name = found
    try:
        plan = preview_import(path, actor=request.user)
    except WorkbookRejected as exc:
        _drop_pending(request)
        return _form(request, str(exc), status=400)
    return _preview(request, plan, name)


def _upload(request: HttpRequest, limiter: SizeLimitedUpload | None) -> HttpResponse:
    if limiter is not None and limiter.refused_size is not None:
        return _form(request, size_message(limiter.refused_size, limiter.limit), status=413)
    upload = request.FILES.get("file")
    if upload is None:
        return _form(request, "请选择要导入的 .xlsx 文件。", status=400)
    try:
        check_size(upload.size or 0)
        check_container(upload.file)
    except WorkbookRejected as exc:
        return _form(
            request, str(exc), status=413 if (upload.size or 0) > max_upload_bytes() else 400
        )
    _store(request, upload)
    return redirect("org:import")


def _commit(request: HttpRequest) -> HttpResponse:
    found = _pending_path(request)
    if found is None:
        messages.error(request, "没有待导入的文件，或文件已失效，请重新上传。")
        return redirect("org:import")
    path, name = found
    try:
        plan = commit_import(path, actor=request.user, source=name)
    except WorkbookRejected as exc:
        _drop_pending(request)
        return _form(request, str(exc), status=400)
    except ImportRejected as exc:
        # The database changed since the preview: show what is wrong now.
        return _preview(request, Plan(problems=exc.problems), name, status=400, counts=False)
    _drop_pending(request)
    messages.success(request, "导入完成：" + _describe(plan))
    return redirect("org:import")


def _describe(plan: Plan) -> str:
    parts = [
        f"{title}新增{c.new}条、更新{c.updated}条" for title, c in plan.counts().items() if c.total
    ]
    if plan.accounts:
        parts.append(f"创建登录账号{plan.accounts}个（未设密码）")
    if plan.role_grants:
        parts.append(f"授予角色{plan.role_grants}项")
    return "；".join(parts) or "没有需要写入的数据"


@require_GET
@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.MANAGE_ORG)
    sample = request.GET.get("sample") == "1"
    filename = "组织数据导入示例.xlsx" if sample else "组织数据导入模板.xlsx"
    response = HttpResponse(build_template(sample=sample), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
