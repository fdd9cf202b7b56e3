"""Hotspot detection: a micro-station running hotter than its district.

Rule (decision 0015, ``docs/air-water.md``): a micro-station's hourly PM2.5
or PM10 is *hot* in an hour when it is above its district's mean of that
hour by more than ``GREENLOOP_HOTSPOT_SHARE`` (0.3 = 30 %), and *cool*
when it is at or below that threshold; an hour without either value is
neither. After ``GREENLOOP_HOTSPOT_HOURS`` (3) consecutive hot hours a
:class:`~greenloop.quality.models.HotspotAlert` opens — at most one open per
station and pollutant (a database constraint) — and a case of source
监测预警 is registered and assigned through the case services, with the
evidence series attached as an Excel file. While the alert is open, further
hot hours extend it; no second case is opened. After as many consecutive
cool hours the alert closes; the case stays for people to finish.

The district mean is the district row of ``AirHour`` (the mean of its
control stations), the figure the pages publish.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from greenloop.cases.errors import UnableToActOnCase
from greenloop.quality.models import AirHour, HotspotAlert, Scope

logger = logging.getLogger(__name__)

HOUR = dt.timedelta(hours=1)
POLLUTANTS: tuple[str, ...] = ("pm25", "pm10")
LABELS = {"pm25": "PM2.5", "pm10": "PM10"}
#: Hours of history shown in the evidence before the alert's first hot hour.
EVIDENCE_CONTEXT = 12


@dataclass(frozen=True)
class HotspotRule:
    """The configured rule: share above the district mean, and hours."""

    share: float = 0.3
    hours: int = 3
    due_days: int = 7

    @classmethod
    def from_settings(cls) -> HotspotRule:
        return cls(
            share=float(getattr(settings, "GREENLOOP_HOTSPOT_SHARE", 0.3)),
            hours=int(getattr(settings, "GREENLOOP_HOTSPOT_HOURS", 3)),
            due_days=int(getattr(settings, "GREENLOOP_HOTSPOT_DUE_DAYS", 7)),
        )


@dataclass
class HotspotSummary:
    opened: int = 0
    closed: int = 0
    cases: int = 0
    alerts: list[HotspotAlert] = field(default_factory=list)


class UnableToRaiseCase(Exception):
    """No account to register monitoring-alert cases with."""


# --- the series ----------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    hours: pd.DatetimeIndex
    sites: list[str]
    district_of: dict[str, str]
    value: dict[str, np.ndarray]  # pollutant → sites × hours
    mean: dict[str, np.ndarray]  # pollutant → sites × hours (their district's)


def _series(start: dt.datetime, end: dt.datetime) -> _Series:
    """Micro-station and district hourly PM of ``start`` ≤ h ≤ ``end``."""
    from greenloop.quality.services_air import air_stations

    stations = air_stations()
    micro = stations[stations["kind"] == "micro"]
    sites = list(micro["site"])
    district_of = dict(zip(micro["site"], micro["district"], strict=True))
    hours = pd.date_range(start.astimezone(dt.UTC), end.astimezone(dt.UTC), freq="h")
    rows = AirHour.objects.filter(hour__gte=start, hour__lte=end).filter(
        scope__in=[Scope.STATION, Scope.DISTRICT]
    )
    frame = pd.DataFrame(
        rows.values_list("scope", "code", "hour", "pm25", "pm10"),
        columns=["scope", "code", "hour", "pm25", "pm10"],
    )
    value = {p: np.full((len(sites), len(hours)), np.nan) for p in POLLUTANTS}
    mean = {p: np.full((len(sites), len(hours)), np.nan) for p in POLLUTANTS}
    if frame.empty:
        return _Series(hours, sites, district_of, value, mean)
    st = frame[frame["scope"] == Scope.STATION]
    row = pd.Index(sites).get_indexer(st["code"])
    col = hours.get_indexer(pd.DatetimeIndex(pd.to_datetime(st["hour"], utc=True)))
    ok = (row >= 0) & (col >= 0)
    for p in POLLUTANTS:
        value[p][row[ok], col[ok]] = st[p].to_numpy(dtype=np.float64, na_value=np.nan)[ok]
    ds = frame[frame["scope"] == Scope.DISTRICT]
    codes = sorted(set(ds["code"]))
    d_index = {c: i for i, c in enumerate(codes)}
    d_mean = {p: np.full((len(codes), len(hours)), np.nan) for p in POLLUTANTS}
    d_col = hours.get_indexer(pd.DatetimeIndex(pd.to_datetime(ds["hour"], utc=True)))
    d_row = np.array([d_index[c] for c in ds["code"]], dtype=np.int64)
    keep = d_col >= 0
    for p in POLLUTANTS:
        d_mean[p][d_row[keep], d_col[keep]] = ds[p].to_numpy(dtype=np.float64, na_value=np.nan)[
            keep
        ]
    which = np.array([d_index.get(district_of[s], -1) for s in sites], dtype=np.int64)
    for p in POLLUTANTS:
        m = mean[p]
        has = which >= 0
        m[has] = d_mean[p][which[has]]
    return _Series(hours, sites, district_of, value, mean)


def _runs(flags: np.ndarray) -> np.ndarray:
    """Length of the run of ``True`` ending at each hour (axis 1)."""
    out = np.zeros(flags.shape, dtype=np.int64)
    run = np.zeros(flags.shape[0], dtype=np.int64)
    for h in range(flags.shape[1]):
        run = np.where(flags[:, h], run + 1, 0)
        out[:, h] = run
    return out


# --- the case ------------------------------------------------------------------


def alert_actor() -> Any:
    """The account monitoring-alert cases are registered and assigned by.

    ``GREENLOOP_ALERT_USER`` names it; without it, the longest-standing
    city-level dispatcher (委办调度员) acts (decision 0015).
    """
    from greenloop.org.models import RegionLevel
    from greenloop.org.roles import Role

    user_model = get_user_model()
    name = getattr(settings, "GREENLOOP_ALERT_USER", "")
    if name:
        user = user_model.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise UnableToRaiseCase(f"GREENLOOP_ALERT_USER={name!r} 不是有效账号")
        return user
    user = (
        user_model.objects.filter(
            is_active=True,
            person__is_active=True,
            person__role_grants__role=Role.DISPATCHER,
            person__unit__region__level=RegionLevel.CITY,
            person__unit__governs_territory=True,
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        raise UnableToRaiseCase("没有市级调度员账号，无法登记监测预警问题")
    return user


def point_chief(site: Any) -> Any:
    """The point chief (点位长) of a station: the chief of the POINT object
    with the station's code, else of a POINT object in the station's grid's
    region — the one at the lowest level (township before county)."""
    from greenloop.org.models import Chief, ChiefSystem

    chiefs = Chief.objects.filter(obj__system=ChiefSystem.POINT).select_related(
        "person__unit", "obj"
    )
    found = chiefs.filter(obj__code=site.code).order_by("-level", "pk").first()
    if found is None and site.grid_id is not None:
        found = chiefs.filter(obj__region_id=site.grid.region_id).order_by("-level", "pk").first()
    return found


def territorial_unit(region: Any) -> Any:
    """The territorial body (government first) of ``region`` or its nearest
    ancestor that has one."""
    from greenloop.org.models import Unit, UnitKind

    order = {UnitKind.GOVERNMENT: 0, UnitKind.TOWNSHIP_BODY: 1, UnitKind.PARTY_COMMITTEE: 2}
    for r in reversed(region.ancestors()):
        units = list(Unit.objects.filter(region=r, governs_territory=True).order_by("pk"))
        if units:
            units.sort(key=lambda u: order.get(u.kind, 9))
            return units[0]
    return None


def evidence_workbook(alert: HotspotAlert, series: Sequence[dict[str, Any]]) -> bytes:
    """The evidence series as an .xlsx file (hour, station, district mean)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "证据序列"
    label = LABELS[alert.pollutant]
    sheet.append(["站点", alert.site.name, alert.site.code])
    sheet.append(["污染物", label, "µg/m³"])
    sheet.append([])
    sheet.append(["时段（北京时间）", f"站点{label}", f"区县均值{label}", "超出比例", "是否超标"])
    for item in series:
        sheet.append(
            [
                item["hour_local"],
                item["value"],
                item["district_mean"],
                None if item["excess"] is None else round(item["excess"], 3),
                "是" if item["hot"] else "否",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _raise_case(
    alert: HotspotAlert, series: Sequence[dict[str, Any]], rule: HotspotRule, now: dt.datetime
) -> Any:
    """Register and assign the alert's case through the case services."""
    from django.utils import timezone

    from greenloop.cases.models import CaseCategory, CaseSource
    from greenloop.cases.services import assign_case, register_case

    actor = alert_actor()
    site = alert.site
    label = LABELS[alert.pollutant]
    hot = [s for s in series if s["hot"]]
    peak = max(hot, key=lambda s: s["excess"] or 0)
    lines = [
        f"{site.name}（{site.code}）{label}小时浓度自 {_local(alert.first_hour)} 起连续 "
        f"{alert.hours} 小时高于所在区县控制站均值 {rule.share:.0%} 以上（热点网格规则）。",
        f"最高：{peak['hour_local']} 站点 {peak['value']:g} µg/m³，区县均值 "
        f"{peak['district_mean']:g} µg/m³，高出 {peak['excess']:.0%}。",
        "逐时数据："
        + "；".join(f"{s['hour_local'][11:16]} {s['value']:g}/{s['district_mean']:g}" for s in hot),
        "请属地核查周边扬尘、燃烧等污染源并整改，证据序列见附件。",
    ]
    grid = site.grid
    title = f"{(grid.name if grid else site.name)}：{label}连续{alert.hours}小时高于区县均值"
    upload = ContentFile(evidence_workbook(alert, series), name=f"热点告警-{site.code}.xlsx")
    case = register_case(
        by=actor,
        now=now,
        source=CaseSource.MONITORING_ALERT,
        title=title[:200],
        category=CaseCategory.AIR,
        region=site.region,
        description="\n".join(lines),
        external_number=f"HS-{site.code}-{alert.pollutant}-{alert.first_hour:%Y%m%d%H}",
        address=grid.name if grid else "",
        longitude=site.lon,
        latitude=site.lat,
        tags=["热点网格", "监测预警"],
        files=[upload],
    )
    chief = point_chief(site)
    lead = chief.person.unit if chief else territorial_unit(grid.region if grid else site.region)
    if lead is not None:
        case = assign_case(
            case=case,
            by=actor,
            now=now,
            version=case.version,
            lead_unit=lead,
            due_date=timezone.localdate(now) + dt.timedelta(days=rule.due_days),
            responsible_leader=chief.person if chief else None,
            comment="监测预警自动交办：请点位长组织核查整改。",
        )
    return case


def _local(t: dt.datetime) -> str:
    from greenloop.analytics.lake import LOCAL_TZ

    return t.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


# --- detection -----------------------------------------------------------------


def detect_hotspots(
    *,
    now: dt.datetime,
    end: dt.datetime,
    start: dt.datetime | None = None,
    rule: HotspotRule | None = None,
) -> HotspotSummary:
    """Apply the hotspot rule to the hours ``start`` … ``end`` in order.

    1. Read the micro-stations' and districts' hourly PM2.5 and PM10 from
       ``AirHour`` (from ``rule.hours`` + a day before ``start``).
    2. For each hour: open an alert where a station has ``rule.hours``
       consecutive hot hours and none is open (register and assign its
       case); extend an open alert on a hot hour; close it after
       ``rule.hours`` consecutive cool hours.

    ``start`` defaults to ``end`` (the hourly job looks at the newest hour).
    """
    rule = rule or HotspotRule.from_settings()
    start = end if start is None else start
    lookback = max(rule.hours, EVIDENCE_CONTEXT) + 24
    end = pd.Timestamp(end.astimezone(dt.UTC)).floor("h").to_pydatetime()
    data = _series(start - lookback * HOUR, end)
    summary = HotspotSummary()
    if not data.sites:
        return summary
    index = {s: i for i, s in enumerate(data.sites)}
    from greenloop.monitoring.models import Site

    sites = {
        s.code: s
        for s in Site.objects.filter(code__in=data.sites).select_related("grid__region", "region")
    }
    open_alerts = {
        (a.site.code, a.pollutant): a
        for a in HotspotAlert.objects.filter(
            closed_at__isnull=True, site__code__in=data.sites
        ).select_related("site")
    }
    first = data.hours.get_loc(pd.Timestamp(start.astimezone(dt.UTC)).floor("h"))
    state = {}
    for p in POLLUTANTS:
        v, m = data.value[p], data.mean[p]
        known = ~np.isnan(v) & ~np.isnan(m) & (m > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            excess_p = np.where(known, v / np.where(known, m, 1.0) - 1.0, np.nan)
        # Strictly above mean × (1 + share); a tolerance keeps an exact
        # 30 % (52 against 40) from counting through a rounding error.
        with np.errstate(invalid="ignore"):
            hot_p = known & (v - m * (1 + rule.share) > 1e-9 * np.abs(m))
        state[p] = (excess_p, hot_p, _runs(hot_p), _runs(known & ~hot_p))
    for h in range(first, len(data.hours)):
        hour = data.hours[h].to_pydatetime()
        # The job runs just after the hour closes; replaying past hours
        # (the demo) dates each step when the job would have run.
        at = min(now, hour + HOUR + dt.timedelta(minutes=5))
        for p in POLLUTANTS:
            excess, hot, hot_run, cool_run = state[p]
            candidates = set(np.flatnonzero(hot_run[:, h] >= rule.hours).tolist())
            candidates |= {index[code] for (code, q) in open_alerts if q == p}
            for s in sorted(candidates):
                code = data.sites[s]
                alert = open_alerts.get((code, p))
                if alert is None and hot_run[s, h] >= rule.hours:
                    run = int(hot_run[s, h])
                    first_h = h - run + 1
                    alert = HotspotAlert(
                        site=sites[code],
                        grid=sites[code].grid,
                        district_code=data.district_of[code],
                        pollutant=p,
                        first_hour=data.hours[first_h].to_pydatetime(),
                        last_hour=hour,
                        hours=run,
                        excess=float(np.nanmax(excess[s, first_h : h + 1])),
                        evidence=_evidence(data, p, s, first_h, h, excess, hot),
                        opened_at=at,
                    )
                    # One case per station: an open alert of the other
                    # pollutant already holds it.
                    sibling = next(
                        (
                            a
                            for (c, _q), a in open_alerts.items()
                            if c == code and a.case_id is not None
                        ),
                        None,
                    )
                    with transaction.atomic():
                        alert.save()
                        case = sibling.case if sibling is not None else None
                        if sibling is None:
                            try:
                                # A savepoint: a refused registration or
                                # assignment leaves no half-made case.
                                with transaction.atomic():
                                    case = _raise_case(alert, alert.evidence, rule, at)
                            except UnableToRaiseCase:
                                logger.warning("No account to raise hotspot case %s", alert.pk)
                            except UnableToActOnCase:
                                logger.exception("Unable to raise hotspot case %s", alert.pk)
                        if case is not None:
                            alert.case = case
                            alert.save(update_fields=["case"])
                            summary.cases += sibling is None
                    open_alerts[(code, p)] = alert
                    summary.opened += 1
                    summary.alerts.append(alert)
                elif alert is not None and hot[s, h] and hour > alert.last_hour:
                    first_h = data.hours.get_indexer([pd.Timestamp(alert.first_hour)])[0]
                    alert.last_hour = hour
                    alert.hours = int(hot_run[s, h]) if first_h < 0 else h - first_h + 1
                    alert.excess = max(alert.excess, float(excess[s, h]))
                    alert.evidence = [
                        *[e for e in alert.evidence if e["hour"] < hour.isoformat()],
                        *_evidence(data, p, s, h, h, excess, hot, context=0),
                    ]
                    alert.save(update_fields=["last_hour", "hours", "excess", "evidence"])
                elif alert is not None and cool_run[s, h] >= rule.hours:
                    alert.closed_at = at
                    alert.save(update_fields=["closed_at"])
                    del open_alerts[(code, p)]
                    summary.closed += 1
    return summary


def _evidence(
    data: _Series,
    p: str,
    s: int,
    first_h: int,
    last_h: int,
    excess: np.ndarray,
    hot: np.ndarray,
    *,
    context: int = EVIDENCE_CONTEXT,
) -> list[dict[str, Any]]:
    out = []
    for h in range(max(0, first_h - context), last_h + 1):
        value, mean = data.value[p][s, h], data.mean[p][s, h]
        if np.isnan(value) and np.isnan(mean):
            continue  # before the station's data
        t = data.hours[h].to_pydatetime()
        out.append(
            {
                "hour": t.isoformat(),
                "hour_local": _local(t),
                "value": None if np.isnan(value) else float(value),
                "district_mean": None if np.isnan(mean) else float(mean),
                "excess": None if np.isnan(excess[s, h]) else float(excess[s, h]),
                "hot": bool(hot[s, h]),
            }
        )
    return out
