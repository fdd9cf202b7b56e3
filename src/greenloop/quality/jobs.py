"""Scheduled jobs of the quality app (run by ``greenloop worker``).

Each job is a thin wrapper: it reads nothing but ``now`` and calls one
service with explicit arguments (``docs/air-water.md``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from greenloop.jobs import job


@job("quality.hourly_aqi", every=timedelta(hours=1), offset=timedelta(minutes=5))
def hourly_aqi(now: datetime) -> str:
    """Hourly AQI of stations, districts and the city, then hotspot detection."""
    from greenloop.quality.hotspots import detect_hotspots
    from greenloop.quality.services_air import run_hourly_aqi

    summary = run_hourly_aqi(now=now)
    found = detect_hotspots(now=now, end=summary.grid.hours[-1].to_pydatetime())
    return (
        f"{summary.hours} 小时，{summary.rows} 行小时空气质量；"
        f"热点告警 新增 {found.opened}，解除 {found.closed}，立案 {found.cases}"
    )


@job("quality.daily_aqi", every=timedelta(days=1), offset=timedelta(hours=1, minutes=20))
def daily_aqi(now: datetime) -> str:
    """Daily AQI of the previous two days (HJ 663 daily values from the lake)."""
    from greenloop.quality.services_air import run_daily_aqi

    return f"{run_daily_aqi(now=now)} 行日空气质量"


@job("quality.air_evaluation", every=timedelta(days=1), offset=timedelta(hours=1, minutes=40))
def air_evaluation(now: datetime) -> str:
    """Monthly and annual evaluation (month and year to date, with year on year)."""
    from greenloop.quality.services_air import run_evaluations

    return f"{run_evaluations(now=now)} 行空气质量评价"
