"""Playwright fixtures: Debian's headless Chromium against the live server.

Playwright never downloads a browser here; it drives ``/usr/bin/chromium``
(Debian's ``chromium`` package, which ``scripts/test`` installs when it runs
as root). Without it every browser test skips and says why.

Fixtures:
    browser     — one Chromium for the whole run (session scope)
    page        — a fresh context per test: zh-CN, Asia/Shanghai, its
                  ``base_url`` the live server, so ``page.goto("/org/")`` works;
                  fails the test at teardown on a JavaScript error or a
                  static file that did not load
    screenshot  — ``screenshot("login")`` saves the page to
                  ``test-artifacts/<test>/NN-login.png`` for people to look at

Requesting ``page`` (or ``live_server``) makes the test's database
transactional, so data built by fixtures such as ``city`` is committed and
the server thread sees it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("GREENLOOP_CHROMIUM", "/usr/bin/chromium"))
# As root Chromium needs --no-sandbox; the networking flags stop it calling
# Google's services, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Generous for a cold browser on a busy two-core CI machine; expect() polls, so
# a passing assertion returns as soon as it holds.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests after all others.

    Playwright's sync API keeps an asyncio loop running on the main thread
    while the browser is open, and Django then refuses ORM calls as "async
    unsafe". The ``browser`` fixture allows them while Chromium is up
    (DJANGO_ALLOW_ASYNC_UNSAFE); running these tests last keeps that
    allowance away from every other test in the same process.
    """
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if browser_tests:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser_tests


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    # Keep each phase's report on the item so ``page`` can screenshot failures.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM}: install Debian's chromium package "
            "(scripts/test does so when run as root) or set GREENLOOP_CHROMIUM"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """``test-artifacts/<test name>/``, emptied at the start of the test."""
    path = ARTIFACTS / _safe_name(request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def page(
    browser: Any, live_server: Any, request: pytest.FixtureRequest, artifacts_dir: Path
) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    # Broken pages fail the test: a JavaScript error, or a static file
    # (css, js, images) that did not load. Aborted requests are normal when a
    # test navigates away mid-fetch, so they do not count.
    problems: dict[str, None] = {}
    tab.on(
        "pageerror", lambda error: problems.setdefault(f"JavaScript error on {tab.url}: {error}")
    )
    tab.on("response", lambda r: _check_static(r, problems))
    tab.on("requestfailed", lambda r: _check_static_failure(r, problems))
    try:
        yield tab
        call = getattr(request.node, "_report_call", None)
        if call is not None and call.failed:
            # Best effort: a crashed page must not hide the real failure.
            with contextlib.suppress(Exception):
                tab.screenshot(path=artifacts_dir / "failed.png", full_page=True)
    finally:
        context.close()
    assert not problems, "the page was broken:\n" + "\n".join(problems)


def _check_static(response: Any, problems: dict[str, None]) -> None:
    if "/static/" in response.url and response.status >= 400:
        problems.setdefault(f"static file {response.url} answered {response.status}")


def _check_static_failure(request: Any, problems: dict[str, None]) -> None:
    if "/static/" in request.url and request.failure != "net::ERR_ABORTED":
        problems.setdefault(f"static file {request.url} failed: {request.failure}")


@pytest.fixture
def screenshot(page: Any, artifacts_dir: Path) -> Callable[[str], Path]:
    """``screenshot(label)`` saves the whole page as the next numbered PNG."""
    taken = 0

    def _take(label: str) -> Path:
        nonlocal taken
        taken += 1
        path = artifacts_dir / f"{taken:02d}-{_safe_name(label)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return _take
