"""Yellow- and red-card reminders: once per case, day and target."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from greenloop.cases.models import Case, WebhookDelivery, WebhookEvent
from greenloop.cases.notifications._delivery import (
    DeliveryReport,
    active_targets,
    case_facts,
    queue_deliveries,
    reaches,
    retry_failed_deliveries,
    unit_ids_by_case,
)
from greenloop.cases.notifications._messages import Message, compose
from greenloop.cases.notifications._transport import Transport


def reminder_key(case: Case, today: dt.date) -> str:
    """The delivery key that makes a reminder once per case and day (Beijing
    date), whichever card the case carries."""
    return f"card:{today.isoformat()}:{case.pk}"


def card_message(case: Case, event: str, today: dt.date) -> Message:
    due = case.next_due_date
    assert due is not None  # overdue() and due_soon() select on it
    days = (due - today).days
    if event == WebhookEvent.OVERDUE:
        headline = f"红牌·逾期{-days}天"
        note = f"已超过整改时限{-days}天，请抓紧整改并报送进展"
    else:
        headline = "黄牌·今天到期" if days == 0 else f"黄牌·{days}天后到期"
        note = "今天到期，请按时完成" if days == 0 else f"距整改时限还有{days}天，请按时完成"
    return compose(headline=headline, facts=case_facts(case), extra=[("提醒", note)])


def queue_card_reminders(now: dt.datetime) -> int:
    """Queue today's reminders for open cases with a red card (overdue) or a
    yellow card (due soon), one per case and target that wants them and
    reaches the case; returns how many were queued. Running it again the
    same day queues nothing new."""
    today = timezone.localdate(now)
    queued = 0
    for event, cases in [
        (WebhookEvent.OVERDUE, Case.objects.overdue(today)),
        (WebhookEvent.DUE_SOON, Case.objects.due_soon(today)),
    ]:
        targets = active_targets(event)
        if not targets:
            continue
        cases = cases.select_related("region", "lead_unit").order_by("next_due_date", "pk")
        units = unit_ids_by_case(cases) if any(t.unit_id for t in targets) else {}
        done = set(
            WebhookDelivery.objects.filter(
                target__in=targets, dedup_key__startswith=f"card:{today.isoformat()}:"
            ).values_list("target_id", "dedup_key")
        )
        for case in cases.iterator(chunk_size=500):
            key = reminder_key(case, today)
            wanted = [
                t
                for t in targets
                if (t.pk, key) not in done and reaches(t, case, units.get(case.pk, set()))
            ]
            if wanted:
                queued += len(
                    queue_deliveries(
                        case=case,
                        event=event,
                        message=card_message(case, event, today),
                        targets=wanted,
                        now=now,
                        dedup_key=key,
                    )
                )
    return queued


def send_case_reminders(
    now: dt.datetime, *, transport: Transport | None = None
) -> tuple[int, DeliveryReport]:
    """Queue today's reminders, then post everything due (new reminders and
    earlier failures). Returns the number queued and what was posted."""
    queued = queue_card_reminders(now)
    return queued, retry_failed_deliveries(now, transport=transport)
