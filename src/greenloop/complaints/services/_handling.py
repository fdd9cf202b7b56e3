"""Handling a routed petition: verification, reply, closing, the
complainant's evaluation, the public text, and revealing who reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from greenloop.audit.log import record
from greenloop.cases import services as case_services
from greenloop.cases.errors import Refusal
from greenloop.cases.models import CaseState
from greenloop.complaints.models import (
    Complainant,
    Finding,
    Petition,
    PetitionEvent,
    PetitionState,
    Satisfaction,
)
from greenloop.complaints.services import _tracking
from greenloop.complaints.services._base import (
    UnableToActOnPetition,
    actor_name,
    log,
    refuse_markup,
    require,
    require_state,
    transition,
)
from greenloop.complaints.services._routing import cases_of

_UNFOUNDED_FROM = {CaseState.REGISTERED, CaseState.ASSIGNED, CaseState.RECTIFYING}


@transaction.atomic
def record_finding(
    *,
    petition: Petition,
    by: Any,
    now: dt.datetime,
    finding: str,
    text: str,
    files: Sequence[Any] = (),
) -> Petition:
    """核查: 属实 / 部分属实 / 不属实 with what was found; files are evidence
    on the petition's cases. 不属实 closes the cases' loop as unfounded
    through the case engine (``verify_unfounded``)."""
    require(by, "complaints.handle", petition, _("您的角色不能录入核查结论"))
    require_state(petition, {PetitionState.ROUTED, PetitionState.HANDLING}, _("录入核查结论"))
    if finding not in Finding.values:
        raise UnableToActOnPetition(_("请选择核查结论"))
    if not text.strip():
        raise UnableToActOnPetition(_("请填写核查情况"))
    cases = cases_of(petition)
    if files:
        if not cases:
            raise UnableToActOnPetition(_("信访件尚无问题，不能上传核查佐证材料"))
        case_services.add_attachments(
            case=cases[0], by=by, now=now, files=files, comment=_("核查佐证材料")
        )
    if finding == Finding.FALSE:
        for case in cases:
            if case.state in _UNFOUNDED_FROM:
                case_services.verify_unfounded(
                    case=case, by=by, now=now, version=case.version, finding=text.strip()
                )
    petition = transition(
        petition,
        sources={PetitionState.ROUTED, PetitionState.HANDLING},
        target=PetitionState.HANDLING,
        now=now,
        finding=finding,
        finding_text=text.strip(),
        finding_at=now,
        finding_by=by,
    )
    log(
        petition,
        "finding_recorded",
        by=by,
        now=now,
        public=True,
        comment=_("核查结论：%(finding)s") % {"finding": _(Finding(finding).label)},
        data={"finding": finding, "files": len(files)},
    )
    return petition


def reply_to_petition(*, petition: Petition, by: Any, now: dt.datetime, text: str) -> Petition:
    """答复: the answer the complainant reads on the tracking page."""
    require(by, "complaints.handle", petition, _("您的角色不能答复信访件"))
    require_state(petition, {PetitionState.HANDLING}, _("答复"))
    if not petition.finding:
        raise UnableToActOnPetition(_("请先录入核查结论再答复"))
    if not text.strip():
        raise UnableToActOnPetition(_("请填写答复意见"))
    petition = transition(
        petition,
        sources={PetitionState.HANDLING},
        target=PetitionState.REPLIED,
        now=now,
        reply_text=text.strip(),
        replied_at=now,
        replied_by=by,
        replied_by_name=actor_name(by),
    )
    log(petition, "replied", by=by, now=now, public=True)
    return petition


def close_petition(*, petition: Petition, by: Any, now: dt.datetime, comment: str = "") -> Petition:
    """办结: the office closes a replied petition."""
    require(by, "complaints.handle", petition, _("您的角色不能办结信访件"))
    require_state(petition, {PetitionState.REPLIED}, _("办结"))
    petition = transition(
        petition,
        sources={PetitionState.REPLIED},
        target=PetitionState.CLOSED,
        now=now,
        closed_at=now,
    )
    log(petition, "closed", by=by, now=now, public=True, comment=comment.strip())
    return petition


def approve_public_text(*, petition: Petition, by: Any, now: dt.datetime, text: str) -> Petition:
    """审核公开: the text /public/petitions/ shows. Refused when it looks
    like it carries a phone number, an ID number or an e-mail address."""
    require(by, "complaints.handle", petition, _("您的角色不能审核公开文本"))
    require_state(petition, {PetitionState.REPLIED, PetitionState.CLOSED}, _("审核公开文本"))
    text = text.strip()
    if not text:
        raise UnableToActOnPetition(_("请填写公开文本"))
    refuse_markup(**{_("公开文本"): text})
    found = case_services.find_personal_data(text)
    if found:
        raise UnableToActOnPetition(
            _("公开文本中疑似含有个人信息（%(kinds)s），请删除后再审核公开")
            % {"kinds": "、".join(found)}
        )
    Petition.objects.filter(pk=petition.pk).update(
        public_text=text, public_text_approved_at=now, public_text_approved_by=by, updated_at=now
    )
    petition.refresh_from_db()
    log(petition, "public_text_approved", by=by, now=now)
    return petition


def reveal_complainant(
    *, petition: Petition, by: Any, now: dt.datetime, reason: str = ""
) -> Complainant | None:
    """查看举报人信息: who reported, for holders of
    ``complaints.view_identity`` in territory; every reading is written to
    the audit log (who, which petition, when, from which address) and the
    petition's internal history. A refusal writes nothing."""
    require(by, "complaints.view_identity", petition, _("您无权查看举报人信息"))
    complainant = Complainant.objects.filter(petition=petition).first()
    record(
        "greenloop.complaints.identity_viewed",
        actor=by,
        target=petition.number,
        data={
            "petition": petition.pk,
            "reason": reason.strip()[:200],
            "anonymous": complainant is None,
        },
    )
    log(petition, "identity_viewed", by=by, now=now, comment=reason.strip()[:200])
    return complainant


