"""Notifications about timeline entries: the hook the timeline writer calls,
and the background job it schedules after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from greenloop.cases.models import CaseEvent, WebhookEvent
from greenloop.cases.notifications._delivery import (
    DeliveryReport,
    active_targets,
    case_facts,
    masked,
    queue_deliveries,
    send_deliveries,
    targets_for_case,
)
from greenloop.cases.notifications._messages import Message, compose
from greenloop.cases.notifications._transport import Transport

logger = logging.getLogger(__name__)

_CODE = "greenloop.cases.case."

# Timeline action codes that notify, and what a target subscribes to for them.
NOTIFYING_ACTIONS: dict[str, str] = {
    _CODE + "assigned": WebhookEvent.ASSIGNED,
    _CODE + "acceptance_sent_back": WebhookEvent.SENT_BACK,
    _CODE + "recheck_sent_back": WebhookEvent.SENT_BACK,
    _CODE + "reopened": WebhookEvent.REOPENED,
    _CODE + "instructed": WebhookEvent.INSTRUCTED,
}

# Per action code: the headline, and the labels of the actor and of the
# comment. Plain Chinese, not the translated workflow labels: the message
# must not follow the acting user's language.
_WORDING: dict[str, tuple[str, str, str]] = {
    _CODE + "assigned": ("问题交办", "交办人", "交办意见"),
    _CODE + "acceptance_sent_back": ("验收退回", "退回人", "退回理由"),
    _CODE + "recheck_sent_back": ("复核退回", "退回人", "退回理由"),
    _CODE + "reopened": ("重新整改", "办理人", "重新整改理由"),
    _CODE + "instructed": ("领导批示", "批示领导", "批示内容"),
}


def run_in_background(job: Callable[..., Any], *args: Any) -> None:
    """Run ``job(*args)``: inline, as there is no worker yet (STYLE.md §3).
    A worker would queue the job's name and its IDs instead. A failing job
    is logged and never reaches the user's request."""
    try:
        job(*args)
    except Exception:
        logger.exception("Unable to run a notification job")


def notify_case_event(event: CaseEvent) -> None:
    """Called by the timeline writer for every new entry. For an entry that
    notifies, schedule :func:`deliver_case_event` to run once the entry's
    transaction has committed (never for a rolled-back action)."""
    if event.action in NOTIFYING_ACTIONS:
        transaction.on_commit(partial(run_in_background, deliver_case_event, event.pk), robust=True)


def event_message(entry: CaseEvent) -> Message:
    """The message about a timeline entry; its comment is masked like the
    case title (see :func:`case_facts`)."""
    headline, actor_label, comment_label = _WORDING[entry.action]
    actor = entry.actor_name + (f"（{entry.actor_unit}）" if entry.actor_unit else "")
    return compose(
        headline=headline,
        facts=case_facts(entry.case),
        extra=[(actor_label, actor), (comment_label, masked(entry.comment))],
    )


def deliver_case_event(event_id: int, *, transport: Transport | None = None) -> DeliveryReport:
    """Post the messages about one timeline entry to the targets that want
    them (the background job; it reads the clock itself). Without any
    active target it costs one query."""
    now = timezone.now()
    active = active_targets()
    if not active:
        return DeliveryReport()
    entry = (
        CaseEvent.objects.select_related("case__region", "case__lead_unit")
        .filter(pk=event_id)
        .first()
    )
    if entry is None or entry.action not in NOTIFYING_ACTIONS:
        logger.warning("No notifying case event %s", event_id)
        return DeliveryReport()
    event = NOTIFYING_ACTIONS[entry.action]
    targets = targets_for_case(event, entry.case, active)
    if not targets:
        return DeliveryReport()
    deliveries = queue_deliveries(
        case=entry.case,
        event=event,
        message=event_message(entry),
        targets=targets,
        now=now,
        case_event=entry,
    )
    return send_deliveries(deliveries, now=now, transport=transport)
