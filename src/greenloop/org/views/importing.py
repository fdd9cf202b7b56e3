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
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
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

logger = logging.getLogger(__name__)

SESSION_KEY = "greenloop.org.import"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# Uploads nobody confirmed or cancelled are swept after a day.
_PENDING_SECONDS = 24 * 3600
# Room for the multipart framing and the CSRF field around the file.
_MULTIPART_SLACK = 64 * 1024


class _SizeLimitedUpload(FileUploadHandler):
    """Stops reading an upload as soon as it is known to be too big.

    Runs before Django's own handlers, so an oversized file is neither kept
    in memory nor written to a temporary file; the rest of the body is read
    and discarded so the connection stays usable.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.body_size = 0
        self.refused_size: int | None = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.body_size = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.body_size > self.limit + _MULTIPART_SLACK:
            self._refuse(self.body_size)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._refuse(max(self.body_size, start + len(raw_data)))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self, size: int) -> None:
        self.refused_size = size
        raise StopUpload(connection_reset=False)


def _imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _pending_path(request: HttpRequest) -> tuple[Path, str] | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or not _TOKEN.match(str(pending.get("token", ""))):
        return None
    path = _imports_dir() / f"{pending['token']}.xlsx"
    if not path.exists():
        request.session.pop(SESSION_KEY, None)
        return None
    return path, str(pending.get("name", ""))


def _drop_pending(request: HttpRequest) -> None:
    found = _pending_path(request)
    if found is not None:
        found[0].unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)


def _sweep_stale(folder: Path, now: float) -> None:
    for path in folder.glob("*.xlsx"):
        try:
            if now - path.stat().st_mtime > _PENDING_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            logger.warning("Unable to remove stale import file", exc_info=True)


def _store(request: HttpRequest, upload: UploadedFile) -> None:
    _drop_pending(request)
    folder = _imports_dir()
    _sweep_stale(folder, time.time())
    token = secrets.token_hex(16)
    fd = os.open(folder / f"{token}.xlsx", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[SESSION_KEY] = {"token": token, "name": (upload.name or "")[:120]}


@csrf_exempt
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.MANAGE_ORG)
    limiter = None
    if request.method == "POST":
        # Must happen before anything reads the body, CSRF included; the CSRF
        # check runs right after, in _import_page.
        limiter = _SizeLimitedUpload(request, max_upload_bytes())
        request.upload_handlers.insert(0, limiter)
    return _import_page(request, limiter)


@csrf_protect
def _import_page(request: HttpRequest, limiter: _SizeLimitedUpload | None) -> HttpResponse:
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


def _upload(request: HttpRequest, limiter: _SizeLimitedUpload | None) -> HttpResponse:
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
