"""The city office's statistics come from the tally the services keep
(greenloop.cases.tally): after every kind of change they equal a recount of
the cases, on any day."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services, statistics, tally
from greenloop.cases.campaign_queries import StatisticsFilters, statistics_cases, statistics_for
from greenloop.cases.models import (
    STAGE_STATES,
    TALLY_FIGURES,
    Case,
    CaseCategory,
    CaseSource,
    CaseStageSpan,
    CaseStageTotals,
    CaseState,
    CaseTallyStatus,
    RoundKind,
    stay_micros_field,
    stays_field,
)
from tests.cases.conftest import DUE, Loop

START = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
# Before every deadline, between them, and after all of them.
DAYS = (dt.date(2026, 3, 2), dt.date(2026, 5, 1), dt.date(2027, 1, 1))


def _on(loop, days):
    return Loop(loop.city, START + dt.timedelta(days=days))


def _scanned(user, today):
    """What the statistics show when they scan the cases instead."""
    cases, parent = statistics_cases(user, StatisticsFilters())
    return statistics.case_statistics(cases, today, parent=parent, rounds=_rounds(user))


def _rounds(user):
    from greenloop.cases.models import InspectionRound

    return dict(InspectionRound.objects.visible_to(user).values_list("pk", "name"))


def _assert_tally_is_exact(loop):
    assert tally.kept() == {k: v for k, v in tally.recount().items() if v["total"]}
    # The city, both counties (one of them through its acceptance group),
    # and a department (which has no territory: always counted).
    for who in ("dispatcher", "county_user", "other_county", "acceptance", "dept_user"):
        user = loop.user(who)
        for today in DAYS:
            assert statistics_for(user, StatisticsFilters(), today) == _scanned(user, today)


def _every_kind_of_change(loop):
    """Registration, each transition, a merge, an unfounded case, edits that
    move a case to another unit, county, round and category, disclosure,
    a 回头看 reopening and an imported ledger."""
    dispatcher = loop.user("dispatcher")
    city = loop.city
    closed = _on(loop, 0).to(CaseState.CLOSED)
    _on(loop, 1).to(CaseState.RECTIFYING)
    _on(loop, 2).to(CaseState.ACCEPTED)
    sent_back = _on(loop, 2).to(CaseState.ACCEPTANCE_REQUESTED)
    services.send_back(
        case=sent_back,
        by=loop.user("acceptance"),
        now=START,
        version=sent_back.version,
        comment="材料不全",
    )
    original = _on(loop, 0).register(is_key=True)
    repeat = _on(loop, 0).register(is_key=True)
    services.merge_case(
        case=repeat, into=original, by=dispatcher, now=START, version=repeat.version
    )
    unfounded = _on(loop, 0).register()
    unfounded = services.verify_unfounded(
        case=unfounded,
        by=dispatcher,
        now=START + dt.timedelta(days=3),
        version=unfounded.version,
        finding="经现场核查，该餐馆已停业",
    )
    # Overdue on the later days: a deadline before DAYS[1].
    late = _on(loop, 0).to(CaseState.RECTIFYING)
    late = services.change_case(
        case=late,
        by=dispatcher,
        now=START,
        version=late.version,
        changes={"due_date": dt.date(2026, 4, 1)},
    )
    inspection_round = services.create_round(
        by=dispatcher, now=START, kind=RoundKind.CENTRAL, name="第三轮中央生态环境保护督察"
    )
    moved = _on(loop, 0).to(CaseState.ASSIGNED)
    services.change_case(
        case=moved,
        by=dispatcher,
        now=START,
        version=moved.version,
        changes={
            "region": city.other_township,
            "lead_unit": city.other_gov,
            "category": CaseCategory.WATER,
            "is_key": True,
            "problem_count": 3,
            "inspection_round": inspection_round,
        },
    )
    # In 东山县, but led by 铁西区's government, or with it cooperating: 铁西区
    # sees them beyond its territory.
    led_from_tiexi = _on(loop, 0).register(region=city.other_township)
    _on(loop, 1).assign(led_from_tiexi, lead=city.county_gov)
    helped = _on(loop, 0).register(region=city.other_township)
    _on(loop, 1).assign(helped, lead=city.other_gov, cooperating_units=[city.county_gov])
    services.draft_disclosure(case=closed, by=dispatcher, now=START, text="已整改到位。")
    services.publish_disclosure(case=closed, by=dispatcher, now=START)
    closed = services.reopen_case(
        case=Case.objects.get(pk=closed.pk),
        by=dispatcher,
        now=START + dt.timedelta(days=40),
        version=closed.version,
        reason="问题反弹",
        due_date=DUE,
    )
    services.import_closed_cases(
        by=dispatcher,
        now=START,
        ledger="示范市生态环境问题整改台账（2023—2025年）",
        records=[
            services.ClosedCaseRecord(
                source=CaseSource.PUBLIC_REPORT,
                title=f"历史问题{i}",
                category=CaseCategory.AIR,
                region=city.village,
                lead_unit=city.county_gov,
                registered_date=dt.date(2024, 3, 5),
                closed_date=dt.date(2024, 4, 20),
                due_date=dt.date(2024, 4, 1 + 20 * i),
            )
            for i in range(2)
        ],
    )


def test_after_every_kind_of_change_the_city_figures_equal_a_recount(loop):
    tally.rebuild()

    _every_kind_of_change(loop)

    _assert_tally_is_exact(loop)
    before, after = (
        statistics_for(loop.user("dispatcher"), StatisticsFilters(), day)["summary"]
        for day in (DAYS[0], DAYS[1])
    )
    assert before["total"] == after["total"] == Case.objects.count() == 13
    # On 1 May every open case is past its deadline (30 April, one 1 April).
    assert (before["overdue"], after["overdue"]) == (0, 8)
    figures = statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[1])
    assert {g["name"]: g["total"] for g in figures["by_region"]} == {"铁西区": 10, "东山县": 3}
    county = statistics_for(loop.user("county_user"), StatisticsFilters(), DAYS[1])
    # Its ten cases, and the two in 东山县 it leads or helps with (which
    # have no row in its region table).
    assert county["summary"]["total"] == 12
    assert sum(g["total"] for g in county["by_region"]) == 10


def test_the_first_request_counts_the_tally_and_then_it_is_kept(loop):
    _on(loop, 0).to(CaseState.CLOSED)
    assert not CaseTallyStatus.objects.filter(built=True).exists()  # as after the migration

    first = statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[0])
    _on(loop, 0).to(CaseState.RECTIFYING)
    second = statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[0])

    assert CaseTallyStatus.objects.get().built
    assert (first["summary"]["done"], first["summary"]["in_progress"]) == (1, 0)
    assert (second["summary"]["done"], second["summary"]["in_progress"]) == (1, 1)
    _assert_tally_is_exact(loop)


def test_a_refused_change_leaves_the_figures_as_they_were(loop):
    tally.rebuild()
    case = _on(loop, 0).to(CaseState.RECTIFYING)

    with pytest.raises(services.UnableToTransitionCase):
        services.start_rectification(
            case=case, by=loop.user("county_user"), now=START, version=case.version - 1
        )

    _assert_tally_is_exact(loop)


def test_a_region_moved_to_another_county_takes_its_cases_along(loop):
    from greenloop.org.models import Region

    _on(loop, 0).to(CaseState.CLOSED)
    _on(loop, 0).to(CaseState.RECTIFYING, region=loop.city.village)
    statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[0])
    township = Region.objects.get(pk=loop.city.township.pk)

    # The township (and its community below) now belongs to 东山县.
    township.parent = loop.city.other
    township.save()
    for region in Region.objects.filter(parent=township):
        region.save()

    figures = statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[0])
    assert {g["name"]: g["total"] for g in figures["by_region"]} == {"东山县": 2}
    _assert_tally_is_exact(loop)


def test_a_county_user_is_not_given_the_city_figures(loop):
    tally.rebuild()
    _on(loop, 0).to(CaseState.CLOSED)
    _on(loop, 0).register(region=loop.city.other_township)

    county = statistics_for(loop.user("county_user"), StatisticsFilters(), DAYS[0])
    city = statistics_for(loop.user("dispatcher"), StatisticsFilters(), DAYS[0])

    assert (county["summary"]["total"], city["summary"]["total"]) == (1, 2)


def test_each_case_s_stage_totals_are_the_sums_of_its_stays(loop):
    _every_kind_of_change(loop)

    for case in Case.objects.all():
        spans = CaseStageSpan.objects.filter(case=case)
        totals = CaseStageTotals.objects.filter(case=case).first() or CaseStageTotals()
        for state in STAGE_STATES:
            mine = [s for s in spans if s.state == state]
            assert getattr(totals, stays_field(state)) == len(mine)
            assert getattr(totals, stay_micros_field(state)) == sum(
                round(s.seconds * 1e6) for s in mine
            )
        closures = [s for s in spans if s.seconds_since_registration is not None]
        assert totals.closures == len(closures)
        assert totals.close_micros == sum(
            round(s.seconds_since_registration * 1e6) for s in closures
        )
    # The reopened case, closed once here; the imported ones have no
    # registration to count from.
    assert CaseStageTotals.objects.filter(closures=1).count() == 1


def test_the_tally_keeps_every_figure_that_does_not_depend_on_the_day():
    assert list(statistics.kept_aggregates()) == list(TALLY_FIGURES)
