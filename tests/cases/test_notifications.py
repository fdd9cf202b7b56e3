"""Robot webhooks hear about cases: assigned, sent back, reopened,
instructed — posted after commit to a local HTTP server standing in for
DingTalk and WeCom (no test leaves 127.0.0.1)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from greenloop.cases import services
from greenloop.cases.models import (
    CaseState,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
    WebhookTarget,
)
from greenloop.cases.notifications import _delivery, retry_failed_deliveries
from tests.cases.conftest import TODAY

pytestmark = pytest.mark.django_db

BASE_URL = "https://greenloop.example.gov.cn"
SECRET = "SECtest-secret-0123456789"
ALL_EVENTS = list(WebhookEvent.values)


@dataclass
class Posted:
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: dict[str, Any]


@dataclass
class Robot:
    """A local robot: records every POST and answers as configured."""

    host: str
    port: int
    posts: list[Posted] = field(default_factory=list)
    reply: tuple[int, dict[str, Any]] = (200, {"errcode": 0, "errmsg": "ok"})
    delay: float = 0.0

    def url(self, token: str = "t0ken") -> str:
        return f"http://{self.host}:{self.port}/robot/send?access_token={token}"


@pytest.fixture
def robot():
    state = Robot("127.0.0.1", 0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            split = urllib.parse.urlsplit(self.path)
            state.posts.append(
                Posted(
                    split.path,
                    urllib.parse.parse_qs(split.query),
                    self.headers.get("Content-Type", ""),
                    json.loads(raw.decode("utf-8")),
                )
            )
            if state.delay:
                time.sleep(state.delay)
            status, answer = state.reply
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def down_url():
    """An address where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/robot/send?access_token=t0ken"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.GREENLOOP_BASE_URL = BASE_URL


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what the services schedule on commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _target(url: str, *, kind: str = WebhookKind.DINGTALK, **extra: Any) -> WebhookTarget:
    return WebhookTarget.objects.create(
        name=extra.pop("name", "督办群"),
        kind=kind,
        url=url,
        events=extra.pop("events", ALL_EVENTS),
        **extra,
    )


def _lines(posted: Posted) -> list[str]:
    markdown = posted.body["markdown"]
    return markdown["text"].split("\n\n") if "text" in markdown else markdown["content"].split("\n")


# --- the formats -------------------------------------------------------------


def test_it_posts_a_dingtalk_markdown_message_when_a_case_is_assigned(loop, robot, after_commit):
    target = _target(robot.url())
    case = loop.register()

    with after_commit():
        case = loop.assign(case, comment="请于月底前完成整改")

    [posted] = robot.posts
    assert posted.path == "/robot/send" and posted.query == {"access_token": ["t0ken"]}
    assert posted.content_type.startswith("application/json")
    assert posted.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": f"【问题交办】{case.number}",
            "text": posted.body["markdown"]["text"],
        },
    }
    assert _lines(posted) == [
        f"#### 【问题交办】{case.number}",
        "**某小区附近餐馆油烟扰民**",
        "行政区域：铁西区兴盛街道",
        "牵头单位：铁西区人民政府",
        "整改时限：2026-04-30",
        "当前状态：已交办",
        "交办人：王调度（示范市生态环境保护委员会办公室）",
        "交办意见：请于月底前完成整改",
        f"[查看问题详情]({BASE_URL}/cases/{case.pk}/)",
    ]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.target, delivery.case, delivery.event) == (target, case, WebhookEvent.ASSIGNED)
    assert delivery.case_event == case.events.get(action="greenloop.cases.case.assigned")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.response_code == 200 and '"errcode": 0' in delivery.response_body


def test_it_posts_wecom_markdown_content(loop, robot, after_commit):
    _target(robot.url(), kind=WebhookKind.WECOM)
    case = loop.register()

    with after_commit():
        case = loop.assign(case)

    [posted] = robot.posts
    assert posted.body == {
        "msgtype": "markdown",
        "markdown": {"content": posted.body["markdown"]["content"]},
    }
    assert _lines(posted)[0] == f"#### 【问题交办】{case.number}"
    assert "牵头单位：铁西区人民政府" in _lines(posted)
    assert _lines(posted)[-1] == f"[查看问题详情]({BASE_URL}/cases/{case.pk}/)"


