"""The demo's city-level 回头看: 1,095 closed problems of earlier years,
5 resident groups of 32 staff, outcomes as planned, relapses re-opened
through the real reopen path, the same for the same seed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import Counter

import pytest
from django.utils import timezone

from greenloop.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    ReviewCampaign,
    ReviewGroup,
    ReviewItem,
    ReviewOutcome,
)
from greenloop.cases.statistics import review_figures
from greenloop.demo.names import NameBook
from greenloop.demo.regions import plan_regions
from greenloop.demo.review import (
    CONSOLIDATED,
    PENDING,
    PROBLEMS,
    RELAPSED,
    STAFF,
    UNFOUNDED,
    outcome_counts,
    plan_review,
)
from greenloop.org.models import RegionLevel

pytestmark = pytest.mark.django_db

EVENT = "greenloop.cases.case."


def _plan(seed: int, today: dt.date):
    def rng(step: str) -> random.Random:
        return random.Random(f"greenloop-demo:{seed}:{step}")

    tree = plan_regions(rng("regions"), NameBook(rng("names")))
    return plan_review(rng("review"), tree, today)


def _campaign() -> ReviewCampaign:
    (campaign,) = ReviewCampaign.objects.all()
    return campaign


def _items():
    return ReviewItem.objects.filter(campaign=_campaign())


def test_the_campaign_takes_1095_closed_problems_of_earlier_years(demo, demo_now):
    campaign = _campaign()
    cases = Case.objects.filter(review_items__campaign=campaign)
    closed = [timezone.localdate(c.closed_at) for c in cases if c.closed_at]
    registered = [timezone.localdate(c.created_at) for c in cases]

    assert _items().count() == PROBLEMS == 1095
    assert campaign.region.level == RegionLevel.CITY
    assert min(registered) >= dt.date(2019, 1, 1)
    assert max(closed) <= timezone.localdate(demo_now) - dt.timedelta(days=365)
    assert len({d.year for d in closed}) == 7  # 2019–2025 (a demo built mid-2026)
    assert len(set(cases.values_list("source", flat=True))) >= 5
    counties = {c.region.path.split("/")[1] for c in cases.select_related("region")}
    assert len(counties) == 8


def test_five_resident_groups_of_32_staff_review_it(demo):
    groups = ReviewGroup.objects.filter(campaign=_campaign()).prefetch_related("members")

    sizes = sorted(g.members.count() for g in groups)
    members = {p.pk for g in groups for p in g.members.all()}

    assert groups.count() == 5
    assert len(members) == STAFF == 32
    assert sizes == [6, 6, 6, 7, 7]
    for g in groups:
        number = g.name[1]  # 第N驻点组（…）
        assert all(f"第{number}驻点组成员" in p.posts for p in g.members.all())
    assert not _items().filter(group__isnull=True).exists()


def test_the_outcomes_are_those_of_the_plan(demo, demo_now):
    figures = review_figures(_items())
    planned = outcome_counts(_plan(2026, timezone.localdate(demo_now)))

    assert (figures["consolidated"], figures["relapsed"], figures["pending"]) == (
        CONSOLIDATED,
        RELAPSED,
        PENDING,
    )
    assert (CONSOLIDATED, RELAPSED, PENDING) == (1000, 36, 59)
    assert planned == {
        ReviewOutcome.CONSOLIDATED: CONSOLIDATED,
        ReviewOutcome.RELAPSED: RELAPSED,
        ReviewOutcome.PENDING: PENDING,
    }


def test_relapsed_cases_were_reopened_and_are_rectifying_again(demo, demo_now):
    today = timezone.localdate(demo_now)
    relapsed = _items().filter(outcome=ReviewOutcome.RELAPSED).select_related("case")

    for item in relapsed:
        case = item.case
        reopened = CaseEvent.objects.get(case=case, action=EVENT + "reopened")
        assert case.state == CaseState.RECTIFYING
        assert case.closed_at is None and case.rectification_cycle == 2
        assert case.due_date > today and case.lead_unit_id is not None
        assert (reopened.from_state, reopened.to_state) == (
            CaseState.CLOSED,
            CaseState.RECTIFYING,
        )
        assert reopened.comment == item.note and reopened.at == item.reviewed_at
        assert CaseEvent.objects.filter(case=case, action=EVENT + "review_relapsed").exists()


def test_consolidated_and_pending_cases_stay_closed(demo):
    states = Counter(
        _items().exclude(outcome=ReviewOutcome.RELAPSED).values_list("outcome", "case__state")
    )

    assert states == {
        (ReviewOutcome.CONSOLIDATED, CaseState.CLOSED): CONSOLIDATED,
        (ReviewOutcome.PENDING, CaseState.CLOSED): PENDING,
    }
    assert not _items().filter(outcome=ReviewOutcome.PENDING, reviewed_at__isnull=False).exists()


def test_each_outcome_was_recorded_by_a_member_of_the_items_group(demo):
    reviewed = (
        _items()
        .exclude(outcome=ReviewOutcome.PENDING)
        .select_related("reviewed_by__person", "group")
    )

    members = {
        g.pk: set(g.members.values_list("pk", flat=True))
        for g in ReviewGroup.objects.filter(campaign=_campaign())
    }

    assert reviewed.count() == CONSOLIDATED + RELAPSED
    assert all(i.reviewed_by.person.pk in members[i.group_id] for i in reviewed)


def test_the_problems_entered_through_the_historical_import(demo, demo_now):
    # The ledger taken in for the campaign (the demo's public reports come
    # through the same import later, at ``now``).
    imported = CaseEvent.objects.filter(
        action=EVENT + "imported_closed", at__lt=_campaign().created_at
    ).select_related("case")

    assert imported.count() == PROBLEMS + UNFOUNDED
    for event in imported:
        case = event.case
        assert event.to_state == CaseState.CLOSED
        assert event.data["ledger"].endswith("年）") and "台账" in event.data["ledger"]
        assert event.data["number"] == case.number
        assert case.number.split("-")[-2] == event.data["registered_date"][:4]
        assert event.at < _campaign().created_at
    # No loop was replayed for them: no registration or transition entries.
    cases = imported.values("case_id")
    assert not CaseEvent.objects.filter(
        case__in=cases, action__in=[EVENT + "registered", EVENT + "closed"]
    ).exists()


def test_problems_closed_as_unfounded_are_not_reviewed(demo):
    unfounded = Case.objects.filter(
        events__action=EVENT + "imported_closed",
        events__at__lt=_campaign().created_at,
        is_unfounded=True,
    )

    assert unfounded.count() == UNFOUNDED
    assert all(c.state == CaseState.CLOSED and c.verification_finding for c in unfounded)
    assert not _items().filter(case__in=unfounded).exists()


def test_the_database_holds_what_the_plan_says(demo, demo_now):
    plan = _plan(2026, timezone.localdate(demo_now))

    stored = {
        (i.case.title, i.case.created_at, i.case.closed_at or i.reviewed_at): (
            i.outcome,
            i.group.name[1],
            i.note,
        )
        for i in _items().select_related("case", "group")
    }

    def key(p):
        noon = dt.time(12, tzinfo=timezone.get_default_timezone())
        created = dt.datetime.combine(p.registered_date, noon)
        closed = p.reviewed_at if p.outcome == ReviewOutcome.RELAPSED else None
        return (p.title, created, closed or dt.datetime.combine(p.closed_date, noon))

    expected = {key(p): (p.outcome, str(p.group), p.note) for p in plan.problems if not p.unfounded}
    assert stored == expected


def _digest(plan) -> str:
    rows = [
        [p.title, p.source, p.village.code, p.registered_date.isoformat(), p.closed_date]
        + [p.outcome, p.group, p.note, p.reviewed_at, p.new_due_date, p.unfounded]
        for p in plan.problems
    ]
    return hashlib.sha256(json.dumps(rows, default=str, ensure_ascii=False).encode()).hexdigest()


def test_the_same_seed_plans_the_same_review_and_another_seed_another():
    today = dt.date(2026, 11, 24)

    first, again, other = _plan(2026, today), _plan(2026, today), _plan(7, today)

    assert _digest(first) == _digest(again)
    assert _digest(first) != _digest(other)


def test_a_demo_built_in_november_2026_reviews_2019_to_2025():
    plan = _plan(2026, dt.date(2026, 11, 24))

    years = Counter(p.closed_date.year for p in plan.problems)

    assert plan.first == dt.date(2019, 1, 1) and plan.cutoff == dt.date(2025, 11, 24)
    assert sorted(years) == list(range(2019, 2026))
    assert all(p.registered_date <= p.closed_date <= p.due_date for p in plan.problems)
