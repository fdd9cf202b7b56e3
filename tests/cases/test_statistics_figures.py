"""The PRODUCT.md figures of a central inspection round, on hand-built data:
30 batches, 91 petitions carrying 100 problems, 21 key; 61 to rectify,
53 done, 8 in progress; on-time closure 100%, disclosure 100%; 9 feedback
tasks, 5 common and 4 specific."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from greenloop.cases import statistics, tally
from greenloop.cases.campaign_queries import StatisticsFilters, statistics_for
from greenloop.cases.models import (
    Case,
    CaseDisclosure,
    CaseSource,
    CaseState,
    DisclosureStatus,
    FeedbackAspect,
    InspectionBatch,
    InspectionRound,
    RoundKind,
)

TODAY = dt.date(2027, 2, 1)
DUE = dt.date(2027, 1, 31)
LATER = dt.date(2027, 6, 30)
REGISTERED_AT = dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC)
CLOSED_AT = dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC)


def build_round(city):
    """The central round of PRODUCT.md, built row by row (no services: the
    figures, not the loop, are under test)."""
    inspection_round = InspectionRound.objects.create(
        kind=RoundKind.CENTRAL,
        name="第二轮中央生态环境保护督察",
        stationed_start_date=dt.date(2026, 4, 25),
        stationed_end_date=dt.date(2026, 6, 10),
    )
    batches = InspectionBatch.objects.bulk_create(
        [
            InspectionBatch(
                inspection_round=inspection_round,
                number=n,
                received_date=dt.date(2026, 4, 25) + dt.timedelta(days=n),
            )
            for n in range(1, 31)
        ]
    )
    rows: list[Case] = []

    def add(
        state,
        n,
        prefix="督信",
        source=CaseSource.INSPECTION_PETITION,
        batch="spread",
        feedback_aspect="",
        **extra,
    ):
        for _ in range(n):
            i = len(rows)
            rows.append(
                Case(
                    number=f"{prefix}-2026-{i + 1:04d}",
                    source=source,
                    title="交办信访件",
                    category="AIR",
                    # Odd rows in 铁西区, even rows in 东山县.
                    region=city.township if i % 2 else city.other_township,
                    inspection_round=inspection_round,
                    batch=batches[i % 30] if batch == "spread" else batch,
                    feedback_aspect=feedback_aspect,
                    state=state,
                    state_changed_at=REGISTERED_AT,
                    created_at=REGISTERED_AT,
                    updated_at=REGISTERED_AT,
                    **extra,
                )
            )

    working = {"lead_unit": city.county_gov, "due_date": DUE}
    add(CaseState.CLOSED, 53, closed_at=CLOSED_AT, **working)
    add(CaseState.RECTIFYING, 8, lead_unit=city.county_gov, due_date=LATER, next_due_date=LATER)
    add(CaseState.CLOSED, 15, is_unfounded=True, closed_at=dt.datetime(2026, 6, 5, tzinfo=dt.UTC))
    add(CaseState.UNFOUNDED, 3, is_unfounded=True)
    Case.objects.bulk_create(rows)
    original = Case.objects.order_by("pk").first()
    rows.clear()
    add(CaseState.DUPLICATE, 12, prefix="重复", duplicate_of=original)
    Case.objects.bulk_create(rows)
    petitions = Case.objects.filter(source=CaseSource.INSPECTION_PETITION)
    key = list(
        petitions.exclude(state=CaseState.DUPLICATE)
        .order_by("pk")
        .values_list("pk", flat=True)[:21]
    )
    petitions.filter(pk__in=key).update(is_key=True)
    doubled = list(petitions.order_by("pk").values_list("pk", flat=True)[:9])
    petitions.filter(pk__in=doubled).update(problem_count=2)
    # Every closed case of the round is disclosed.
    CaseDisclosure.objects.bulk_create(
        [
            CaseDisclosure(
                case=c,
                text="经核查，反映问题属实，已整改到位。",
                status=DisclosureStatus.PUBLISHED,
                published_at=CLOSED_AT,
            )
            for c in petitions.filter(state=CaseState.CLOSED)
        ]
    )
    # The feedback report: 9 rectification tasks, 5 province-wide, 4 city-specific.
    rows.clear()
    for aspect, n, state in (
        (FeedbackAspect.COMMON, 5, CaseState.CLOSED),
        (FeedbackAspect.SPECIFIC, 4, CaseState.RECTIFYING),
    ):
        extra = {"closed_at": CLOSED_AT} if state == CaseState.CLOSED else {"next_due_date": LATER}
        add(
            state,
            n,
            prefix="中督",
            source=CaseSource.CENTRAL_FEEDBACK,
            batch=None,
            feedback_aspect=aspect,
            lead_unit=city.county_gov,
            due_date=DUE if state == CaseState.CLOSED else LATER,
            **extra,
        )
    Case.objects.bulk_create(rows)
    for c in Case.objects.filter(source=CaseSource.CENTRAL_FEEDBACK, state=CaseState.CLOSED):
        CaseDisclosure.objects.create(
            case=c, text="整改完成。", status=DisclosureStatus.PUBLISHED, published_at=CLOSED_AT
        )
    # Rows written without the services: the figures kept per group are
    # recounted, as after any such write.
    tally.rebuild()
    return inspection_round


@pytest.fixture
def central_round(loop_city):
    return build_round(loop_city)


def test_the_petition_figures_come_straight_out(central_round):
    petitions = Case.objects.filter(
        inspection_round=central_round, source=CaseSource.INSPECTION_PETITION
    )

    figures = statistics.summarize(petitions, TODAY)
    disclosure = statistics.disclosure_figures(petitions)

    assert (figures["total"], figures["problems"], figures["key"]) == (91, 100, 21)
    assert (figures["to_rectify"], figures["done"], figures["in_progress"]) == (61, 53, 8)
    assert figures["on_time_rate"] == 1.0
    assert disclosure["should_disclose"] == 53 + 15
    assert disclosure["disclosure_rate"] == 1.0


def test_the_round_has_30_batches_whose_figures_add_up(central_round):
    cases = Case.objects.filter(inspection_round=central_round)

    progress = statistics.round_progress(cases, central_round.batches.order_by("number"), TODAY)

    batches = progress["batches"]
    assert [b["number"] for b in batches] == list(range(1, 31))
    assert sum(b["total"] for b in batches) == 91
    assert sum(b["problems"] for b in batches) == 100
    assert sum(b["to_rectify"] for b in batches) == 61
    assert sum(b["done"] for b in batches) == 53
    assert all(b["on_time_rate"] == 1.0 for b in batches)
    assert sum(sum(b["states"].values()) for b in batches) == 91
    # The feedback tasks belong to no batch.
    assert progress["unbatched"]["total"] == 9


def test_the_feedback_tasks_are_grouped_5_common_and_4_specific(central_round):
    cases = Case.objects.filter(inspection_round=central_round)

    aspects = statistics.round_progress(cases, [], TODAY)["aspects"]

    assert [(a["group"], a["total"], a["done"]) for a in aspects] == [
        ("COMMON", 5, 5),
        ("SPECIFIC", 4, 0),
    ]
    assert [a["name"] for a in aspects] == ["共性问题", "个性问题"]


def test_a_withdrawn_or_missing_text_lowers_the_disclosure_rate(central_round):
    petitions = Case.objects.filter(source=CaseSource.INSPECTION_PETITION)
    CaseDisclosure.objects.filter(
        pk__in=CaseDisclosure.objects.order_by("pk").values("pk")[:4]
    ).update(status=DisclosureStatus.WITHDRAWN)

    disclosure = statistics.disclosure_figures(petitions)

    assert disclosure["disclosed"] == 64
    assert disclosure["disclosure_rate"] == pytest.approx(64 / 68)


def test_counts_by_state_source_and_category_list_every_choice(central_round):
    cases = Case.objects.filter(inspection_round=central_round)

    by_state = {c["key"]: c["count"] for c in statistics.count_by(cases, "state")}
    by_source = {c["key"]: c["count"] for c in statistics.count_by(cases, "source")}

    assert by_state["CLOSED"] == 53 + 15 + 5
    assert by_state["DUPLICATE"] == 12 and by_state["REGISTERED"] == 0
    assert by_source == {
        **dict.fromkeys(CaseSource.values, 0),
        "INSPECTION_PETITION": 91,
        "CENTRAL_FEEDBACK": 9,
    }


def test_by_region_splits_the_city_into_its_counties(central_round, loop_city):
    petitions = Case.objects.filter(source=CaseSource.INSPECTION_PETITION)

    regions = statistics.summarize_by_region(petitions, loop_city.city, TODAY)

    assert [r["name"] for r in regions] == ["铁西区", "东山县"]
    assert sum(r["total"] for r in regions) == 91
    assert sum(r["done"] for r in regions) == 53


def test_statistics_for_a_county_user_count_only_their_county(central_round, loop_city):
    county = statistics_for(loop_city.users["county_user"], StatisticsFilters(), TODAY)
    city = statistics_for(loop_city.users["dispatcher"], StatisticsFilters(), TODAY)

    assert city["summary"]["total"] == 100
    assert 0 < county["summary"]["total"] < 100
    assert [r["name"] for r in county["by_region"]] == ["兴盛街道"]


def test_a_batch_filter_lists_that_batch_only(central_round, loop_city):
    batch = central_round.batches.get(number=2)

    figures = statistics_for(
        loop_city.users["dispatcher"],
        StatisticsFilters(inspection_round=central_round, batch=batch),
        TODAY,
    )

    # Rows 1, 31 and 61 of the 79 originals, and duplicate row 1.
    assert figures["summary"]["total"] == 4
    assert [b["name"] for b in figures["by_batch"]] == ["第2批"]


# --- days per stage, from the timeline ---------------------------------------------


def test_average_days_per_stage_come_from_the_timeline(loop):
    from tests.cases.conftest import Loop

    start = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)

    def at(days):
        return Loop(loop.city, start + dt.timedelta(days=days))

    case = at(0).register()
    case = at(1).assign(case)
    case = at(2).start(case)
    at(5).evidence(case)
    case = at(5).request(case)
    # Sent back once: a second stay in RECTIFYING and in ACCEPTANCE_REQUESTED.
    from greenloop.cases import services

    case = services.send_back(
        case=case,
        by=loop.user("acceptance"),
        now=start + dt.timedelta(days=6),
        version=case.version,
        comment="材料不全",
    )
    at(8).evidence(case)
    case = at(8).request(case)
    case = at(9).accept(case)
    case = at(11).recheck(case)
    at(12).close(case)

    stages = statistics.stage_durations(Case.objects.all())

    days = {s["state"]: (s["average_days"], s["stays"]) for s in stages["stages"]}
    assert days["REGISTERED"] == (1.0, 1)
    assert days["ASSIGNED"] == (1.0, 1)
    assert days["RECTIFYING"] == (2.5, 2)  # 3 days, then 2
    assert days["ACCEPTANCE_REQUESTED"] == (1.0, 2)
    assert days["ACCEPTED"] == (2.0, 1)
    assert days["RECHECKED"] == (1.0, 1)
    assert days["UNFOUNDED"] == (None, 0)
    assert (stages["closures"], stages["days_to_close"]) == (1, 12.0)


def test_an_unfinished_stay_is_not_counted(loop):
    loop.assign(loop.register())

    stages = statistics.stage_durations(Case.objects.all())

    assert {s["state"]: s["stays"] for s in stages["stages"]}["ASSIGNED"] == 0
    assert stages["days_to_close"] is None


# --- definitions ---------------------------------------------------------------------


def test_every_figure_has_a_definition_in_the_docs():
    doc = (Path(__file__).parents[2] / "docs" / "cases-statistics.md").read_text(encoding="utf-8")

    documented = set(re.findall(r"^### `([a-z_]+)`", doc, flags=re.MULTILINE))

    assert set(statistics.DEFINITIONS) <= documented


# --- the statistics page in one pass -------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "county_user"])
def test_the_statistics_page_shows_what_each_table_computed_alone_shows(
    central_round, loop_city, who
):
    from greenloop.cases.campaign_queries import statistics_cases
    from greenloop.org.models import Unit

    cases, parent = statistics_cases(loop_city.users[who], StatisticsFilters())
    rounds = dict(InspectionRound.objects.values_list("pk", "name"))
    units = {**dict(Unit.objects.values_list("pk", "name")), None: "未交办"}

    figures = statistics.case_statistics(cases, TODAY, parent=parent, rounds=rounds)

    assert figures["summary"] == statistics.summarize(cases, TODAY)
    assert figures["disclosure"] == statistics.disclosure_figures(cases)
    for field in ("state", "source", "category"):
        assert figures[f"by_{field}"] == statistics.count_by(cases, field)
    assert figures["by_region"] == statistics.summarize_by_region(cases, parent, TODAY)
    assert figures["by_unit"] == statistics.summarize_by(cases, TODAY, "lead_unit", units)
    assert figures["by_round"] == [
        g for g in statistics.summarize_by(cases, TODAY, "inspection_round", rounds) if g["group"]
    ]


def test_the_batch_table_of_a_round_is_the_same_as_computed_alone(central_round, loop_city):
    from greenloop.cases.campaign_queries import statistics_cases

    filters = StatisticsFilters(inspection_round=central_round)
    cases, parent = statistics_cases(loop_city.users["dispatcher"], filters)
    batches = {b.pk: f"第{b.number}批" for b in central_round.batches.order_by("number")}

    figures = statistics.case_statistics(cases, TODAY, parent=parent, rounds={}, batches=batches)

    alone = statistics.summarize_by(cases, TODAY, "batch", batches, batches)
    assert figures["by_batch"] == [g for g in alone if g["group"]]
    assert len(figures["by_batch"]) == 30


def test_the_statistics_take_a_fixed_number_of_queries(
    central_round, loop_city, django_assert_max_num_queries
):
    dispatcher = loop_city.users["dispatcher"]
    statistics_for(dispatcher, StatisticsFilters(), TODAY)  # the reader's scope, once

    # Rounds, the region table's parent, the one pass, region and unit names, stages.
    with django_assert_max_num_queries(6):
        figures = statistics_for(dispatcher, StatisticsFilters(), TODAY)

    assert figures["summary"]["total"] == 100


@pytest.mark.parametrize("who", ["dispatcher", "county_user"])
def test_the_stages_of_the_statistics_page_are_those_of_the_cases_counted(loop_city, now, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from greenloop.cases.campaign_queries import statistics_cases
    from tests.cases.conftest import Loop

    def at(days):
        return Loop(loop_city, now + dt.timedelta(days=days))

    at(0).to(CaseState.CLOSED)
    at(0).to(CaseState.RECTIFYING)
    # Outside the county and led from outside it: the county does not see it.
    elsewhere = at(-3).register(region=loop_city.other)
    at(4).assign(elsewhere, lead=loop_city.other_acceptance_group)
    cases, parent = statistics_cases(loop_city.users[who], StatisticsFilters())

    with CaptureQueriesContext(connection) as captured:
        figures = statistics.case_statistics(cases, TODAY, parent=parent, rounds={})

    # The cases' own stage totals are summed; their stays are not read.
    assert not [q for q in captured.captured_queries if "cases_casestagespan" in q["sql"]]
    assert figures["stages"] == statistics.stage_durations(cases)
    everything = statistics.stage_durations(Case.objects.all())
    if who == "dispatcher":
        assert cases.count() == Case.objects.count()
        assert figures["stages"] == everything
    else:
        assert cases.count() == Case.objects.count() - 1
        assert figures["stages"] != everything
