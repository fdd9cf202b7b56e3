"""Air evaluation of a date range over the lake: engine first, kernel last.

Division of labour (``docs/lake.md``, "Engine and kernel"):

* **engine** (Ibis, :mod:`greenloop.analytics.air`) — everything that
  touches the hours: reading the partitions, data-flag validity, the pivot,
  district and city hourly means, daily means with their 20-hour rule, the
  O3 8-hour windows and MDA8. Millions of rows in, one row per station (or
  group) and day out, exactly equal to the kernel's daily values;
* **kernel** (:mod:`greenloop.airquality`, pandas) — on those few thousand
  daily rows: the daily AQI (exact IAQI arithmetic, HJ 633 by date),
  period statistics with the HJ 663 percentile formula, attainment against
  the GB 3095 limits of the period, good-day ratio, composite index,
  ranking and the year-on-year change with the rule sets of both sides.

Periods: a range that is exactly a calendar year (or month) is evaluated
with the annual (monthly) validity minimums; any other range is a
cumulative period (累计, e.g. January–October): its statistics are computed
from all its valid days and the ``<item>_valid`` flags are left empty,
because no minimum is defined for it (decision 0007, "not yet modelled").
Attainment is judged by the limits in force on the range's last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from greenloop.airquality import (
    COMPOSITE_2014,
    DEFAULT_OPTIONS,
    AqiOptions,
    attainment,
    composite_index,
    daily_aqi,
    good_day_ratio,
    limit_set_for,
    period_statistics,
    rank,
    year_on_year,
)
from greenloop.airquality.rulesets import (
    AQI_RULESETS,
    EVALUATION_RULES,
    AqiRuleSet,
    CompositeIndexMethod,
    EvaluationRules,
    select_index,
)
from greenloop.analytics import air, lake

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

By = Literal["station", "district", "city"]
StationChoice = Literal["official", "all"]

#: Station kinds evaluated by default for each level: the city value is the
#: mean of the national-control stations (HJ 663); districts and single
#: stations use the control stations (national and provincial). Micro
#: stations join only with ``stations="all"``.
OFFICIAL_KINDS: dict[str, tuple[str, ...]] = {
    "city": ("national",),
    "district": ("national", "provincial"),
    "station": ("national", "provincial"),
}

#: Columns compared with the same period of the previous year.
YOY_COLUMNS: tuple[str, ...] = (
    "so2_mean",
    "no2_mean",
    "pm10_mean",
    "pm25_mean",
    "co_p95",
    "o3_8h_p90",
    "good_ratio",
    "composite_index",
)
#: Rule-set labels carried from both sides.
RULE_LABELS: tuple[str, ...] = ("standards", "evaluation", "limits", "composite_method")


class NoData(LookupError):
    """The lake has no hourly readings for the stations and dates asked."""


@dataclass(frozen=True)
class Side:
    """One evaluated period and the rule sets behind it."""

    start: dt.date
    end: dt.date
    rules: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}~{self.end.isoformat()}"


@dataclass(frozen=True)
class AirEvaluation:
    """Result of :func:`evaluate_air`: one row per station or group."""

    frame: pd.DataFrame
    by: By
    current: Side
    previous: Side | None = None
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)


def previous_year(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February → 28 February).

    Examples
    --------
    >>> previous_year(dt.date(2028, 2, 29))
    datetime.date(2027, 2, 28)
    """
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def previous_range(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The same period a year earlier; a range ending on a month's last day
    ends on that month's last day (February 2025 ↔ February 2024, 29 days).

    Examples
    --------
    >>> previous_range(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    """
    before = previous_year(end)
    if (end + dt.timedelta(days=1)).day == 1:
        before = (before.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(
            days=1
        )
    return previous_year(start), before


def period_kind(start: dt.date, end: dt.date) -> Literal["year", "month", "range"]:
    """``year`` / ``month`` for an exact calendar year / month, else ``range``.

    Examples
    --------
    >>> period_kind(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    'year'
    >>> period_kind(dt.date(2026, 1, 1), dt.date(2026, 10, 31))
    'range'
    """
    if start == dt.date(end.year, 1, 1) and end == dt.date(end.year, 12, 31):
        return "year"
    next_month = (end.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    if start == end.replace(day=1) and end == next_month - dt.timedelta(days=1):
        return "month"
    return "range"


def station_groups(
    lake_dir: Path, by: By, stations: StationChoice
) -> tuple[list[str] | None, pd.DataFrame]:
    """Stations to read and the group table (``site``, ``group``, ``name``).

    Without a stations table only ``by="station"`` works, over every site.
    """
    try:
        table = lake.read_stations(lake_dir)
    except lake.MissingStations:
        if by != "station":
            raise
        return None, pd.DataFrame(columns=["site", "group", "name", "district"])
    if stations == "official":
        kinds = pa.array(OFFICIAL_KINDS[by], pa.string())
        table = table.filter(pc.is_in(table.column("kind"), value_set=kinds))
    frame = table.to_pandas()
    if by == "station":
        groups = pd.DataFrame(
            {
                "site": frame.site,
                "group": frame.site,
                "name": frame.name,
                "district": frame.district,
            }
        )
    else:
        groups = pd.DataFrame(
            {"site": frame.site, "group": frame[by], "name": frame[f"{by}_name"]}
        ).dropna(subset=["group"])
    if groups.empty:
        raise NoData(f"站点表中没有可用于按 {by} 评价的站点（{stations}）")
    return sorted(groups.site), groups


def daily_values(
    con: BaseBackend,
    lake_dir: Path | str,
    ranges: Sequence[tuple[dt.date, dt.date]],
    *,
    by: By = "city",
    stations: StationChoice = "official",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily values of stations or groups over date ranges (engine part).

    Returns
    -------
    tuple of DataFrame
        Daily values with a ``group`` column (station code, district or
        city code), and the group table (``site``, ``group``, ``name``).
    """
    lake_dir = Path(lake_dir)
    sites, groups = station_groups(lake_dir, by, stations)
    (start, end), *extra = ranges
    readings = lake.read_readings(con, lake_dir, "hour", start, end, extra=extra)
    hourly = air.hourly_wide(readings, sites=sites)
    if by == "station":
        hourly = hourly.rename(group="site")
    else:
        import ibis

        membership = ibis.memtable(groups[["site", "group"]].reset_index(drop=True))
        hourly = air.group_hourly_mean(hourly, membership, key="group")
    daily = con.execute(air.daily_statistics(hourly, key="group"))
    daily["date"] = pd.to_datetime(daily["date"]).astype("datetime64[ns]")
    daily = daily.sort_values(["group", "date"], ignore_index=True)
    if by == "station" and groups.empty:
        groups = pd.DataFrame({"site": daily["group"].unique()})
        groups["group"] = groups["site"]
        groups["name"] = None
        groups["district"] = None
    return daily, groups


def _codes_in_force(
    start: dt.date, end: dt.date, sets: tuple[AqiRuleSet, ...] | tuple[EvaluationRules, ...]
) -> str:
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    return "+".join(sorted({sets[i].code for i in np.unique(select_index(days, sets))}))


def _evaluation_codes(start: dt.date, end: dt.date) -> str:
    return _codes_in_force(start, end, EVALUATION_RULES)


def rules_of_period(
    start: dt.date, end: dt.date, composite: CompositeIndexMethod = COMPOSITE_2014
) -> dict[str, str]:
    """Rule sets that apply to a period, by its dates (whatever the data).

    Examples
    --------
    >>> rules_of_period(dt.date(2025, 1, 1), dt.date(2025, 10, 31))["standards"]
    'HJ 633-2012'
    >>> rules_of_period(dt.date(2026, 1, 1), dt.date(2026, 10, 31))["limits"]
    'GB 3095-2026 (过渡期限值)'
    """
    return {
        "standards": _codes_in_force(start, end, AQI_RULESETS),
        "evaluation": _evaluation_codes(start, end),
        "limits": limit_set_for(end).code,
        "composite_method": composite.code,
    }


def evaluate_side(
    daily: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    options: AqiOptions = DEFAULT_OPTIONS,
    composite: CompositeIndexMethod = COMPOSITE_2014,
) -> pd.DataFrame:
    """Kernel part: the evaluation of one period from daily values.

    1. Daily AQI of each group and day (HJ 633 version by the day's date).
    2. Period statistics (HJ 663 means and percentiles), attainment against
       the GB 3095 limits in force on ``end``, good-day ratio, composite
       index, ranks by composite index and by PM2.5 (1 = best).

    Parameters
    ----------
    daily
        ``group``, ``date`` and the daily values (:func:`daily_values`).
    start, end
        The period (inclusive); other days of ``daily`` are ignored.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``period`` (a ``pandas.Period`` used
        to match years), ``range`` and the statistics.
    """
    dates = daily["date"]
    days = daily[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    if days.empty:
        return pd.DataFrame()
    kind = period_kind(start, end)
    freq: Literal["month", "year"] = "month" if kind == "month" else "year"
    frame = days.rename(columns={"group": "station"}).reset_index(drop=True)
    aqi = daily_aqi(frame, options=options)
    # Every day is labelled with the last day of the range, so the kernel's
    # calendar grouping yields exactly one period for the whole range.
    label = pd.Timestamp(end)
    labelled = frame.assign(date=label)
    stats = period_statistics(labelled, by=["station"], freq=freq, require_valid=kind != "range")
    if kind == "range":
        for item in air.PERIOD_ITEMS:
            stats[f"{item}_valid"] = pd.array([pd.NA] * len(stats), dtype="boolean")
    judged = attainment(stats, limits=limit_set_for(end))
    ratio = good_day_ratio(
        pd.DataFrame(
            {
                "station": frame["station"],
                "date": label,
                "aqi": aqi["aqi"],
                "standard": aqi["standard"],
            }
        ),
        by=["station"],
        freq=freq,
    )
    indexed = composite_index(stats, method=composite)
    out = judged.merge(ratio, on=["station", "period"], how="left")
    extra = [c for c in indexed.columns if c.startswith("index_")] + [
        "composite_index",
        "main_pollutant",
        "composite_method",
    ]
    out = out.merge(indexed[["station", "period", *extra]], on=["station", "period"], how="left")
    out["rank_composite"] = rank(out, "composite_index")
    out["rank_pm25"] = rank(out, "pm25_mean")
    out["evaluation"] = _evaluation_codes(start, end)
    out["range"] = f"{start.isoformat()}~{end.isoformat()}"
    out["days"] = (end - start).days + 1
    return out.rename(columns={"station": "group"})


def evaluate_air(
    con: BaseBackend,
    lake_dir: Path | str,
    *,
    start: dt.date,
    end: dt.date,
    by: By = "city",
    yoy: bool = False,
    stations: StationChoice = "official",
    options: AqiOptions = DEFAULT_OPTIONS,
    composite: CompositeIndexMethod = COMPOSITE_2014,
) -> AirEvaluation:
    """Evaluate air quality of ``start`` … ``end`` by station, district or city.

    1. Engine: daily values of the period (and, with ``yoy``, of the same
       period a year earlier) in one pass over the lake.
    2. Kernel: :func:`evaluate_side` for each period.
    3. With ``yoy``: :func:`greenloop.airquality.year_on_year` on
       :data:`YOY_COLUMNS`; the rule-set labels of the previous period are
       carried as ``<label>_previous``.

    Raises
    ------
    NoData
        When the lake has no hourly data for the period.
    greenloop.analytics.lake.MissingStations
        ``by`` district or city without ``meta/stations.parquet``.
    """
    if end < start:
        raise ValueError(f"结束日期 {end} 早于开始日期 {start}")
    ranges = [(start, end)]
    if yoy:
        ranges.append(previous_range(start, end))
    daily, groups = daily_values(con, lake_dir, ranges, by=by, stations=stations)
    current = evaluate_side(daily, start, end, options=options, composite=composite)
    if current.empty:
        raise NoData(f"湖中没有 {start} 至 {end} 的小时数据")
    current_side = Side(start, end, rules_of_period(start, end, composite))
    previous_side = None
    frame = current
    if yoy:
        p_start, p_end = ranges[1]
        before = evaluate_side(daily, p_start, p_end, options=options, composite=composite)
        previous_side = Side(p_start, p_end, rules_of_period(p_start, p_end, composite))
        if before.empty:
            before = current.iloc[0:0].copy()
        frame = year_on_year(
            current,
            before,
            on=["group"],
            columns=YOY_COLUMNS,
            labels=("range", *RULE_LABELS),
        )
        frame["range_previous"] = previous_side.label
        for label in RULE_LABELS:
            frame[f"{label}_previous"] = frame[f"{label}_previous"].fillna(
                previous_side.rules[label]
            )
    names = groups.drop_duplicates("group").set_index("group")
    frame["name"] = frame["group"].map(names["name"]) if "name" in names else None
    if by == "station" and "district" in names:
        frame["district"] = frame["group"].map(names["district"])
    frame = frame.sort_values("group", ignore_index=True)
    return AirEvaluation(frame, by, current_side, previous_side, groups)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _text(v: Any, decimals: int | None) -> str:
    if _missing(v):
        return ""
    if decimals is not None:
        return f"{float(v):.{decimals}f}"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


#: Decimals of each reported number (GB/T 8170 figures as reported; ratios
#: and indices as bulletins print them).
_DECIMALS: dict[str, int] = {
    **{
        f"{p}_{s}": 0
        for p in ("so2", "no2", "pm10", "pm25", "o3_8h")
        for s in ("mean", "p90", "p95", "p98")
    },
    "co_mean": 1,
    "co_p95": 1,
    "good_ratio": 1,
    "composite_index": 3,
    **{f"index_{p}": 3 for p in ("so2", "no2", "pm10", "pm25", "co", "o3")},
}


def _decimals(column: str) -> int | None:
    base = column
    for suffix in ("_previous", "_change"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if column.endswith("_change_pct"):
        return 1
    if column.endswith("_exceedance"):
        return 2
    return _DECIMALS.get(base)


def output_columns(by: By, yoy: bool) -> list[str]:
    """Columns of ``greenloop evaluate air`` output, in order."""
    keys = {
        "station": ["station", "station_name", "district"],
        "district": ["district", "district_name"],
        "city": ["city", "city_name"],
    }[by]
    stats: list[str] = []
    for item, p in (
        ("so2", 98),
        ("no2", 98),
        ("pm10", 95),
        ("pm25", 95),
        ("co", 95),
        ("o3_8h", 90),
    ):
        stats += [f"{item}_days", f"{item}_valid", f"{item}_mean", f"{item}_p{p}"]
    attained = [f"{p}_attained" for p in ("so2", "no2", "pm10", "pm25", "co", "o3")] + ["attained"]
    exceed = [
        "so2_mean_exceedance",
        "so2_p98_exceedance",
        "no2_mean_exceedance",
        "no2_p98_exceedance",
        "pm10_mean_exceedance",
        "pm10_p95_exceedance",
        "pm25_mean_exceedance",
        "pm25_p95_exceedance",
        "co_p95_exceedance",
        "o3_8h_p90_exceedance",
    ]
    good = [
        "days_valid",
        "days_good",
        "days_excellent",
        "days_polluted",
        "days_heavy",
        "days_severe",
        "good_ratio",
    ]
    index = [f"index_{p}" for p in ("so2", "no2", "pm10", "pm25", "co", "o3")]
    index += ["composite_index", "main_pollutant", "rank_composite", "rank_pm25"]
    columns = [*keys, "period", "days", *stats, *attained, *exceed, *good, *index, *RULE_LABELS]
    if yoy:
        columns.append("period_previous")
        for c in YOY_COLUMNS:
            columns += [f"{c}_previous", f"{c}_change", f"{c}_change_pct"]
        columns += [f"{label}_previous" for label in RULE_LABELS]
    return columns


def to_csv_frame(result: AirEvaluation) -> pd.DataFrame:
    """The evaluation as text columns, as ``greenloop evaluate air`` prints it.

    Concentrations as reported (integers, CO one decimal), ratios one
    decimal (percent), indices three, exceedance multiples two, booleans
    ``true``/``false``; empty where there is no value.
    """
    f = result.frame
    key = {"station": "station", "district": "district", "city": "city"}[result.by]
    source = f.drop(columns=["period"]).rename(
        columns={"range": "period", "range_previous": "period_previous", "name": f"{key}_name"}
    )
    source[key] = f["group"]
    out: dict[str, list[str]] = {}
    for column in output_columns(result.by, result.previous is not None):
        values = source[column] if column in source else pd.Series([None] * len(source))
        decimals = _decimals(column)
        out[column] = [_text(v, decimals) for v in values.astype(object)]
    return pd.DataFrame(out)
