"""Timeline entries that change no field: comments, instructions (批示),
progress reports, attachments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from greenloop.cases.attachments import check_uploads
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    AttachmentPurpose,
    Case,
    CaseEvent,
    CaseState,
)
from greenloop.cases.services._base import (
    Files,
    _log,
    _require,
    _state_label,
    _store,
)


class UnableToAddToTimeline(UnableToActOnCase):
    """A comment, instruction, progress report or attachment was refused."""


def _entry(
    *,
    case: Case,
    by: Any,
    now: dt.datetime,
    event: str,
    text: str,
    files: Files,
    purpose: str = AttachmentPurpose.OTHER,
) -> CaseEvent:
    types = check_uploads(files)
    with transaction.atomic():
        entry = _log(
            case,
            event,
            by=by,
            now=now,
            comment=text.strip(),
            data={"attachments": len(files)} if files else None,
        )
        _store(case, entry, files, types, purpose, by, now)
    return entry


def add_comment(
    *, case: Case, by: Any, now: dt.datetime, text: str, files: Files = ()
) -> CaseEvent:
    _require(UnableToAddToTimeline, by, "cases.comment", case, _("您无权对该问题发表意见"))
    if not text.strip():
        raise UnableToAddToTimeline(_("请填写意见内容"))
    return _entry(case=case, by=by, now=now, event="commented", text=text, files=files)


def instruct_case(*, case: Case, by: Any, now: dt.datetime, text: str) -> CaseEvent:
    """批示: a leader's instruction on a case."""
    _require(UnableToAddToTimeline, by, "cases.instruct", case, _("只有领导可以作出批示"))
    if not text.strip():
        raise UnableToAddToTimeline(_("请填写批示内容"))
    return _entry(case=case, by=by, now=now, event="instructed", text=text, files=())


def report_progress(
    *, case: Case, by: Any, now: dt.datetime, text: str, files: Files = ()
) -> CaseEvent:
    """A unit taking part reports progress; its files are evidence of the
    current rectification cycle."""
    _require(
        UnableToAddToTimeline,
        by,
        "cases.report_progress",
        case,
        _("只有牵头、责任或配合单位可以报送整改进展"),
    )
    if case.state != CaseState.RECTIFYING:
        raise UnableToAddToTimeline(
            _("问题当前状态为“%(state)s”，不能报送整改进展") % {"state": _state_label(case.state)},
            reason=Refusal.CONFLICT,
        )
    if not text.strip():
        raise UnableToAddToTimeline(_("请填写整改进展"))
    return _entry(
        case=case,
        by=by,
        now=now,
        event="progress_reported",
        text=text,
        files=files,
        purpose=AttachmentPurpose.EVIDENCE,
    )


def add_attachments(
    *, case: Case, by: Any, now: dt.datetime, files: Files, comment: str = ""
) -> CaseEvent:
    _require(UnableToAddToTimeline, by, "cases.attach", case, _("您无权为该问题上传附件"))
    if not files:
        raise UnableToAddToTimeline(_("请选择要上传的文件"))
    return _entry(case=case, by=by, now=now, event="attachment_added", text=comment, files=files)
