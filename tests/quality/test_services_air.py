"""Hourly and daily AQI of stations, districts and the city, and the
evaluations, computed by the quality services from the inbox and the lake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from greenloop.airquality import hourly_aqi
from greenloop.analytics.lake import write_readings
from greenloop.quality import services_air
from greenloop.quality.models import AirDay, AirEvaluation, AirHour, Scope

#: Warnings raised inside Ibis 12 / DuckDB 2 / pandas 3 (tests/analytics/conftest.py).
pytestmark = [
    pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]

BEIJING = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 5, 1, 12, 10, tzinfo=BEIJING)
CODES = {
    "so2": "a21026",
    "no2": "a21004",
    "pm10": "a34002",
    "co": "a21005",
    "o3": "a05024",
    "pm25": "a34004",
}
#: Reference aqi-hj633.md §8 example E (2026 real-time): AQI 110, PM2.5.
EXAMPLE_E = {"so2": 20, "no2": 90, "co": 0.9, "o3": 210, "pm10": 135, "pm25": 70}


@pytest.fixture
def stations(city: Any) -> dict[str, Any]:
    """Two national stations in 铁西区, a provincial one in 东山县, a
    micro-station in 铁西区; one device each."""
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site, register_device

    plan = [
        ("TX01", "铁西一号国控站", SiteKind.NATIONAL_AIR, city.township),
        ("TX02", "铁西二号国控站", SiteKind.NATIONAL_AIR, city.county),
        ("DS01", "东山省控站", SiteKind.PROVINCIAL_AIR, city.other_township),
        ("WZ01", "兴盛微站", SiteKind.MICRO_AIR, city.township),
    ]
    out = {}
    for i, (code, name, kind, region) in enumerate(plan):
        site = create_site(code=code, name=name, kind=kind, region=region, lon=123.4, lat=41.8)
        out[code] = register_device(
            mn=f"0100TEST{i:016d}", password="123456", site=site, now=NOW, st="22"
        )
    return out


def _packet(device: Any, at: dt.datetime, values: dict[str, Any], flag: str = "N") -> None:
    """A CN 2061 hourly packet as the gateway stores it in the inbox."""
    from greenloop.monitoring.models import InboxPacket

    pollutants = {}
    for p, v in values.items():
        code = {"so2_2005": "02"}.get(p, CODES.get(p, p))
        pollutants[code] = {"Avg": str(v), "Flag": flag}
    InboxPacket.objects.create(
        device=device,
        mn=device.mn,
        cn="2061",
        data_time=at,
        received_at=at + dt.timedelta(hours=1),
        raw=b"##",
        pollutants=pollutants,
    )


def test_a_stations_hourly_aqi_is_the_kernels_for_the_inbox_values(
    stations: Any, tmp_path: Any
) -> None:
    hour = dt.datetime(2026, 5, 1, 10, tzinfo=BEIJING)
    _packet(stations["TX01"], hour, EXAMPLE_E)

    services_air.compute_air_hours(
        start=hour, end=hour + dt.timedelta(hours=1), now=NOW, lake_dir=tmp_path
    )

    row = AirHour.objects.get(scope=Scope.STATION, code="TX01", hour=hour)
    kernel = hourly_aqi(
        pd.DataFrame([{"station": "TX01", "time": pd.Timestamp("2026-05-01 10:00"), **EXAMPLE_E}]),
        options=services_air.OPTIONS,
    ).iloc[0]
    assert (row.aqi, row.primary, row.level, row.standard) == (110, "pm25", 3, "HJ 633-2026")
    assert row.aqi == kernel["aqi"] and row.iaqi["pm10"] == kernel["iaqi_pm10"] == 106
    assert row.pm25 == 70 and row.co == 0.9 and row.name == "铁西一号国控站"


def test_invalid_flags_are_left_out_and_2005_codes_are_read(stations: Any, tmp_path: Any) -> None:
    hour = dt.datetime(2026, 5, 1, 10, tzinfo=BEIJING)
    _packet(stations["TX01"], hour, {"so2_2005": 12, "pm25": 40})
    _packet(stations["TX02"], hour, {"pm25": 999}, flag="D")

    services_air.compute_air_hours(
        start=hour, end=hour + dt.timedelta(hours=1), now=NOW, lake_dir=tmp_path
    )

    assert AirHour.objects.get(scope=Scope.STATION, code="TX01").so2 == 12
    assert not AirHour.objects.filter(code="TX02").exists()
    assert (
        AirHour.objects.get(
            scope=Scope.DISTRICT, code=stations["TX01"].site.region.parent.code
        ).pm25
        == 40
    )


def test_district_is_the_mean_of_its_control_stations_and_city_of_national_ones(
    stations: Any, city: Any, tmp_path: Any
) -> None:
    hour = dt.datetime(2026, 5, 1, 10, tzinfo=BEIJING)
    _packet(stations["TX01"], hour, {**EXAMPLE_E, "pm25": 70})
    _packet(stations["TX02"], hour, {**EXAMPLE_E, "pm25": 51})
    _packet(stations["DS01"], hour, {**EXAMPLE_E, "pm25": 20})
    _packet(stations["WZ01"], hour, {"pm25": 300, "pm10": 400})

    services_air.compute_air_hours(
        start=hour, end=hour + dt.timedelta(hours=1), now=NOW, lake_dir=tmp_path
    )

    tiexi = AirHour.objects.get(scope=Scope.DISTRICT, code=city.county.code)
    dongshan = AirHour.objects.get(scope=Scope.DISTRICT, code=city.other.code)
    whole = AirHour.objects.get(scope=Scope.CITY, code=city.city.code)
    # (70 + 51) / 2 = 60.5 → 60 (GB/T 8170, half to even); the micro-station stays out.
    assert (tiexi.pm25, tiexi.stations, tiexi.name) == (60, 2, "铁西区")
    assert (dongshan.pm25, dongshan.stations) == (20, 1)
    # The city: national stations only (DS01 is provincial).
    assert (whole.pm25, whole.stations) == (60, 2)
    assert AirHour.objects.get(code="WZ01").pm25 == 300


def test_the_rule_set_switches_at_2026_03_01_beijing_time(stations: Any, tmp_path: Any) -> None:
    before = dt.datetime(2026, 2, 28, 23, tzinfo=BEIJING)
    after = dt.datetime(2026, 3, 1, 0, tzinfo=BEIJING)
    for hour in (before, after):
        _packet(stations["TX01"], hour, {**EXAMPLE_E, "pm25": 70, "pm10": 50, "o3": 50})

    services_air.compute_air_hours(
        start=before, end=after + dt.timedelta(hours=1), now=NOW, lake_dir=tmp_path
    )

    old = AirHour.objects.get(scope=Scope.STATION, hour=before)
    new = AirHour.objects.get(scope=Scope.STATION, hour=after)
    # PM2.5 70 on the 24-h breakpoints: 2012 (35–75) → 94; 2026 (60–115) → 110.
    assert (old.standard, old.aqi) == ("HJ 633-2012", 94)
    assert (new.standard, new.aqi) == ("HJ 633-2026", 110)


def test_rerunning_an_hour_replaces_its_rows(stations: Any, tmp_path: Any) -> None:
    hour = dt.datetime(2026, 5, 1, 10, tzinfo=BEIJING)
    _packet(stations["TX01"], hour, {"pm25": 40})
    services_air.run_hourly_aqi(now=hour + dt.timedelta(hours=1, minutes=5), lake_dir=tmp_path)
    _packet(stations["TX02"], hour, {"pm25": 60})  # a late packet

    services_air.run_hourly_aqi(now=hour + dt.timedelta(hours=2, minutes=5), lake_dir=tmp_path)

    assert AirHour.objects.filter(scope=Scope.STATION, hour=hour).count() == 2
    assert AirHour.objects.get(scope=Scope.CITY, hour=hour).pm25 == 50


def _lake_day(lake_dir: Any, site: str, mn: str, day: dt.date, values: dict[str, float]) -> None:
    rows: dict[str, list[Any]] = {
        k: [] for k in ("mn", "site", "factor", "data_time", "avg", "flag")
    }
    for h in range(24):
        at = dt.datetime.combine(day, dt.time(h), tzinfo=BEIJING)
        for p, v in values.items():
            rows["mn"].append(mn)
            rows["site"].append(site)
            rows["factor"].append(CODES[p])
            rows["data_time"].append(at.astimezone(dt.UTC))
            rows["avg"].append(float(v))
            rows["flag"].append("N")
    table = pa.table({**rows, "data_time": pa.array(rows["data_time"], pa.timestamp("us", "UTC"))})
    write_readings(lake_dir, "hour", table, durable=False)


def test_daily_aqi_and_evaluations_come_from_the_lake(
    stations: Any, city: Any, tmp_path: Any
) -> None:
    services_air.refresh_lake_stations(tmp_path)
    for day in (dt.date(2025, 5, 1), dt.date(2026, 5, 1)):
        for code, pm25 in (("TX01", 70), ("TX02", 50), ("DS01", 30)):
            values = {"so2": 10, "no2": 30, "co": 0.5, "o3": 100, "pm10": 80, "pm25": pm25}
            _lake_day(tmp_path, code, stations[code].mn, day, values)

    written = services_air.compute_air_days(
        start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 1), now=NOW, lake_dir=tmp_path
    )
    # May to date, on its first day (a cumulative period: no validity minimum).
    evaluated = services_air.evaluate_periods(
        [services_air.Period(dt.date(2026, 5, 1), dt.date(2026, 5, 1), "month")],
        now=NOW,
        lake_dir=tmp_path,
    )

    assert written == 3 + 2 + 1
    day = AirDay.objects.get(scope=Scope.DISTRICT, code=city.county.code)
    assert (day.pm25, day.o3, day.stations, day.standard) == (60, 100, 2, "HJ 633-2026")
    assert day.aqi == 100 and day.primary == "pm25"  # PM2.5 60 is IAQI 100 since 2026-03-01
    assert evaluated == 3 + 2 + 1
    tiexi = AirEvaluation.objects.get(scope=Scope.DISTRICT, code=city.county.code)
    dongshan = AirEvaluation.objects.get(scope=Scope.DISTRICT, code=city.other.code)
    assert (tiexi.rank_pm25, dongshan.rank_pm25) == (2, 1)
    assert tiexi.figures["pm25_mean"] == "60" and tiexi.figures["pm25_mean_previous"] == "60"
    assert tiexi.rules["current"]["standards"] == "HJ 633-2026"
    assert tiexi.rules["previous"]["standards"] == "HJ 633-2012"
    assert AirEvaluation.objects.get(scope=Scope.STATION, code="TX01").rank_pm25 is None


def test_the_daily_job_reads_yesterday_from_the_inbox_before_the_mover_moved_it(
    stations: Any, city: Any, tmp_path: Any
) -> None:
    day = dt.date(2026, 4, 30)
    for h in range(24):
        at = dt.datetime.combine(day, dt.time(h), tzinfo=BEIJING)
        _packet(stations["TX01"], at, {"so2": 10, "no2": 30, "co": 0.5, "o3": 100,
                                       "pm10": 80, "pm25": 70 if h < 12 else 50})  # fmt: skip

    services_air.run_daily_aqi(
        now=dt.datetime(2026, 5, 1, 1, 20, tzinfo=BEIJING), lake_dir=tmp_path
    )

    station = AirDay.objects.get(scope=Scope.STATION, code="TX01", date=day)
    whole = AirDay.objects.get(scope=Scope.CITY, date=day)
    assert (station.pm25, station.o3, station.valid) == (60, 100, True)
    assert (whole.pm25, whole.aqi, whole.primary) == (60, 100, "pm25")


def test_the_hourly_job_is_registered_and_reports_what_it_did(
    stations: Any, settings: Any, tmp_path: Any
) -> None:
    import greenloop.quality.jobs  # noqa: F401 - registers the jobs
    from greenloop.jobs import JOBS

    settings.GREENLOOP_LAKE_DIR = tmp_path
    hour = dt.datetime(2026, 5, 1, 10, tzinfo=BEIJING)
    _packet(stations["TX01"], hour, EXAMPLE_E)
    job = JOBS["quality.hourly_aqi"]

    summary = job.func(hour + dt.timedelta(hours=1, minutes=5))

    assert (job.every, job.offset) == (dt.timedelta(hours=1), dt.timedelta(minutes=5))
    assert summary.startswith("4 小时") and "热点告警 新增 0" in summary
    assert AirHour.objects.get(scope=Scope.STATION, code="TX01", hour=hour).aqi == 110
    assert {"quality.daily_aqi", "quality.air_evaluation"} <= set(JOBS)


def test_the_evaluation_job_evaluates_the_month_and_year_ended_again_in_early_january(
    monkeypatch: Any,
) -> None:
    seen: list[services_air.Period] = []
    monkeypatch.setattr(
        services_air, "evaluate_periods", lambda periods, **kw: seen.extend(periods) or 0
    )

    services_air.run_evaluations(now=dt.datetime(2026, 1, 3, 1, 40, tzinfo=BEIJING))

    P = services_air.Period
    assert seen == [
        P(dt.date(2026, 1, 1), dt.date(2026, 1, 2), "month"),
        P(dt.date(2026, 1, 1), dt.date(2026, 1, 2), "year"),
        P(dt.date(2025, 12, 1), dt.date(2025, 12, 31), "month"),
        P(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "year"),
    ]


def test_the_jobs_do_nothing_without_air_stations(db: Any, settings: Any, tmp_path: Any) -> None:
    import greenloop.quality.jobs  # noqa: F401 - registers the jobs
    from greenloop.jobs import JOBS

    settings.GREENLOOP_LAKE_DIR = tmp_path

    summary = JOBS["quality.hourly_aqi"].func(NOW)
    daily = JOBS["quality.daily_aqi"].func(NOW)
    evaluation = JOBS["quality.air_evaluation"].func(NOW)

    assert "0 行小时空气质量" in summary and daily == "0 行日空气质量"
    assert evaluation == "0 行空气质量评价"
    assert not AirHour.objects.exists() and not AirDay.objects.exists()
