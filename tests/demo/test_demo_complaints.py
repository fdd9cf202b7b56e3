"""The demo city's year of public reports: enough of them, across channels
and seasons, with repeats to merge, varied states, and nobody's real
personal data."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from greenloop.cases.models import CaseState
from greenloop.cases.services import find_personal_data
from greenloop.complaints import services, statistics
from greenloop.complaints.models import (
    Channel,
    Complainant,
    DuplicateCandidate,
    DuplicateDecision,
    Petition,
    PetitionState,
    Problem,
    RewardRecord,
)
from greenloop.demo import complaints as demo_complaints
from greenloop.demo.names import NameBook
from greenloop.demo.regions import plan_regions
from tests.demo.conftest import FAST_HASHER, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def city(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The demo city without the monitoring history (not needed here)."""
    from greenloop.demo.city import build_demo_city

    with django_db_blocker.unblock(), FAST_HASHER, transaction.atomic():
        yield build_demo_city(seed=2026, now=NOW, monitoring=False)
        transaction.set_rollback(True)


def test_a_year_of_reports_across_every_channel(city: Any) -> None:
    per_channel = dict(Petition.objects.values_list("channel").annotate(n=Count("pk")))

    assert 2300 <= sum(per_channel.values()) <= 2800
    assert per_channel[Channel.INSPECTION] == 91  # the inspection round's petitions
    assert per_channel[Channel.WEB] > per_channel[Channel.HOTLINE] > per_channel[Channel.LETTER]
    assert per_channel[Channel.VISIT] > 100
    first, last = (
        Petition.objects.exclude(channel=Channel.INSPECTION)
        .order_by(field)
        .values_list("received_at", flat=True)
        .first()
        for field in ("received_at", "-received_at")
    )
    assert (NOW - first).days <= 365 and (NOW - last).days < 3


def test_repeats_are_planted_mostly_merged_some_waiting(city: Any) -> None:
    total = Petition.objects.count()
    merged = Petition.objects.filter(state=PetitionState.MERGED)
    waiting = Petition.objects.filter(
        state=PetitionState.RECEIVED,
        duplicate_candidates__decision=DuplicateDecision.PENDING,
        duplicate_candidates__is_likely=True,
    ).distinct()

    assert 0.08 <= merged.count() / total <= 0.15
    assert waiting.count() >= 15
    assert DuplicateCandidate.objects.filter(decision=DuplicateDecision.MERGED).count() == (
        merged.count()
    )
    # Rephrased, and some written in traditional characters.
    assert merged.filter(description__regex=r"[煙氣廠臭們這]").exists()
    repeat = merged.exclude(duplicate_of=None).select_related("duplicate_of").first()
    assert repeat.description != repeat.duplicate_of.description


def test_merged_repeats_have_cases_only_when_the_original_had_one(city: Any) -> None:
    for repeat in Petition.objects.filter(state=PetitionState.MERGED).select_related(
        "duplicate_of"
    )[:200]:
        mine = Problem.objects.get(petition=repeat).case
        theirs = Problem.objects.filter(petition=repeat.duplicate_of).first()
        if mine is not None:
            assert mine.state == CaseState.DUPLICATE
            assert theirs is not None and theirs.case is not None


def test_states_are_varied_and_routed_problems_are_cases(city: Any) -> None:
    states = dict(Petition.objects.values_list("state").annotate(n=Count("pk")))
    figures = statistics.summarize(Petition.objects.all(), NOW.date())

    assert states[PetitionState.CLOSED] > 0.7 * sum(states.values())
    for state in (PetitionState.RECEIVED, PetitionState.ROUTED, PetitionState.HANDLING):
        assert states[state] >= 5
    assert states[PetitionState.REPLIED] >= 5
    assert 5 <= figures["overdue"] <= 60
    assert 0.85 <= figures["on_time_rate"] <= 0.98
    assert 0.6 <= figures["verified_share"] <= 0.9
    assert figures["disclosed"] > 1000
    assert not Problem.objects.filter(
        case=None,
        petition__state__in=[
            PetitionState.ROUTED,
            PetitionState.HANDLING,
            PetitionState.REPLIED,
            PetitionState.CLOSED,
        ],
    ).exists()
    assert RewardRecord.objects.count() >= 1


def test_a_few_enterprises_draw_many_complaints(city: Any) -> None:
    top = statistics.top_enterprises(Petition.objects.all(), 6)

    assert top[0]["count"] >= 50
    assert top[5]["count"] >= 20


def test_straw_burning_comes_in_spring_and_autumn(city: Any) -> None:
    months = dict(
        Petition.objects.filter(description__contains="秸秆")
        .values_list("received_at__month")
        .annotate(n=Count("pk"))
    )

    spring_autumn = sum(months.get(m, 0) for m in (3, 4, 10, 11))
    summer = sum(months.get(m, 0) for m in (6, 7, 8))
    assert spring_autumn > 4 * max(summer, 1)


def test_no_real_looking_personal_data(city: Any) -> None:
    people = list(Complainant.objects.values_list("name", "phone", "id_number"))

    assert len(people) > 300
    for name, phone, id_number in people:
        assert re.fullmatch(r".(某|某某|先生|女士)", name), name
        assert re.fullmatch(r"1380000\d{4}", phone), phone
        assert id_number == ""
    texts = Petition.objects.exclude(channel=Channel.INSPECTION).values_list(
        "description", flat=True
    )
    assert not [t for t in texts if find_personal_data(t)]


def test_the_suggested_unit_is_the_services_suggestion(city: Any) -> None:
    sample = list(
        Petition.objects.exclude(channel=Channel.INSPECTION)
        .select_related("suggested_region", "suggested_unit")
        .order_by("pk")[::97]
    )

    for petition in sample:
        expected = services.suggest_unit(
            region=petition.suggested_region, category=petition.category
        )
        assert petition.suggested_unit == expected, petition.number


def test_the_plan_is_decided_by_the_seed() -> None:
    def plan(seed: int) -> list[tuple[Any, ...]]:
        tree = plan_regions(random.Random(f"r{seed}"), NameBook(random.Random(f"n{seed}")))
        planner = demo_complaints._Planner(random.Random(seed), tree, NOW)
        planner.originals()
        planner.repeats()
        planner.outcomes(
            {Channel.WEB: 30, Channel.HOTLINE: 30, Channel.LETTER: 60, Channel.VISIT: 60}
        )
        return [
            (r.received_at, r.description, r.point, r.repeat_of, r.reply_at)
            for r in planner.reports
        ]

    assert plan(7) == plan(7)
    assert plan(7) != plan(8)
