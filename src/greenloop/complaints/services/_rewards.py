"""举报奖励: proposed and reviewed by the office (two different people),
approved or refused by a leader (``complaints.approve_rewards``), paid by
the office. Each step keeps who, when and why; decisions are audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from greenloop.audit.log import record
from greenloop.cases.errors import Refusal
from greenloop.complaints.models import Finding, Petition, RewardRecord, RewardStatus
from greenloop.complaints.services._base import UnableToActOnPetition, log, require

MAX_AMOUNT = Decimal("1000000")


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise UnableToActOnPetition(_("奖励金额格式不正确")) from exc
    if amount < 0 or amount > MAX_AMOUNT:
        raise UnableToActOnPetition(_("奖励金额须在0至100万元之间"))
    return amount


def _step(reward: RewardRecord, source: str, target: str, **changes: Any) -> RewardRecord:
    updated = RewardRecord.objects.filter(pk=reward.pk, status=source).update(
        status=target, **changes
    )
    if updated != 1:
        reward.refresh_from_db()
        raise UnableToActOnPetition(
            _("举报奖励当前状态为“%(state)s”，不能办理此步骤")
            % {"state": _(RewardStatus(reward.status).label)},
            reason=Refusal.CONFLICT,
        )
    reward.refresh_from_db()
    return reward


@transaction.atomic
def propose_reward(
    *,
    petition: Petition,
    by: Any,
    now: dt.datetime,
    amount: Any,
    is_eligible: bool = True,
    comment: str = "",
) -> RewardRecord:
    require(by, "complaints.handle", petition, _("您的角色不能提出举报奖励"))
    if RewardRecord.objects.filter(petition=petition).exists():
        raise UnableToActOnPetition(_("该信访件已有举报奖励记录"), reason=Refusal.CONFLICT)
    if petition.is_anonymous and not hasattr(petition, "complainant"):
        raise UnableToActOnPetition(_("匿名举报且未留联系方式，无法发放奖励"))
    if is_eligible and petition.finding not in (Finding.TRUE, Finding.PARTLY):
        raise UnableToActOnPetition(_("核查属实或部分属实的举报才符合奖励条件"))
    reward = RewardRecord.objects.create(
        petition=petition,
        is_eligible=is_eligible,
        amount=_amount(amount) if is_eligible else Decimal("0"),
        proposed_by=by,
        proposed_at=now,
        proposed_comment=comment.strip(),
    )
    log(
        petition,
        "reward_proposed",
        by=by,
        now=now,
        comment=comment.strip(),
        data={"amount": str(reward.amount), "eligible": is_eligible},
    )
    return reward


def review_reward(
    *, reward: RewardRecord, by: Any, now: dt.datetime, comment: str = ""
) -> RewardRecord:
    require(by, "complaints.handle", reward.petition, _("您的角色不能审核举报奖励"))
    if reward.proposed_by_id == getattr(by, "pk", None):
        raise UnableToActOnPetition(_("提出人不能审核自己提出的举报奖励"), reason=Refusal.FORBIDDEN)
    reward = _step(
        reward,
        RewardStatus.PROPOSED,
        RewardStatus.REVIEWED,
        reviewed_by=by,
        reviewed_at=now,
        reviewed_comment=comment.strip(),
    )
    log(reward.petition, "reward_reviewed", by=by, now=now, comment=comment.strip())
    return reward


def decide_reward(
    *, reward: RewardRecord, by: Any, now: dt.datetime, approve: bool, comment: str = ""
) -> RewardRecord:
    require(by, "complaints.approve_reward", reward.petition, _("您的角色不能审批举报奖励"))
    if not approve and not comment.strip():
        raise UnableToActOnPetition(_("不予奖励须说明理由"))
    target = RewardStatus.APPROVED if approve else RewardStatus.REFUSED
    reward = _step(
        reward,
        RewardStatus.REVIEWED,
        target,
        decided_by=by,
        decided_at=now,
        decided_comment=comment.strip(),
    )
    log(
        reward.petition,
        "reward_approved" if approve else "reward_refused",
        by=by,
        now=now,
        comment=comment.strip(),
        data={"amount": str(reward.amount)},
    )
    record(
        "greenloop.complaints.reward_decided",
        actor=by,
        target=reward.petition.number,
        data={"petition": reward.petition_id, "approved": approve, "amount": str(reward.amount)},
    )
    return reward


def pay_reward(
    *, reward: RewardRecord, by: Any, now: dt.datetime, comment: str = ""
) -> RewardRecord:
    require(by, "complaints.handle", reward.petition, _("您的角色不能登记奖励发放"))
    reward = _step(
        reward,
        RewardStatus.APPROVED,
        RewardStatus.PAID,
        paid_by=by,
        paid_at=now,
        paid_comment=comment.strip(),
    )
    log(reward.petition, "reward_paid", by=by, now=now, comment=comment.strip())
    return reward
