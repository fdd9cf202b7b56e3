"""Robot webhook notifications (DingTalk, WeCom) about cases.

* :func:`notify_case_event` — the hook the timeline writer
  (``services._base._log``) calls for every entry; entries that notify
  (assigned, sent back, reopened, instructed) are posted after commit by
  :func:`deliver_case_event`, inline while there is no worker.
* :func:`send_case_reminders` — daily yellow/red-card reminders
  (``greenloop manage send_case_reminders``).
* :func:`retry_failed_deliveries` — posts what is due again; for the
  scheduler.

Targets are :class:`~greenloop.cases.models.WebhookTarget` rows kept in the
admin; every message is a :class:`~greenloop.cases.models.WebhookDelivery`.
See ``docs/notifications.md``.
"""

from __future__ import annotations

from greenloop.cases.notifications._delivery import (
    MAX_ATTEMPTS,
    RATE_LIMIT,
    TIMEOUT_SECONDS,
    DeliveryReport,
    attempt,
    retry_failed_deliveries,
)
from greenloop.cases.notifications._events import (
    NOTIFYING_ACTIONS,
    deliver_case_event,
    notify_case_event,
)
from greenloop.cases.notifications._messages import (
    CaseFacts,
    Message,
    compose,
    dingtalk_body,
    dingtalk_sign,
    dingtalk_signed_url,
    wecom_body,
)
from greenloop.cases.notifications._reminders import queue_card_reminders, send_case_reminders
from greenloop.cases.notifications._transport import (
    Reply,
    Transport,
    TransportError,
    check_reply,
    post_json,
)

__all__ = [
    "MAX_ATTEMPTS",
    "NOTIFYING_ACTIONS",
    "RATE_LIMIT",
    "TIMEOUT_SECONDS",
    "CaseFacts",
    "DeliveryReport",
    "Message",
    "Reply",
    "Transport",
    "TransportError",
    "attempt",
    "check_reply",
    "compose",
    "deliver_case_event",
    "dingtalk_body",
    "dingtalk_sign",
    "dingtalk_signed_url",
    "notify_case_event",
    "post_json",
    "queue_card_reminders",
    "retry_failed_deliveries",
    "send_case_reminders",
    "wecom_body",
]
