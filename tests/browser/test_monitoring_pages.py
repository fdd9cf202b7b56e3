"""A county user follows a monitoring station in Chromium.

Logs in, opens 在线监测 from the menu, sees the county's device online, opens
its site and finds the latest values with their flags and a 24-hour chart
drawn as SVG. Screenshots land in ``test-artifacts/<test>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from greenloop.monitoring.models import SiteKind
from greenloop.monitoring.records import Batch, Reading
from greenloop.monitoring.services import create_site, register_device
from tests.conftest import PASSWORD
from tests.monitoring.conftest import ingest

pytestmark = pytest.mark.browser


@dataclass
class Stations:
    site: Any  # in 铁西区
    device: Any
    other_site: Any  # in 东山县


@pytest.fixture
def stations(city: Any) -> Stations:
    """An air station in 铁西区 and a water section in 东山县, as in
    tests/monitoring/conftest.py."""
    now = timezone.now()
    site = create_site(
        code="TX-AIR-1", name="铁西国控站", kind=SiteKind.NATIONAL_AIR, region=city.county
    )
    other = create_site(
        code="DS-WATER-1", name="东山断面", kind=SiteKind.WATER_SECTION, region=city.other
    )
    device = register_device(
        mn="010000A8900016F000169DC0",
        password="123456",
        site=site,
        now=now,
        st="22",
        interval_seconds=1200,
    )
    register_device(mn="010000A8900016F000169DC1", password="654321", site=other, now=now)
    return Stations(site, device, other)


def _readings(device: Any) -> Batch:
    """Real-time PM2.5/PM10 packets every 20 minutes over the last 6 hours."""
    now = timezone.now().replace(second=0, microsecond=0)
    readings = []
    for step in range(18, -1, -1):
        at = now - timedelta(minutes=20 * step)
        pm25 = f"{30 + step:.1f}"
        readings.append(
            Reading(
                device_id=device.pk,
                site_id=device.site_id,
                mn=device.mn,
                cn="2011",
                data_time=at,
                received_at=at,
                raw=b"##0000QN=...&&ABCD",
                pollutants={
                    "a34004": {"Rtd": pm25, "Flag": "N"},
                    "a34002": {"Rtd": "61.0", "Flag": "D" if step == 0 else "N"},
                },
            )
        )
    return Batch(readings=readings)


def test_a_county_user_opens_a_station_and_sees_its_values_and_chart(
    stations: Any, page: Page, screenshot: Any
) -> None:
    ingest(_readings(stations.device))

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("county_user")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#whoami")).to_have_text("李铁西")

    page.locator("#nav-monitoring").click()
    expect(page.locator("h1")).to_have_text("在线监测设备")
    expect(page.locator("#count-online")).to_have_text("1")
    row = page.locator(f'#device-table tr[data-mn="{stations.device.mn}"]')
    expect(row).to_contain_text("在线")
    expect(page.locator("#device-table")).not_to_contain_text("东山断面")
    screenshot("devices")

    row.get_by_role("link", name="铁西国控站").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/sites/{stations.site.pk}/$"))
    expect(page.locator("#site-name")).to_have_text("铁西国控站")
    live = page.locator('#live-values tr[data-factor="a34004"]')
    expect(live).to_contain_text("细颗粒物")
    expect(live).to_contain_text("30.0")
    expect(page.locator('#live-values tr[data-factor="a34002"]')).to_contain_text("仪器故障")
    chart = page.locator('#site-charts figure[data-factor="a34004"] svg')
    expect(chart).to_be_visible()
    expect(page.locator('#site-charts figure[data-factor="a34002"] svg')).to_be_visible()
    assert chart.locator("path").count() > 0
    page.wait_for_function("() => typeof window.htmx === 'object'")
    screenshot("site")
