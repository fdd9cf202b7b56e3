"""The closed loop in Chromium, by four people, through the case pages.

交办 (dispatcher) → 签收 and a progress report with a photo, 申请验收
(铁西区 unit handler) → 验收 (铁西区 acceptance group) → 复核 (city re-check
group) → 销号 (dispatcher); then 回头看 finds a relapse and the re-check
group re-opens it: the case is 整改中 again. Each person logs in through the
login form; actions go through the htmx forms on the case page. Then the
case page on a 390 px phone must not scroll sideways.

Screenshots land in ``test-artifacts/<test>/``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from greenloop.cases.models import Case, CaseState
from greenloop.org.models import Unit, UnitKind
from greenloop.org.roles import Role
from tests.cases.conftest import PNG_BYTES, _add_persona
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TITLE = "兴盛街道某餐馆油烟直排扰民"


@pytest.fixture
def groups(city: Any) -> Any:
    """The acceptance and re-check groups of tests/cases/conftest.py."""
    acceptance = Unit.objects.create(
        code="U-TX-YS",
        name="铁西区验收组",
        kind=UnitKind.WORKING_GROUP,
        region=city.county,
        governs_territory=True,
    )
    recheck = Unit.objects.create(
        code="U-FH",
        name="示范市复核组",
        kind=UnitKind.WORKING_GROUP,
        region=city.city,
        governs_territory=True,
    )
    city.users["acceptance"], _p = _add_persona("acceptance", "陈验收", acceptance, Role.ACCEPTANCE)
    city.users["recheck"], _p = _add_persona("recheck", "何复核", recheck, Role.RECHECK)
    return city


def _log_in(page: Page, username: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#whoami")).to_have_text(name)


def _act(page: Page, action: str, state: str, **fields: str) -> None:
    """Open one action on the case page, fill it, submit it (htmx), and
    wait for the case to reach ``state``."""
    page.locator(f"#action-{action} > summary").click()
    form = page.locator(f"#action-{action} form")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(f"#submit-{action}").click()
    expect(page.locator("#case-state")).to_have_text(state)
    expect(page.locator("#case-messages")).to_be_visible()


def test_four_people_close_the_loop_and_a_review_reopens_it(
    groups: Any, page: Page, screenshot: Any
) -> None:
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    # 登记 and 交办: the dispatcher.
    _log_in(page, "dispatcher", "王调度")
    page.locator("#nav-cases").click()
    page.locator("#register-link").click()
    page.locator("#id_source").select_option("INSPECTION_PETITION")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_category").select_option("AIR")
    page.locator("#id_region").select_option(groups.township.code)
    page.locator("#id_enterprise_name").fill("好味道餐馆")
    page.locator("#register-btn").click()
    expect(page.locator("#case-state")).to_have_text("已登记")
    case = Case.objects.get(title=TITLE)
    detail = reverse("cases:detail", args=[case.pk])

    page.locator("#action-assign > summary").click()
    page.locator("#id_assign_lead_unit").select_option(label="铁西区人民政府")
    page.locator("#id_assign_due_date").fill(due)
    page.locator("#id_assign_comment").fill("请于30日内整改到位")
    page.locator("#submit-assign").click()
    expect(page.locator("#case-state")).to_have_text("已交办")
    expect(page.locator("#case-lead-unit")).to_have_text("铁西区人民政府")
    screenshot("assigned")

    # 签收, progress with a photo, 申请验收: the county's unit handler, from the inbox.
    _log_in(page, "county_user", "李铁西")
    page.locator("#nav-inbox").click()
    expect(page.locator("#inbox-table")).to_contain_text("签收整改")
    page.locator("#inbox-table").get_by_role("link", name=case.number).click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    _act(page, "start", "整改中")

    page.locator("#action-progress > summary").click()
    page.locator("#id_progress_text").fill("已安装油烟净化设备并接入在线监控")
    page.locator("#id_progress_files").set_input_files(
        {"name": "整改后现场.png", "mimeType": "image/png", "buffer": PNG_BYTES}
    )
    page.locator("#submit-progress").click()
    expect(page.locator("#case-timeline .event").first).to_contain_text("报送整改进展")
    expect(page.locator("#case-files")).to_contain_text("整改后现场.png")
    expect(page.locator("#case-files img.thumb")).to_have_count(1)
    screenshot("progress-with-photo")
    _act(page, "request_acceptance", "待验收", comment="已整改完毕，申请验收")

    # 验收: the county's acceptance group.
    _log_in(page, "acceptance", "陈验收")
    page.goto(detail)
    _act(page, "accept", "已验收", comment="现场核查，油烟净化设备运行正常")

    # 复核: the city's re-check group.
    _log_in(page, "recheck", "何复核")
    page.goto(detail)
    _act(page, "recheck", "已复核")

    # 销号: the dispatcher.
    _log_in(page, "dispatcher", "王调度")
    page.goto(detail)
    _act(page, "close", "已销号")
    screenshot("closed")

    # 回头看: the re-check group finds a relapse and re-opens the case.
    _log_in(page, "recheck", "何复核")
    page.goto(detail)
    _act(
        page,
        "reopen",
        "整改中",
        comment="回头看发现夜间油烟直排反弹",
        due_date=(timezone.localdate() + dt.timedelta(days=15)).isoformat(),
    )
    expect(page.locator("#case-timeline .event").first).to_contain_text("重新整改（回头看反弹）")
    expect(page.locator("#case-timeline")).to_contain_text("回头看发现夜间油烟直排反弹")
    screenshot("reopened")

    case.refresh_from_db()
    assert case.state == CaseState.RECTIFYING
    assert case.rectification_cycle == 2
    actors = list(
        case.events.filter(
            to_state__in=[
                "ASSIGNED",
                "RECTIFYING",
                "ACCEPTANCE_REQUESTED",
                "ACCEPTED",
                "RECHECKED",
                "CLOSED",
            ]
        )
        .order_by("at", "pk")
        .values_list("to_state", "actor_name")
    )
    assert actors == [
        ("ASSIGNED", "王调度"),
        ("RECTIFYING", "李铁西"),
        ("ACCEPTANCE_REQUESTED", "李铁西"),
        ("ACCEPTED", "陈验收"),
        ("RECHECKED", "何复核"),
        ("CLOSED", "王调度"),
        ("RECTIFYING", "何复核"),
    ]

    # A unit handler's phone: no sideways scrolling of the case page or the list.
    _log_in(page, "county_user", "李铁西")
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (detail, reverse("cases:list")):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 390px"
        screenshot(f"phone-{url.strip('/').replace('/', '-')}")
