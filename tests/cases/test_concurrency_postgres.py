"""Real concurrency on PostgreSQL: threads with their own connections race
for one case and for case numbers. (SQLite serialises writers; the
optimistic-locking logic itself is covered in test_guards.py.)"""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from greenloop.cases import services
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import Case, CaseEvent, CaseSource, CaseState
from tests.cases.conftest import DUE

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
]


def _race(*calls):
    """Start every call at the same moment, each in its own thread and
    connection; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_people_acting_on_one_case_at_once_cannot_both_succeed(transactional_db, loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    by = loop.user("acceptance")
    version = case.version

    results = _race(
        lambda: services.accept_case(
            case=Case.objects.get(pk=case.pk), by=by, now=loop.now, version=version
        ),
        lambda: services.send_back(
            case=Case.objects.get(pk=case.pk),
            by=by,
            now=loop.now,
            version=version,
            comment="未整改到位",
        ),
    )

    refusals = [r for r in results if isinstance(r, UnableToActOnCase)]
    assert len(refusals) == 1 and refusals[0].reason == Refusal.STALE, results
    final = Case.objects.get(pk=case.pk)
    assert final.version == version + 1
    assert (
        CaseEvent.objects.filter(case=case, from_state=CaseState.ACCEPTANCE_REQUESTED).count() == 1
    )


@pytest.mark.parametrize("first", [True, False], ids=["sequence-exists", "first-of-the-year"])
def test_concurrent_registrations_get_distinct_consecutive_numbers(transactional_db, loop, first):
    start = 1
    if first:
        loop.register(source=CaseSource.PATROL)
        start = 2

    results = _race(*[lambda: loop.register(source=CaseSource.PATROL) for _ in range(8)])

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"巡查-2026-{n:04d}" for n in range(start, start + 8)]


def test_changes_made_at_once_keep_the_city_figures_exact(transactional_db, loop):
    from greenloop.cases import tally

    tally.rebuild()
    rectifying = [loop.to(CaseState.RECTIFYING) for _ in range(4)]
    for case in rectifying:
        loop.evidence(case)
    closed = loop.to(CaseState.CLOSED)
    dispatcher = loop.user("dispatcher")
    services.draft_disclosure(case=closed, by=dispatcher, now=loop.now, text="已整改到位。")

    # Cases of one group (lead unit, round, town) change at the same moment,
    # and new ones join another (not yet assigned): acceptance requested,
    # registrations, a text published while its case is reopened by 回头看.
    results = _race(
        *[lambda c=c: loop.request(Case.objects.get(pk=c.pk)) for c in rectifying],
        *[lambda: loop.register() for _ in range(3)],
        lambda: services.publish_disclosure(case=closed, by=dispatcher, now=loop.now),
        lambda: services.reopen_case(
            case=Case.objects.get(pk=closed.pk),
            by=dispatcher,
            now=loop.now,
            version=closed.version,
            reason="问题反弹",
            due_date=DUE,
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert tally.kept() == {k: v for k, v in tally.recount().items() if v["total"]}
    kept = {n: sum(g[n] for g in tally.kept().values()) for n in next(iter(tally.kept().values()))}
    assert (kept["n_state_ACCEPTANCE_REQUESTED"], kept["n_state_REGISTERED"]) == (4, 3)
    assert (kept["published"], kept["n_state_CLOSED"], kept["n_state_RECTIFYING"]) == (1, 0, 1)
