"""A staff member opens the live AQI map and the calendar in Chromium.

The map draws one circle per station in the HJ 633 colour of its level (no
tile server here); clicking a circle loads that station's 48-hour charts
with htmx. The calendar colours each day by its level.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from greenloop.monitoring.models import SiteKind
from greenloop.quality.models import Scope
from tests.conftest import PASSWORD
from tests.quality import factories as f

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#whoami")).to_be_visible()


@pytest.fixture
def air(city: Any) -> None:
    f.site("ST-N1", "铁西国控站", city.county, lon=123.35, lat=41.80)
    f.site("ST-M1", "和平微站", city.county, kind=SiteKind.MICRO_AIR, lon=123.45, lat=41.85)
    for i in range(1, 48):
        f.air_hour("ST-N1", 60, hour=f.LATEST - dt.timedelta(hours=i), name="铁西国控站")
    f.air_hour("ST-N1", 128, name="铁西国控站")
    f.air_hour("ST-M1", 35, name="和平微站")
    f.air_hour(city.city.code, 76, scope=Scope.CITY, name="示范市")
    for day, aqi in ((1, 35), (2, 135), (3, 220)):
        f.air_day(
            city.city.code,
            dt.date(2026, 3, day),
            aqi,
            name="示范市",
            primary="pm25" if aqi > 50 else "",
        )


def test_the_map_shows_coloured_stations_and_a_click_opens_the_48_hour_chart(
    city: Any, air: None, page: Page, screenshot: Any
) -> None:
    _log_in(page, "county_user")
    page.locator("#main-nav").get_by_role("link", name="空气质量", exact=True).click()

    markers = page.locator("#aqi-map path.aqi-marker")
    expect(markers).to_have_count(2)
    expect(page.locator('path[data-station="ST-N1"]')).to_have_attribute("fill", "#ff7e00")
    expect(page.locator('path[data-station="ST-M1"]')).to_have_attribute("fill", "#00e400")
    expect(page.locator("#area-aqi")).to_contain_text("示范市")
    screenshot("map")

    page.locator('path[data-station="ST-N1"]').click()

    chart = page.locator("#station-chart #chart-ST-N1")
    expect(chart).to_contain_text("铁西国控站")
    expect(chart.locator(".aqi-chart svg")).to_be_visible()
    expect(chart.locator(".aqi-chart g.bar[style*='#ff7e00']")).to_have_count(1)
    expect(chart.locator(".aqi-chart g.bar[style*='#ffff00']")).to_have_count(47)
    screenshot("chart")


def test_the_calendar_colours_the_days_by_level(
    city: Any, air: None, page: Page, screenshot: Any
) -> None:
    _log_in(page, "county_user")
    page.goto("/quality/air/calendar/")

    expect(page.locator("#calendar-title")).to_have_text("示范市 日空气质量")
    day = page.locator('td.day[data-date="2026-03-02"]')
    expect(day).to_contain_text("135")
    expect(day).to_have_css("background-color", "rgb(255, 126, 0)")
    expect(page.locator('td.day[data-date="2026-03-01"]')).to_have_css(
        "background-color", "rgb(0, 228, 0)"
    )
    expect(page.locator('td.day[data-date="2026-03-03"]')).to_have_css(
        "background-color", "rgb(153, 0, 76)"
    )
    screenshot("calendar")


def test_the_public_page_shows_the_map_without_login(city: Any, air: None, page: Page) -> None:
    page.goto("/public/air/")

    expect(page.locator("h1")).to_have_text("环境空气质量实时发布")
    expect(page.locator("#aqi-map path.aqi-marker")).to_have_count(1)  # no micro-station
    page.locator('path[data-station="ST-N1"]').click()
    expect(page.locator("#station-chart .aqi-chart svg")).to_be_visible()
