"""The overview of units and the state of their responsibility lists."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from greenloop.org import services
from greenloop.org.models import DutyCategory, RegionLevel, Unit, UnitKind

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def _publish(unit, text="条目"):
    draft = services.current_draft(unit=unit)
    services.add_duty(rlist=draft, category=DutyCategory.AIR, text=text)
    return services.publish_list(rlist=draft, by=None, now=NOW)


def _rows(html):
    return html.split('id="duty-list-table"')[1].split("</table>")[0]


def test_dispatcher_sees_every_unit_with_its_list_state(city, login):
    _publish(city.county_gov)
    services.current_draft(unit=city.other_gov)
    client = login(city.users["dispatcher"])

    page = client.get(reverse("org:duty_lists")).content.decode()

    rows = _rows(page)
    county_row = rows.split(f'id="unit-{city.county_gov.pk}"')[1].split("</tr>")[0]
    other_row = rows.split(f'id="unit-{city.other_gov.pk}"')[1].split("</tr>")[0]
    assert "第 1 版" in county_row and "2026-03-02" in county_row
    assert "第 1 版草稿" in other_row and "未发布" in other_row
    assert rows.count('<tr id="unit-') == Unit.objects.count()


def test_county_user_sees_only_units_of_their_county(city, login):
    client = login(city.users["county_user"])

    rows = _rows(client.get(reverse("org:duty_lists")).content.decode())

    assert "铁西区人民政府" in rows
    assert "东山县人民政府" not in rows
    assert "示范市人民政府" not in rows


def test_only_units_the_user_may_edit_get_an_edit_link(city, login):
    client = login(city.users["county_user"])

    rows = _rows(client.get(reverse("org:duty_lists")).content.decode())

    own = rows.split(f'id="unit-{city.county_gov.pk}"')[1].split("</tr>")[0]
    branch = rows.split(f'id="unit-{city.dept_branch.pk}"')[1].split("</tr>")[0]
    assert "编辑" in own
    assert "编辑" not in branch


def test_the_list_filters_by_level_kind_and_state(city, login):
    _publish(city.county_gov)
    client = login(city.users["dispatcher"])

    by_level = _rows(
        client.get(reverse("org:duty_lists"), {"level": RegionLevel.CITY}).content.decode()
    )
    by_kind = _rows(
        client.get(reverse("org:duty_lists"), {"kind": UnitKind.DEPARTMENT}).content.decode()
    )
    by_state = _rows(
        client.get(reverse("org:duty_lists"), {"status": "published"}).content.decode()
    )

    assert "示范市人民政府" in by_level and "铁西区人民政府" not in by_level
    assert "示范市住房和城乡建设局" in by_kind and "示范市人民政府" not in by_kind
    assert by_state.count('<tr id="unit-') == 1 and "铁西区人民政府" in by_state


def test_the_list_is_paginated(city, login):
    for i in range(55):
        Unit.objects.create(
            code=f"U-V{i:03}",
            name=f"村委会{i:03}",
            kind=UnitKind.VILLAGE_BODY,
            region=city.village,
            governs_territory=True,
        )
    client = login(city.users["dispatcher"])

    first = client.get(reverse("org:duty_lists")).content.decode()
    second = client.get(reverse("org:duty_lists"), {"page": 2}).content.decode()

    assert _rows(first).count('<tr id="unit-') == 50
    assert _rows(second).count('<tr id="unit-') == Unit.objects.count() - 50
    assert "第 1 / 2 页" in first


def _queries_for_list_page(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("org:duty_lists"))
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_many_units(city, login):
    client = login(city.users["dispatcher"])
    client.get(reverse("org:duty_lists"))  # warm the session
    few = _queries_for_list_page(client)
    for i in range(30):
        unit = Unit.objects.create(
            code=f"U-V{i:03}",
            name=f"村委会{i:03}",
            kind=UnitKind.VILLAGE_BODY,
            region=city.village,
            governs_territory=True,
        )
        _publish(unit)

    many = _queries_for_list_page(client)

    assert many == few <= 12


def test_the_auditor_may_not_open_the_list(city, login):
    client = login(city.users["auditor"])

    assert client.get(reverse("org:duty_lists")).status_code == 403
