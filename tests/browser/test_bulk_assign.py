"""Bulk assignment in Chromium: the panel's unit selects arrive (htmx) only
when it is opened, and the ticked rows post with them as before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from greenloop.cases.models import CaseState
from tests.cases.conftest import Loop
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_bulk_assign_panel_loads_when_opened_and_assigns(city: Any, page: Page) -> None:
    loop = Loop(city, timezone.now())
    first, second = loop.register(), loop.register()
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("dispatcher")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.goto("/cases/")
    expect(page.locator("#id_bulk_lead_unit")).to_have_count(0)

    page.locator(f"#case-{first.pk} .bulk-pick").check()
    page.locator(f"#case-{second.pk} .bulk-pick").check()
    page.locator("#bulk-assign > summary").click()
    page.locator("#id_bulk_lead_unit").select_option(label=city.county_gov.name)
    page.locator("#id_bulk_due_date").fill(due)
    page.locator("#bulk-assign-btn").click()

    expect(page.get_by_text("已交办2件问题")).to_be_visible()
    for case in (first, second):
        case.refresh_from_db()
        assert case.state == CaseState.ASSIGNED
        assert case.lead_unit == city.county_gov
