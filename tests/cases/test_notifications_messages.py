"""The robot message formats, the DingTalk signature and how replies are
read: plain functions, no database, no network."""

from __future__ import annotations

import base64
import doctest
import hashlib
import hmac
import json
import urllib.parse

import pytest

from greenloop.cases.notifications import (
    CaseFacts,
    Reply,
    TransportError,
    _messages,
    check_reply,
    compose,
    dingtalk_body,
    dingtalk_sign,
    dingtalk_signed_url,
    wecom_body,
)
from greenloop.lib import storage

FACTS = CaseFacts(
    number="督信-2026-0007",
    title="某小区附近餐馆油烟扰民",
    region="兴盛街道",
    lead_unit="铁西区人民政府",
    due_date="2026-04-30",
    state="已交办",
    url="http://127.0.0.1:8000/cases/7/",
)


def _message():
    return compose(headline="问题交办", facts=FACTS, extra=[("交办人", "王调度"), ("交办意见", "")])


def test_the_docstring_examples_hold():
    for module in (_messages, storage):
        result = doctest.testmod(module)

        assert result.failed == 0 and result.attempted > 0


def test_a_dingtalk_message_is_markdown_with_a_title_and_a_text():
    body = dingtalk_body(_message())

    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "【问题交办】督信-2026-0007"
    assert body["markdown"]["text"].split("\n\n") == [
        "#### 【问题交办】督信-2026-0007",
        "**某小区附近餐馆油烟扰民**",
        "行政区域：兴盛街道",
        "牵头单位：铁西区人民政府",
        "整改时限：2026-04-30",
        "当前状态：已交办",
        "交办人：王调度",
        "[查看问题详情](http://127.0.0.1:8000/cases/7/)",
    ]


def test_a_dingtalk_keyword_is_added_once_when_the_text_lacks_it():
    assert dingtalk_body(_message(), keyword="督办")["markdown"]["text"].endswith("\n\n督办")
    assert not dingtalk_body(_message(), keyword="交办")["markdown"]["text"].endswith("交办")


def test_a_wecom_message_is_markdown_content_with_one_line_per_fact():
    body = wecom_body(_message())

    assert body == {"msgtype": "markdown", "markdown": {"content": body["markdown"]["content"]}}
    lines = body["markdown"]["content"].split("\n")
    assert lines[0] == "#### 【问题交办】督信-2026-0007"
    assert "整改时限：2026-04-30" in lines
    assert lines[-1] == "[查看问题详情](http://127.0.0.1:8000/cases/7/)"


def test_a_wecom_message_is_cut_to_4096_bytes_keeping_the_link():
    long = compose(
        headline="领导批示", facts=FACTS, extra=[(f"批示{i}", "很" * 190) for i in range(12)]
    )

    content = wecom_body(long)["markdown"]["content"]

    assert len(content.encode()) <= 4096
    assert content.endswith("[查看问题详情](http://127.0.0.1:8000/cases/7/)")


def test_markup_in_a_title_cannot_make_links_or_headings():
    facts = CaseFacts(**{**FACTS.__dict__, "title": "# 标题 [点我](http://evil)\n*强调* <font>"})

    text = dingtalk_body(compose(headline="问题交办", facts=facts))["markdown"]["text"]

    assert "**＃ 标题 ［点我］(http://evil) ＊强调＊ ＜font＞**" in text


def test_the_dingtalk_signature_matches_hmac_sha256_of_timestamp_and_secret():
    secret, timestamp = "SECexample0123456789", 1700000000005

    sign = dingtalk_sign(secret, timestamp)

    assert sign == "Loq%2F%2B0zEmVCRGs5fpiBuhpjcKwLIsBSmz64QbWIFQs8%3D"
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    assert base64.b64decode(urllib.parse.unquote_plus(sign)) == expected.digest()


def test_the_signed_url_appends_timestamp_and_sign_to_the_token():
    url = dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SECexample0123456789",
        1700000000005,
    )

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query == {
        "access_token": ["abc"],
        "timestamp": ["1700000000005"],
        "sign": ["Loq/+0zEmVCRGs5fpiBuhpjcKwLIsBSmz64QbWIFQs8="],
    }


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, json.dumps({"errcode": 0, "errmsg": "ok"})),
        Reply(200, "{}"),
    ],
)
def test_a_reply_without_an_error_code_is_a_success(reply):
    check_reply(reply)


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        (Reply(200, json.dumps({"errcode": 310000, "errmsg": "sign not match"})), True),
        (Reply(200, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"})), True),
        (Reply(200, json.dumps({"errcode": 130101, "errmsg": "send too fast"})), False),
        (Reply(200, json.dumps({"errcode": 45009, "errmsg": "api freq out of limit"})), False),
        (Reply(502, "Bad Gateway"), False),
        (Reply(429, ""), False),
        (Reply(404, "Not Found"), True),
        (Reply(302, ""), True),
        (Reply(200, "<html>portal</html>"), False),
    ],
)
def test_a_refused_or_failed_reply_says_whether_to_retry(reply, permanent):
    with pytest.raises(TransportError) as failure:
        check_reply(reply)

    assert failure.value.permanent is permanent
