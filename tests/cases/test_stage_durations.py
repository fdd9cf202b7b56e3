"""Days per stage (各环节平均用时): each transition records the stay it ends;
cases recorded before that are rebuilt from their timelines."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from greenloop.cases import services, statistics
from greenloop.cases.campaign_queries import StatisticsFilters, statistics_for
from greenloop.cases.models import (
    STAGE_TOTAL_FIELDS,
    Case,
    CaseCategory,
    CaseSource,
    CaseStageSpan,
    CaseStageTotals,
)
from tests.cases.conftest import Loop

START = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
TODAY = dt.date(2026, 7, 1)
LATER = dt.date(2026, 6, 30)


def _on(loop, days):
    return Loop(loop.city, START + dt.timedelta(days=days))


def _days(figures):
    return {s["state"]: (s["average_days"], s["stays"]) for s in figures["stages"]}


def _closed_reopened_and_closed_again(loop):
    case = _on(loop, 0).register()
    case = _on(loop, 2).assign(case)
    case = _on(loop, 3).start(case)
    _on(loop, 7).evidence(case)
    case = _on(loop, 7).request(case)
    case = _on(loop, 8).accept(case)
    case = _on(loop, 9).recheck(case)
    case = _on(loop, 10).close(case)
    # 回头看 finds a relapse 30 days after closure.
    case = services.reopen_case(
        case=case,
        by=loop.user("dispatcher"),
        now=START + dt.timedelta(days=40),
        version=case.version,
        reason="问题反弹",
        due_date=LATER,
    )
    _on(loop, 46).evidence(case)
    case = _on(loop, 46).request(case)
    case = _on(loop, 47).accept(case)
    case = _on(loop, 48).recheck(case)
    return _on(loop, 50).close(case)


def _unfounded_and_closed(loop):
    case = _on(loop, 0).register()
    case = services.verify_unfounded(
        case=case,
        by=loop.user("dispatcher"),
        now=START + dt.timedelta(days=3),
        version=case.version,
        finding="经现场核查，该餐馆已停业",
    )
    return _on(loop, 5).close(case)


def test_a_reopened_case_counts_both_closures_but_not_the_time_it_stayed_closed(loop):
    _closed_reopened_and_closed_again(loop)

    figures = statistics.stage_durations(Case.objects.all())

    assert _days(figures) == {
        "REGISTERED": (2.0, 1),
        "ASSIGNED": (1.0, 1),
        "RECTIFYING": (5.0, 2),  # 4 days, then 6 after the reopening
        "ACCEPTANCE_REQUESTED": (1.0, 2),
        "ACCEPTED": (1.0, 2),
        "RECHECKED": (1.5, 2),  # 1 day, then 2
        "UNFOUNDED": (None, 0),
    }
    # Both closures from registration: 10 and 50 days.
    assert (figures["closures"], figures["days_to_close"]) == (2, 30.0)


def test_an_unfounded_case_waits_in_unfounded_until_it_is_closed(loop):
    _unfounded_and_closed(loop)

    figures = statistics.stage_durations(Case.objects.all())

    assert _days(figures)["REGISTERED"] == (3.0, 1)
    assert _days(figures)["UNFOUNDED"] == (2.0, 1)
    assert (figures["closures"], figures["days_to_close"]) == (1, 5.0)


def test_an_imported_case_closed_again_has_stays_but_no_registration_to_closure(loop):
    (case,) = services.import_closed_cases(
        by=loop.user("dispatcher"),
        now=START,
        ledger="示范市生态环境问题整改台账（2023—2025年）",
        records=[
            services.ClosedCaseRecord(
                source=CaseSource.PUBLIC_REPORT,
                title="某砂石厂粉尘污染",
                category=CaseCategory.AIR,
                region=loop.city.village,
                lead_unit=loop.city.county_gov,
                registered_date=dt.date(2024, 3, 5),
                closed_date=dt.date(2024, 4, 20),
                due_date=dt.date(2024, 4, 30),
            )
        ],
    )
    case = services.reopen_case(
        case=case,
        by=loop.user("dispatcher"),
        now=START + dt.timedelta(days=1),
        version=case.version,
        reason="问题反弹",
        due_date=LATER,
    )
    _on(loop, 4).evidence(case)
    case = _on(loop, 4).request(case)
    case = _on(loop, 5).accept(case)
    case = _on(loop, 6).recheck(case)
    _on(loop, 8).close(case)

    figures = statistics.stage_durations(Case.objects.all())

    assert _days(figures)["RECTIFYING"] == (3.0, 1)
    assert _days(figures)["RECHECKED"] == (2.0, 1)
    assert (figures["closures"], figures["days_to_close"]) == (0, None)


def test_stays_recorded_before_the_upgrade_are_rebuilt_from_the_timelines(loop):
    _closed_reopened_and_closed_again(loop)
    _unfounded_and_closed(loop)
    case = _on(loop, 0).register()
    case = _on(loop, 1).assign(case)
    case = _on(loop, 2).start(case)
    _on(loop, 6).evidence(case)
    case = _on(loop, 6).request(case)
    services.send_back(
        case=case,
        by=loop.user("acceptance"),
        now=START + dt.timedelta(days=6, hours=7),
        version=case.version,
        comment="材料不全",
    )
    recorded = statistics.stage_durations(Case.objects.all())
    totals = _stage_totals()
    spans = CaseStageSpan.objects.count()
    with connection.cursor() as cursor:
        # As before migration cases.0007: timelines without stays (and, as
        # before cases.0008, cases without stage totals).
        cursor.execute(f"DELETE FROM {CaseStageSpan._meta.db_table}")  # noqa: S608
    CaseStageTotals.objects.all().delete()
    backfill = importlib.import_module(
        "greenloop.cases.migrations.0007_backfill_case_stage_spans"
    ).backfill_stage_spans
    backfill_totals = importlib.import_module(
        "greenloop.cases.migrations.0008_case_stage_totals_and_tally"
    ).backfill_stage_totals

    emptied = statistics.stage_durations(Case.objects.all())
    backfill(apps, None)
    backfill(apps, None)  # a second run adds nothing
    backfill_totals(apps, SimpleNamespace(connection=connection))

    assert all(s["stays"] == 0 for s in emptied["stages"])
    assert CaseStageSpan.objects.count() == spans == 17
    assert statistics.stage_durations(Case.objects.all()) == recorded
    assert _days(recorded)["ACCEPTANCE_REQUESTED"] == (0.8, 3)  # 1, 1 and 7 hours
    # The totals the transitions added up are those rebuilt from the stays.
    assert _stage_totals() == totals
    assert sum(t["closures"] for t in totals.values()) == 3


def _stage_totals():
    return {
        t["case"]: t
        for t in CaseStageTotals.objects.order_by("case").values("case", *STAGE_TOTAL_FIELDS)
    }


def test_a_county_user_averages_the_stays_of_their_county_only(loop):
    tiexi = _on(loop, 0).register()
    _on(loop, 1).assign(tiexi)
    dongshan = _on(loop, 0).register(region=loop.city.other_township)
    _on(loop, 3).assign(dongshan, lead=loop.city.other_gov)

    county = statistics_for(loop.user("county_user"), StatisticsFilters(), TODAY)
    city = statistics_for(loop.user("dispatcher"), StatisticsFilters(), TODAY)

    assert _days(county["stages"])["REGISTERED"] == (1.0, 1)
    assert _days(city["stages"])["REGISTERED"] == (2.0, 2)
