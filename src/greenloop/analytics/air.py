"""Air quality over the lake as Ibis expressions (HJ 663, GB 3095 Table 4).

Each function takes table expressions and returns one; the caller chooses
the engine and executes (STYLE §9). Only the Ibis API is used — no SQL
strings — so the same expressions run on DuckDB (default) and Spark.

Pipeline::

    readings (long, lake)          site, factor, data_time, avg, flag, valid …
      └ hourly_wide                site, period, so2 … pm25    (pivot)
          └ group_hourly_mean      district|city, period, so2 … pm25
              └ daily_statistics   key, date, so2 … o3_8h, o3_1h, counts
                  └ period_means   key, period, <item>_days/_valid/_mean

Exact arithmetic, as in the kernel (:mod:`greenloop.airquality._fixed`):
concentrations become integers of millionths of their unit (``SCALE``)
once, sums are integer sums, and a mean is rounded once, half to even
(GB/T 8170), by integer arithmetic on its numerator and denominator. The
engine therefore gives exactly the kernel's daily values; the
percentiles, AQI and evaluation are left to the kernel
(:mod:`greenloop.analytics.evaluate`).

Time: a lake hour is labelled by its start (HJ 212 ``DataTime``), so its
*period* — hours since 1970-01-01 00:00 Beijing time — is
``(epoch seconds + 8 h) // 3600`` and its day ``period // 24``. With the
kernel's default end labels the same hour is labelled one hour later; both
place it in the same day.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from greenloop.airquality._fixed import MAX_CONCENTRATION, SCALE
from greenloop.airquality.rulesets import (
    EVALUATION_RULES,
    LIMIT_SETS,
    POLLUTANTS,
    quantum,
)
from greenloop.analytics.lake import LOCAL_OFFSET

#: HJ 212 factor code of each pollutant (HJ 212-2017 Table B.2; O3 by the
#: HJ 524 code used by ambient-air stations).
AIR_FACTORS: Mapping[str, str] = MappingProxyType(
    {
        "so2": "a21026",
        "no2": "a21004",
        "pm10": "a34002",
        "co": "a21005",
        "o3": "a05024",
        "pm25": "a34004",
    }
)

#: Pollutants whose daily value is the mean of the day's hours.
DAILY_MEAN_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "co", "pm25")

#: Daily items evaluated over periods, with the pollutant of their limits.
PERIOD_ITEMS: Mapping[str, str] = MappingProxyType(
    {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm25": "pm25", "co": "co", "o3_8h": "o3"}
)

_OFFSET_S = int(LOCAL_OFFSET.total_seconds())
_EPOCH = dt.date(1970, 1, 1)
_I64 = "int64"


# --- exact arithmetic --------------------------------------------------------


def to_scaled(value: ir.NumericValue) -> ir.IntegerValue:
    """``value × SCALE`` rounded half to even, as ``numpy.rint`` does.

    The product is the same IEEE double as the kernel's; ``y - floor(y)``
    is exact for ``|y| < 2**52``, so the tie test is exact too.
    """
    y = value.cast("float64") * SCALE
    whole = y.floor().cast(_I64)
    frac = y - whole
    up = (frac > 0.5) | ((frac == 0.5) & (whole % 2 == 1))
    return whole + up.cast(_I64)


def round_ratio(num: ir.IntegerValue, den: ir.IntegerValue, step: int) -> ir.IntegerValue:
    """``num / den`` rounded half to even to a multiple of ``step`` (GB/T 8170).

    Integer arithmetic on non-negative ``num`` and positive ``den``. The
    quotient is formed by the engine's division, exact here because
    numerators stay far below 2**52 (a day of 24 hourly values of at most
    ``MAX_CONCENTRATION``, or a year of daily values).
    """
    d = den.cast(_I64) * step
    q = (num // d).cast(_I64)
    r = num - q * d
    up = (r * 2 > d) | ((r * 2 == d) & (q % 2 == 1))
    return (q + up.cast(_I64)) * step


def round_columns(table: ir.Table, spec: Mapping[str, tuple[str, str | None, int]]) -> ir.Table:
    """Add columns ``name = round_ratio(num, den, step)`` for each
    ``name: (num, den, step)`` (``den`` a column, ``None`` for 1).

    The same arithmetic as :func:`round_ratio`, in three narrow steps
    (divisor and quotient, remainder, result) so that the compiled SQL
    names each intermediate once instead of repeating its expression;
    null numerators give null.
    """
    divisor = {
        name: (ibis.greatest(table[den], 1).cast(_I64) if den else ibis.literal(1, _I64)) * step
        for name, (_, den, step) in spec.items()
    }
    t = table.mutate(
        **{f"_div_{name}": divisor[name] for name in spec},
        **{
            f"_quo_{name}": (table[num] // divisor[name]).cast(_I64)
            for name, (num, _, _) in spec.items()
        },
    )
    t = t.mutate(
        **{
            f"_rem_{name}": t[num] - t[f"_quo_{name}"] * t[f"_div_{name}"]
            for name, (num, _, _) in spec.items()
        }
    )
    result = {}
    for name, (_, _, step) in spec.items():
        q, r, d = t[f"_quo_{name}"], t[f"_rem_{name}"], t[f"_div_{name}"]
        up = (r * 2 > d) | ((r * 2 == d) & (q % 2 == 1))
        result[name] = (q + up.cast(_I64)) * step
    t = t.mutate(**result)
    return t.drop(*[f"_{part}_{name}" for name in spec for part in ("div", "quo", "rem")])


def _ratio_or_null(
    num: ir.IntegerValue, count: ir.IntegerValue, step: int, ok: ir.BooleanValue
) -> ir.IntegerValue:
    return ibis.ifelse(ok, round_ratio(num, ibis.greatest(count, 1), step), ibis.null(_I64))


def _by_date(date: ir.DateValue, pairs: Sequence[tuple[dt.date, int]]) -> ir.IntegerValue:
    """The value of the rule set in force on ``date`` (data, not branches).

    ``pairs`` are (effective from, value), oldest first; dates before the
    first set use the first, as :func:`~greenloop.airquality.rulesets.select_index`.
    """
    values = {v for _, v in pairs}
    if len(values) == 1:
        return ibis.literal(pairs[0][1], type=_I64)
    cases = [(date >= ibis.literal(start), ibis.literal(v, _I64)) for start, v in reversed(pairs)]
    return ibis.cases(*cases[:-1], else_=cases[-1][1])


def _rule(date: ir.DateValue, attr: str) -> ir.IntegerValue:
    return _by_date(date, [(r.effective_from, int(getattr(r, attr))) for r in EVALUATION_RULES])


def _limit(date: ir.DateValue, pollutant: str, averaging: Literal["8h", "1h"]) -> ir.IntegerValue:
    # Grade II, as the kernel's daily validity uses (GB 3095 Table 1).
    pairs = [(s.effective_from, int(s.limit(pollutant, averaging) * SCALE)) for s in LIMIT_SETS]
    return _by_date(date, pairs)


def _sum(values: Sequence[ir.IntegerValue]) -> ir.IntegerValue:
    total: ir.IntegerValue = functools.reduce(operator.add, values)
    return total


# --- hourly ------------------------------------------------------------------


def hourly_wide(
    readings: ir.Table,
    *,
    value: str = "avg",
    sites: Collection[str] | None = None,
    factors: Mapping[str, str] = AIR_FACTORS,
) -> ir.Table:
    """Hourly values of each station, one column per pollutant (a pivot).

    1. Keep the air factors (and ``sites`` when given).
    2. A value counts when its row is ``valid`` (data flag, see
       :data:`~greenloop.analytics.lake.VALID_FLAGS`) and it is present,
       non-negative and below ``MAX_CONCENTRATION``; otherwise it is
       missing — never zero (GB 3095 §6.4).
    3. Pivot ``factor`` to columns: ``site, period`` and ``so2, no2, pm10,
       co, o3, pm25`` as scaled integers (null = missing). A station-hour
       with readings but no valid value is kept, all null. Should two
       devices of a station report the same factor and hour, the larger
       valid value is taken.

    Parameters
    ----------
    readings
        Lake readings of kind ``hour`` (:func:`~greenloop.analytics.lake.read_readings`).
    value
        Value column: ``avg`` for hourly data.
    sites
        Station codes to keep; all when ``None``.

    Returns
    -------
    ibis.expr.types.Table
        ``site``, ``period`` (local hours since 1970-01-01 00:00, by the
        hour's start), and one int64 column per pollutant.

    Examples
    --------
    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"site": ["A", "A"], "factor": ["a34004", "a05024"],
    ...     "data_time": pd.to_datetime(["2026-03-01 00:00+08:00"] * 2, utc=True),
    ...     "avg": [35.0, 60.5], "valid": [True, True]}))
    >>> ibis.duckdb.connect().execute(hourly_wide(t))[["site", "pm25", "o3"]].values.tolist()
    [['A', 35000000, 60500000]]
    """
    codes = {code: pollutant for pollutant, code in factors.items()}
    r = readings.filter(readings.factor.isin(list(codes)))
    if sites is not None:
        r = r.filter(r.site.isin(sorted(sites)))
    v = r[value]
    ok = r.valid & v.notnull() & (v >= 0) & (v <= MAX_CONCENTRATION)
    r = r.select(
        "site",
        "factor",
        period=(r.data_time.epoch_seconds().cast(_I64) + _OFFSET_S) // 3600,
        value=ibis.ifelse(ok, to_scaled(v), ibis.null(_I64)),
    )
    wide = r.pivot_wider(
        id_cols=["site", "period"],
        names_from="factor",
        names=list(codes),
        values_from="value",
        values_agg="max",
    )
    return wide.select(
        "site",
        "period",
        *[wide[code].cast(_I64).name(codes[code]) for code in codes],
    )


def group_hourly_mean(
    hourly: ir.Table,
    membership: ir.Table,
    *,
    key: str,
    pollutants: Sequence[str] = POLLUTANTS,
) -> ir.Table:
    """Hourly values of districts or the city: the mean of their stations.

    HJ 663 / reference §3 "city value": the arithmetic mean of the stations'
    concentrations of the same hour; a station without a valid value that
    hour is left out. The daily values of the group are then computed from
    this hourly series (decision 0007 #15), as the kernel's
    :func:`~greenloop.airquality.station_mean` followed by
    :func:`~greenloop.airquality.daily_statistics`.

    The mean is rounded half to even to one scaled unit (10⁻⁶ µg/m³); the
    kernel goes through a float64 mean there, which can differ in that last
    unit — and so in a reported daily value only if it lies within 10⁻⁶ of
    a rounding boundary.

    Parameters
    ----------
    hourly
        Output of :func:`hourly_wide`.
    membership
        ``site`` and ``key`` columns: which station belongs to which group.
    key
        Name of the group column (``district``, ``city``).

    Returns
    -------
    ibis.expr.types.Table
        ``key``, ``period``, the pollutant columns and ``stations`` (number
        of the group's stations with a row that hour).
    """
    joined = hourly.inner_join(membership.select("site", key), "site")
    aggs: dict[str, Any] = {}
    for p in pollutants:
        aggs[f"_sum_{p}"] = joined[p].sum()
        aggs[f"_n_{p}"] = joined[p].count()
    aggs["stations"] = joined.count()
    g = joined.group_by([key, "period"]).aggregate(**aggs)
    return g.select(
        key,
        "period",
        *[
            _ratio_or_null(g[f"_sum_{p}"], g[f"_n_{p}"], 1, g[f"_n_{p}"] > 0).name(p)
            for p in pollutants
        ],
        "stations",
    )


# --- daily -------------------------------------------------------------------


def daily_statistics(
    hourly: ir.Table, *, key: str = "site", round_concentrations: bool = True
) -> ir.Table:
    """Daily values of each station (or group) per HJ 663.

    The engine's twin of :func:`greenloop.airquality.daily_statistics`,
    giving the same values:

    1. SO2, NO2, PM10, CO, PM2.5: mean of the day's valid hours, valid with
       at least 20 (GB 3095 Table 4; the minimum of the rule set in force
       that day).
    2. O3 daily maximum 8-h average (HJ 663 §6.1.2): the 17 windows ending
       08:00 … 24:00 lie inside the day (hours 0–7 … 16–23 by start); a
       window is valid with at least 6 of its 8 hours; the day needs 14
       valid windows, or fewer whose maximum exceeds the 8-h limit. The
       hours are pivoted to 24 sums per day, so the windows are additions
       of columns, not window functions.
    3. O3 daily maximum 1-h value: valid with 20 hours, or fewer when the
       maximum exceeds the 1-h limit.
    4. Each value is rounded once (GB/T 8170; integers, CO 0.1 mg/m³).
       Rounding is monotonic, so the largest rounded window mean is the
       rounded largest mean.

    Parameters
    ----------
    hourly
        ``key``, ``period`` and the six pollutant columns (scaled integers),
        from :func:`hourly_wide` or :func:`group_hourly_mean`.
    key
        The station or group column.
    round_concentrations
        ``False`` keeps the exact scaled mean (kernel option of that name).

    Returns
    -------
    ibis.expr.types.Table
        ``key``, ``date``, ``so2, no2, pm10, co, pm25, o3_8h, o3_1h``
        (float64 µg/m³, CO mg/m³; null where not valid), ``hours_so2 …
        hours_pm25``, ``hours_o3`` and ``windows_o3_8h``.
    """
    h = hourly.mutate(_day=hourly.period // 24, _hour=hourly.period % 24)
    aggs: dict[str, Any] = {}
    for p in DAILY_MEAN_POLLUTANTS:
        aggs[f"_sum_{p}"] = h[p].sum()
        aggs[f"hours_{p}"] = h[p].count()
    aggs["hours_o3"] = h.o3.count()
    aggs["_max_o3"] = h.o3.max()
    for k in range(24):
        aggs[f"_s{k}"] = h.o3.sum(where=h._hour == k)
        aggs[f"_c{k}"] = h.o3.count(where=h._hour == k)
    g = h.group_by([key, "_day"]).aggregate(**aggs)
    g = g.mutate(date=(ibis.literal(_EPOCH) + g._day.as_interval("D")).cast("date"))

    # Window sums and counts: window j covers hours j … j + 7 (ends at j + 8).
    s = [g[f"_s{k}"].fill_null(0) for k in range(24)]
    c = [g[f"_c{k}"] for k in range(24)]
    g = g.mutate(
        **{f"_w{j}": _sum(s[j : j + 8]) for j in range(17)},
        **{f"_n{j}": _sum(c[j : j + 8]) for j in range(17)},
    ).drop(*[f"_{x}{k}" for x in "sc" for k in range(24)])
    step_o3 = quantum("o3") if round_concentrations else 1
    spec: dict[str, tuple[str, str | None, int]] = {
        f"_r{j}": (f"_w{j}", f"_n{j}", step_o3) for j in range(17)
    }
    for p in DAILY_MEAN_POLLUTANTS:
        spec[f"_mean_{p}"] = (f"_sum_{p}", f"hours_{p}", quantum(p) if round_concentrations else 1)
    spec["_max1h"] = ("_max_o3", None, step_o3)
    g = round_columns(g, spec)
    min_8h = _rule(g.date, "min_hours_per_8h")
    valid_windows = [g[f"_n{j}"] >= min_8h for j in range(17)]
    g = g.mutate(
        # Invalid windows count as -1, below any concentration.
        _mda8=ibis.greatest(
            *[ibis.ifelse(ok, g[f"_r{j}"], -1) for j, ok in enumerate(valid_windows)]
        ),
        windows_o3_8h=_sum([ok.cast(_I64) for ok in valid_windows]),
    )

    min_hours = _rule(g.date, "min_hours_per_day")
    null = ibis.null(_I64)
    out: dict[str, Any] = {}
    for p in DAILY_MEAN_POLLUTANTS:
        out[p] = ibis.ifelse(g[f"hours_{p}"] >= min_hours, g[f"_mean_{p}"], null) / SCALE
    mda8_ok = (g.windows_o3_8h >= _rule(g.date, "min_windows_mda8")) | (
        (g.windows_o3_8h > 0) & (g._mda8 > _limit(g.date, "o3", "8h"))
    )
    out["o3_8h"] = ibis.ifelse(mda8_ok, g._mda8, null) / SCALE
    max_ok = (g.hours_o3 >= min_hours) | (
        (g.hours_o3 > 0) & (g._max_o3 > _limit(g.date, "o3", "1h"))
    )
    out["o3_1h"] = ibis.ifelse(max_ok, g._max1h, null) / SCALE
    counts = [f"hours_{p}" for p in DAILY_MEAN_POLLUTANTS] + ["hours_o3", "windows_o3_8h"]
    order = ("so2", "no2", "pm10", "co", "pm25", "o3_8h", "o3_1h")
    return g.select(
        key,
        "date",
        *[out[name].cast("float64").name(name) for name in order],
        *[g[c].cast(_I64).name(c) for c in counts],
    )


# --- periods -----------------------------------------------------------------


def period_means(
    daily: ir.Table,
    *,
    key: str = "site",
    freq: Literal["month", "year"] = "year",
    require_valid: bool = True,
) -> ir.Table:
    """Monthly or annual means of daily values, with valid-day counts.

    The engine's share of :func:`greenloop.airquality.period_statistics`:
    ``<item>_mean`` is the mean of the valid daily values (GB 3095 §3),
    valid with 27 days a month (February 25) or 324 a year (GB 3095
    Table 4), rounded once per GB/T 8170. Percentiles (HJ 663 formula) are
    left to the kernel, which needs the sorted values.

    Parameters
    ----------
    daily
        Output of :func:`daily_statistics`.
    key
        Station or group column.
    freq
        ``"month"`` or ``"year"``.
    require_valid
        Blank the mean when too few days (as the kernel).

    Returns
    -------
    ibis.expr.types.Table
        ``key``, ``period`` (date of the period's first day), and per item
        ``<item>_days``, ``<item>_valid``, ``<item>_mean``.
    """
    unit = "Y" if freq == "year" else "M"
    d = daily.mutate(period=daily.date.truncate(unit))
    aggs: dict[str, Any] = {}
    for item in PERIOD_ITEMS:
        aggs[f"_sum_{item}"] = to_scaled(d[item]).sum()
        aggs[f"{item}_days"] = d[item].count()
    g = d.group_by([key, "period"]).aggregate(**aggs)
    step_interval = ibis.interval(years=1) if freq == "year" else ibis.interval(months=1)
    end = (g.period + step_interval - ibis.interval(days=1)).cast("date")
    if freq == "year":
        min_days = _rule(end, "min_days_per_year")
    else:
        min_days = ibis.ifelse(
            g.period.month() == 2, _rule(end, "min_days_february"), _rule(end, "min_days_per_month")
        )
    columns: list[Any] = [key, "period"]
    for item, pollutant in PERIOD_ITEMS.items():
        n = g[f"{item}_days"]
        valid = n >= min_days
        show = (n > 0) & valid if require_valid else n > 0
        mean = _ratio_or_null(g[f"_sum_{item}"], n, quantum(pollutant), show) / SCALE
        columns += [
            n.cast(_I64).name(f"{item}_days"),
            valid.name(f"{item}_valid"),
            mean.cast("float64").name(f"{item}_mean"),
        ]
    return g.select(*columns)
