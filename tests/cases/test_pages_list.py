"""The case list: scoping, filters, counts by state, saved views, bulk
assignment, and a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from greenloop.cases import services
from greenloop.cases.models import (
    Case,
    CaseCategory,
    CaseSource,
    CaseState,
    InspectionBatch,
    InspectionRound,
    RoundKind,
    SavedView,
)
from tests.cases.conftest import Loop

LIST = reverse("cases:list")


@dataclass
class LiveLoop(Loop):
    """The Loop of tests/cases/conftest.py on the real clock (the pages read
    it), with deadlines two months ahead unless told otherwise."""

    def assign(
        self, case: Any, *, lead: Any = None, due: dt.date | None = None, **extra: Any
    ) -> Any:
        due = due or timezone.localdate(self.now) + dt.timedelta(days=60)
        return super().assign(case, lead=lead, due=due, **extra)


def live_loop(loop_city: Any) -> LiveLoop:
    return LiveLoop(loop_city, timezone.now())


def red_case(loop: LiveLoop, **register: Any) -> Case:
    """A case assigned two months ago with a deadline a month ago."""
    past = timezone.now() - dt.timedelta(days=60)
    case = loop.register(**register)
    return services.assign_case(
        case=case,
        by=loop.user("dispatcher"),
        now=past,
        version=case.version,
        lead_unit=register.get("lead") or loop.city.county_gov,
        due_date=timezone.localdate(past) + dt.timedelta(days=30),
    )


@pytest.fixture
def live(loop_city: Any) -> LiveLoop:
    return live_loop(loop_city)


def _numbers(page: str) -> set[str]:
    return set(re.findall(r'class="case-number">([^<]+)<', page))


def test_a_county_user_sees_the_cases_of_their_county_only(live, login):
    mine = live.register(title="铁西区某餐馆油烟")
    theirs = live.register(region=live.city.other_township, title="东山镇某砖厂扬尘")

    county = login(live.user("county_user")).get(LIST).content.decode()
    city = login(live.user("dispatcher")).get(LIST).content.decode()

    assert _numbers(county) == {mine.number}
    assert "东山镇某砖厂扬尘" not in county
    assert _numbers(city) == {mine.number, theirs.number}


def test_the_administrators_hold_no_case_view_and_are_refused(live, login):
    response = login(live.user("sysadmin")).get(LIST)

    assert response.status_code == 403


def test_filters_narrow_the_list(live, login):
    city = live.city
    air = live.register(title="餐馆油烟", is_key=True)
    water = live.register(title="河道排污", category=CaseCategory.WATER, source=CaseSource.PATROL)
    assigned = live.assign(live.register(title="工地扬尘"), lead=city.dept_branch)
    other = live.register(region=city.other_township, title="砖厂扬尘")
    late = red_case(live, title="逾期的问题")
    client = login(live.user("dispatcher"))

    def numbers(**params: Any) -> set[str]:
        return _numbers(client.get(LIST, params).content.decode())

    assert numbers(state="REGISTERED") == {air.number, water.number, other.number}
    assert numbers(state=["ASSIGNED", "RECTIFYING"]) == {assigned.number, late.number}
    assert numbers(state="OPEN") == {
        air.number,
        water.number,
        assigned.number,
        other.number,
        late.number,
    }
    assert numbers(source="PATROL") == {water.number}
    assert numbers(category="WATER") == {water.number}
    assert numbers(region=city.other.code) == {other.number}
    assert numbers(lead_unit=city.dept_branch.pk) == {assigned.number}
    assert numbers(key="1") == {air.number}
    assert numbers(deadline="overdue") == {late.number}
    assert numbers(q="扬尘") == {assigned.number, other.number}
    assert numbers(q=air.number) == {air.number}


def test_round_and_batch_filters_appear_once_there_are_rounds(live, login):
    inspection = InspectionRound.objects.create(kind=RoundKind.CENTRAL, name="第二轮中央督察")
    batch = InspectionBatch.objects.create(
        inspection_round=inspection, number=3, received_date=dt.date(2026, 5, 1)
    )
    in_batch = live.register(inspection_round=inspection, batch=batch)
    live.register()
    client = login(live.user("dispatcher"))

    page = client.get(LIST).content.decode()
    by_batch = client.get(LIST, {"batch": batch.pk}).content.decode()
    by_round = client.get(LIST, {"inspection_round": inspection.pk}).content.decode()

    assert 'id="filter-round"' in page and "第二轮中央督察" in page
    assert _numbers(by_batch) == _numbers(by_round) == {in_batch.number}


def test_a_region_out_of_reach_is_ignored_and_named_not_used(live, login):
    live.register(region=live.city.other_township)
    mine = live.register()

    page = (
        login(live.user("county_user")).get(LIST, {"region": live.city.other.code}).content.decode()
    )

    assert "行政区域不存在或不在您的管辖范围内" in page
    assert _numbers(page) == {mine.number}
    assert "东山县" not in page.split('id="filter-region"')[1].split("</select>")[0]


def test_counts_by_state_and_cards_count_over_the_other_filters(live, login):
    live.register(category=CaseCategory.WATER)
    live.register(category=CaseCategory.WATER)
    live.assign(live.register(category=CaseCategory.WATER))
    red_case(live, category=CaseCategory.WATER)
    live.register(category=CaseCategory.AIR)

    page = (
        login(live.user("dispatcher"))
        .get(LIST, {"category": "WATER", "state": "REGISTERED"})
        .content.decode()
    )

    tabs = dict(re.findall(r'data-state="(\w*)"><span>[^<]+</span> <b>(\d+)</b>', page))
    assert tabs[""] == "4"  # every water case, whatever the state
    assert tabs["OPEN"] == "4"
    assert tabs["REGISTERED"] == "2"
    assert tabs["ASSIGNED"] == "2"
    assert tabs["CLOSED"] == "0"
    assert re.search(r'id="red-count">红牌 1<', page)
    assert re.search(r'id="yellow-count">黄牌 0<', page)
    assert 'class="state-tab active" data-state="REGISTERED"' in page


def test_rows_show_red_and_yellow_cards(live, login):
    late = red_case(live)
    soon = live.assign(live.register(), due=timezone.localdate() + dt.timedelta(days=1))
    calm = live.assign(live.register())

    page = login(live.user("dispatcher")).get(LIST).content.decode()

    def row(case: Case) -> str:
        return page.split(f'id="case-{case.pk}"')[1].split("</tr>")[0]

    assert 'data-card="RED"' in row(late)
    assert 'data-card="YELLOW"' in row(soon)
    assert "data-card" not in row(calm)


def test_the_list_asks_the_same_number_of_queries_for_few_and_many_rows(
    live, login, django_assert_max_num_queries
):
    client = login(live.user("dispatcher"))
    for _i in range(2):
        live.assign(live.register(), cooperating_units=[live.city.dept])
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _i in range(20):
        live.assign(live.register(), cooperating_units=[live.city.dept])
    red_case(live)
    live.register()

    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)

    assert len(_numbers(response.content.decode())) == 24
    assert len(few) <= 25


def test_pages_of_fifty_keep_the_filters(live, login):
    for _i in range(51):
        live.register(category=CaseCategory.NOISE)
    client = login(live.user("dispatcher"))

    first = client.get(LIST, {"category": "NOISE"}).content.decode()
    second = client.get(LIST, {"category": "NOISE", "page": 2}).content.decode()

    assert len(_numbers(first)) == 50 and len(_numbers(second)) == 1
    assert "category=NOISE&page=2" in first.replace("&amp;", "&")


# --- saved views -----------------------------------------------------------------


def test_a_user_saves_a_view_and_only_they_see_it(live, login):
    client = login(live.user("dispatcher"))

    response = client.post(
        reverse("cases:save_view"),
        {
            "name": " 铁西区 红牌件 ",
            "query": f"region={live.city.county.code}&deadline=overdue&page=3&junk=1",
        },
    )
    view = SavedView.objects.get()
    mine = client.get(LIST).content.decode()
    theirs = login(live.user("county_user")).get(LIST).content.decode()

    assert response.status_code == 302
    assert view.name == "铁西区 红牌件"
    assert view.query == f"region={live.city.county.code}&deadline=overdue"
    assert response["Location"] == f"{LIST}?{view.query}"
    assert "铁西区 红牌件" in mine
    assert "铁西区 红牌件" not in theirs


def test_saving_under_the_same_name_replaces_the_query(live, login):
    client = login(live.user("dispatcher"))

    client.post(reverse("cases:save_view"), {"name": "我的", "query": "state=REGISTERED"})
    client.post(reverse("cases:save_view"), {"name": "我的", "query": "state=CLOSED"})

    assert list(SavedView.objects.values_list("name", "query")) == [("我的", "state=CLOSED")]


def test_a_user_cannot_delete_someone_elses_view(live, login):
    client = login(live.user("dispatcher"))
    client.post(reverse("cases:save_view"), {"name": "我的", "query": "key=1"})
    view = SavedView.objects.get()

    response = login(live.user("county_user")).post(
        reverse("cases:delete_view", args=[view.pk]), follow=True
    )

    assert "该常用筛选不存在" in response.content.decode()
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_user_deletes_their_view(live, login):
    client = login(live.user("dispatcher"))
    client.post(reverse("cases:save_view"), {"name": "我的", "query": "key=1"})
    view = SavedView.objects.get()

    response = client.post(reverse("cases:delete_view", args=[view.pk]), follow=True)

    assert "已删除常用筛选" in response.content.decode()
    assert not SavedView.objects.exists()


# --- bulk assignment ---------------------------------------------------------------


def _bulk(client: Any, cases: list[tuple[Case, int]], **data: Any) -> Any:
    payload = {"cases": [f"{c.pk}:{v}" for c, v in cases], "next": f"{LIST}?state=REGISTERED"}
    payload.update(data)
    return client.post(reverse("cases:bulk_assign"), payload, follow=True)


def test_a_dispatcher_assigns_several_cases_and_hears_about_each_refusal(live, login):
    city = live.city
    first, second = live.register(), live.register()
    stale = live.register()
    gone = live.assign(live.register())  # assigned already
    due = timezone.localdate() + dt.timedelta(days=20)
    client = login(live.user("dispatcher"))

    response = _bulk(
        client,
        [(first, first.version), (second, second.version), (stale, stale.version + 5), (gone, 1)],
        lead_unit=city.county_gov.pk,
        cooperating_units=[city.dept.pk],
        due_date=due.isoformat(),
        comment="请于限期内整改到位",
    )

    page = response.content.decode()
    for case in (first, second, stale, gone):
        case.refresh_from_db()
    assert response.redirect_chain[-1][0] == f"{LIST}?state=REGISTERED"
    assert (first.state, second.state) == (CaseState.ASSIGNED, CaseState.ASSIGNED)
    assert first.lead_unit == city.county_gov and first.due_date == due
    assert list(first.case_units.values_list("unit", flat=True)) == [city.dept.pk]
    assert first.events.get(action="greenloop.cases.case.assigned").comment == "请于限期内整改到位"
    assert f"已交办2件问题：{first.number}、{second.number}" in page
    assert stale.state == CaseState.REGISTERED
    assert f"{stale.number} 未交办：该问题已被他人更新" in page
    assert f"{gone.number} 未交办" in page


def test_bulk_assignment_without_a_deadline_assigns_nothing(live, login):
    case = live.register()

    response = _bulk(
        login(live.user("dispatcher")), [(case, case.version)], lead_unit=live.city.county_gov.pk
    )

    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert "交办须指定整改时限" in response.content.decode()


def test_bulk_assignment_names_a_missing_case_by_id_only(live, login):
    case = live.register()

    response = _bulk(
        login(live.user("dispatcher")),
        [(case, case.version), (Case(pk=987654), 1)],
        lead_unit=live.city.county_gov.pk,
        due_date=(timezone.localdate() + dt.timedelta(days=5)).isoformat(),
    )

    page = response.content.decode()
    assert f"已交办1件问题：{case.number}" in page
    assert "#987654 未交办：问题不存在或不在您的管辖范围内" in page


def test_only_dispatchers_may_bulk_assign(live, login):
    case = live.register()

    response = login(live.user("county_user")).post(
        reverse("cases:bulk_assign"), {"cases": [f"{case.pk}:{case.version}"]}
    )
    page = login(live.user("county_user")).get(LIST).content.decode()

    case.refresh_from_db()
    assert response.status_code == 403
    assert case.state == CaseState.REGISTERED
    assert 'id="bulk-assign-form"' not in page and "bulk-pick" not in page


def test_the_list_offers_checkboxes_for_registered_rows_only(live, login):
    registered = live.register()
    assigned = live.assign(live.register())

    page = login(live.user("dispatcher")).get(LIST).content.decode()

    assert f'value="{registered.pk}:{registered.version}" form="bulk-assign-form"' in page
    assert f'value="{assigned.pk}:' not in page


def test_the_bulk_assign_fields_load_on_demand_for_dispatchers_only(live, login):
    city = live.city
    dispatcher = login(live.user("dispatcher"))

    page = dispatcher.get(LIST).content.decode()
    fragment = dispatcher.get(reverse("cases:bulk_assign_form"), headers={"HX-Request": "true"})
    full = dispatcher.get(reverse("cases:bulk_assign_form")).content.decode()
    county = login(live.user("county_user")).get(
        reverse("cases:bulk_assign_form"), headers={"HX-Request": "true"}
    )

    # The list keeps the form the row checkboxes post with, not its unit selects.
    assert 'id="bulk-assign-form"' in page
    assert f'hx-get="{reverse("cases:bulk_assign_form")}"' in page
    assert 'id="id_bulk_lead_unit"' not in page
    assert page.count("<option") < 700
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="bulk-assign-fields"')
    for unit in (city.county_gov, city.dept):
        assert f'<option value="{unit.pk}">{unit.name}</option>' in html
    assert 'name="lead_unit"' in html and 'name="cooperating_units"' in html
    assert 'id="bulk-assign-form"' in full and 'id="id_bulk_lead_unit"' in full
    assert county.status_code == 403
