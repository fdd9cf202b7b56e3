"""My inbox, the overdue board, the home page's case card and the nav."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from greenloop.cases import services
from greenloop.cases.models import CaseState
from tests.cases.test_pages_list import LiveLoop, live_loop, red_case

INBOX = reverse("cases:inbox")
BOARD = reverse("cases:overdue")


@pytest.fixture
def live(loop_city: Any) -> LiveLoop:
    return live_loop(loop_city)


def _inbox(client: Any) -> dict[str, str]:
    """Case number → what to do, as the inbox lists them."""
    page = client.get(INBOX).content.decode()
    rows = re.findall(
        r'class="case-number">([^<]+)</a>.*?class="todo">(.*?)</td>', page, flags=re.S
    )
    return {number: "、".join(re.findall(r'class="tag">([^<]+)<', todo)) for number, todo in rows}


# --- the inbox -------------------------------------------------------------------------


def test_each_persona_finds_what_they_must_do_now(live, login):
    city = live.city
    registered = live.register()
    assigned = live.to(CaseState.ASSIGNED)
    rectifying = live.assign(live.register(), cooperating_units=[city.dept_branch])
    rectifying = live.start(rectifying)
    requested = live.to(CaseState.ACCEPTANCE_REQUESTED)
    accepted = live.to(CaseState.ACCEPTED)
    rechecked = live.to(CaseState.RECHECKED)
    live.to(CaseState.CLOSED)
    theirs = live.register(region=city.other_township)

    assert _inbox(login(live.user("dispatcher"))) == {
        registered.number: "交办",
        theirs.number: "交办",
        rechecked.number: "销号",
    }
    assert _inbox(login(live.user("county_user"))) == {
        assigned.number: "签收整改",
        rectifying.number: "报送整改进展、申请验收",
    }
    assert _inbox(login(live.user("branch_user"))) == {rectifying.number: "报送整改进展（配合）"}
    assert _inbox(login(live.user("acceptance"))) == {requested.number: "验收通过"}
    assert _inbox(login(live.user("other_acceptance"))) == {}
    assert _inbox(login(live.user("recheck"))) == {accepted.number: "复核通过"}
    assert _inbox(login(live.user("leader"))) == {}


def test_the_inbox_puts_the_soonest_deadline_first_and_shows_cards(live, login):
    later = live.assign(live.register(), due=timezone.localdate() + dt.timedelta(days=50))
    sooner = live.assign(live.register(), due=timezone.localdate() + dt.timedelta(days=2))
    late = red_case(live)

    page = login(live.user("county_user")).get(INBOX).content.decode()

    numbers = re.findall(r'class="case-number">([^<]+)<', page)
    assert numbers == [late.number, sooner.number, later.number]
    assert '<span class="count" id="inbox-count">3</span>' in page
    assert page.count('data-card="RED"') == 1 and page.count('data-card="YELLOW"') == 1


def test_an_empty_inbox_says_so(live, login):
    page = login(live.user("leader")).get(INBOX).content.decode()

    assert 'id="inbox-empty"' in page


# --- the overdue board -----------------------------------------------------------------


@pytest.fixture
def board_cases(live: LiveLoop) -> dict[str, Any]:
    city = live.city
    return {
        "late": red_case(live),  # 铁西区, led by 铁西区人民政府
        "soon": live.assign(
            live.register(region=city.other_township),
            lead=city.other_gov,
            due=timezone.localdate() + dt.timedelta(days=1),
        ),
        "calm": live.assign(live.register(), lead=city.dept_branch),
        "waiting": live.register(),
        "closed": live.to(CaseState.CLOSED),
    }


def _row(page: str, row_id: str) -> list[str]:
    row = page.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(?:<a[^>]*>)?([^<]*)", row)


def test_the_city_board_counts_cards_per_county_and_per_unit(live, login, board_cases):
    city = live.city

    page = login(live.user("dispatcher")).get(BOARD).content.decode()

    assert '<span id="board-region">示范市</span>' in page
    assert _row(page, f"region-{city.county.code}") == ["铁西区", "3", "0", "1"]
    assert _row(page, f"region-{city.other.code}") == ["东山县", "1", "1", "0"]
    assert _row(page, f"unit-{city.county_gov.pk}") == ["铁西区人民政府", "1", "0", "1"]
    assert _row(page, f"unit-{city.other_gov.pk}") == ["东山县人民政府", "1", "1", "0"]
    assert _row(page, f"unit-{city.dept_branch.pk}") == ["示范市住建局铁西分局", "1", "0", "0"]
    assert _row(page, "unit-none") == ["未交办", "1", "0", "0"]
    assert re.search(r'id="total-red"><b>1</b>', page)
    assert re.search(r'id="total-yellow"><b>1</b>', page)
    # Units with red cards come first.
    assert page.index(f'id="unit-{city.county_gov.pk}"') < page.index(
        f'id="unit-{city.other_gov.pk}"'
    )


def test_board_figures_link_to_the_lists_they_count(live, login, board_cases):
    city = live.city
    client = login(live.user("dispatcher"))

    page = client.get(BOARD).content.decode().replace("&amp;", "&")
    listed = client.get(
        reverse("cases:list"), {"region": city.county.code, "deadline": "overdue"}
    ).content.decode()

    assert f"/cases/?region={city.county.code}&deadline=overdue" in page
    assert f"/cases/?lead_unit={city.other_gov.pk}&deadline=due_soon" in page
    assert f"/cases/overdue/?region={city.county.code}" in page
    assert re.findall(r'class="case-number">([^<]+)<', listed) == [board_cases["late"].number]


def test_a_county_user_sees_their_county_by_township_only(live, login, board_cases):
    city = live.city

    page = login(live.user("county_user")).get(BOARD).content.decode()
    drilled = (
        login(live.user("dispatcher")).get(BOARD, {"region": city.county.code}).content.decode()
    )

    assert '<span id="board-region">铁西区</span>' in page
    assert _row(page, f"region-{city.township.code}") == ["兴盛街道", "3", "0", "1"]
    assert "东山" not in page
    assert '<span id="board-region">铁西区</span>' in drilled
    assert f'href="/cases/overdue/?region={city.city.code}"' in drilled  # way back up


def test_a_county_user_cannot_open_another_countys_board(live, login, board_cases):
    page = (
        login(live.user("county_user"))
        .get(BOARD, {"region": live.city.other.code})
        .content.decode()
    )

    assert '<span id="board-region">铁西区</span>' in page
    assert "东山" not in page


# --- home page and navigation --------------------------------------------------------------


def test_the_home_page_shows_my_inbox_and_the_cards_in_reach(live, login, board_cases):
    page = login(live.user("dispatcher")).get("/").content.decode()

    assert re.search(r'id="home-inbox"><b>1</b>', page)  # the one waiting to be assigned
    assert re.search(r'id="home-red"><b>1</b>', page)
    assert re.search(r'id="home-yellow"><b>1</b>', page)


def test_the_case_pages_are_in_the_nav_for_case_staff_only(live, login):
    staff = login(live.user("county_user")).get("/").content.decode()
    admin = login(live.user("sysadmin")).get("/").content.decode()

    assert 'id="nav-cases"' in staff and 'id="nav-inbox"' in staff and 'id="nav-overdue"' in staff
    assert 'id="nav-cases"' not in admin and 'id="case-stats"' not in admin


def test_every_case_page_refuses_the_administrators(live, login):
    client = login(live.user("auditor"))

    for url in (reverse("cases:list"), INBOX, BOARD, reverse("cases:new")):
        assert client.get(url).status_code == 403


def test_pages_need_a_login(live, client):
    response = client.get(INBOX)
    htmx = client.post(
        reverse("cases:act", args=[live.register().pk, "assign"]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert htmx["HX-Redirect"].startswith("/accounts/login/")


def test_nothing_changes_on_a_get(live, login):
    case = live.register()
    services.add_comment(case=case, by=live.user("dispatcher"), now=timezone.now(), text="x")

    response = login(live.user("dispatcher")).get(reverse("cases:act", args=[case.pk, "assign"]))

    assert response.status_code == 405
