"""Readable numbers: one sequence per source and year."""

from __future__ import annotations

import datetime as dt

from greenloop.cases.models import CaseSource


def test_numbers_count_up_per_source(loop):
    numbers = [loop.register(source=CaseSource.CENTRAL_FEEDBACK).number for _ in range(3)]
    hotline = loop.register(source=CaseSource.HOTLINE_12369).number

    assert numbers == ["中督-2026-0001", "中督-2026-0002", "中督-2026-0003"]
    assert hotline == "12369-2026-0001"


def test_the_year_is_the_beijing_year_of_registration(loop):
    loop.register(source=CaseSource.PUBLIC_REPORT)
    # 2026-12-31 16:30 UTC is already 1 January 2027 in Beijing.
    loop.now = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)

    assert loop.register(source=CaseSource.PUBLIC_REPORT).number == "举报-2027-0001"


def test_numbers_keep_counting_past_four_digits(loop):
    from greenloop.cases.models import CaseNumberSequence

    CaseNumberSequence.objects.create(source=CaseSource.PATROL, year=2026, last=9999)

    assert loop.register(source=CaseSource.PATROL).number == "巡查-2026-10000"
