"""Files on cases: checked by content and size, stored under MEDIA_ROOT.

Storage is Django's default storage (the data directory's ``media/``
folder; django-storages can put it on object storage). Files are stored
under a random name with the extension of the *detected* type.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.filetypes import FileType, Rejection, UnacceptableFile, detect
from greenloop.cases.models import Case, CaseAttachment, CaseEvent

MAX_FILES_PER_UPLOAD = 20


class UnableToAttachFile(UnableToActOnCase):
    """The file is of a refused type, empty, or too large."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "GREENLOOP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return _("%(count)d字节") % {"count": size}


def check_upload(upload: File) -> FileType:
    """The detected type of ``upload``, or :class:`UnableToAttachFile`."""
    name = upload.name or ""
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise UnableToAttachFile(
            _("文件“%(name)s”大小为%(size)s，超过上限%(limit)s")
            % {"name": name, "size": _size(upload.size), "limit": _size(limit)}
        )
    try:
        return detect(upload)  # type: ignore[arg-type]
    except UnacceptableFile as exc:
        messages = {
            Rejection.EMPTY: _("文件“%(name)s”是空文件"),
            Rejection.MACRO: _(
                "文件“%(name)s”含有宏，出于安全考虑不能上传，请另存为不含宏的文档后再上传"
            ),
            Rejection.ENCRYPTED: _("文件“%(name)s”已加密，无法检查内容，请取消密码后再上传"),
            Rejection.UNKNOWN: _(
                "文件“%(name)s”的类型不受支持：只能上传图片（JPEG、PNG、GIF、WebP）、PDF、Word或Excel文件"
            ),
        }
        raise UnableToAttachFile(messages[exc.rejection] % {"name": name}) from exc


def check_uploads(files: Sequence[File]) -> list[FileType]:
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise UnableToAttachFile(
            _("一次最多上传%(count)d个文件") % {"count": MAX_FILES_PER_UPLOAD},
            reason=Refusal.INVALID,
        )
    return [check_upload(f) for f in files]


def store_attachment(
    *,
    case: Case,
    event: CaseEvent,
    upload: File,
    detected: FileType,
    purpose: str,
    by: Any,
    now: dt.datetime,
) -> CaseAttachment:
    digest = hashlib.sha256()
    upload.seek(0)
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    attachment = CaseAttachment(
        case=case,
        event=event,
        token=uuid.uuid4().hex,
        extension=detected.extension,
        original_name=(upload.name or detected.extension)[-255:],
        kind=detected.kind,
        media_type=detected.media_type,
        size=size,
        sha256=digest.hexdigest(),
        purpose=purpose,
        cycle=case.rectification_cycle,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        uploaded_at=now,
    )
    attachment.file.save(f"{attachment.token}.{detected.extension}", upload, save=False)
    attachment.save()
    return attachment
