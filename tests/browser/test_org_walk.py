"""A county user walks the organisation pages in Chromium.

Logs in through the login form, goes from the home page through 行政区划 to
铁西区, its government and that unit's published responsibility list, and
meets the Chinese messages for a wrong password and for a region outside the
county. Screenshots land in ``test-artifacts/<test>/``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from greenloop.org import services
from greenloop.org.models import DutyCategory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PUBLISHED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DUTY_TEXT = "组织落实本辖区大气污染防治攻坚行动，按月调度重点任务进展"


def _publish_county_list(city: Any) -> None:
    draft = services.current_draft(unit=city.county_gov)
    services.add_duty(
        rlist=draft,
        category=DutyCategory.AIR,
        text=DUTY_TEXT,
        legal_basis="《大气污染防治法》第三条",
    )
    services.add_duty(
        rlist=draft, category=DutyCategory.WATER, text="落实河湖长制，组织开展入河排污口排查整治"
    )
    services.publish_list(rlist=draft, by=city.users["county_user"], now=PUBLISHED_AT)


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#login-form button[type=submit]").click()


def test_county_user_walks_from_home_to_the_published_responsibility_list(
    city: Any, page: Page, screenshot: Any
) -> None:
    _publish_county_list(city)

    page.goto("/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录")
    screenshot("login")
    _log_in(page, "county_user", PASSWORD)

    expect(page.locator("h1")).to_have_text("您好，李铁西")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#whoami")).to_have_text("李铁西")
    expect(page.locator("#who")).to_contain_text("铁西区人民政府")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    screenshot("home")

    page.locator("#main-nav").get_by_role("link", name="行政区划", exact=True).click()
    expect(page).to_have_url(re.compile(r"/org/regions/$"))
    expect(page.locator("#region-roots")).not_to_contain_text("东山县")
    screenshot("regions")

    page.locator("#region-roots").get_by_role("link", name="铁西区", exact=True).click()
    expect(page.locator("#region-name")).to_have_text("铁西区")
    expect(page.locator("#children")).to_contain_text("兴盛街道")
    screenshot("region")

    page.locator("#units").get_by_role("link", name="铁西区人民政府", exact=True).click()
    expect(page.locator("#unit-name")).to_have_text("铁西区人民政府")
    duties = page.locator("#duties")
    expect(duties).to_contain_text("第 1 版，2026年3月2日 发布")
    expect(duties).to_contain_text(DUTY_TEXT)
    expect(duties).to_contain_text("大气污染防治")
    screenshot("unit")

    page.locator("#public-list-link").click()
    expect(page.locator("body")).to_contain_text("铁西区人民政府")
    expect(page.locator("body")).to_contain_text(DUTY_TEXT)
    expect(page.locator("#error-page")).to_have_count(0)
    screenshot("public-list")


def test_a_member_of_the_public_reads_the_published_list_without_logging_in(
    city: Any, page: Page, screenshot: Any
) -> None:
    _publish_county_list(city)

    page.goto(reverse("org:duty_list_public", args=[city.county_gov.pk]))

    expect(page.locator("body")).to_contain_text(DUTY_TEXT)
    expect(page.locator("body")).to_contain_text("铁西区人民政府")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("#whoami")).to_have_count(0)
    screenshot("public-list-anonymous")


def test_wrong_password_shows_the_chinese_error(city: Any, page: Page, screenshot: Any) -> None:
    _log_in(page, "county_user", "not-the-password")

    expect(page.locator("#login-error")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    screenshot("login-error")


def test_county_user_gets_the_not_found_page_for_the_other_county(
    city: Any, page: Page, screenshot: Any
) -> None:
    _log_in(page, "county_user", PASSWORD)
    expect(page.locator("h1")).to_have_text("您好，李铁西")

    response = page.goto("/org/regions/210321000000/")

    assert response is not None and response.status == 404
    expect(page.locator("#error-page")).to_contain_text("不在您的管辖范围内")
    expect(page.locator("body")).not_to_contain_text("东山镇")
    screenshot("other-county-404")


def test_grid_map_draws_with_leaflet(city: Any, page: Page, screenshot: Any) -> None:
    _log_in(page, "county_user", PASSWORD)
    expect(page.locator("h1")).to_have_text("您好，李铁西")

    page.locator("#main-nav").get_by_role("link", name="网格地图", exact=True).click()

    grid_map = page.locator("#grid-map")
    expect(grid_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    expect(grid_map).to_have_attribute("data-loaded", "0")
    expect(page.locator("#grid-count")).to_have_text("已显示 0 个网格")
    screenshot("grid-map")
