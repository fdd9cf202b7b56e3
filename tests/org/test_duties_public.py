"""Public pages of published responsibility lists: no login, no drafts."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from greenloop.org import services
from greenloop.org.models import DutyCategory

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def _publish(unit, *texts, by=None):
    draft = services.current_draft(unit=unit)
    for text in texts:
        services.add_duty(rlist=draft, category=DutyCategory.WATER, text=text)
    return services.publish_list(rlist=draft, by=by, now=NOW)


def test_anyone_reads_a_published_list_without_logging_in(client, city):
    _publish(city.county_gov, "落实河湖长制", by=city.users["dispatcher"])

    response = client.get(reverse("public_duty_list", args=[city.county_gov.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "铁西区人民政府生态环境保护责任清单" in page
    assert "铁西区 · 第 1 版 · 2026年3月2日 发布" in page
    assert "落实河湖长制" in page
    # Nobody's name: not who published, not the unit's staff.
    assert "王调度" not in page and "李铁西" not in page and "13812345678" not in page


def test_public_page_is_404_until_a_list_is_published(client, city):
    services.add_duty(
        rlist=services.current_draft(unit=city.county_gov),
        category=DutyCategory.AIR,
        text="草稿条目",
    )

    response = client.get(reverse("public_duty_list", args=[city.county_gov.pk]))

    assert response.status_code == 404


def test_public_page_keeps_the_published_version_while_a_new_draft_is_edited(client, city, login):
    _publish(city.county_gov, "第一版条目")
    staff = login(city.users["dispatcher"])
    staff.post(reverse("org:duty_draft", args=[city.county_gov.pk]))
    staff.post(
        reverse("org:duty_add", args=[city.county_gov.pk]),
        {"add-category": DutyCategory.AIR, "add-text": "第二版新增条目", "add-legal_basis": ""},
    )
    staff.logout()

    before = client.get(reverse("public_duty_list", args=[city.county_gov.pk])).content.decode()
    staff = login(city.users["dispatcher"])
    staff.post(reverse("org:duty_publish", args=[city.county_gov.pk]))
    staff.logout()
    after = client.get(reverse("public_duty_list", args=[city.county_gov.pk])).content.decode()

    assert "第 1 版" in before and "第二版新增条目" not in before
    assert "第 2 版" in after and "第二版新增条目" in after and "第一版条目" in after


def test_the_org_link_redirects_to_the_public_page(client, city):
    response = client.get(reverse("org:duty_list_public", args=[city.county_gov.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"/public/duties/{city.county_gov.pk}/"


def test_public_index_lists_only_units_with_published_lists(client, city):
    _publish(city.county_gov, "铁西区条目")
    _publish(city.other_gov, "东山县条目")
    services.add_duty(
        rlist=services.current_draft(unit=city.dept), category=DutyCategory.AIR, text="草稿"
    )

    page = client.get(reverse("public_duties")).content.decode()

    assert "铁西区人民政府" in page and "东山县人民政府" in page
    assert "示范市住房和城乡建设局" not in page


def test_public_index_searches_by_unit_or_region_name(client, city):
    _publish(city.county_gov, "铁西区条目")
    _publish(city.other_gov, "东山县条目")

    page = client.get(reverse("public_duties"), {"q": "东山"}).content.decode()

    assert "东山县人民政府" in page and "铁西区人民政府" not in page
