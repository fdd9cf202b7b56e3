"""举报奖励 steps by different people, and the channels' time limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from greenloop.audit.models import AuditEvent
from greenloop.complaints import services
from greenloop.complaints.models import ChannelPolicy, RewardStatus
from tests.complaints.conftest import public_report, route


def _founded(city: Any, now: Any) -> Any:
    petition = public_report(
        now=now, is_anonymous=False, name="李四", phone="13900001111", reward_requested=True
    ).petition
    petition = route(petition, city)
    return services.record_finding(
        petition=petition, by=city.users["dispatcher"], now=now, finding="TRUE", text="属实"
    )


def test_a_reward_is_proposed_reviewed_approved_and_paid_by_different_people(
    mapped_city: Any, now: Any
) -> None:
    users = mapped_city.users
    petition = _founded(mapped_city, now)

    reward = services.propose_reward(
        petition=petition, by=users["dispatcher"], now=now, amount="500"
    )
    with pytest.raises(services.UnableToActOnPetition, match="不能审核自己"):
        services.review_reward(reward=reward, by=users["dispatcher"], now=now)
    reward = services.review_reward(reward=reward, by=users["dispatcher2"], now=now, comment="同意")
    with pytest.raises(services.UnableToActOnPetition):
        services.decide_reward(reward=reward, by=users["dispatcher"], now=now, approve=True)
    reward = services.decide_reward(reward=reward, by=users["leader"], now=now, approve=True)
    reward = services.pay_reward(reward=reward, by=users["dispatcher"], now=now, comment="已转账")

    assert reward.status == RewardStatus.PAID
    assert reward.amount == 500
    assert reward.reviewed_by == users["dispatcher2"]
    assert reward.decided_by == users["leader"]
    assert AuditEvent.objects.filter(action="greenloop.complaints.reward_decided").count() == 1


def test_an_unfounded_report_is_not_eligible(mapped_city: Any, now: Any) -> None:
    petition = route(
        public_report(now=now, is_anonymous=False, name="李四", phone="13900001111").petition,
        mapped_city,
    )
    petition = services.record_finding(
        petition=petition,
        by=mapped_city.users["dispatcher"],
        now=now,
        finding="FALSE",
        text="现场未见黑烟",
    )

    with pytest.raises(services.UnableToActOnPetition, match="属实"):
        services.propose_reward(
            petition=petition, by=mapped_city.users["dispatcher"], now=now, amount=100
        )
    case = petition.problems.get().case
    case.refresh_from_db()
    assert case.is_unfounded


def test_deadlines_follow_the_channel_policy_which_the_admin_can_change(
    mapped_city: Any, now: Any
) -> None:
    web = public_report(now=now).petition
    ChannelPolicy.objects.filter(channel="WEB").update(time_limit_days=10)
    shorter = public_report(now=now, description="另一处河道有死鱼", category="WATER").petition

    assert web.due_date == dt.date(2026, 4, 1)  # 30 days from 2 March
    assert shorter.due_date == dt.date(2026, 3, 12)
    assert ChannelPolicy.days_for("INSPECTION") == 15
    assert ChannelPolicy.days_for("LETTER") == 60
