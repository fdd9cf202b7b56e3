"""Yellow- and red-card reminders to robot webhooks: once per case and day,
through ``send_case_reminders`` (the function and the management command).
The transport is a recording function: nothing leaves the process."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from greenloop.cases.models import (
    CaseState,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
    WebhookTarget,
)
from greenloop.cases.notifications import Reply, TransportError, _delivery, send_case_reminders
from tests.cases.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

# Five days after the cases were assigned: 2026-03-07, 09:00 in Beijing.
LATER = NOW + dt.timedelta(days=5)


class Recorder:
    """A transport that records what it is asked to post."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.down = False

    def __call__(self, url: str, body: bytes, *, timeout: float) -> Reply:
        if self.down:
            raise TransportError("无法连接：[Errno 111] Connection refused")
        self.posts.append((url, json.loads(body)))
        return Reply(200, '{"errcode":0,"errmsg":"ok"}')

    def titles(self) -> list[str]:
        return [body["markdown"]["title"] for _url, body in self.posts]


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(_delivery, "post_json", recorder)
    return recorder


@pytest.fixture
def cards(loop):
    """Assigned on 2026-03-02: one due 03-03 (red by 03-07), one due 03-09
    (yellow on 03-07: two days left), one due 04-30 (no card), one closed."""
    red = loop.assign(loop.register(title="逾期件"), due=TODAY + dt.timedelta(days=1))
    yellow = loop.assign(loop.register(title="临期件"), due=TODAY + dt.timedelta(days=7))
    loop.assign(loop.register(title="未到期件"))
    loop.to(CaseState.CLOSED, title="已销号件")
    return red, yellow


def _target(**extra: Any) -> WebhookTarget:
    return WebhookTarget.objects.create(
        name=extra.pop("name", "督办群"),
        kind=extra.pop("kind", WebhookKind.DINGTALK),
        url=extra.pop("url", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
        events=extra.pop("events", [WebhookEvent.OVERDUE, WebhookEvent.DUE_SOON]),
        **extra,
    )


def test_it_sends_red_and_yellow_card_reminders_once_per_case_per_day(cards, recorder):
    red, yellow = cards
    _target()

    queued, report = send_case_reminders(LATER)
    queued_again, again = send_case_reminders(LATER + dt.timedelta(hours=8))
    queued_next_day, next_day = send_case_reminders(LATER + dt.timedelta(days=1))

    assert (queued, report.sent) == (2, 2)
    assert (queued_again, again.sent) == (0, 0)
    assert (queued_next_day, next_day.sent) == (2, 2)
    assert recorder.titles()[:2] == [
        f"【红牌·逾期4天】{red.number}",
        f"【黄牌·2天后到期】{yellow.number}",
    ]
    text = recorder.posts[0][1]["markdown"]["text"]
    assert "提醒：已超过整改时限4天，请抓紧整改并报送进展" in text
    assert "整改时限：2026-03-03" in text
    assert recorder.titles()[3] == f"【黄牌·1天后到期】{yellow.number}"
    assert set(WebhookDelivery.objects.values_list("dedup_key", flat=True)) == {
        f"card:2026-03-07:{red.pk}",
        f"card:2026-03-07:{yellow.pk}",
        f"card:2026-03-08:{red.pk}",
        f"card:2026-03-08:{yellow.pk}",
    }


def test_a_case_due_today_gets_a_yellow_card_saying_so(loop, recorder):
    case = loop.assign(loop.register(), due=TODAY)
    _target(kind=WebhookKind.WECOM)

    send_case_reminders(NOW)

    [(_url, body)] = recorder.posts
    assert body["markdown"]["content"].startswith(f"#### 【黄牌·今天到期】{case.number}")


def test_targets_get_only_the_cards_they_subscribe_to_in_their_region(cards, recorder, loop):
    red, _yellow = cards
    _target(name="红牌", url="https://robot/red", events=[WebhookEvent.OVERDUE])
    _target(name="东山县", url="https://robot/other", region=loop.city.other)
    _target(name="只要交办", url="https://robot/assigned", events=[WebhookEvent.ASSIGNED])

    send_case_reminders(LATER)

    assert [url for url, _body in recorder.posts] == ["https://robot/red"]
    assert recorder.titles() == [f"【红牌·逾期4天】{red.number}"]


def test_a_failed_reminder_is_retried_by_a_later_run_but_not_queued_twice(cards, recorder):
    _target()
    recorder.down = True
    send_case_reminders(LATER)
    recorder.down = False

    queued, report = send_case_reminders(LATER + dt.timedelta(minutes=3))

    assert queued == 0 and report.sent == 2
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SENT, attempts=2).count() == 1
    # The second was held back by the circuit breaker on the first run.
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 1


def test_the_command_sends_todays_reminders_and_reports(cards, recorder, monkeypatch):
    red, yellow = cards
    _target()
    monkeypatch.setattr("django.utils.timezone.now", lambda: LATER)
    out = io.StringIO()

    call_command("send_case_reminders", "--max-wait", "0", stdout=out)
    call_command("send_case_reminders", "--max-wait", "0", stdout=out)

    assert out.getvalue().splitlines() == [
        "新增提醒 2 条；发送成功 2 条，失败待重试 0 条，放弃 0 条，留待下次 0 条。",
        "新增提醒 0 条；发送成功 0 条，失败待重试 0 条，放弃 0 条，留待下次 0 条。",
    ]
    assert recorder.titles() == [
        f"【红牌·逾期4天】{red.number}",
        f"【黄牌·2天后到期】{yellow.number}",
    ]


def test_the_command_leaves_rate_limited_reminders_for_the_next_run(cards, recorder, monkeypatch):
    monkeypatch.setattr(_delivery, "RATE_LIMIT", 1)
    _target()
    clock = {"now": LATER}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    out = io.StringIO()

    call_command("send_case_reminders", "--max-wait", "0", stdout=out)
    clock["now"] = LATER + dt.timedelta(minutes=2)
    call_command("send_case_reminders", "--max-wait", "0", stdout=out)

    assert out.getvalue().splitlines() == [
        "新增提醒 2 条；发送成功 1 条，失败待重试 0 条，放弃 0 条，留待下次 1 条。",
        "新增提醒 0 条；发送成功 1 条，失败待重试 0 条，放弃 0 条，留待下次 0 条。",
    ]
    assert len(recorder.posts) == 2
