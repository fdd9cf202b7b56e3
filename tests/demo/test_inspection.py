"""The demo's central inspection round: the figures of PRODUCT.md, driven
through the case services with plausible people and dates, the same for the
same seed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import Counter

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.db.models import Count, Max, Min
from django.utils import timezone

from greenloop.cases.models import (
    AccountabilityRecord,
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    FeedbackAspect,
    InspectionRound,
)
from greenloop.cases.statistics import disclosure_figures, summarize
from greenloop.demo.accounts import DEMO_ACCOUNTS
from greenloop.demo.inspection import PASSWORDLESS_ACCOUNTS, ROUND_NAME, plan_round
from greenloop.demo.names import NameBook
from greenloop.demo.regions import plan_regions
from greenloop.demo.review import REVIEW_ACCOUNTS
from greenloop.org.models import Person

pytestmark = pytest.mark.django_db

EVENT = "greenloop.cases.case."


def _tree(seed: int = 2026):
    def rng(step: str) -> random.Random:
        return random.Random(f"greenloop-demo:{seed}:{step}")

    return plan_regions(rng("regions"), NameBook(rng("names")))


def _plan(seed: int, today: dt.date):
    return plan_round(random.Random(f"greenloop-demo:{seed}:inspection"), _tree(seed), today)


def _petitions():
    return Case.objects.filter(
        inspection_round__name=ROUND_NAME, source=CaseSource.INSPECTION_PETITION
    )


def test_the_petitions_give_the_figures_of_the_product_brief(demo, demo_now):
    figures = summarize(_petitions(), timezone.localdate(demo_now))

    assert (figures["total"], figures["problems"], figures["key"]) == (91, 100, 21)
    assert (figures["duplicates"], figures["unfounded"]) == (12, 18)
    assert (figures["to_rectify"], figures["done"], figures["in_progress"]) == (61, 53, 8)
    assert figures["overdue"] == 0
    assert figures["on_time_rate"] == 1.0


def test_the_petitions_are_in_varied_states(demo):
    states = Counter(_petitions().values_list("state", flat=True))

    assert states == {
        CaseState.CLOSED: 53 + 18,  # rectified, and found untrue
        CaseState.DUPLICATE: 12,
        CaseState.RECTIFYING: 4,
        CaseState.ACCEPTANCE_REQUESTED: 2,
        CaseState.ACCEPTED: 1,
        CaseState.RECHECKED: 1,
    }


def test_every_closed_case_of_the_round_is_disclosed(demo):
    figures = disclosure_figures(Case.objects.filter(inspection_round__name=ROUND_NAME))

    assert figures["should_disclose"] == 53 + 18 + 2
    assert figures["disclosure_rate"] == 1.0


def test_the_round_has_30_batches_within_its_stationed_dates(demo):
    inspection_round = InspectionRound.objects.get(name=ROUND_NAME)
    batches = inspection_round.batches.annotate(n=Count("cases")).order_by("number")

    assert (inspection_round.stationed_end_date - inspection_round.stationed_start_date).days == 46
    assert [b.number for b in batches] == list(range(1, 31))
    assert sum(b.n for b in batches) == 91 and min(b.n for b in batches) >= 1
    assert all(
        inspection_round.stationed_start_date
        < b.received_date
        < inspection_round.stationed_end_date
        for b in batches
    )


def test_a_demo_built_on_24_november_2026_is_stationed_25_april_to_10_june():
    plan = _plan(2026, dt.date(2026, 11, 24))

    assert (plan.start, plan.end) == (dt.date(2026, 4, 25), dt.date(2026, 6, 10))
    assert plan.feedback == dt.date(2026, 8, 19)


def test_every_petition_is_assigned_within_the_hour_of_its_batch(demo):
    for case in _petitions().exclude(state=CaseState.DUPLICATE).select_related("batch"):
        times = dict(
            CaseEvent.objects.filter(
                case=case, action__in=[EVENT + "registered", EVENT + "assigned"]
            ).values_list("action", "at")
        )
        registered, assigned = times[EVENT + "registered"], times[EVENT + "assigned"]
        assert timezone.localdate(registered) == case.batch.received_date
        assert dt.timedelta(0) < assigned - registered < dt.timedelta(hours=1)


def test_repeats_are_merged_into_earlier_petitions_about_the_same_object(demo):
    for dup in (
        _petitions()
        .filter(state=CaseState.DUPLICATE)
        .select_related("duplicate_of__batch", "batch")
    ):
        assert dup.duplicate_of.batch.number < dup.batch.number
        assert dup.enterprise_name == dup.duplicate_of.enterprise_name
        assert dup.region_id == dup.duplicate_of.region_id


def test_nothing_happens_after_now_and_every_closure_is_on_time(demo, demo_now):
    latest = CaseEvent.objects.aggregate(at=Max("at"))["at"]
    # The round's cases (the demo's public reports have late and overdue ones).
    mine = Case.objects.filter(inspection_round__name=ROUND_NAME)
    closed = mine.filter(state=CaseState.CLOSED).exclude(due_date__isnull=True)

    assert latest <= demo_now
    assert all(timezone.localdate(c.closed_at) <= c.due_date for c in closed)
    assert not mine.overdue(timezone.localdate(demo_now)).exists()


def test_leads_are_the_units_the_category_calls_for(demo):
    leads = Counter(
        _petitions().exclude(state=CaseState.DUPLICATE).values_list("category", "lead_unit__code")
    )
    suffixes = {(category, code.split("-")[-1]) for (category, code) in leads}

    assert {s for _, s in suffixes} <= {"ZF", "STHJ", "ZJ", "GA", "ZR"}
    assert ("NOISE", "STHJ") not in suffixes  # noise goes to 住建 or the county
    assert any(s == "ZF" for _, s in suffixes) and any(s == "STHJ" for _, s in suffixes)


def test_acceptance_and_recheck_are_never_by_the_lead_unit(demo):
    accepted = CaseEvent.objects.filter(
        action__in=[EVENT + "accepted", EVENT + "rechecked"]
    ).select_related("case__lead_unit", "actor__person")

    assert accepted.exists()
    assert all(e.actor.person.unit_id != e.case.lead_unit_id for e in accepted)


def test_the_feedback_report_left_nine_tasks_with_milestones(demo, demo_now):
    tasks = Case.objects.filter(
        inspection_round__name=ROUND_NAME, source=CaseSource.CENTRAL_FEEDBACK
    ).annotate(stones=Count("milestones"), done=Count("milestones__done_at"))

    assert Counter(tasks.values_list("feedback_aspect", flat=True)) == {
        FeedbackAspect.COMMON: 5,
        FeedbackAspect.SPECIFIC: 4,
    }
    assert Counter(tasks.values_list("state", flat=True)) == {
        CaseState.RECTIFYING: 6,
        CaseState.ACCEPTANCE_REQUESTED: 1,
        CaseState.CLOSED: 2,
    }
    assert all(t.stones >= 2 and t.done >= 2 for t in tasks)
    assert all(t.lead_unit_id and t.responsible_leader_id for t in tasks)
    assert all(t.case_units.count() >= 1 for t in tasks)
    assert tasks.aggregate(d=Min("next_due_date"))["d"] >= timezone.localdate(demo_now)


def test_key_petitions_carry_a_leaders_instruction(demo):
    key = _petitions().filter(is_key=True).exclude(state=CaseState.DUPLICATE)

    instructed = key.filter(events__action=EVENT + "instructed").distinct().count()

    assert instructed == 21


def test_a_few_people_were_held_accountable_over_closed_key_petitions(demo):
    records = AccountabilityRecord.objects.filter(inspection_round__name=ROUND_NAME)

    assert records.count() == 6
    assert len(set(records.values_list("form", flat=True))) == 5
    for r in records.prefetch_related("cases"):
        (case,) = r.cases.all()
        assert case.is_key and case.state == CaseState.CLOSED
        assert r.unit_id is not None and r.post


def test_only_the_listed_demo_accounts_can_log_in(demo):
    users = [p.user for p in Person.objects.filter(user__isnull=False).select_related("user")]

    usable = [u.username for u in users if is_password_usable(u.password)]

    assert sorted(usable) == sorted(name for name, _ in DEMO_ACCOUNTS)
    assert len(users) - len(usable) == PASSWORDLESS_ACCOUNTS + REVIEW_ACCOUNTS


def test_the_database_holds_what_the_plan_says(demo, demo_now):
    plan = _plan(2026, timezone.localdate(demo_now))

    stored = {
        c.external_number: (c.batch.number, c.title, c.state, c.is_key, c.problem_count)
        for c in _petitions().select_related("batch")
    }

    expected = {
        p.external_number: (
            p.batch,
            p.title,
            CaseState.CLOSED if p.outcome == CaseState.UNFOUNDED else p.outcome,
            p.is_key,
            p.problem_count,
        )
        for p in plan.petitions
    }
    assert stored == expected


def _digest(plan) -> str:
    rows = [
        [p.external_number, p.title, p.description, p.outcome, p.is_key, p.village.code]
        + [[s.action, s.at.isoformat(), s.text] for s in p.steps]
        for p in plan.petitions
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_same_seed_plans_the_same_round_and_another_seed_another():
    today = dt.date(2026, 11, 24)

    first, again, other = _plan(2026, today), _plan(2026, today), _plan(7, today)

    assert _digest(first) == _digest(again)
    assert _digest(first) != _digest(other)
