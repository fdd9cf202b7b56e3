"""The reported figures, on hand-built data with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases.models import Case, CaseState
from greenloop.cases.statistics import summarize

TODAY = dt.date(2027, 2, 1)
DUE = dt.date(2027, 1, 31)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def batch(loop_city):
    """The PRODUCT.md figures: 91 petitions carrying 100 problems, 21 key;
    after removing 12 duplicates and 18 unfounded, 61 to rectify, 53 done
    (all on time but one) and 8 in progress (3 of them overdue)."""
    city = loop_city
    rows = []

    def add(state, n, **extra):
        for _ in range(n):
            rows.append(
                Case(
                    number=f"督信-2026-{len(rows) + 1:04d}",
                    source="INSPECTION_PETITION",
                    title="交办信访件",
                    category="AIR",
                    region=city.township,
                    state=state,
                    state_changed_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                    **extra,
                )
            )

    original = {"lead_unit": city.county_gov, "due_date": DUE}
    add(CaseState.CLOSED, 52, closed_at=dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC), **original)
    # Closed at 00:30 on 1 February in Beijing: one day late.
    add(CaseState.CLOSED, 1, closed_at=dt.datetime(2027, 1, 31, 16, 30, tzinfo=dt.UTC), **original)
    add(CaseState.RECTIFYING, 3, next_due_date=DUE, **original)
    add(
        CaseState.RECTIFYING,
        5,
        due_date=dt.date(2027, 6, 30),
        next_due_date=dt.date(2027, 6, 30),
        lead_unit=city.county_gov,
    )
    add(CaseState.CLOSED, 15, is_unfounded=True, closed_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    add(CaseState.UNFOUNDED, 3, is_unfounded=True)
    Case.objects.bulk_create(rows)
    first = Case.objects.order_by("pk").first()
    rows.clear()
    add(CaseState.DUPLICATE, 12, duplicate_of=first)
    for case in rows:
        case.number = case.number.replace("督信", "重复")
    Case.objects.bulk_create(rows)
    # 21 key cases and 100 problems over the 91.
    key = list(
        Case.objects.exclude(state=CaseState.DUPLICATE)
        .order_by("pk")
        .values_list("pk", flat=True)[:21]
    )
    Case.objects.filter(pk__in=key).update(is_key=True)
    extra = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:9])
    Case.objects.filter(pk__in=extra).update(problem_count=2)
    return Case.objects.all()


def test_the_batch_figures_come_straight_out(batch):
    figures = summarize(batch, TODAY)

    assert figures["total"] == 91
    assert figures["problems"] == 100
    assert figures["key"] == 21
    assert figures["duplicates"] == 12
    assert figures["unfounded"] == 18
    assert figures["to_rectify"] == 61
    assert figures["done"] == 53
    assert figures["in_progress"] == 8
    assert figures["overdue"] == 3
    assert figures["completion_rate"] == pytest.approx(53 / 61)


def test_on_time_closure_counts_the_beijing_date_of_closure(batch):
    figures = summarize(batch, TODAY)

    # Due by today: 53 closed + 15 closed unfounded + 3 overdue open.
    assert figures["due"] == 71
    assert figures["closed_on_time"] == 52 + 15
    assert figures["on_time_rate"] == pytest.approx(67 / 71)


def test_an_empty_selection_has_no_rates(loop_city):
    figures = summarize(Case.objects.none(), TODAY)

    assert figures["total"] == 0
    assert figures["on_time_rate"] is None and figures["completion_rate"] is None
