"""Scenario 8 on a phone: a resident reports black smoke with a photo,
anonymously, in a 375×740 viewport, and gets a tracking code; the office
routes, handles and replies (through the services); the resident reads the
reply by code and evaluates it. No page may scroll sideways.

Screenshots land in ``test-artifacts/<test>/``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from greenloop.complaints import services
from greenloop.complaints.models import Petition, PetitionState
from tests.complaints.conftest import box, jpeg_bytes

pytestmark = pytest.mark.browser

REPLY = "经核查，宏达化工厂锅炉除尘设施未运行，已责令停产整改并立案处罚。"


@pytest.fixture
def phone_city(city: Any, monkeypatch: Any, settings: Any) -> Any:
    import captcha.conf.settings as captcha_settings

    # django-simple-captcha's test mode: the answer "PASSED" is accepted.
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    settings.GREENLOOP_TILE_URL = ""
    for region, shape in [
        (city.city, box(123.0, 41.0, 124.0, 42.0)),
        (city.county, box(123.0, 41.0, 123.5, 42.0)),
        (city.other, box(123.5, 41.0, 124.0, 42.0)),
        (city.township, box(123.1, 41.1, 123.3, 41.3)),
    ]:
        region.boundary = shape
        region.save()
    return city


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_resident_reports_black_smoke_from_a_phone_and_reads_the_reply_by_code(
    phone_city: Any, page: Page, screenshot: Any
) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/public/report/")
    expect(page.locator("#report-map")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot("report-form")

    page.locator("#report-map").click(position={"x": 120, "y": 130})
    expect(page.locator("#pin-shown")).to_contain_text("已标点")
    page.locator("#id_category").select_option("AIR")
    page.locator("#id_description").fill("工厂烟囱冒黑烟，晚上更严重，气味刺鼻")
    page.locator("#id_address").fill("兴盛街道宏达化工厂")
    page.locator("#id_photos").set_input_files(
        [{"name": "smoke.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(exif=True)}]
    )
    expect(page.locator("#named-fields")).to_be_hidden()
    page.locator("#id_captcha_1").fill("PASSED")
    screenshot("report-filled")
    page.locator("#report-submit").click()

    code_el = page.locator("#tracking-code")
    expect(code_el).to_be_visible()
    code = code_el.inner_text().strip()
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", code)
    _no_sideways_scroll(page)
    screenshot("tracking-code")

    petition = Petition.objects.get()
    assert petition.is_anonymous and petition.longitude is not None
    assert petition.photos.count() == 1
    dispatcher = phone_city.users["dispatcher"]
    now = timezone.now()
    petition = services.route_petition(
        petition=petition,
        by=dispatcher,
        now=now,
        region=petition.suggested_region or phone_city.township,
        lead_unit=phone_city.county_gov,
    )
    petition = services.record_finding(
        petition=petition, by=dispatcher, now=now, finding="TRUE", text="现场核查属实"
    )
    petition = services.reply_to_petition(petition=petition, by=dispatcher, now=now, text=REPLY)

    page.goto("/public/track/")
    page.locator("#id_code").fill(code.lower())
    page.locator("#track-submit").click()
    expect(page.locator("#track-state")).to_have_text("已答复")
    expect(page.locator("#track-reply")).to_contain_text("已责令停产整改")
    expect(page.locator("#track-timeline")).to_contain_text("交办")
    _no_sideways_scroll(page)
    screenshot("tracking-reply")

    page.locator("#feedback-form input[value=SATISFIED]").check()
    page.locator("#feedback-submit").click()
    expect(page.locator("#track-message")).to_contain_text("感谢您的评价")
    petition.refresh_from_db()
    assert petition.satisfaction == "SATISFIED"
    assert petition.state == PetitionState.REPLIED


def test_the_dispatcher_routes_a_report_and_reveals_who_reported_on_the_petition_page(
    phone_city: Any, page: Page, screenshot: Any
) -> None:
    from tests.browser.test_case_loop import _log_in
    from tests.complaints.conftest import public_report

    intake = public_report(
        now=timezone.now(), is_anonymous=False, name="张小明", phone="13812341234"
    )
    petition = intake.petition

    _log_in(page, "dispatcher", "王调度")
    page.goto(f"/complaints/{petition.pk}/")
    expect(page.locator("#complainant-name")).to_have_text("张**")
    expect(page.locator("#suggested-unit")).to_have_text("铁西区人民政府")
    screenshot("petition-masked")
    page.locator("#route-submit").click()
    expect(page.locator("#petition-state")).to_have_text("已交办")
    expect(page.locator(".problem-case")).to_contain_text("举报-")
    page.locator("#reveal-submit").click()
    expect(page.locator("#complainant-revealed")).to_contain_text("13812341234")
    screenshot("petition-revealed")
    page.goto(f"/complaints/{petition.pk}/")
    expect(page.locator("#complainant-name")).to_have_text("张**")
