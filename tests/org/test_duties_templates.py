"""Duty templates and generating lists from them."""

from __future__ import annotations

from django.urls import reverse

from greenloop.org import services
from greenloop.org.models import (
    DutyCategory,
    DutyTemplate,
    ListStatus,
    RegionKind,
    RegionLevel,
    ResponsibilityList,
    Unit,
    UnitKind,
)

GOV = {"level": RegionLevel.COUNTY, "unit_kind": UnitKind.GOVERNMENT}


def _template(text, **kwargs):
    return services.add_duty_template(
        category=DutyCategory.LEADERSHIP, text=text, **{**GOV, **kwargs}
    )


def _page(client, **params):
    return client.get(reverse("org:duty_templates"), params).content.decode()


def test_dispatcher_adds_a_template_entry(city, login):
    client = login(city.users["dispatcher"])

    client.post(
        reverse("org:duty_template_add"),
        {
            **GOV,
            "category": DutyCategory.AIR,
            "text": "{单位}负责本区域大气污染防治",
            "legal_basis": "",
        },
    )

    entry = DutyTemplate.objects.get()
    assert (entry.level, entry.unit_kind, entry.order) == (
        RegionLevel.COUNTY,
        UnitKind.GOVERNMENT,
        1,
    )
    assert "{单位}负责本区域大气污染防治" in _page(client, **GOV)


def test_dispatcher_changes_and_removes_template_entries(city, login):
    first, second = _template("原条目"), _template("待删除条目")
    client = login(city.users["dispatcher"])

    client.post(
        reverse("org:duty_template_change", args=[first.pk]),
        {
            f"tpl-{first.pk}-category": DutyCategory.WATER,
            f"tpl-{first.pk}-text": "新条目",
            f"tpl-{first.pk}-legal_basis": "",
        },
    )
    client.post(reverse("org:duty_template_remove", args=[second.pk]))

    assert [t.text for t in DutyTemplate.objects.all()] == ["新条目"]


def test_generation_gives_every_unit_of_the_level_and_kind_a_list(city, login):
    _template("{单位}主要负责人是第一责任人")
    _template("组织开展生态环境问题排查整治")
    client = login(city.users["dispatcher"])

    response = client.post(reverse("org:duty_templates_generate"), GOV, follow=True)

    lists = ResponsibilityList.objects.filter(unit__in=[city.county_gov, city.other_gov])
    assert {rl.unit_id for rl in lists} == {city.county_gov.pk, city.other_gov.pk}
    assert all(rl.status == ListStatus.DRAFT for rl in lists)
    texts = [d.text for d in lists.get(unit=city.county_gov).duties.order_by("order")]
    assert texts == ["铁西区人民政府主要负责人是第一责任人", "组织开展生态环境问题排查整治"]
    assert not ResponsibilityList.objects.filter(unit=city.city_gov).exists()  # city level
    assert "已为 2 个单位生成责任清单草稿" in response.content.decode()


def test_generation_can_publish_right_away(city, login):
    _template("组织开展生态环境问题排查整治")
    client = login(city.users["dispatcher"])

    client.post(reverse("org:duty_templates_generate"), {**GOV, "publish": "on"})

    assert services.published_list(unit=city.county_gov) is not None
    assert services.published_list(unit=city.other_gov) is not None


def test_generation_leaves_units_with_a_list_alone(city, login):
    _template("模板条目")
    own = services.current_draft(unit=city.county_gov)
    services.add_duty(rlist=own, category=DutyCategory.AIR, text="自行编制的条目")
    client = login(city.users["dispatcher"])

    client.post(reverse("org:duty_templates_generate"), GOV)

    assert [d.text for d in own.duties.all()] == ["自行编制的条目"]
    assert ResponsibilityList.objects.get(unit=city.other_gov).duties.get().text == "模板条目"


def test_generation_is_refused_when_units_lie_outside_the_users_reach(city, login):
    from greenloop.org.models import Person
    from greenloop.org.roles import Role

    _template("模板条目")
    # A county-level dispatcher: templates are shared, other counties are not theirs.
    office = Unit.objects.create(
        code="U-TXOFFICE",
        name="铁西区生态环境保护委员会办公室",
        kind=UnitKind.COMMITTEE_OFFICE,
        region=city.county,
        governs_territory=True,
    )
    person = Person.objects.get(user=city.users["county_user"])
    person.unit = office
    person.save()
    services.grant_role(person=person, role=Role.DISPATCHER)
    client = login(city.users["county_user"])

    response = client.post(reverse("org:duty_templates_generate"), GOV, follow=True)

    assert "不在您的管辖范围内" in response.content.decode()
    assert not ResponsibilityList.objects.exists()


def test_users_without_the_template_permission_only_read(city, login):
    entry = _template("模板条目")
    client = login(city.users["county_user"])

    page = _page(client, **GOV)
    add = client.post(reverse("org:duty_template_add"), {**GOV, "category": "AIR", "text": "x"})
    generate = client.post(reverse("org:duty_templates_generate"), GOV)
    remove = client.post(reverse("org:duty_template_remove", args=[entry.pk]))

    assert (
        "模板条目" in page
        and 'id="generate-form"' not in page
        and 'id="add-template-form"' not in page
    )
    assert (add.status_code, generate.status_code, remove.status_code) == (403, 403, 403)
    assert DutyTemplate.objects.count() == 1
    assert not ResponsibilityList.objects.exists()


def test_the_page_summarises_groups_and_units_waiting_for_a_list(city, login):
    _template("模板条目")
    client = login(city.users["dispatcher"])

    page = _page(client, **GOV)

    assert 'id="template-groups"' in page
    assert 'id="generate-btn"' in page
    assert '<b id="unlisted-count">2</b>' in page


def test_a_township_template_reaches_township_units(city, login):
    township_body = Unit.objects.create(
        code="U-XS",
        name="兴盛街道党工委办事处",
        kind=UnitKind.TOWNSHIP_BODY,
        region=city.township,
        governs_territory=True,
    )
    assert city.township.kind == RegionKind.STREET
    _template("落实网格化环境监管", level=RegionLevel.TOWNSHIP, unit_kind=UnitKind.TOWNSHIP_BODY)
    client = login(city.users["dispatcher"])

    client.post(
        reverse("org:duty_templates_generate"),
        {"level": RegionLevel.TOWNSHIP, "unit_kind": UnitKind.TOWNSHIP_BODY},
    )

    assert ResponsibilityList.objects.get(unit=township_body).duties.count() == 1
