"""Hotspot grids: a micro-station hotter than its district for hours opens
one alert and one case; cool hours close the alert."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from greenloop.quality.hotspots import HotspotRule, detect_hotspots
from greenloop.quality.models import AirHour, HotspotAlert, Scope

BEIJING = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 24, 8, tzinfo=BEIJING)
HOUR = dt.timedelta(hours=1)
RULE = HotspotRule(share=0.3, hours=3, due_days=7)


@pytest.fixture
def micro(city: Any) -> Any:
    """A micro-station in a hotspot grid of 兴盛街道 (铁西区) whose point
    chief is 李铁西 of the 铁西区 government."""
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site
    from greenloop.org.models import Chief, ChiefObject, ChiefSystem, Grid, GridKind, RegionLevel

    grid = Grid.objects.create(
        code="RD210303001000",
        name="兴盛物流园热点网格",
        level=RegionLevel.TOWNSHIP,
        kind=GridKind.HOTSPOT,
        region=city.township,
    )
    site = create_site(
        code="WZ001",
        name="兴盛物流园微站",
        kind=SiteKind.MICRO_AIR,
        region=city.township,
        grid=grid,
        lon=123.41,
        lat=41.79,
    )
    obj = ChiefObject.objects.create(
        system=ChiefSystem.POINT, code="WZ001", name="兴盛物流园微站", region=city.township
    )
    Chief.objects.create(obj=obj, person=city.people["county_user"], level=RegionLevel.TOWNSHIP)
    return site


def _hours(city: Any, station: list[float | None], district: float = 40.0) -> None:
    """PM2.5 of the micro-station and its district, hour by hour from START."""
    for i, value in enumerate(station):
        hour = START + i * HOUR
        AirHour.objects.create(
            scope=Scope.DISTRICT, code=city.county.code, hour=hour, pm25=district, pm10=70.0
        )
        if value is not None:
            AirHour.objects.create(
                scope=Scope.STATION, code="WZ001", hour=hour, pm25=value, pm10=70.0
            )


def _run(hour_index: int) -> Any:
    """The hourly job for the hour ``hour_index`` after START."""
    end = START + hour_index * HOUR
    return detect_hotspots(now=end + HOUR + dt.timedelta(minutes=5), end=end, rule=RULE)


def test_three_hot_hours_open_one_alert_and_one_assigned_case_with_the_evidence(
    city: Any, micro: Any
) -> None:
    from greenloop.cases.models import CaseSource, CaseState

    _hours(city, [40, 60, 60, 61])

    quiet = [_run(i) for i in range(3)]
    found = _run(3)

    assert [q.opened for q in quiet] == [0, 0, 0]
    assert (found.opened, found.cases) == (1, 1)
    alert = HotspotAlert.objects.get()
    assert (alert.pollutant, alert.hours, alert.closed_at) == ("pm25", 3, None)
    assert alert.first_hour == START + HOUR and alert.grid.name == "兴盛物流园热点网格"
    assert round(alert.excess, 3) == 0.525  # 61 / 40 − 1
    case = alert.case
    assert case.source == CaseSource.MONITORING_ALERT and case.state == CaseState.ASSIGNED
    assert case.region == city.township and case.lead_unit == city.county_gov
    assert case.responsible_leader == city.people["county_user"]
    assert "连续 3 小时" in case.description and "61" in case.description
    assert case.due_date == dt.date(2026, 12, 1)
    attachment = case.attachments.get()
    assert attachment.extension == "xlsx"
    with attachment.file.open("rb") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[-1] in ("是", "否")]
    assert [r[1] for r in rows] == [40, 60, 60, 61]
    assert [r[2] for r in rows] == [40, 40, 40, 40]


def test_a_fourth_hot_hour_extends_the_alert_without_a_second_case(city: Any, micro: Any) -> None:
    from greenloop.cases.models import Case

    _hours(city, [60, 60, 60, 70])
    _run(2)

    again = _run(3)

    assert (again.opened, again.cases) == (0, 0)
    alert = HotspotAlert.objects.get()
    assert alert.hours == 4 and alert.last_hour == START + 3 * HOUR
    assert round(alert.excess, 2) == 0.75
    assert Case.objects.count() == 1


def test_cool_hours_close_the_alert_and_leave_the_case_to_people(city: Any, micro: Any) -> None:
    from greenloop.cases.models import CaseState

    # A missing hour (None) is neither hot nor cool: it restarts the count.
    _hours(city, [60, 60, 60, 45, None, 44, 50, 52])

    closed = [_run(i).closed for i in range(2, 8)]

    alert = HotspotAlert.objects.get()
    assert closed == [0, 0, 0, 0, 0, 1]
    assert alert.closed_at == START + 8 * HOUR + dt.timedelta(minutes=5)
    assert alert.last_hour == START + 2 * HOUR
    assert alert.case.state == CaseState.ASSIGNED


def test_a_new_episode_after_the_alert_closed_opens_a_new_alert_and_case(
    city: Any, micro: Any
) -> None:
    _hours(city, [60, 60, 60, 40, 40, 40, 60, 60, 60])

    opened = sum(_run(i).opened for i in range(2, 9))

    assert opened == 2
    assert HotspotAlert.objects.filter(closed_at__isnull=True).count() == 1
    assert len({a.case_id for a in HotspotAlert.objects.all()}) == 2


def test_the_share_is_a_setting(city: Any, micro: Any, settings: Any) -> None:
    settings.GREENLOOP_HOTSPOT_SHARE = 0.6
    _hours(city, [60, 60, 60])

    found = detect_hotspots(now=START + 3 * HOUR, end=START + 2 * HOUR)

    assert found.opened == 0  # 50 % above the mean is under a 60 % threshold
