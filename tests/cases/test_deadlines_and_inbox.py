"""Yellow and red cards, counts per unit and region, and each user's inbox."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services
from greenloop.cases.models import Card, Case, CaseState
from tests.cases.conftest import DUE

D = dt.date


@pytest.mark.parametrize(
    ("today", "card"),
    [
        (D(2026, 4, 26), Card.NONE),
        (D(2026, 4, 27), Card.YELLOW),  # due within 3 days
        (D(2026, 4, 30), Card.YELLOW),  # due today
        (D(2026, 5, 1), Card.RED),
    ],
)
def test_cards_follow_the_deadline(loop, today, card):
    case = loop.to(CaseState.RECTIFYING)

    assert case.get_card(today) == card
    assert Case.objects.overdue(today).filter(pk=case.pk).exists() == (card == Card.RED)
    assert Case.objects.due_soon(today).filter(pk=case.pk).exists() == (card == Card.YELLOW)


def test_the_yellow_card_window_is_a_setting(loop, settings):
    settings.GREENLOOP_YELLOW_CARD_DAYS = 10
    case = loop.to(CaseState.RECTIFYING)

    assert case.get_card(D(2026, 4, 20)) == Card.YELLOW
    assert list(Case.objects.due_soon(D(2026, 4, 20))) == [case]


def test_closed_unassigned_and_merged_cases_carry_no_card(loop):
    closed = loop.to(CaseState.CLOSED)
    registered = loop.register()
    original = loop.to(CaseState.ASSIGNED)
    repeat = loop.assign(loop.register())
    merged = services.merge_case(
        case=repeat, into=original, by=loop.user("dispatcher"), now=loop.now, version=repeat.version
    )
    late = D(2027, 1, 1)

    assert {c.get_card(late) for c in (closed, registered, merged)} == {Card.NONE}
    assert set(Case.objects.overdue(late)) == {original}


def test_an_open_milestone_brings_the_card_forward(loop):
    case = loop.to(CaseState.RECTIFYING)
    services.add_milestone(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        title="完成设备采购",
        due_date=D(2026, 3, 10),
    )
    case.refresh_from_db()

    assert case.get_card(D(2026, 3, 11)) == Card.RED
    assert list(Case.objects.overdue(D(2026, 3, 11))) == [case]


def test_counts_per_unit_and_per_county(loop):
    city = loop.city
    late = loop.to(CaseState.RECTIFYING)  # 铁西区人民政府, due 4-30
    soon = loop.assign(loop.register(), lead=city.dept_branch, due=D(2026, 5, 3))
    far = loop.assign(
        loop.register(region=city.other_township), lead=city.other_gov, due=D(2026, 6, 30)
    )
    loop.register()  # not assigned yet: open, no deadline
    today = D(2026, 5, 1)

    by_unit = {row["name"]: row for row in Case.objects.all().counts_by_unit(today)}
    by_region = {row["name"]: row for row in Case.objects.all().counts_by_region(city.city, today)}

    assert by_unit["铁西区人民政府"] == {
        "key": str(city.county_gov.pk),
        "name": "铁西区人民政府",
        "open": 1,
        "yellow": 0,
        "red": 1,
    }
    assert by_unit["示范市住建局铁西分局"]["yellow"] == 1
    assert by_unit[""]["open"] == 1
    assert by_region["铁西区"] == {
        "key": "210303000000",
        "name": "铁西区",
        "open": 3,
        "yellow": 1,
        "red": 1,
    }
    assert by_region["东山县"] == {
        "key": "210321000000",
        "name": "东山县",
        "open": 1,
        "yellow": 0,
        "red": 0,
    }
    assert {late.pk, soon.pk, far.pk} <= set(Case.objects.open().values_list("pk", flat=True))


@pytest.fixture
def board(loop):
    """One case waiting in each state of 铁西区, and one in 东山县."""
    city = loop.city
    cases = {
        "registered": loop.register(),
        "assigned": loop.to(CaseState.ASSIGNED),
        "cooperated": loop.start(
            loop.assign(loop.register(), cooperating_units=[city.dept_branch])
        ),
        "requested": loop.to(CaseState.ACCEPTANCE_REQUESTED),
        "accepted": loop.to(CaseState.ACCEPTED),
        "rechecked": loop.to(CaseState.RECHECKED),
        "closed": loop.to(CaseState.CLOSED),
    }
    other = loop.assign(loop.register(region=city.other_township), lead=city.other_gov)
    other = services.start_rectification(
        case=other, by=loop.user("other_county"), now=loop.now, version=other.version
    )
    loop.evidence(other, by="other_county")
    cases["other_requested"] = loop.request(other, by="other_county")
    return cases


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("dispatcher", {"registered", "rechecked"}),
        ("county_user", {"assigned", "cooperated"}),
        ("unit_leader", {"assigned", "cooperated"}),
        ("branch_user", {"cooperated"}),
        ("dept_user", {"cooperated"}),
        ("other_county", set()),
        ("acceptance", {"requested"}),
        ("other_acceptance", {"other_requested"}),
        ("recheck", {"accepted"}),
        ("leader", set()),
        ("auditor", set()),
    ],
)
def test_the_inbox_holds_what_each_user_must_act_on_now(loop, board, persona, expected):
    inbox = set(Case.objects.in_inbox(loop.user(persona)).values_list("pk", flat=True))

    assert inbox == {board[name].pk for name in expected}


def test_rectifying_cases_stay_in_the_lead_units_inbox_until_acceptance_is_requested(loop, board):
    inbox = Case.objects.in_inbox(loop.user("county_user"))

    assert board["cooperated"] in inbox
    assert board["requested"] not in inbox


def test_the_default_yellow_card_window_is_three_days(settings):
    from greenloop.cases.models import yellow_card_days

    del settings.GREENLOOP_YELLOW_CARD_DAYS

    assert yellow_card_days() == 3


def test_due_soon_counts_the_deadline_day_itself(loop):
    case = loop.to(CaseState.RECTIFYING)

    assert list(Case.objects.due_soon(DUE)) == [case]
    assert list(Case.objects.overdue(DUE)) == []