def test_a_signed_dingtalk_robot_gets_a_valid_timestamp_and_signature(loop, robot, after_commit):
    _target(robot.url(), secret=SECRET)
    case = loop.register()
    before = int(time.time() * 1000)

    with after_commit():
        loop.assign(case)

    [posted] = robot.posts
    timestamp = posted.query["timestamp"][0]
    assert before - 1000 <= int(timestamp) <= int(time.time() * 1000) + 1000
    # What DingTalk does: HMAC-SHA256 of "timestamp\nsecret" keyed with the secret.
    expected = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256)
    assert base64.b64decode(posted.query["sign"][0]) == expected.digest()
    assert posted.query["access_token"] == ["t0ken"]


def test_a_dingtalk_keyword_is_added_to_the_text(loop, robot, after_commit):
    _target(robot.url(), keyword="环保督办")

    with after_commit():
        loop.assign(loop.register())

    assert _lines(robot.posts[0])[-1] == "环保督办"


def test_phone_numbers_in_the_title_and_comment_are_starred_out(loop, robot, after_commit):
    _target(robot.url())
    case = loop.register(title="举报人13812345678反映油烟扰民")

    with after_commit():
        loop.assign(case, comment="请联系13912345678核实")

    text = robot.posts[0].body["markdown"]["text"]
    assert "13812345678" not in text and "13912345678" not in text
    assert "举报人" + "＊" * 11 + "反映油烟扰民" in text


# --- which events and which targets ------------------------------------------


def test_send_back_instruction_and_reopen_notify_with_their_comment(loop, robot, after_commit):
    _target(robot.url())
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    closed = loop.to(CaseState.CLOSED)

    with after_commit():
        services.send_back(
            case=case,
            by=loop.user("acceptance"),
            now=loop.now,
            version=case.version,
            comment="油烟净化设备未运行",
        )
        services.instruct_case(case=case, by=loop.user("leader"), now=loop.now, text="限期整改到位")
        services.reopen_case(
            case=closed,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=closed.version,
            reason="回头看发现问题反弹",
            due_date=dt.date(2026, 6, 30),
        )

    headlines = [p.body["markdown"]["title"] for p in robot.posts]
    assert headlines == [
        f"【验收退回】{case.number}",
        f"【领导批示】{case.number}",
        f"【重新整改】{closed.number}",
    ]
    assert "退回理由：油烟净化设备未运行" in _lines(robot.posts[0])
    assert "当前状态：整改中" in _lines(robot.posts[0])
    assert "批示内容：限期整改到位" in _lines(robot.posts[1])
    assert "批示领导：周市长（示范市人民政府）" in _lines(robot.posts[1])
    assert "重新整改理由：回头看发现问题反弹" in _lines(robot.posts[2])
    assert "整改时限：2026-06-30" in _lines(robot.posts[2])
    assert list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True)) == [
        WebhookEvent.SENT_BACK,
        WebhookEvent.INSTRUCTED,
        WebhookEvent.REOPENED,
    ]


def test_other_timeline_entries_notify_nobody(loop, robot, after_commit):
    _target(robot.url())

    with after_commit():
        case = loop.register()
        services.add_comment(case=case, by=loop.user("dispatcher"), now=loop.now, text="已核实")

    assert robot.posts == [] and not WebhookDelivery.objects.exists()


def test_only_targets_whose_region_contains_the_case_hear_of_it(loop, robot, after_commit):
    city, county, other = loop.city.city, loop.city.county, loop.city.other
    _target(robot.url("city"), name="全市", region=city)
    _target(robot.url("county"), name="铁西区", region=county)
    _target(robot.url("other"), name="东山县", region=other)
    _target(robot.url("all"), name="全部")
    case = loop.register(region=loop.city.village)  # 和平社区, in 铁西区

    with after_commit():
        loop.assign(case)

    assert sorted(p.query["access_token"][0] for p in robot.posts) == ["all", "city", "county"]


