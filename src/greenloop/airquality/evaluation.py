"""HJ 663 evaluation: period statistics, attainment, good-day ratio, rankings.

Inputs are daily values (see :func:`~greenloop.airquality.validity.daily_statistics`)
and daily AQI (see :func:`~greenloop.airquality.aqi.daily_aqi`). Means and
percentiles are computed exactly on scaled integers and rounded once per
GB/T 8170; attainment compares the rounded statistic with the limit, as the
reported figure is what is judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd

from greenloop.airquality._fixed import (
    SCALE,
    IntArray,
    round_half_even_exact,
    to_scaled,
)
from greenloop.airquality.rulesets import (
    COMPOSITE_2014,
    EVALUATION_RULES,
    LIMIT_SETS,
    Averaging,
    CompositeIndexMethod,
    EvaluationRules,
    LimitSet,
    quantum,
    select_index,
)

Freq = Literal["month", "year"]

#: Daily columns evaluated and the pollutant whose limits and precision apply.
DAILY_ITEMS: Mapping[str, str] = {
    "so2": "so2",
    "no2": "no2",
    "pm10": "pm10",
    "pm25": "pm25",
    "co": "co",
    "o3_8h": "o3",
}


def percentile(values: Any, p: int) -> float:
    """Percentile by the formula of HJ 663 (百分位数计算方法).

    1. Sort the ``n`` valid values: ``X(1) ≤ … ≤ X(n)``.
    2. ``k = 1 + (n − 1) · p / 100``, ``s`` its integer part.
    3. ``m = X(s) + (X(s+1) − X(s)) · (k − s)`` (``m = X(n)`` when ``s = n``).

    Computed exactly on scaled integers (``k − s`` is a multiple of 1/100).

    Parameters
    ----------
    values
        Daily values; ``NaN`` ignored.
    p
        Percentile, an integer 0–100.

    Returns
    -------
    float
        The unrounded percentile, ``NaN`` for no values.

    Examples
    --------
    Reference ``air-evaluation-hj663.md`` §5, CO 95th percentile of 30 days:

    >>> co = [0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 0.9, 0.9,
    ...       0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.1, 1.2, 1.2, 1.3, 1.4, 1.5,
    ...       1.6, 1.9]
    >>> percentile(co, 95)
    1.555
    """
    scaled, valid = to_scaled(values)
    x = np.sort(scaled[valid])
    if not x.size:
        return float("nan")
    m100 = _percentile_sorted(x, np.array([0]), np.array([x.size]), p)
    return float(m100[0]) / 100 / SCALE


def _percentile_sorted(x: IntArray, start: IntArray, n: IntArray, p: int) -> IntArray:
    """100 × HJ 663 percentile of sorted runs ``x[start : start + n]`` (exact)."""
    t = (n - 1) * p
    lo = start + t // 100
    hi = np.minimum(lo + 1, start + n - 1)
    result: IntArray = x[lo] * 100 + (x[hi] - x[lo]) * (t % 100)
    return result


def _period_codes(dates: pd.DatetimeIndex, freq: Freq) -> pd.PeriodIndex:
    return dates.to_period("M" if freq == "month" else "Y")


def _min_days(periods: pd.PeriodIndex, freq: Freq) -> IntArray:
    ends = periods.end_time.normalize().to_numpy().astype("datetime64[D]")
    rules = EVALUATION_RULES
    idx = select_index(ends, rules)
    if freq == "year":
        table = np.array([r.min_days_per_year for r in rules], dtype=np.int64)
        return table[idx]
    normal = np.array([r.min_days_per_month for r in rules], dtype=np.int64)[idx]
    feb = np.array([r.min_days_february for r in rules], dtype=np.int64)[idx]
    return np.where(periods.month == 2, feb, normal)


def _rules_at(day: dt.date) -> EvaluationRules:
    return EVALUATION_RULES[
        int(select_index(np.array([day], dtype="datetime64[D]"), EVALUATION_RULES)[0])
    ]


def period_statistics(
    daily: pd.DataFrame,
    *,
    by: Sequence[str] = ("station",),
    freq: Freq = "year",
    require_valid: bool = True,
    rules: EvaluationRules | None = None,
) -> pd.DataFrame:
    """Monthly or annual statistics of daily values (HJ 663).

    1. Days are grouped by ``by`` and calendar month or year.
    2. Per item, valid days are counted; the statistic is valid with at
       least 27 days a month (February 25) or 324 a year (GB 3095 Table 4;
       ⚠ applied to the CO and O3 percentiles too).
    3. ``<item>_mean``: mean of the daily values (period average, GB 3095
       §3); ``<item>_p<N>``: HJ 663 percentile (SO2, NO2 98th; PM10,
       PM2.5, CO 95th; O3 daily max 8-h 90th).
    4. Each statistic is rounded once per GB/T 8170 (integers, CO 0.1).

    Parameters
    ----------
    daily
        ``by`` columns, ``date`` and any of ``so2, no2, pm10, pm25, co,
        o3_8h`` (``NaN`` = no valid daily value).
    by
        Grouping columns (station, district, city …).
    freq
        ``"month"`` or ``"year"``.
    require_valid
        Blank (``NaN``) statistics with too few days; ``False`` keeps them
        (e.g. for a year in progress), the ``<item>_valid`` flags still tell.
    rules
        HJ 663 version for the percentiles; default: the one in force at
        the end of the latest period (identical so far).

    Returns
    -------
    DataFrame
        ``by``, ``period`` (``pandas.Period``), and per item
        ``<item>_days``, ``<item>_valid``, ``<item>_mean``, ``<item>_p<N>``.

    Examples
    --------
    >>> days = pd.date_range("2025-01-01", "2025-12-31")
    >>> daily = pd.DataFrame({"station": "A", "date": days, "pm25": 30.0})
    >>> daily.loc[daily.index[:5], "pm25"] = 80.0
    >>> stats = period_statistics(daily)
    >>> stats[["period", "pm25_days", "pm25_valid", "pm25_mean", "pm25_p95"]].values.tolist()
    [[Period('2025', 'Y-DEC'), 365, True, 31.0, 30.0]]
    """
    dates = pd.DatetimeIndex(daily["date"])
    periods = _period_codes(dates, freq)
    keys = [daily[c].to_numpy() for c in by] + [periods.asi8]
    group, uniques = _factorize(keys)
    n_groups = len(uniques[0]) if uniques else 0
    out: dict[str, Any] = {c: uniques[i] for i, c in enumerate(by)}
    group_periods = pd.PeriodIndex.from_ordinals(uniques[-1], freq=periods.freq)
    out["period"] = group_periods
    min_days = _min_days(group_periods, freq)
    if rules is None:
        last = group_periods.end_time.max() if n_groups else pd.Timestamp("2026-03-01")
        rules = _rules_at(last.date())
    percentiles = rules.percentiles
    for item, pollutant in DAILY_ITEMS.items():
        if item not in daily.columns:
            continue
        scaled, valid = to_scaled(daily[item].to_numpy(dtype=np.float64, na_value=np.nan))
        g = group[valid]
        x = scaled[valid]
        n = np.bincount(g, minlength=n_groups)
        ok = n >= min_days
        step = quantum(pollutant)
        order = np.lexsort((x, g))
        xs = x[order]
        start = np.concatenate([[0], np.cumsum(n)[:-1]])
        # Exact integer sums per group (float sums could round past 2**53).
        total = np.add.reduceat(xs, np.minimum(start, max(xs.size - 1, 0))) if xs.size else n * 0
        total = np.where(n > 0, total, 0)
        mean = round_half_even_exact(total, np.maximum(n, 1), step) / SCALE
        p = percentiles[pollutant]
        m100 = (
            _percentile_sorted(xs, start, np.maximum(n, 1), p)
            if xs.size
            else np.zeros(n_groups, dtype=np.int64)
        )
        pct = round_half_even_exact(m100, 100, step) / SCALE
        blank = (n == 0) | (~ok if require_valid else False)
        mean[blank] = np.nan
        pct[blank] = np.nan
        out[f"{item}_days"] = n
        out[f"{item}_valid"] = ok
        out[f"{item}_mean"] = mean
        out[f"{item}_p{p}"] = pct
    return pd.DataFrame(out).sort_values([*by, "period"], ignore_index=True)


def _factorize(keys: Sequence[Any]) -> tuple[IntArray, list[Any]]:
    frame = pd.DataFrame(dict(enumerate(keys)))
    grouped = frame.groupby(list(frame.columns), sort=True, dropna=False)
    group = grouped.ngroup().to_numpy(dtype=np.int64)
    first = frame.groupby(group, sort=True).first()
    return group, [first[i].to_numpy() for i in frame.columns]


#: Statistic compared with which limit: (item, statistic, averaging).
_ATTAINMENT_ITEMS: tuple[tuple[str, str, str, Averaging], ...] = (
    ("so2", "so2", "mean", "annual"),
    ("so2", "so2", "p98", "24h"),
    ("no2", "no2", "mean", "annual"),
    ("no2", "no2", "p98", "24h"),
    ("pm10", "pm10", "mean", "annual"),
    ("pm10", "pm10", "p95", "24h"),
    ("pm25", "pm25", "mean", "annual"),
    ("pm25", "pm25", "p95", "24h"),
    ("co", "co", "p95", "24h"),
    ("o3_8h", "o3", "p90", "8h"),
)


def limit_set_at_end(period: pd.Period) -> LimitSet:
    """GB 3095 limits for a period: those in force on its last day.

    ⚠ Decision: a period spanning 2026-03-01 (the year 2026) is judged by
    the limits in force at its end (GB 3095-2026 transitional), the rules
    under which it is reported.

    Examples
    --------
    >>> limit_set_at_end(pd.Period("2026", "Y")).code
    'GB 3095-2026 (过渡期限值)'
    """
    end = np.array([period.end_time.normalize()], dtype="datetime64[D]")
    return LIMIT_SETS[int(select_index(end, LIMIT_SETS)[0])]


def attainment(
    stats: pd.DataFrame, *, grade: int = 2, limits: LimitSet | None = None
) -> pd.DataFrame:
    """Single- and multi-item attainment of period statistics (HJ 663 §6).

    A pollutant attains when all its statistics meet their limits: annual
    mean (SO2, NO2, PM10, PM2.5) and the percentile against the 24-h limit
    (O3: daily max 8-h); CO and O3 only the percentile. A station or city
    attains when all six do. Exceedance multiple = (C − S) / S, 0 when
    C ≤ S.

    Parameters
    ----------
    stats
        Output of :func:`period_statistics` with ``freq="year"``.
    grade
        1 (class-1 zones) or 2 (class-2 zones and city evaluation).
    limits
        A fixed limit set; default: by each period's end
        (:func:`limit_set_at_end`).

    Returns
    -------
    DataFrame
        ``stats`` plus ``<item>_<stat>_limit``, ``<item>_<stat>_exceedance``,
        ``<pollutant>_attained`` (nullable boolean: NA when a statistic is
        missing), ``attained`` and ``limits`` (the code used).

    Examples
    --------
    >>> stats = pd.DataFrame({"period": [pd.Period("2025", "Y"), pd.Period("2026", "Y")],
    ...                       "pm25_mean": [33.0, 33.0], "pm25_p95": [70.0, 70.0]})
    >>> out = attainment(stats)
    >>> out[["pm25_attained", "pm25_mean_limit", "limits"]].values.tolist()
    [[True, 35.0, 'GB 3095-2012'], [False, 30.0, 'GB 3095-2026 (过渡期限值)']]
    """
    out = stats.copy()
    sets = (
        [limits] * len(out) if limits is not None else [limit_set_at_end(p) for p in out["period"]]
    )
    out["limits"] = [s.code for s in sets]
    pollutant_ok: dict[str, Any] = {}
    for item, pollutant, stat, averaging in _ATTAINMENT_ITEMS:
        cols = [c for c in out.columns if c == f"{item}_{stat}"]
        if not cols:
            continue
        col = cols[0]
        limit = np.array(
            [float(s.limit(pollutant, averaging, grade)) for s in sets],
            dtype=np.float64,
        )
        value = out[col].to_numpy(dtype=np.float64, na_value=np.nan)
        out[f"{col}_limit"] = limit
        out[f"{col}_exceedance"] = np.where(
            np.isnan(value), np.nan, np.maximum(value - limit, 0) / limit
        )
        ok = pd.array(np.where(np.isnan(value), False, value <= limit), dtype="boolean")
        ok[np.isnan(value)] = pd.NA
        pollutant_ok[pollutant] = (
            ok if pollutant not in pollutant_ok else pollutant_ok[pollutant] & ok
        )
    for pollutant, ok in pollutant_ok.items():
        out[f"{pollutant}_attained"] = ok
    if len(pollutant_ok) == len(DAILY_ITEMS):
        overall = pd.array([True] * len(out), dtype="boolean")
        for ok in pollutant_ok.values():
            overall = overall & ok
        out["attained"] = overall
    else:
        out["attained"] = pd.array([pd.NA] * len(out), dtype="boolean")
    return out


def good_day_ratio(
    daily_aqi: pd.DataFrame, *, by: Sequence[str] = ("station",), freq: Freq = "year"
) -> pd.DataFrame:
    """Good-day ratio (优良天数比例) and day counts by level.

    ``ratio = days with AQI ≤ 100 / valid days × 100``. A day is valid when
    its daily AQI is published (⚠ HJ 633-2026 §5.3.1: a day with a
    missing pollutant counts only if its AQI > 100; applied to earlier
    days too unless :class:`AqiOptions` says otherwise).

    Parameters
    ----------
    daily_aqi
        ``by`` columns, ``date``, ``aqi`` (nullable) and optionally
        ``standard`` (the HJ 633 version of each day).
    by, freq
        Grouping, as :func:`period_statistics`.

    Returns
    -------
    DataFrame
        ``by``, ``period``, ``days_valid``, ``days_good`` (AQI ≤ 100),
        ``days_excellent`` (≤ 50), ``days_polluted`` (> 100),
        ``days_heavy`` (> 200), ``days_severe`` (> 300), ``good_ratio``
        (percent) and ``standards`` (HJ 633 versions behind the days, so
        ratios across 2026-03-01 are not compared unknowingly).

    Examples
    --------
    >>> frame = pd.DataFrame({"station": "A",
    ...     "date": pd.date_range("2025-01-01", periods=4),
    ...     "aqi": pd.array([40, 120, None, 90], dtype="Int16")})
    >>> good_day_ratio(frame)[["days_valid", "days_good", "good_ratio"]].to_dict("records")
    [{'days_valid': 3, 'days_good': 2, 'good_ratio': 66.66666666666667}]
    """
    dates = pd.DatetimeIndex(daily_aqi["date"])
    aqi = daily_aqi["aqi"].to_numpy(dtype=np.float64, na_value=np.nan)
    frame = pd.DataFrame({c: daily_aqi[c].to_numpy() for c in by})
    frame["period"] = _period_codes(dates, freq)
    valid = ~np.isnan(aqi)
    frame["days_valid"] = valid.astype(np.int64)
    frame["days_good"] = (valid & (aqi <= 100)).astype(np.int64)
    frame["days_excellent"] = (valid & (aqi <= 50)).astype(np.int64)
    frame["days_polluted"] = (valid & (aqi > 100)).astype(np.int64)
    frame["days_heavy"] = (valid & (aqi > 200)).astype(np.int64)
    frame["days_severe"] = (valid & (aqi > 300)).astype(np.int64)
    standard = (
        daily_aqi["standard"].astype(str).to_numpy()
        if "standard" in daily_aqi.columns
        else np.full(len(frame), "")
    )
    frame["standards"] = standard
    counts = [c for c in frame.columns if c.startswith("days_")]
    grouped = frame.groupby([*by, "period"], sort=True)
    out = grouped[counts].sum()
    out["standards"] = grouped["standards"].agg(lambda s: "+".join(sorted(set(s) - {""})))
    valid_days = out["days_valid"].to_numpy()
    out["good_ratio"] = np.where(
        valid_days > 0, out["days_good"].to_numpy() * 100 / np.maximum(valid_days, 1), np.nan
    )
    return out.reset_index()


def composite_index(
    stats: pd.DataFrame, *, method: CompositeIndexMethod = COMPOSITE_2014
) -> pd.DataFrame:
    """Comprehensive air-quality index (环境空气质量综合指数).

    ``I_i = C_i / S_i``; ``I_sum = Σ w_i · I_i`` over SO2, NO2, PM10, PM2.5
    (period means), CO (95th percentile) and O3 (90th percentile of daily
    max 8-h), per 环办〔2014〕64号. The pollutant with the largest ``I_i`` is
    the main pollutant. ⚠ The post-2026 denominators and weights are not
    confirmed: the default stays the 2014 method for every period, so that
    year-on-year changes compare like with like; pass
    :data:`~greenloop.airquality.rulesets.COMPOSITE_2026_UNVERIFIED` to use
    the other.

    Examples
    --------
    Reference ``air-evaluation-hj663.md`` §7:

    >>> stats = pd.DataFrame({"so2_mean": [9.0], "no2_mean": [30.0], "pm10_mean": [65.0],
    ...     "pm25_mean": [33.0], "co_p95": [1.1], "o3_8h_p90": [165.0]})
    >>> out = composite_index(stats)
    >>> round(out.loc[0, "composite_index"], 3), out.loc[0, "main_pollutant"]
    (np.float64(4.078), 'o3')
    """
    columns = {
        "so2": "so2_mean",
        "no2": "no2_mean",
        "pm10": "pm10_mean",
        "pm25": "pm25_mean",
        "co": "co_p95",
        "o3": "o3_8h_p90",
    }
    out = stats.copy()
    total = np.zeros(len(out))
    indices = {}
    for pollutant, col in columns.items():
        value = out[col].to_numpy(dtype=np.float64, na_value=np.nan)
        index = value / float(Decimal(method.denominators[pollutant]))
        indices[pollutant] = index
        out[f"index_{pollutant}"] = index
        total = total + method.weights[pollutant] * index
    out["composite_index"] = total
    matrix = np.column_stack(list(indices.values()))
    has_all = ~np.isnan(matrix).any(axis=1)
    best = np.argmax(np.where(np.isnan(matrix), -np.inf, matrix), axis=1)
    names = np.array(list(indices), dtype=object)
    out["main_pollutant"] = np.where(has_all, names[best], None)
    out["composite_method"] = method.code
    return out


def year_on_year(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    on: Sequence[str] = ("station",),
    columns: Sequence[str] = ("pm25_mean",),
    labels: Sequence[str] = ("limits", "standards", "composite_method"),
) -> pd.DataFrame:
    """Change versus the same period of the previous year (同比).

    Rows of ``previous`` are matched to ``current`` on ``on`` and the period
    one year earlier. For each column: ``<col>_previous``,
    ``<col>_change`` (difference; percentage points for ratios) and
    ``<col>_change_pct`` ((now − before) / before × 100; > 0 is worse for
    concentrations and indices). The ``labels`` columns present (rule sets
    used) are carried from both sides as ``<label>_previous`` so a
    comparison states which rules each side used.

    Examples
    --------
    >>> now = pd.DataFrame({"station": ["A"], "period": [pd.Period("2026", "Y")],
    ...                     "pm25_mean": [30.0]})
    >>> before = now.assign(period=pd.Period("2025", "Y"), pm25_mean=40.0)
    >>> year_on_year(now, before)[["pm25_mean_previous", "pm25_mean_change_pct"]].values.tolist()
    [[40.0, -25.0]]
    """
    prev = previous.copy()
    prev["period"] = [p + (12 if p.freqstr.startswith("M") else 1) for p in prev["period"]]
    keep = [*on, "period", *[c for c in columns if c in prev.columns]]
    keep += [c for c in labels if c in prev.columns]
    prev = prev[keep].rename(columns={c: f"{c}_previous" for c in keep if c not in (*on, "period")})
    out = current.merge(prev, on=[*on, "period"], how="left")
    for col in columns:
        before = out[f"{col}_previous"].to_numpy(dtype=np.float64, na_value=np.nan)
        now = out[col].to_numpy(dtype=np.float64, na_value=np.nan)
        out[f"{col}_change"] = now - before
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{col}_change_pct"] = np.where(before != 0, (now - before) / before * 100, np.nan)
    return out


def rank(
    frame: pd.DataFrame,
    column: str,
    *,
    by: Sequence[str] = (),
    ascending: bool = True,
) -> pd.Series:
    """Rank rows by ``column`` (1 = best when ``ascending``), ties share a rank.

    Cities and districts are ranked by composite index or PM2.5 ascending
    (smaller is better); rows without a value get no rank.

    Examples
    --------
    >>> frame = pd.DataFrame({"district": list("abcd"), "ci": [4.1, 3.9, 4.1, None]})
    >>> rank(frame, "ci").tolist()
    [2, 1, 2, <NA>]
    """
    values = frame[column]
    ranks = (
        values.groupby([frame[c] for c in by]).rank(method="min", ascending=ascending)
        if by
        else values.rank(method="min", ascending=ascending)
    )
    return ranks.astype("Int64")


def station_mean(
    frame: pd.DataFrame,
    groups: Mapping[Any, Any],
    *,
    time: str = "time",
    columns: Sequence[str] = ("so2", "no2", "pm10", "co", "o3", "pm25"),
) -> pd.DataFrame:
    """Concentrations of districts or a city: mean of their stations.

    HJ 663: the city concentration of a time step is the arithmetic mean
    of its evaluation stations' concentrations; the AQI is then computed
    from it (not the worst station, not the mean of AQIs). Missing station
    values are left out of the mean. For O3 8-h at city level, compute the
    city hourly series here and pass it to
    :func:`~greenloop.airquality.validity.daily_statistics` (⚠ reference §3,
    option (b); equal to averaging the stations' 8-h values when no data
    are missing).

    Parameters
    ----------
    frame
        ``station``, ``time`` (or ``date``) and pollutant columns.
    groups
        Station → group label (district or city); stations not listed are
        not in any group and left out.
    time
        Name of the time column.

    Returns
    -------
    DataFrame
        ``station`` (the group label), ``time`` and the mean columns,
        plus ``stations`` (number of stations with a row).

    Examples
    --------
    >>> frame = pd.DataFrame({"station": ["a", "b", "c"], "time": pd.Timestamp("2025-01-01 01:00"),
    ...                       "pm25": [70.0, 71.0, None]})
    >>> station_mean(frame, {"a": "city", "b": "city", "c": "city"}, columns=["pm25"]).to_dict("records")
    [{'station': 'city', 'time': Timestamp('2025-01-01 01:00:00'), 'pm25': 70.5, 'stations': 3}]
    """
    group_codes, group_labels = pd.factorize(frame["station"].map(groups), sort=True)
    time_codes, time_labels = pd.factorize(frame[time], sort=True)
    keep = group_codes >= 0
    n_cells = len(group_labels) * len(time_labels)
    key = (group_codes * len(time_labels) + time_codes)[keep]
    rows = np.bincount(key, minlength=n_cells)
    cells = np.flatnonzero(rows)
    out: dict[str, Any] = {
        "station": group_labels.take(cells // max(len(time_labels), 1)),
        time: time_labels.take(cells % max(len(time_labels), 1)),
    }
    for column in (c for c in columns if c in frame.columns):
        scaled, valid = to_scaled(frame[column].to_numpy(dtype=np.float64, na_value=np.nan))
        valid = valid[keep]
        # Sums of scaled integers in float64 are exact below 2**53, i.e. for
        # any plausible number of stations; the mean is then a ratio of two
        # exact numbers.
        sums = np.bincount(key[valid], weights=scaled[keep][valid], minlength=n_cells)
        counts = np.bincount(key[valid], minlength=n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums[cells] / counts[cells] / SCALE
        out[column] = mean
    out["stations"] = rows[cells]
    return pd.DataFrame(out)
