"""Repeats: proposed on intake with a score and reasons; merging keeps the
petition but counts the problem once, through the case engine."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from greenloop.cases import statistics
from greenloop.cases.models import Case, CaseState
from greenloop.complaints.models import DuplicateCandidate, DuplicateDecision, PetitionState
from tests.complaints.conftest import public_report, route


def _repeat(now: Any) -> Any:
    return public_report(
        now=now,
        description="宏达化工厂的烟囱又在冒黑烟了，晚上特别严重",
        longitude=123.1702,
        latitude=41.1701,
    ).petition


def test_a_repeat_is_proposed_on_intake_with_its_score_and_reasons(
    mapped_city: Any, now: Any
) -> None:
    first = public_report(now=now).petition

    second = _repeat(now)

    candidate = DuplicateCandidate.objects.get(petition=second)
    assert candidate.earlier == first
    assert candidate.is_likely
    assert candidate.reasons
    assert candidate.decision == DuplicateDecision.PENDING
    assert not DuplicateCandidate.objects.filter(petition=first).exists()


def test_merging_counts_the_problem_once_and_keeps_the_petition(
    mapped_city: Any, login: Any, now: Any
) -> None:
    first = route(public_report(now=now).petition, mapped_city)
    second = _repeat(now)
    candidate = DuplicateCandidate.objects.get(petition=second)
    staff = login(mapped_city.users["dispatcher"])

    page = staff.get(reverse("complaints:detail", args=[second.pk]))
    response = staff.post(reverse("complaints:merge", args=[second.pk, candidate.pk]))

    assert "确认重复并合并" in page.content.decode()
    assert response.status_code == 302
    second.refresh_from_db()
    candidate.refresh_from_db()
    assert second.state == PetitionState.MERGED
    assert second.duplicate_of == first
    assert candidate.decision == DuplicateDecision.MERGED
    original = first.problems.get().case
    repeat_case = second.problems.get().case
    assert repeat_case.state == CaseState.DUPLICATE
    assert repeat_case.duplicate_of == original
    figures = statistics.summarize(Case.objects.all(), timezone.localdate(now))
    assert (figures["total"], figures["duplicates"], figures["to_rectify"]) == (2, 1, 1)


def test_a_rejected_candidate_leaves_both_petitions_alone(
    mapped_city: Any, login: Any, now: Any
) -> None:
    public_report(now=now)
    second = _repeat(now)
    candidate = DuplicateCandidate.objects.get(petition=second)
    staff = login(mapped_city.users["dispatcher"])

    staff.post(reverse("complaints:reject", args=[second.pk, candidate.pk]))

    candidate.refresh_from_db()
    second.refresh_from_db()
    assert candidate.decision == DuplicateDecision.REJECTED
    assert candidate.decided_by == mapped_city.users["dispatcher"]
    assert second.state == PetitionState.RECEIVED


def test_a_county_user_cannot_merge(mapped_city: Any, login: Any, now: Any) -> None:
    public_report(now=now)
    second = _repeat(now)
    candidate = DuplicateCandidate.objects.get(petition=second)
    county = login(mapped_city.users["county_user"])

    response = county.post(reverse("complaints:merge", args=[second.pk, candidate.pk]))

    assert response.status_code == 403
    second.refresh_from_db()
    assert second.state == PetitionState.RECEIVED
