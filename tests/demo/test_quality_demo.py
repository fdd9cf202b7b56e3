"""The demo city with its monitoring: registry, lake, AQI, evaluations,
water and open hotspot cases (``greenloop serve --demo`` shows them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from tests.demo.conftest import FAST_HASHER, NOW

pytestmark = [
    pytest.mark.django_db,
    # Raised inside Ibis 12 / DuckDB 2 / pandas 3 (tests/analytics/conftest.py).
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]


@pytest.fixture(scope="module")
def monitored(django_db_setup: Any, django_db_blocker: Any) -> Any:
    import warnings

    from greenloop.demo.city import build_demo_city

    with django_db_blocker.unblock(), FAST_HASHER, transaction.atomic(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        warnings.filterwarnings("ignore", "The 'future.infer_string' option is deprecated")
        yield build_demo_city(seed=2026, now=NOW)
        transaction.set_rollback(True)


def test_every_air_station_of_the_history_is_one_registered_site(monitored: Any) -> None:
    from greenloop.analytics.lake import read_stations
    from greenloop.monitoring.models import Site, SiteKind

    lake = read_stations(_lake()).to_pandas()
    sites = dict(Site.objects.values_list("code", "kind"))
    assert len(lake) == 241 and set(lake["site"]) <= set(sites)
    assert sites["GK01"] == SiteKind.NATIONAL_AIR and sites["SK01"] == SiteKind.PROVINCIAL_AIR
    assert Site.objects.filter(kind=SiteKind.MICRO_AIR, grid__isnull=True).count() == 0


def test_the_lake_ends_with_the_last_closed_hour(monitored: Any) -> None:
    from greenloop.analytics.lake import partition_dates

    assert partition_dates(_lake(), "hour")[-1] == dt.date(2026, 6, 30)  # 16:00 Beijing
    assert dt.date(2026, 7, 1) not in partition_dates(_lake(), "day")


def test_air_hours_days_and_evaluations_are_there(monitored: Any) -> None:
    from greenloop.org.models import Region, RegionLevel
    from greenloop.quality.models import AirDay, AirEvaluation, AirHour, Scope

    city = Region.objects.get(level=RegionLevel.CITY).code
    latest = AirHour.objects.filter(scope=Scope.CITY, code=city).order_by("-hour").first()
    assert latest.hour == NOW - dt.timedelta(hours=1) and latest.aqi is not None
    assert AirHour.objects.filter(scope=Scope.CITY).count() == 48
    assert AirHour.objects.filter(scope=Scope.DISTRICT).values("code").distinct().count() == 8
    days = AirDay.objects.filter(scope=Scope.CITY)
    assert days.count() == (dt.date(2026, 6, 30) - dt.date(2025, 1, 1)).days
    assert days.get(date=dt.date(2025, 6, 1)).standard == "HJ 633-2012"
    assert days.get(date=dt.date(2026, 6, 1)).standard == "HJ 633-2026"
    year = AirEvaluation.objects.filter(period_kind="year", period_start=dt.date(2026, 1, 1))
    assert (
        sorted(year.filter(scope=Scope.DISTRICT).values_list("rank_composite", flat=True))[0] == 1
    )
    assert year.get(scope=Scope.CITY).figures["pm25_mean_previous"] != ""
    months = AirEvaluation.objects.filter(period_kind="month", scope=Scope.CITY)
    assert months.count() == 6


def test_two_hotspot_alerts_are_open_with_assigned_cases(monitored: Any) -> None:
    from greenloop.cases.models import CaseSource, CaseState
    from greenloop.org.models import GridKind
    from greenloop.quality.models import HotspotAlert

    open_alerts = HotspotAlert.objects.filter(closed_at__isnull=True).select_related("case", "grid")
    cases = {a.case for a in open_alerts}
    assert len({a.site_id for a in open_alerts}) == 2 and len(cases) == 2
    assert all(a.grid.kind == GridKind.HOTSPOT for a in open_alerts)
    for case in cases:
        assert case.source == CaseSource.MONITORING_ALERT and case.state == CaseState.ASSIGNED
        assert case.responsible_leader is not None and case.attachments.count() == 1


def test_water_sections_have_two_years_of_months(monitored: Any) -> None:
    from greenloop.quality.water import city_index, section_months

    months = section_months(dt.date(2025, 1, 1), dt.date(2026, 6, 30), lake_dir=_lake())
    index = city_index(dt.date(2026, 1, 1), dt.date(2026, 6, 30), lake_dir=_lake())

    assert len({m.site_code for m in months}) == 12
    assert all(m.water_class is not None for m in months)
    assert {m.control for m in months} == {"国控", "省控"}
    assert any(m.meets is False for m in months)
    assert all(i.cwqi and i.sections == 12 and i.change is not None for i in index)


def _lake() -> Any:
    from django.conf import settings

    return settings.GREENLOOP_LAKE_DIR
