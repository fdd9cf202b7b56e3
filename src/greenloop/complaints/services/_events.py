"""What each history entry of a petition is called."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

EVENT_LABELS: dict[str, str] = {
    "received": gettext_noop("受理"),
    "routed": gettext_noop("交办"),
    "problem_added": gettext_noop("补充反映问题"),
    "duplicate_merged": gettext_noop("确认为重复件并合并"),
    "duplicate_rejected": gettext_noop("确认不是重复件"),
    "repeat_received": gettext_noop("收到重复件"),
    "finding_recorded": gettext_noop("核查"),
    "replied": gettext_noop("答复"),
    "closed": gettext_noop("办结"),
    "satisfaction_recorded": gettext_noop("举报人评价"),
    "public_text_approved": gettext_noop("审核公开文本"),
    "reward_proposed": gettext_noop("提出举报奖励"),
    "reward_reviewed": gettext_noop("审核举报奖励"),
    "reward_approved": gettext_noop("批准举报奖励"),
    "reward_refused": gettext_noop("不予举报奖励"),
    "reward_paid": gettext_noop("发放举报奖励"),
    "identity_viewed": gettext_noop("查看举报人信息"),
}


def event_label(action: str) -> str:
    key = action.rsplit(".", 1)[-1]
    label = EVENT_LABELS.get(key)
    return _(label) if label else action