def test_a_unit_scoped_target_hears_of_cases_its_unit_takes_part_in(loop, robot, after_commit):
    _target(robot.url("branch"), unit=loop.city.dept_branch)
    cooperating = loop.register(title="施工扬尘")
    elsewhere = loop.register(title="夜间施工噪声")

    with after_commit():
        loop.assign(cooperating, cooperating_units=[loop.city.dept_branch])
        loop.assign(elsewhere)
        loop.assign(loop.register(title="工地渣土"), lead=loop.city.dept_branch)

    titles = [_lines(p)[1] for p in robot.posts]
    assert titles == ["**施工扬尘**", "**工地渣土**"]


def test_targets_hear_only_their_events_and_only_while_active(loop, robot, after_commit):
    _target(robot.url("instructions"), events=[WebhookEvent.INSTRUCTED])
    _target(robot.url("inactive"), is_active=False)
    case = loop.register()

    with after_commit():
        case = loop.assign(case)
        services.instruct_case(case=case, by=loop.user("leader"), now=loop.now, text="抓紧办理")

    assert [(p.query["access_token"][0], p.body["markdown"]["title"]) for p in robot.posts] == [
        ("instructions", f"【领导批示】{case.number}")
    ]


def test_nothing_is_posted_for_an_action_that_was_rolled_back(loop, robot, after_commit):
    _target(robot.url())
    case = loop.register()

    with after_commit() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        loop.assign(case)
        raise RuntimeError("the request failed after the service call")

    assert callbacks == [] and robot.posts == []


# --- failures never fail the action ------------------------------------------


def test_the_action_succeeds_when_the_robot_is_down_and_the_failure_is_logged(
    loop, down_url, after_commit
):
    _target(down_url)
    case = loop.register()

    with after_commit():
        loop.assign(case)

    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.error.startswith("无法连接") and delivery.response_code is None
    assert delivery.next_attempt_at == delivery.last_attempt_at + dt.timedelta(minutes=2)
    assert "t0ken" not in delivery.error


def test_a_failed_delivery_is_retried_when_due_and_then_succeeds(
    loop, robot, down_url, after_commit
):
    target = _target(down_url)
    with after_commit():
        loop.assign(loop.register())
    delivery = WebhookDelivery.objects.get()
    WebhookTarget.objects.filter(pk=target.pk).update(url=robot.url())

    early = retry_failed_deliveries(delivery.next_attempt_at - dt.timedelta(seconds=1))
    report = retry_failed_deliveries(delivery.next_attempt_at)
    again = retry_failed_deliveries(delivery.next_attempt_at + dt.timedelta(hours=1))

    assert (early.sent, report.sent, again.sent) == (0, 1, 0)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert delivery.error == "" and len(robot.posts) == 1


def test_a_refusing_robot_is_not_retried(loop, robot, after_commit):
    robot.reply = (200, {"errcode": 310000, "errmsg": "sign not match"})
    _target(robot.url(), secret="SECwrong")

    with after_commit():
        loop.assign(loop.register())
    later = retry_failed_deliveries(timezone.now() + dt.timedelta(days=1))

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.GAVE_UP and delivery.next_attempt_at is None
    assert delivery.error == "errcode 310000: sign not match"
    assert later.sent == later.failed == 0 and len(robot.posts) == 1


def test_a_slow_robot_holds_the_action_no_longer_than_the_timeout(
    loop, robot, after_commit, monkeypatch
):
    monkeypatch.setattr(_delivery, "TIMEOUT_SECONDS", 0.3)
    robot.delay = 2.0
    _target(robot.url())
    case = loop.register()
    started = time.monotonic()

    with after_commit():
        loop.assign(case)

    assert time.monotonic() - started < 1.5
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "超时" in delivery.error


