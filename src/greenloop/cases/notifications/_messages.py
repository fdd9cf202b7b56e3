"""Robot messages: the text of a notification and the two wire formats.

No Django here: these are plain functions of their arguments, so the
DingTalk and WeCom bodies and the DingTalk signature can be checked against
the vendors' documentation with fixed inputs.

Messages are always Simplified Chinese, whatever language the acting user
reads the site in: they go to Chinese work groups.

* DingTalk custom robot (钉钉自定义机器人), ``msgtype`` ``markdown``:
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``. With
  "加签" the URL gets ``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(
  key=secret, msg="<ms>\\n<secret>")))>``; with "自定义关键词" the text must
  contain one of the keywords.
* WeCom group robot (企业微信群机器人), ``msgtype`` ``markdown``:
  ``{"msgtype": "markdown", "markdown": {"content": …}}``, at most 4096
  bytes of UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WECOM_MAX_BYTES = 4096
_MAX_NOTE = 200

# Markdown that a case title or comment must not start by accident (links,
# emphasis, headings, WeCom's <font> tags): swapped for full-width forms,
# which read the same in Chinese text.
_MARKUP = str.maketrans(
    {"[": "［", "]": "］", "*": "＊", "#": "＃", "<": "＜", ">": "＞", "`": "'"}
)
_SPACE = re.compile(r"\s+")


def plain(text: str, limit: int = _MAX_NOTE) -> str:
    """``text`` on one line, without markup, at most ``limit`` characters."""
    text = _SPACE.sub(" ", text).strip().translate(_MARKUP)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class CaseFacts:
    """What every message says about the case."""

    number: str
    title: str
    region: str
    lead_unit: str
    due_date: str
    state: str
    url: str
    next_due_date: str = ""


@dataclass(frozen=True)
class Message:
    """A notification before it is put in a vendor's format."""

    title: str
    lines: Sequence[str] = field(default_factory=tuple)


def compose(*, headline: str, facts: CaseFacts, extra: Sequence[tuple[str, str]] = ()) -> Message:
    """The message about one case: a headline, the case's facts, then the
    event's own lines (who acted, the comment, days overdue) and the link.

    >>> m = compose(headline="交办", facts=CaseFacts(number="督信-2026-0001",
    ...     title="油烟扰民", region="兴盛街道", lead_unit="铁西区人民政府",
    ...     due_date="2026-04-30", state="已交办", url="http://x/cases/1/"))
    >>> m.title
    '【交办】督信-2026-0001'
    >>> m.lines[-1]
    '[查看问题详情](http://x/cases/1/)'
    """
    title = f"【{headline}】{facts.number}"
    deadline = facts.due_date or "—"
    if facts.next_due_date and facts.next_due_date != facts.due_date:
        deadline += f"（最近节点 {facts.next_due_date}）"
    lines = [
        f"#### {title}",
        f"**{plain(facts.title)}**",
        f"行政区域：{plain(facts.region) or '—'}",
        f"牵头单位：{plain(facts.lead_unit) or '—'}",
        f"整改时限：{deadline}",
        f"当前状态：{facts.state}",
        *(f"{label}：{plain(value)}" for label, value in extra if value),
        f"[查看问题详情]({facts.url})",
    ]
    return Message(title=title, lines=tuple(lines))


def dingtalk_body(message: Message, *, keyword: str = "") -> dict[str, Any]:
    """A DingTalk ``markdown`` message. DingTalk's markdown needs a blank
    line for a line break. A keyword the robot requires is added at the end
    when the text does not already contain it."""
    text = "\n\n".join(message.lines)
    keyword = keyword.strip()
    if keyword and keyword not in text and keyword not in message.title:
        text += f"\n\n{keyword}"
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}


def wecom_body(message: Message) -> dict[str, Any]:
    """A WeCom ``markdown`` message, cut to the robot's 4096-byte limit
    (the link, the last line, is kept)."""
    lines = list(message.lines)
    content = "\n".join(lines)
    while len(content.encode()) > WECOM_MAX_BYTES and len(lines) > 3:
        del lines[-2]
        content = "\n".join(lines)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded signature of DingTalk's "加签" security setting.

    >>> dingtalk_sign("SECexample0123456789", 1700000000005)
    'Loq%2F%2B0zEmVCRGs5fpiBuhpjcKwLIsBSmz64QbWIFQs8%3D'
    """
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and ``sign`` appended."""
    joiner = "&" if urllib.parse.urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"
