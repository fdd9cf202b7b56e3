"""信息公开: the public text of a case, drafted and published by the office.

The office (``cases.edit`` within its territory: dispatchers) writes the
text; publishing it is the office's approval (审核公开), after which it
shows on /public/disclosure/. A published text is not edited in place: it
is withdrawn with a reason, edited as a draft and published again. Every
step is a timeline entry of the case.

Personal data: the public page shows only the text and a few case fields
that carry none (region, category, source, round and batch, dates). The
text is typed by staff; drafting and publishing refuse texts that contain
what looks like a phone number, an ID card number or an e-mail address,
and the public page masks such patterns again as a last line of defence.
Names cannot be recognised reliably: the form says not to include them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from greenloop.cases import tally
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import Case, CaseDisclosure, CaseState, DisclosureStatus
from greenloop.cases.services._base import EVENT, _log, _require
from greenloop.cases.workflow import EVENT_LABELS

EVENT_LABELS.setdefault(EVENT + "disclosure_drafted", gettext_noop("编写公开内容"))
EVENT_LABELS.setdefault(EVENT + "disclosure_published", gettext_noop("审核公开"))
EVENT_LABELS.setdefault(EVENT + "disclosure_withdrawn", gettext_noop("撤回公开"))

MAX_TEXT = 2000

# What looks like personal data in a Chinese text. Digits may be split by
# spaces or hyphens as people type them.
PERSONAL_DATA_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (gettext_noop("身份证号码"), re.compile(r"(?<![0-9])\d{6}(?:19|20)\d{2}\d{7}[0-9Xx](?![0-9])")),
    (gettext_noop("手机号码"), re.compile(r"(?<![0-9])1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])")),
    (gettext_noop("固定电话号码"), re.compile(r"(?<![0-9])0\d{2,3}[\s-]?\d{7,8}(?![0-9])")),
    (gettext_noop("电子邮箱"), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
)


class UnableToDisclose(UnableToActOnCase):
    """A disclosure could not be drafted, published or withdrawn."""


def find_personal_data(text: str) -> list[str]:
    """The kinds of personal data ``text`` seems to contain (translated)."""
    return [_(label) for label, pattern in PERSONAL_DATA_PATTERNS if pattern.search(text)]


def mask_personal_data(text: str) -> str:
    """``text`` with anything that looks like personal data starred out."""
    for _label, pattern in PERSONAL_DATA_PATTERNS:
        text = pattern.sub(lambda m: "*" * len(m.group(0)), text)
    return text


def _check_text(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise UnableToDisclose(_("请填写公开内容"))
    if len(text) > MAX_TEXT:
        raise UnableToDisclose(_("公开内容不能超过%(n)s个字") % {"n": MAX_TEXT})
    found = find_personal_data(text)
    if found:
        raise UnableToDisclose(
            _("公开内容不得包含个人信息，疑似包含：%(kinds)s。请删除后再保存")
            % {"kinds": pgettext("separator between names in a list", "、").join(found)}
        )
    return text


def _guard(case: Case, by: Any) -> None:
    _require(
        UnableToDisclose,
        by,
        "cases.edit",
        case,
        _("只有生态委办（调度员）可以编写和发布信息公开内容"),
    )
    if case.state == CaseState.DUPLICATE:
        raise UnableToDisclose(
            _("重复件不单独公开，请在原件上公开办理情况"), reason=Refusal.CONFLICT
        )


def get_disclosure(case: Case) -> CaseDisclosure | None:
    found: CaseDisclosure | None = CaseDisclosure.objects.filter(case=case).first()
    return found


def draft_disclosure(*, case: Case, by: Any, now: dt.datetime, text: str) -> CaseDisclosure:
    """Write or edit the draft public text (a withdrawn text becomes a
    draft again). The timeline keeps the old and new text."""
    _guard(case, by)
    text = _check_text(text)
    with transaction.atomic(), tally.track([case.pk]):
        disclosure: CaseDisclosure | None = (
            CaseDisclosure.objects.select_for_update().filter(case=case).first()
        )
        if disclosure is not None and disclosure.status == DisclosureStatus.PUBLISHED:
            raise UnableToDisclose(
                _("公开内容已发布，不能直接修改；请先撤回，再修改后重新发布"),
                reason=Refusal.CONFLICT,
            )
        if disclosure is None:
            old = ""
            disclosure = CaseDisclosure.objects.create(case=case, text=text)
        else:
            old = disclosure.text
            if old == text and disclosure.status == DisclosureStatus.DRAFT:
                return disclosure  # nothing changed, nothing to record
            disclosure.text = text
            disclosure.status = DisclosureStatus.DRAFT
            disclosure.published_at = None
            disclosure.published_by = None
            disclosure.save()
        _log(
            case,
            "disclosure_drafted",
            by=by,
            now=now,
            data={"text": {"old": old, "new": text}},
        )
    return disclosure


def publish_disclosure(*, case: Case, by: Any, now: dt.datetime) -> CaseDisclosure:
    """Approve and publish the draft: it shows on the public page from now."""
    _guard(case, by)
    disclosure = get_disclosure(case)
    if disclosure is None:
        raise UnableToDisclose(_("请先编写公开内容"))
    if disclosure.status != DisclosureStatus.DRAFT:
        raise UnableToDisclose(
            _("只有草稿可以发布（当前状态：%(status)s）")
            % {"status": _(DisclosureStatus(disclosure.status).label)},
            reason=Refusal.CONFLICT,
        )
    _check_text(disclosure.text)
    with transaction.atomic(), tally.track([case.pk]):
        updated = CaseDisclosure.objects.filter(
            pk=disclosure.pk, status=DisclosureStatus.DRAFT, text=disclosure.text
        ).update(
            status=DisclosureStatus.PUBLISHED,
            published_at=now,
            published_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if updated != 1:
            raise UnableToDisclose(
                _("公开内容刚刚已被他人修改或发布，请刷新页面后重试"), reason=Refusal.STALE
            )
        _log(case, "disclosure_published", by=by, now=now, data={"text": disclosure.text})
    disclosure.refresh_from_db()
    return disclosure


def withdraw_disclosure(*, case: Case, by: Any, now: dt.datetime, reason: str) -> CaseDisclosure:
    """Take a published text off the public page, saying why."""
    _guard(case, by)
    disclosure = get_disclosure(case)
    if disclosure is None or disclosure.status != DisclosureStatus.PUBLISHED:
        raise UnableToDisclose(_("该问题没有已发布的公开内容"), reason=Refusal.CONFLICT)
    if not reason.strip():
        raise UnableToDisclose(_("撤回公开须填写理由"))
    with transaction.atomic(), tally.track([case.pk]):
        updated = CaseDisclosure.objects.filter(
            pk=disclosure.pk, status=DisclosureStatus.PUBLISHED
        ).update(status=DisclosureStatus.WITHDRAWN)
        if updated != 1:
            raise UnableToDisclose(_("公开内容刚刚已被他人撤回，请刷新页面"), reason=Refusal.STALE)
        _log(case, "disclosure_withdrawn", by=by, now=now, comment=reason.strip())
    disclosure.refresh_from_db()
    return disclosure
