"""The responsibility-list editor: drafts, htmx edits, publishing, reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from greenloop.org import services
from greenloop.org.models import DutyCategory, ListStatus, ResponsibilityList

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _edit_url(unit):
    return reverse("org:duty_edit", args=[unit.pk])


def _published(unit, *texts, by=None):
    draft = services.current_draft(unit=unit)
    for text in texts:
        services.add_duty(
            rlist=draft, category=DutyCategory.AIR, text=text, legal_basis="《大气污染防治法》"
        )
    return services.publish_list(rlist=draft, by=by, now=NOW)


def _add(client, unit, text, **extra):
    data = {
        "add-category": DutyCategory.WATER,
        "add-text": text,
        "add-legal_basis": "《水污染防治法》",
    }
    return client.post(reverse("org:duty_add", args=[unit.pk]), data, **extra)


def test_dispatcher_adds_changes_removes_and_publishes_duties(city, login):
    client = login(city.users["dispatcher"])
    unit = city.county_gov

    _add(client, unit, "落实河长制，组织开展河道巡查")
    _add(client, unit, "督促辖区工地落实扬尘防治措施")
    draft = ResponsibilityList.objects.get(unit=unit, status=ListStatus.DRAFT)
    first, second = draft.duties.order_by("order")
    client.post(
        reverse("org:duty_change", args=[unit.pk, first.pk]),
        {
            f"duty-{first.pk}-category": DutyCategory.WATER,
            f"duty-{first.pk}-text": "全面落实河湖长制",
            f"duty-{first.pk}-legal_basis": "",
        },
    )
    client.post(reverse("org:duty_remove", args=[unit.pk, second.pk]))
    response = client.post(reverse("org:duty_publish", args=[unit.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.status == ListStatus.PUBLISHED
    assert [d.text for d in draft.duties.all()] == ["全面落实河湖长制"]
    assert "已发布第1版责任清单" in response.content.decode()


def test_the_editor_shows_the_draft_with_stable_ids(city, login):
    client = login(city.users["dispatcher"])
    draft = services.current_draft(unit=city.county_gov)
    services.add_duty(rlist=draft, category=DutyCategory.SOIL, text="开展受污染耕地安全利用")

    page = client.get(_edit_url(city.county_gov)).content.decode()

    assert 'id="duty-table"' in page
    assert 'id="add-duty-form"' in page
    assert 'id="publish-btn"' in page
    assert "开展受污染耕地安全利用" in page
    assert "土壤污染防治" in page


def test_htmx_add_answers_with_the_table_and_a_fresh_form(city, login):
    client = login(city.users["dispatcher"])
    services.current_draft(unit=city.county_gov)

    response = _add(client, city.county_gov, "开展黑臭水体排查整治", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<table id="duty-table">')
    assert "开展黑臭水体排查整治" in html
    assert 'id="add-duty-form"' in html and 'hx-swap-oob="true"' in html
    assert "<html" not in html


def test_htmx_add_with_missing_text_shows_the_error_in_the_form(city, login):
    client = login(city.users["dispatcher"])
    services.current_draft(unit=city.county_gov)

    response = _add(client, city.county_gov, "", **HTMX)

    assert response["HX-Retarget"] == "#add-duty-form"
    assert "这个字段是必填项" in response.content.decode()
    assert not ResponsibilityList.objects.get(unit=city.county_gov).duties.exists()


def test_htmx_edit_swaps_one_row_into_a_form_and_back(city, login):
    client = login(city.users["dispatcher"])
    draft = services.current_draft(unit=city.county_gov)
    duty = services.add_duty(rlist=draft, category=DutyCategory.AIR, text="原条目")

    form_html = client.get(reverse("org:duty_change", args=[city.county_gov.pk, duty.pk]), **HTMX)
    saved = client.post(
        reverse("org:duty_change", args=[city.county_gov.pk, duty.pk]),
        {
            f"duty-{duty.pk}-category": DutyCategory.ECOLOGY,
            f"duty-{duty.pk}-text": "新条目",
            f"duty-{duty.pk}-legal_basis": "",
        },
        **HTMX,
    )

    assert "change-duty-form" in form_html.content.decode()
    html = saved.content.decode()
    assert html.lstrip().startswith(f'<tr id="duty-{duty.pk}">')
    assert "新条目" in html and "生态保护与修复" in html


def test_opening_the_editor_creates_no_draft(city, login):
    client = login(city.users["dispatcher"])

    response = client.get(_edit_url(city.county_gov))

    assert response.status_code == 200
    assert not ResponsibilityList.objects.filter(unit=city.county_gov).exists()


def test_the_first_added_duty_creates_version_one(city, login):
    client = login(city.users["dispatcher"])

    response = _add(client, city.county_gov, "建立生态环境保护责任体系", **HTMX)

    assert response["HX-Refresh"] == "true"
    draft = ResponsibilityList.objects.get(unit=city.county_gov)
    assert (draft.version, draft.status) == (1, ListStatus.DRAFT)
    assert draft.duties.get().text == "建立生态环境保护责任体系"


def test_county_user_edits_their_own_units_list(city, login):
    client = login(city.users["county_user"])

    _add(client, city.county_gov, "组织辖区生态环境问题排查")

    assert ResponsibilityList.objects.get(unit=city.county_gov).duties.count() == 1


def test_unit_handler_cannot_publish_and_is_told_who_can(city, login):
    client = login(city.users["county_user"])
    _add(client, city.county_gov, "组织辖区生态环境问题排查")

    page = client.get(_edit_url(city.county_gov)).content.decode()
    response = client.post(reverse("org:duty_publish", args=[city.county_gov.pk]))

    assert 'id="publish-btn"' not in page
    assert "单位负责人或调度员" in page
    assert response.status_code == 403
    assert ResponsibilityList.objects.get(unit=city.county_gov).status == ListStatus.DRAFT


def test_county_user_gets_404_for_another_countys_list(city, login):
    client = login(city.users["county_user"])

    page = client.get(_edit_url(city.other_gov))
    add = _add(client, city.other_gov, "越权添加")

    assert page.status_code == 404
    assert add.status_code == 404
    assert not ResponsibilityList.objects.filter(unit=city.other_gov).exists()


def test_county_user_cannot_touch_a_duty_of_another_county_through_their_own_unit(city, login):
    other = _published(city.other_gov, "东山县条目")
    duty = other.duties.get()
    client = login(city.users["county_user"])

    response = client.post(reverse("org:duty_remove", args=[city.county_gov.pk, duty.pk]))

    assert response.status_code == 404
    assert other.duties.count() == 1


def test_department_user_cannot_edit_a_county_units_list(city, login):
    client = login(city.users["dept_user"])

    assert client.get(_edit_url(city.county_gov)).status_code == 404
    assert _add(client, city.county_gov, "越权添加").status_code == 404


def test_department_user_edits_its_own_branch(city, login):
    client = login(city.users["dept_user"])

    response = _add(client, city.dept_branch, "督促建筑工地落实扬尘管控")

    assert response.status_code == 302
    assert ResponsibilityList.objects.get(unit=city.dept_branch).duties.count() == 1


def test_a_leader_without_the_edit_role_is_refused(city, login):
    client = login(city.users["leader"])

    assert client.get(_edit_url(city.county_gov)).status_code == 403


def test_a_published_list_is_read_only_until_a_new_draft_is_started(city, login):
    published = _published(city.county_gov, "第一版条目")
    client = login(city.users["dispatcher"])

    page = client.get(_edit_url(city.county_gov)).content.decode()
    duty = published.duties.get()
    refused = client.post(reverse("org:duty_remove", args=[city.county_gov.pk, duty.pk]), **HTMX)

    assert 'id="new-draft-btn"' in page and 'id="add-duty-form"' not in page
    assert refused["HX-Retarget"] == "#duty-messages"
    assert "已发布的责任清单不能直接修改" in refused.content.decode()
    assert published.duties.count() == 1


def test_starting_a_draft_copies_the_published_version(city, login):
    _published(city.county_gov, "第一版条目一", "第一版条目二")
    client = login(city.users["dispatcher"])

    response = client.post(reverse("org:duty_draft", args=[city.county_gov.pk]), follow=True)

    draft = ResponsibilityList.objects.get(unit=city.county_gov, status=ListStatus.DRAFT)
    assert draft.version == 2
    assert [d.text for d in draft.duties.order_by("order")] == ["第一版条目一", "第一版条目二"]
    assert "已创建第2版草稿" in response.content.decode()


def test_publishing_the_new_version_supersedes_the_old_one(city, login):
    first = _published(city.county_gov, "第一版条目")
    client = login(city.users["dispatcher"])
    client.post(reverse("org:duty_draft", args=[city.county_gov.pk]))
    _add(client, city.county_gov, "第二版新增条目")

    client.post(reverse("org:duty_publish", args=[city.county_gov.pk]))

    first.refresh_from_db()
    assert first.status == ListStatus.SUPERSEDED
    assert services.published_list(unit=city.county_gov).version == 2


def test_publishing_an_empty_draft_is_refused_in_chinese(city, login):
    services.current_draft(unit=city.county_gov)
    client = login(city.users["dispatcher"])

    response = client.post(reverse("org:duty_publish", args=[city.county_gov.pk]), follow=True)

    assert "责任清单没有任何条目，不能发布" in response.content.decode()
    assert services.published_list(unit=city.county_gov) is None


def test_control_characters_are_refused(city, login):
    client = login(city.users["dispatcher"])

    response = _add(client, city.county_gov, "含有\x0b控制字符")

    assert "不能包含控制字符" in response.content.decode()
    assert not ResponsibilityList.objects.filter(unit=city.county_gov).exists()


def test_an_expired_session_sends_htmx_to_the_login_page(client, city):
    response = client.post(
        reverse("org:duty_add", args=[city.county_gov.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + _edit_url(city.county_gov),
    )

    assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["duty_add", "duty_publish", "duty_draft"])
def test_editor_actions_refuse_get(city, login, name):
    client = login(city.users["dispatcher"])

    assert client.get(reverse(f"org:{name}", args=[city.county_gov.pk])).status_code == 405
