"""Posting a message to a robot over HTTP, with the standard library.

A transport is any callable ``(url, body, *, timeout) -> Reply``; tests
pass their own. :func:`check_reply` reads a robot's answer and says whether
a failure is worth retrying (STYLE.md §10).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

_MAX_BODY = 4096

# errcodes that mean "later": DingTalk 130101 (sending too fast), WeCom
# 45009 (frequency limit) and -1 (system busy). Any other non-zero errcode
# (a wrong token, signature or keyword, a malformed body) will fail again.
TRANSIENT_ERRCODES = frozenset({-1, 130101, 45009})


class TransportError(Exception):
    """A message could not be delivered; ``permanent`` when trying again
    cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Reply:
    status: int
    body: str


class Transport(Protocol):
    def __call__(self, url: str, body: bytes, *, timeout: float) -> Reply: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A robot answers directly; a redirect means a wrong address (or a
    # captive portal), and following it would post the message elsewhere.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, body: bytes, *, timeout: float) -> Reply:
    """POST ``body`` as JSON to ``url``; HTTP error statuses are returned,
    network failures raise :class:`TransportError` (never with the URL in
    the message: it carries the robot's token)."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise TransportError("只支持http和https地址", permanent=True)
    request = urllib.request.Request(  # noqa: S310 — scheme checked above
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read(_MAX_BODY).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, exc.read(_MAX_BODY).decode("utf-8", "replace"))
    except urllib.error.URLError as exc:
        raise TransportError(f"无法连接：{exc.reason}") from exc
    except TimeoutError as exc:
        raise TransportError("连接超时") from exc
    except OSError as exc:
        raise TransportError(f"网络错误：{exc}") from exc


def check_reply(reply: Reply) -> None:
    """Raise :class:`TransportError` unless the robot accepted the message.

    Both robots answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``;
    a refusal is a non-zero ``errcode``, still with HTTP 200.
    """
    if reply.status == 429 or reply.status >= 500:
        raise TransportError(f"HTTP {reply.status}")
    if not 200 <= reply.status < 300:
        raise TransportError(f"HTTP {reply.status}", permanent=True)
    try:
        answer = json.loads(reply.body)
    except ValueError:
        raise TransportError("无法识别的响应") from None
    if not isinstance(answer, dict):
        return
    errcode = answer.get("errcode", 0)
    if errcode not in (0, None):
        message = f"errcode {errcode}: {answer.get('errmsg', '')}"
        transient = isinstance(errcode, int) and errcode in TRANSIENT_ERRCODES
        raise TransportError(message, permanent=not transient)
