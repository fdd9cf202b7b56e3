"""包保 assignments and their visit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from greenloop.org import services
from greenloop.org.models import BaobaoAssignment, BaobaoVisit, Person


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def assignment(city, today):
    """周市长 (the leader persona) answers for 铁西区人民政府."""
    return BaobaoAssignment.objects.create(
        leader=city.people["leader"],
        unit=city.county_gov,
        start_date=today - dt.timedelta(days=200),
    )


def _visit(assignment, day, checked="检查扬尘管控"):
    return services.log_visit(
        assignment=assignment, visit_date=day, checked=checked, clues="", by=None
    )


def _log(client, assignment, **data):
    return client.post(reverse("org:baobao_detail", args=[assignment.pk]), data)


def _row(html, assignment):
    return html.split(f'id="assignment-{assignment.pk}"')[1].split("</tr>")[0]


def test_the_leader_logs_a_visit_and_it_appears(city, login, assignment, today):
    client = login(city.users["leader"])

    response = _log(
        client,
        assignment,
        visit_date=today.isoformat(),
        checked="检查河道“四乱”整治进展",
        clues="发现沿河违规堆放建筑垃圾一处，已移交区住建局",
    )
    page = client.get(response["Location"]).content.decode()

    visit = BaobaoVisit.objects.get()
    assert (visit.assignment, visit.visit_date, visit.recorded_by) == (
        assignment,
        today,
        city.users["leader"],
    )
    assert "检查河道“四乱”整治进展" in page
    assert "已移交区住建局" in page
    assert f"已记录 {today:%Y-%m-%d} 的走访" in page


def test_the_leader_sees_the_visit_form(city, login, assignment):
    client = login(city.users["leader"])

    page = client.get(reverse("org:baobao_detail", args=[assignment.pk])).content.decode()

    assert 'id="visit-form"' in page


def test_another_user_may_read_but_not_log_a_visit(city, login, assignment, today):
    client = login(city.users["dispatcher"])

    page = client.get(reverse("org:baobao_detail", args=[assignment.pk])).content.decode()
    response = _log(client, assignment, visit_date=today.isoformat(), checked="代为记录")

    assert 'id="visit-table"' in page and 'id="visit-form"' not in page
    assert response.status_code == 403
    assert not BaobaoVisit.objects.exists()


def test_another_leader_cannot_log_on_this_leaders_assignment(city, login, assignment, today):
    from greenloop.org.roles import Role

    services.grant_role(person=city.people["dispatcher"], role=Role.LEADER)
    client = login(city.users["dispatcher"])

    response = _log(client, assignment, visit_date=today.isoformat(), checked="代为记录")

    assert response.status_code == 403
    assert not BaobaoVisit.objects.exists()


def test_a_user_out_of_reach_gets_404(city, login, assignment):
    client = login(city.users["other_county"])

    assert client.get(reverse("org:baobao_detail", args=[assignment.pk])).status_code == 404


def test_a_visit_in_the_future_or_before_the_assignment_is_refused(city, login, assignment, today):
    client = login(city.users["leader"])

    future = _log(
        client, assignment, visit_date=(today + dt.timedelta(days=1)).isoformat(), checked="x"
    )
    early = _log(
        client, assignment, visit_date=(today - dt.timedelta(days=400)).isoformat(), checked="x"
    )
    empty = _log(client, assignment, visit_date=today.isoformat(), checked="")

    assert "走访日期不能晚于今天" in future.content.decode()
    assert "走访日期不能早于包保开始日期" in early.content.decode()
    assert "这个字段是必填项" in empty.content.decode()
    assert not BaobaoVisit.objects.exists()


def test_the_overview_counts_visits_and_shows_the_latest(city, login, assignment, today):
    _visit(assignment, today - dt.timedelta(days=40))
    _visit(assignment, today - dt.timedelta(days=3))
    client = login(city.users["dispatcher"])

    row = _row(client.get(reverse("org:baobao")).content.decode(), assignment)

    assert ">2</a>" in row
    assert (today - dt.timedelta(days=3)).strftime("%Y-%m-%d") in row
    assert "本月未走访" not in row


def test_an_assignment_without_a_visit_in_31_days_is_flagged(city, login, assignment, today):
    _visit(assignment, today - dt.timedelta(days=32))
    client = login(city.users["leader"])

    overview = client.get(reverse("org:baobao")).content.decode()
    detail = client.get(reverse("org:baobao_detail", args=[assignment.pk])).content.decode()

    assert "本月未走访" in _row(overview, assignment)
    assert 'id="quiet-flag"' in detail


def test_an_assignment_that_just_started_is_not_flagged(city, login, today):
    fresh = BaobaoAssignment.objects.create(
        leader=city.people["leader"], unit=city.other_gov, start_date=today - dt.timedelta(days=5)
    )
    client = login(city.users["leader"])

    row = _row(client.get(reverse("org:baobao")).content.decode(), fresh)

    assert "本月未走访" not in row


def test_the_quiet_filter_shows_only_flagged_assignments(city, login, assignment, today):
    visited = BaobaoAssignment.objects.create(
        leader=city.people["leader"], unit=city.other_gov, start_date=today - dt.timedelta(days=200)
    )
    _visit(visited, today)
    client = login(city.users["dispatcher"])

    page = client.get(reverse("org:baobao"), {"quiet": "1"}).content.decode()

    assert f'id="assignment-{assignment.pk}"' in page
    assert f'id="assignment-{visited.pk}"' not in page


def test_a_leader_sees_their_own_assignments_first(city, login, today):
    other_leader = Person.objects.create(name="吴副市长", unit=city.city_gov, posts="副市长")
    theirs = BaobaoAssignment.objects.create(
        leader=other_leader, unit=city.other_gov, start_date=today - dt.timedelta(days=300)
    )
    mine = BaobaoAssignment.objects.create(
        leader=city.people["leader"], unit=city.county_gov, start_date=today - dt.timedelta(days=10)
    )
    client = login(city.users["leader"])

    page = client.get(reverse("org:baobao")).content.decode()

    assert page.index(f'id="assignment-{mine.pk}"') < page.index(f'id="assignment-{theirs.pk}"')
    assert "我的包保" in _row(page, mine)


def test_the_county_user_sees_only_assignments_in_their_county(city, login, assignment, today):
    elsewhere = BaobaoAssignment.objects.create(
        leader=city.people["leader"], unit=city.other_gov, start_date=today
    )
    client = login(city.users["county_user"])

    page = client.get(reverse("org:baobao")).content.decode()

    assert f'id="assignment-{assignment.pk}"' in page
    assert f'id="assignment-{elsewhere.pk}"' not in page


def _queries_for_overview(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("org:baobao"))
    assert response.status_code == 200
    return len(captured)


def test_the_overview_costs_the_same_queries_for_many_assignments(city, login, assignment, today):
    client = login(city.users["dispatcher"])
    client.get(reverse("org:baobao"))  # warm the session
    few = _queries_for_overview(client)
    for i in range(20):
        extra = BaobaoAssignment.objects.create(
            leader=city.people["leader"],
            unit=city.other_gov,
            start_date=today - dt.timedelta(days=i),
        )
        _visit(extra, today)

    many = _queries_for_overview(client)

    assert many == few
