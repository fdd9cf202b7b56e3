"""Which robots hear about a case, the delivery log, and posting with
retries.

Every message to every target is a :class:`WebhookDelivery` row before it
is posted, so nothing is lost when a robot is down: a failed row gets a
``next_attempt_at`` with exponential back-off and
:func:`retry_failed_deliveries` posts it again, until it succeeds, fails
permanently (a wrong token or signature) or runs out of attempts.

Posting never holds up the user's action for long:

* one attempt waits at most :data:`TIMEOUT_SECONDS`;
* after a target failed for a transient reason, further messages to it
  within :data:`BREAKER` are not attempted but left pending (one timeout
  per target per minute, however many cases a bulk assignment touches);
* at most :data:`RATE_LIMIT` messages per target per minute are attempted
  — both robots refuse more than 20 a minute — the rest stay pending.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from greenloop.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    CaseUnit,
    DeliveryStatus,
    WebhookDelivery,
    WebhookKind,
    WebhookTarget,
)
from greenloop.cases.notifications._messages import (
    CaseFacts,
    Message,
    dingtalk_body,
    dingtalk_signed_url,
    wecom_body,
)
from greenloop.cases.notifications._transport import (
    Transport,
    TransportError,
    check_reply,
    post_json,
)
from greenloop.org.models import Region

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 8
RATE_LIMIT = 18
RATE_WINDOW = dt.timedelta(minutes=1)
BREAKER = dt.timedelta(minutes=1)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass
class DeliveryReport:
    """What one run did. ``rate_limited`` and ``target_down`` rows were not
    attempted and stay pending for the next run."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    rate_limited: int = 0
    target_down: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def base_url() -> str:
    return str(getattr(settings, "GREENLOOP_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def _backoff(attempts: int) -> dt.timedelta:
    """2, 4, 8 … minutes after the 1st, 2nd, 3rd … attempt, at most 2 hours."""
    return dt.timedelta(minutes=min(2**attempts, 120))


def masked(text: str) -> str:
    """``text`` with phone, ID card and e-mail numbers starred out."""
    # Imported here: the services import this package (the timeline hook).
    from greenloop.cases.services._disclosure import mask_personal_data

    return mask_personal_data(text)


def region_label(region: Region) -> str:
    """The region as an address below the root, ``铁西区兴盛街道``: a
    village's name alone says little in a city-wide group."""
    names = [r.name for r in region.ancestors()]
    return "".join(names[1:]) or region.name


def case_facts(case: Case) -> CaseFacts:
    """The facts every message carries; titles are masked like public
    texts (phone and ID numbers starred out): the robots are third-party
    services."""
    return CaseFacts(
        number=case.number,
        title=masked(case.title),
        region=region_label(case.region),
        lead_unit=case.lead_unit.name if case.lead_unit_id else "",
        due_date=case.due_date.isoformat() if case.due_date else "",
        next_due_date=case.next_due_date.isoformat() if case.next_due_date else "",
        state=str(CaseState(case.state).label),
        url=base_url() + reverse("cases:detail", args=[case.pk]),
    )


# --- targets ------------------------------------------------------------------


def active_targets(event: str | None = None) -> list[WebhookTarget]:
    """Active targets, those subscribed to ``event`` when given (a few rows:
    filtered here, as JSON containment is not portable to SQLite)."""
    targets = WebhookTarget.objects.filter(is_active=True).select_related("region")
    return [t for t in targets.order_by("pk") if event is None or event in (t.events or [])]


def unit_ids_by_case(cases: Any) -> dict[int, set[int]]:
    """Lead, responsible and cooperating units of ``cases`` (a queryset or
    a list of cases), in one query."""
    ids: dict[int, set[int]] = {}
    if isinstance(cases, list):
        for case in cases:
            ids[case.pk] = {case.lead_unit_id} if case.lead_unit_id else set()
        case_filter: Any = [c.pk for c in cases]
    else:
        for pk, lead in cases.values_list("pk", "lead_unit_id"):
            ids[pk] = {lead} if lead else set()
        case_filter = cases.values("pk")
    for case_id, unit_id in CaseUnit.objects.filter(case__in=case_filter).values_list(
        "case_id", "unit_id"
    ):
        ids.setdefault(case_id, set()).add(unit_id)
    return ids


def reaches(target: WebhookTarget, case: Case, unit_ids: set[int]) -> bool:
    """Whether ``case`` lies in the target's region subtree and involves
    its unit (each only when set)."""
    if target.region_id is not None and not case.region.path.startswith(target.region.path):
        return False
    return target.unit_id is None or target.unit_id in unit_ids


def queue_deliveries(
    *,
    case: Case,
    event: str,
    message: Message,
    targets: Iterable[WebhookTarget],
    now: dt.datetime,
    case_event: CaseEvent | None = None,
    dedup_key: str = "",
) -> list[WebhookDelivery]:
    """One pending row per target, in each target's format. With a
    ``dedup_key`` a target that already has that key gets nothing."""
    queued = []
    for target in targets:
        if target.kind == WebhookKind.DINGTALK:
            payload = dingtalk_body(message, keyword=target.keyword)
        else:
            payload = wecom_body(message)
        delivery = WebhookDelivery(
            target=target,
            case=case,
            case_event=case_event,
            event=event,
            dedup_key=dedup_key,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
        )
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:
            if not dedup_key:
                raise
            continue  # the same reminder, queued by another run
        queued.append(delivery)
    return queued


# --- posting ------------------------------------------------------------------


class _Gate:
    """The per-target rate window and circuit breaker of one run."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._recent: dict[int, list[int]] = {}  # target id -> [attempts, down]

    def _state(self, target_id: int) -> list[int]:
        if target_id not in self._recent:
            recent = WebhookDelivery.objects.filter(
                target_id=target_id, last_attempt_at__gt=self.now - RATE_WINDOW
            ).aggregate(
                attempts=Count("id"),
                down=Count(
                    "id",
                    filter=Q(
                        status=DeliveryStatus.FAILED,
                        last_attempt_at__gt=self.now - BREAKER,
                    ),
                ),
            )
            self._recent[target_id] = [recent["attempts"], recent["down"]]
        return self._recent[target_id]

    def check(self, target_id: int) -> str:
        attempts, down = self._state(target_id)
        if down:
            return "target_down"
        if attempts >= RATE_LIMIT:
            return "rate_limited"
        return ""

    def note(self, target_id: int, status: str) -> None:
        state = self._state(target_id)
        state[0] += 1
        if status == DeliveryStatus.FAILED:
            state[1] += 1


def attempt(
    delivery: WebhookDelivery, *, now: dt.datetime, transport: Transport | None = None
) -> str | None:
    """Post one delivery and record the outcome; the new status, or None
    when another process claimed the row first.

    1. Claim it: add one to ``attempts`` where it still has the count read,
       so two runs side by side never post it twice.
    2. Sign the URL (DingTalk with a secret) with ``now`` and post.
    3. Record status, reply excerpt and error; schedule a retry for a
       transient failure while attempts remain.
    """
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status__in=_OPEN
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    target = delivery.target
    url = target.url
    if target.kind == WebhookKind.DINGTALK and target.secret:
        url = dingtalk_signed_url(url, target.secret, int(now.timestamp() * 1000))
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    send = transport or post_json
    reply = None
    permanent = False
    error = ""
    try:
        reply = send(url, body, timeout=TIMEOUT_SECONDS)
        check_reply(reply)
    except TransportError as exc:
        error, permanent = str(exc), exc.permanent
    except Exception:
        # A bug, not the robot: keep the row for a retry and say so.
        logger.exception("Unable to post a webhook message")
        error = "内部错误，详见日志"

    if not error:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at, delivery.next_attempt_at = now, None
    elif permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.GAVE_UP, None
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.response_code = reply.status if reply else None
    delivery.response_body = reply.body[:500] if reply else ""
    delivery.error = error[:500]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=delivery.status,
        sent_at=delivery.sent_at,
        next_attempt_at=delivery.next_attempt_at,
        response_code=delivery.response_code,
        response_body=delivery.response_body,
        error=delivery.error,
    )
    if error:
        logger.warning(
            "Webhook delivery %s to target %s failed (%s): %s",
            delivery.pk,
            target.pk,
            delivery.status,
            delivery.error,
        )
    return delivery.status


def send_deliveries(
    deliveries: Sequence[WebhookDelivery],
    *,
    now: dt.datetime,
    transport: Transport | None = None,
) -> DeliveryReport:
    """Attempt each delivery its target's gate lets through."""
    report = DeliveryReport()
    gate = _Gate(now)
    for delivery in deliveries:
        held = gate.check(delivery.target_id)
        if held:
            setattr(report, held, getattr(report, held) + 1)
            continue
        status = attempt(delivery, now=now, transport=transport)
        if status is None:
            continue
        gate.note(delivery.target_id, status)
        if status == DeliveryStatus.SENT:
            report.sent += 1
        elif status == DeliveryStatus.FAILED:
            report.failed += 1
        else:
            report.gave_up += 1
    return report


def retry_failed_deliveries(
    now: dt.datetime, *, transport: Transport | None = None, limit: int = 500
) -> DeliveryReport:
    """Post what is due: pending rows and failed ones whose back-off has
    passed, oldest first. Rows of targets since deactivated are given up.
    The scheduler calls this every few minutes."""
    gave_up = WebhookDelivery.objects.filter(status__in=_OPEN, target__is_active=False).update(
        status=DeliveryStatus.GAVE_UP, next_attempt_at=None, error="通知目标已停用"
    )
    due = (
        WebhookDelivery.objects.filter(status__in=_OPEN, next_attempt_at__lte=now)
        .select_related("target")
        .order_by("next_attempt_at", "id")[:limit]
    )
    report = send_deliveries(list(due), now=now, transport=transport)
    report.gave_up += gave_up
    return report


def targets_for_case(
    event: str, case: Case, targets: Sequence[WebhookTarget] | None = None
) -> list[WebhookTarget]:
    """Of ``targets`` (default: all active), those subscribed to ``event``
    that reach ``case``."""
    wanted = [
        t for t in (active_targets() if targets is None else targets) if event in (t.events or [])
    ]
    if not wanted:
        return []
    units = unit_ids_by_case([case]) if any(t.unit_id for t in wanted) else {}
    return [t for t in wanted if reaches(t, case, units.get(case.pk, set()))]