def test_after_a_failure_a_target_is_left_alone_for_a_minute(loop, down_url, after_commit):
    _target(down_url)

    with after_commit():
        loop.assign(loop.register(title="第一件"))
        loop.assign(loop.register(title="第二件"))

    first, second = WebhookDelivery.objects.order_by("id")
    assert (first.status, first.attempts) == (DeliveryStatus.FAILED, 1)
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)


def test_a_target_gets_at_most_the_rate_limit_per_minute(loop, robot, after_commit, monkeypatch):
    monkeypatch.setattr(_delivery, "RATE_LIMIT", 2)
    _target(robot.url())
    with after_commit():
        for title in ["甲", "乙", "丙"]:
            loop.assign(loop.register(title=title))
    held = WebhookDelivery.objects.get(status=DeliveryStatus.PENDING)

    report = retry_failed_deliveries(timezone.now() + dt.timedelta(minutes=1, seconds=1))

    assert len(robot.posts) == 3 and report.sent == 1
    held.refresh_from_db()
    assert held.status == DeliveryStatus.SENT and _lines(robot.posts[2])[1] == "**丙**"


def test_deliveries_of_a_deactivated_target_are_given_up(loop, down_url, after_commit):
    target = _target(down_url)
    with after_commit():
        loop.assign(loop.register())
    WebhookTarget.objects.filter(pk=target.pk).update(is_active=False)

    report = retry_failed_deliveries(timezone.now() + dt.timedelta(hours=1))

    assert report.gave_up == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.GAVE_UP


# --- the admin ---------------------------------------------------------------


def _admin(loop, login):
    user = loop.city.users["sysadmin"]
    # As `greenloop createadmin` makes the installation's first account.
    user.is_staff = user.is_superuser = True
    user.save()
    return login(user)


def test_the_system_administrator_adds_a_target_and_its_secret_is_kept_on_edit(loop, login):
    client = _admin(loop, login)
    form = {
        "name": "铁西区督办群",
        "kind": WebhookKind.DINGTALK,
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": SECRET,
        "keyword": "",
        "events": [WebhookEvent.ASSIGNED, WebhookEvent.OVERDUE],
        "region": loop.city.county.pk,
        "unit": "",
        "is_active": "on",
    }

    added = client.post("/admin/cases/webhooktarget/add/", form)
    target = WebhookTarget.objects.get()
    page = client.get(f"/admin/cases/webhooktarget/{target.pk}/change/").content.decode()
    edited = client.post(
        f"/admin/cases/webhooktarget/{target.pk}/change/", {**form, "secret": "", "name": "改名"}
    )

    assert added.status_code == edited.status_code == 302
    assert SECRET not in page
    target.refresh_from_db()
    assert (target.name, target.secret) == ("改名", SECRET)
    assert target.events == [WebhookEvent.ASSIGNED, WebhookEvent.OVERDUE]
    assert target.region == loop.city.county


def test_the_delivery_log_is_read_only_and_shows_no_case_content(loop, login, robot, after_commit):
    _target(robot.url())
    with after_commit():
        case = loop.assign(loop.register())
    delivery = WebhookDelivery.objects.get()
    client = _admin(loop, login)

    listing = client.get("/admin/cases/webhookdelivery/").content.decode()
    detail = client.get(f"/admin/cases/webhookdelivery/{delivery.pk}/change/")

    assert detail.status_code == 200
    for page in (listing, detail.content.decode()):
        assert f"问题 #{case.pk}" in page
        assert case.title not in page and case.number not in page
    assert client.get("/admin/cases/webhookdelivery/add/").status_code == 403


def test_the_deadline_of_a_message_is_the_assigned_one(loop, robot, after_commit):
    _target(robot.url())

    with after_commit():
        loop.assign(loop.register(), due=TODAY + dt.timedelta(days=10))

    assert "整改时限：2026-03-12" in _lines(robot.posts[0])
