"""Rows of the quality tables built by hand, for the page tests.

The jobs that fill these tables have their own tests; the pages only need
rows with known figures. Times are aware; hours are starts of hours (UTC
stored, Beijing shown).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from greenloop.monitoring.models import Site, SiteKind
from greenloop.quality.models import AirDay, AirEvaluation, AirHour, HotspotAlert, Scope

BEIJING = ZoneInfo("Asia/Shanghai")
#: The latest hour of the test data: 2026-03-02 09:00 Beijing.
LATEST = dt.datetime(2026, 3, 2, 9, tzinfo=BEIJING)


def site(
    code: str,
    name: str,
    region: Any,
    *,
    kind: str = SiteKind.NATIONAL_AIR,
    lon: float | None = 123.4,
    lat: float | None = 41.8,
) -> Site:
    return Site.objects.create(code=code, name=name, kind=kind, region=region, lon=lon, lat=lat)


def _level(aqi: int | None) -> int | None:
    if aqi is None:
        return None
    for level, bound in enumerate((50, 100, 150, 200, 300), start=1):
        if aqi <= bound:
            return level
    return 6


def air_hour(
    code: str,
    aqi: int | None,
    *,
    hour: dt.datetime = LATEST,
    scope: str = Scope.STATION,
    name: str = "",
    **figures: Any,
) -> AirHour:
    values = {"pm25": 35.0, "pm10": 60.0, "o3": 80.0, "no2": 30.0, "so2": 8.0, "co": 0.6}
    values.update(figures.pop("values", {}))
    return AirHour.objects.create(
        scope=scope,
        code=code,
        name=name,
        hour=hour,
        aqi=aqi,
        level=figures.pop("level", _level(aqi)),
        primary=figures.pop("primary", "pm25" if aqi and aqi > 50 else ""),
        standard=figures.pop("standard", "HJ 633-2026"),
        **values,
        **figures,
    )


def air_day(
    code: str,
    date: dt.date,
    aqi: int | None,
    *,
    scope: str = Scope.CITY,
    name: str = "",
    primary: str = "",
    **figures: Any,
) -> AirDay:
    return AirDay.objects.create(
        scope=scope,
        code=code,
        name=name,
        date=date,
        aqi=aqi,
        level=_level(aqi),
        primary=primary,
        standard="HJ 633-2026",
        pm25=figures.pop("pm25", 30.0),
        **figures,
    )


def evaluation(
    code: str,
    name: str,
    *,
    start: dt.date = dt.date(2026, 2, 1),
    end: dt.date = dt.date(2026, 2, 28),
    kind: str = "month",
    scope: str = Scope.DISTRICT,
    rank_composite: int | None = None,
    rank_pm25: int | None = None,
    rules: Any = None,
    **figures: Any,
) -> AirEvaluation:
    return AirEvaluation.objects.create(
        period_start=start,
        period_end=end,
        period_kind=kind,
        scope=scope,
        code=code,
        name=name,
        figures={k: str(v) if v is not None else "" for k, v in figures.items()},
        rules=rules
        if rules is not None
        else {
            "current": {"standards": "HJ 633-2026", "limits": "GB 3095-2026 (过渡期限值)"},
            "previous": {"standards": "HJ 633-2012", "limits": "GB 3095-2012"},
        },
        rank_composite=rank_composite,
        rank_pm25=rank_pm25,
    )


def hotspot(
    site: Site,
    *,
    district_code: str,
    case: Any = None,
    grid: Any = None,
    pollutant: str = "pm25",
    opened_at: dt.datetime = LATEST,
    closed_at: dt.datetime | None = None,
    hours: int = 3,
    excess: float = 0.62,
) -> HotspotAlert:
    return HotspotAlert.objects.create(
        site=site,
        grid=grid,
        district_code=district_code,
        pollutant=pollutant,
        first_hour=opened_at - dt.timedelta(hours=hours - 1),
        last_hour=opened_at,
        hours=hours,
        excess=excess,
        evidence=[],
        case=case,
        opened_at=opened_at,
        closed_at=closed_at,
    )