# --- the public side: by tracking code ------------------------------------


@dataclass(frozen=True, slots=True)
class PublicStatus:
    """What the tracking page may show: no names, no contact, no staff."""

    number: str
    channel_label: str
    category_label: str
    state: str
    state_label: str
    received_at: dt.datetime
    due_date: dt.date
    milestones: list[PetitionEvent]
    finding_label: str
    reply_text: str
    replied_at: dt.datetime | None
    public_text: str
    satisfaction_label: str
    may_evaluate: bool
    merged_into: str


def find_by_code(code: str) -> Petition | None:
    """The petition a tracking code belongs to; a malformed, wrong or
    unknown code all give ``None`` (the pages answer them alike)."""
    digests = _tracking.candidate_digests(code)
    if not digests:
        return None
    return Petition.objects.filter(tracking_digest__in=digests).first()


def public_status(petition: Petition) -> PublicStatus:
    shown = petition
    merged_into = ""
    if petition.state == PetitionState.MERGED and petition.duplicate_of is not None:
        # A repeat is answered by the original's handling.
        shown = petition.duplicate_of
        merged_into = shown.number
    milestones = list(petition.events.filter(public=True).order_by("at", "pk"))
    if shown is not petition:
        milestones += list(
            shown.events.filter(public=True, at__gte=petition.received_at)
            .exclude(action__endswith=".received")
            .order_by("at", "pk")
        )
    return PublicStatus(
        number=petition.number,
        channel_label=_(petition.get_channel_display()),
        category_label=_(petition.get_category_display()),
        state=petition.state,
        state_label=_(petition.get_state_display()),
        received_at=petition.received_at,
        due_date=petition.due_date,
        milestones=milestones,
        finding_label=_(shown.get_finding_display()) if shown.finding else "",
        reply_text=shown.reply_text,
        replied_at=shown.replied_at,
        public_text=shown.public_text if shown.public_text_approved_at else "",
        satisfaction_label=_(petition.get_satisfaction_display()) if petition.satisfaction else "",
        may_evaluate=petition.state in (PetitionState.REPLIED, PetitionState.CLOSED)
        and not petition.satisfaction,
        merged_into=merged_into,
    )


def record_satisfaction(
    *, code: str, now: dt.datetime, satisfaction: str, comment: str = ""
) -> Petition:
    """The complainant's evaluation, once, after the reply (by code)."""
    petition = find_by_code(code)
    if petition is None:
        raise UnableToActOnPetition(_("查询码无效"), reason=Refusal.NOT_FOUND)
    if satisfaction not in Satisfaction.values:
        raise UnableToActOnPetition(_("请选择满意程度"))
    refuse_markup(**{_("评价意见"): comment})
    if len(comment) > 500:
        raise UnableToActOnPetition(_("评价意见不能超过500字"))
    if petition.state not in (PetitionState.REPLIED, PetitionState.CLOSED):
        raise UnableToActOnPetition(_("答复后才能评价"), reason=Refusal.CONFLICT)
    updated = Petition.objects.filter(pk=petition.pk, satisfaction="").update(
        satisfaction=satisfaction,
        satisfaction_comment=comment.strip(),
        satisfaction_at=now,
        updated_at=now,
    )
    if updated != 1:
        raise UnableToActOnPetition(_("您已评价过，感谢反馈"), reason=Refusal.CONFLICT)
    petition.refresh_from_db()
    log(
        petition,
        "satisfaction_recorded",
        by=None,
        now=now,
        public=True,
        comment=_(Satisfaction(satisfaction).label),
    )
    return petition
