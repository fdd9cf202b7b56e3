"""HJ 663 / GB 3095 data validity: daily means, moving averages, O3 MDA8.

Hourly rows of many stations are placed on a grid of *station-days* × 24
hour periods, so that every statistic is a reduction along one axis of an
array, and windows crossing midnight read the previous day's row of the same
station. Nothing loops over rows in Python.

Conventions (reference ``air-evaluation-hj663.md`` §3):

* an hour is identified by its *period*; with ``hour_label="end"`` (default,
  CNEMC practice) the row labelled 13:00 is the period 12:00–13:00 and the
  row labelled 00:00 is hour 24 of the previous day;
* a missing or invalid hourly value is ``NaN``: it is excluded from every
  statistic, never counted as zero (GB 3095 §6.4);
* sums are exact integers of scaled units and means are kept as exact ratios
  until they are rounded (GB/T 8170) once, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.airquality._fixed import (
    SCALE,
    BoolArray,
    Concentration,
    FloatArray,
    IntArray,
    round_half_even,
    to_scaled,
)
from greenloop.airquality.rulesets import (
    DEFAULT_OPTIONS,
    EVALUATION_RULES,
    LIMIT_SETS,
    AqiOptions,
    Averaging,
    EvaluationRules,
    quantum,
    select_index,
)

#: Pollutants whose daily value is the mean of the day's hourly values.
DAILY_MEAN_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "co", "pm25")


class DuplicateHour(ValueError):
    """Two rows describe the same station and hour."""

    def __init__(self, positions: Sequence[tuple[int, int]]) -> None:
        self.positions = list(positions)
        pairs = "；".join(f"第 {a} 与第 {b} 条" for a, b in self.positions[:10])
        super().__init__(f"同一站点同一小时出现多条记录：{pairs}")


class NotOnTheHour(ValueError):
    """A time of an hourly value is not a whole hour."""

    def __init__(self, positions: Sequence[int]) -> None:
        self.positions = list(positions)
        super().__init__(f"小时值的时间必须是整点：第 {self.positions[:10]} 条")


def period_hours(times: Any, hour_label: str = "end") -> npt.NDArray[np.int64]:
    """Hour periods (hours since 1970-01-01 00:00, by period start).

    Parameters
    ----------
    times
        Naive local (Beijing) times, or aware ones (converted to
        Asia/Shanghai).
    hour_label
        ``"end"``: a label is the end of its hour; ``"start"``: its start.

    Raises
    ------
    NotOnTheHour
        If a time is not a whole hour.

    Examples
    --------
    >>> t = pd.to_datetime(["2026-03-01 00:00", "2026-03-01 01:00"])
    >>> (period_hours(t) % 24).tolist()
    [23, 0]
    """
    ts = pd.DatetimeIndex(times)
    if ts.tz is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    if ts.hasnans:
        raise ValueError("时间不能为空")
    ns = ts.as_unit("ns").asi8
    hour_ns = 3_600 * 10**9
    off = np.flatnonzero(ns % hour_ns)
    if off.size:
        raise NotOnTheHour(off.tolist())
    hours: npt.NDArray[np.int64] = ns // hour_ns
    return hours - 1 if hour_label == "end" else hours


@dataclass(frozen=True)
class StationDays:
    """Rows placed on a grid of station-days × 24 hour periods.

    Attributes
    ----------
    station_code
        Code of the station of each station-day (into ``stations``).
    stations
        Station labels.
    day
        Day of each station-day, days since 1970-01-01.
    prev
        Station-day index of the previous calendar day of the same station,
        ``-1`` when that day has no row.
    row_sd, row_hour
        Station-day and hour of day (0–23, by period start) of each row.
    """

    station_code: IntArray
    stations: pd.Index
    day: IntArray
    prev: IntArray
    row_sd: IntArray
    row_hour: IntArray
    #: Rows are exactly the grid in order (sorted, no hour missing): the
    #: grid is a reshape of the columns, no scatter.
    dense: bool = False

    @property
    def size(self) -> int:
        return len(self.day)

    def to_grid(self, values: Concentration) -> tuple[IntArray, BoolArray]:
        """Scatter measured rows onto the ``(station-days, 24)`` grid."""
        if self.dense:
            vals = np.where(values.valid, values.num, 0).reshape(self.size, 24)
            return vals, values.valid.reshape(self.size, 24)
        vals = np.zeros((self.size, 24), dtype=np.int64)
        ok = np.zeros((self.size, 24), dtype=np.bool_)
        vals[self.row_sd, self.row_hour] = np.where(values.valid, values.num, 0)
        ok[self.row_sd, self.row_hour] = values.valid
        return vals, ok

    def from_grid(self, grid: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Gather one grid cell per row."""
        if self.dense:
            return grid.reshape(-1)
        return grid[self.row_sd, self.row_hour]


def build_station_days(station: Any, hours: npt.NDArray[np.int64]) -> StationDays:
    """Place hourly rows on the station-day grid.

    Rows sorted by station and time (the usual layout of exports) take a
    linear path; any other order a hashing one.

    Parameters
    ----------
    station
        Station label of each row (a categorical column is used as is).
    hours
        Hour period of each row, from :func:`period_hours`.

    Raises
    ------
    DuplicateHour
        If a station has two rows for one hour (positions are 0-based).
    """
    codes, stations = pd.factorize(station, sort=True)
    codes = codes.astype(np.int64)
    days = hours // 24
    first = int(days.min()) if days.size else 0
    span = (int(days.max()) - first + 2) if days.size else 2
    # key - 1 must never reach another station's day: one spare slot each.
    key = codes * span + (days - first) + 1
    row_hour = hours - days * 24
    if key.size and bool((key[1:] >= key[:-1]).all()):
        change = np.empty(key.size, dtype=np.bool_)
        change[0] = True
        np.not_equal(key[1:], key[:-1], out=change[1:])
        row_sd = np.cumsum(change) - 1
        uniq = key[change]
        prev = np.arange(-1, uniq.size - 1, dtype=np.int64)
        if uniq.size:
            prev[1:][uniq[1:] - 1 != uniq[:-1]] = -1
            prev[0] = -1
    else:
        row_sd, uniq_index = pd.factorize(key)
        row_sd = row_sd.astype(np.int64)
        uniq = np.asarray(uniq_index, dtype=np.int64)
        prev = pd.Index(uniq).get_indexer(uniq - 1).astype(np.int64)
    cell = row_sd * 24 + row_hour
    if cell.size > 1 and not bool((cell[1:] > cell[:-1]).all()):
        counts = np.bincount(cell, minlength=len(uniq) * 24)
        if counts.max(initial=0) > 1:
            dup_cells = np.flatnonzero(counts > 1)
            rows = np.flatnonzero(np.isin(cell, dup_cells))
            order = np.argsort(cell[rows], kind="stable")
            rows = rows[order]
            same = cell[rows[1:]] == cell[rows[:-1]]
            pairs = list(zip(rows[:-1][same].tolist(), rows[1:][same].tolist(), strict=True))
            raise DuplicateHour(pairs)
    return StationDays(
        station_code=uniq // span,
        stations=pd.Index(stations),
        day=(uniq % span) - 1 + first,
        prev=prev,
        row_sd=row_sd,
        row_hour=row_hour,
        dense=cell.size == len(uniq) * 24 and bool((cell[1:] > cell[:-1]).all()),
    )


def moving_sums(
    vals: IntArray, ok: BoolArray, prev: IntArray, window: int
) -> tuple[IntArray, IntArray]:
    """Sums and valid counts of ``window``-hour windows ending at each hour.

    A window ending at hour ``h`` covers ``h - window + 1 … h`` and reads the
    previous day's row of the station where it crosses midnight.

    Parameters
    ----------
    vals, ok
        ``(station-days, 24)`` grid of scaled values and validity.
    prev
        Previous-day index per station-day (``-1``: none).
    window
        Window length in hours (1–25).

    Returns
    -------
    tuple of ndarray
        ``(sums, counts)`` of shape ``(station-days, 24)``.

    Examples
    --------
    >>> vals = np.array([[1] * 24, [2] * 24])
    >>> ok = np.ones((2, 24), dtype=bool)
    >>> sums, counts = moving_sums(vals, ok, np.array([-1, 0]), 3)
    >>> sums[:, :3].tolist(), counts[:, :3].tolist()
    ([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [3, 3, 3]])
    """
    k = window - 1
    v = np.where(ok, vals, 0)
    c = ok.astype(np.int64)
    if k:
        has_prev = (prev >= 0)[:, None]
        pv = np.where(has_prev, v[prev, 24 - k :], 0)
        pc = np.where(has_prev, c[prev, 24 - k :], 0)
        v = np.concatenate([pv, v], axis=1)
        c = np.concatenate([pc, c], axis=1)
    zeros = np.zeros((v.shape[0], 1), dtype=np.int64)
    cv = np.concatenate([zeros, np.cumsum(v, axis=1)], axis=1)
    cc = np.concatenate([zeros, np.cumsum(c, axis=1)], axis=1)
    return cv[:, window:] - cv[:, : cv.shape[1] - window], cc[:, window:] - cc[
        :, : cc.shape[1] - window
    ]


def moving_average(values: Any, window: int, min_count: int) -> FloatArray:
    """Moving average of one regular hourly series, labelled by its last hour.

    HJ 663 / GB 3095-2026 §3: the 8-hour moving average is the mean of 8
    consecutive hourly values, valid with at least 6 of them (GB 3095
    Table 4). Missing hours are ``NaN`` and are excluded, not zeroed.

    Parameters
    ----------
    values
        Consecutive hourly values (``NaN`` = missing or invalid).
    window, min_count
        Window length and minimum number of valid hours.

    Returns
    -------
    ndarray
        Mean of the valid values of each window, ``NaN`` when fewer than
        ``min_count`` are valid.

    Examples
    --------
    >>> moving_average([1, 2, None, 4, 5], 3, 2).tolist()
    [nan, 1.5, 1.5, 3.0, 4.5]
    """
    scaled, valid = to_scaled(values)
    v = np.concatenate([[0], np.cumsum(np.where(valid, scaled, 0))])
    c = np.concatenate([[0], np.cumsum(valid)])
    idx = np.arange(1, len(scaled) + 1)
    lo = np.maximum(idx - window, 0)
    sums, counts = v[idx] - v[lo], c[idx] - c[lo]
    out = np.full(len(scaled), np.nan)
    good = counts >= min_count
    out[good] = sums[good] / counts[good] / SCALE
    return out


def _rounded(num: IntArray, den: IntArray, pollutant: str, options: AqiOptions) -> IntArray:
    if options.round_concentrations:
        return round_half_even(num, np.maximum(den, 1), quantum(pollutant))
    return round_half_even(num, np.maximum(den, 1), 1)


def _rules_per_day(days: IntArray) -> tuple[list[EvaluationRules], IntArray]:
    idx = select_index(days.astype("datetime64[D]"), EVALUATION_RULES)
    return list(EVALUATION_RULES), idx


def _limit_per_day(days: IntArray, pollutant: str, averaging: Averaging) -> IntArray:
    idx = select_index(days.astype("datetime64[D]"), LIMIT_SETS)
    table = np.array(
        [int(s.limit(pollutant, averaging) * SCALE) for s in LIMIT_SETS],
        dtype=np.int64,
    )
    return table[idx]


def _per_day(days: IntArray, attr: str) -> IntArray:
    rules, idx = _rules_per_day(days)
    return np.array([getattr(r, attr) for r in rules], dtype=np.int64)[idx]


def daily_from_grid(
    sd: StationDays,
    grids: dict[str, tuple[IntArray, BoolArray]],
    options: AqiOptions = DEFAULT_OPTIONS,
) -> tuple[dict[str, Concentration], dict[str, IntArray]]:
    """Daily statistics of each station-day from hourly grids (exact).

    Returns the daily concentrations as exact ratios and the counts of
    valid hours (``hours_<pollutant>``) and valid 8-h windows
    (``windows_o3_8h``).
    """
    out: dict[str, Concentration] = {}
    counts: dict[str, IntArray] = {}
    min_hours = _per_day(sd.day, "min_hours_per_day")
    for pollutant in DAILY_MEAN_POLLUTANTS:
        if pollutant not in grids:
            continue
        vals, ok = grids[pollutant]
        num = np.where(ok, vals, 0).sum(axis=1)
        n = ok.sum(axis=1)
        # GB 3095 Table 4: a daily mean needs at least 20 hourly values.
        out[pollutant] = Concentration(num, n >= min_hours, np.maximum(n, 1))
        counts[f"hours_{pollutant}"] = n
    if "o3" in grids:
        vals, ok = grids["o3"]
        n = ok.sum(axis=1)
        counts["hours_o3"] = n
        out["o3_8h"], counts["windows_o3_8h"] = _mda8(sd, vals, ok, options)
        out["o3_1h"] = _max_1h(sd, vals, ok, n, min_hours)
    return out, counts


def _mda8(
    sd: StationDays, vals: IntArray, ok: BoolArray, options: AqiOptions
) -> tuple[Concentration, IntArray]:
    """Daily maximum 8-h average (HJ 663 §6.1.2).

    Windows ending at 08:00 … 24:00 (end labels), i.e. covering periods
    00–08 … 16–24 of the day: grid hours 7 … 23. A window is valid with 6
    of 8 hours; the day needs 14 valid windows, or fewer whose maximum
    exceeds the limit (an exceedance cannot be invalidated by missing data).
    """
    # The 17 windows lie inside the day: no previous day is read.
    v = np.where(ok, vals, 0)
    zeros = np.zeros((sd.size, 1), dtype=np.int64)
    cv = np.concatenate([zeros, np.cumsum(v, axis=1)], axis=1)
    cc = np.concatenate([zeros, np.cumsum(ok, axis=1, dtype=np.int64)], axis=1)
    sums, counts = cv[:, 8:] - cv[:, :17], cc[:, 8:] - cc[:, :17]
    min_8h = _per_day(sd.day, "min_hours_per_8h")[:, None]
    win_ok = counts >= min_8h
    # Means of windows with 6, 7 or 8 hours differ by at least 1/56 scaled
    # unit when distinct, far above float64 resolution: float is safe for
    # choosing the maximum, the exact ratio is kept for the value.
    means = np.where(win_ok, sums / np.maximum(counts, 1), -1.0)
    best = np.argmax(means, axis=1)
    rows = np.arange(sd.size)
    num = sums[rows, best]
    den = np.maximum(counts[rows, best], 1)
    n_windows = win_ok.sum(axis=1)
    rounded = _rounded(num, den, "o3", options)
    limit = _limit_per_day(sd.day, "o3", "8h")
    min_windows = _per_day(sd.day, "min_windows_mda8")
    valid = (n_windows >= min_windows) | ((n_windows > 0) & (rounded > limit))
    return Concentration(num, valid, den), n_windows


def _max_1h(
    sd: StationDays, vals: IntArray, ok: BoolArray, n: IntArray, min_hours: IntArray
) -> Concentration:
    """O3 daily maximum 1-h value (HJ 633-2012 daily report indicator).

    ⚠ No validity rule was read for it: valid with the daily minimum of 20
    hours, or with fewer when the maximum exceeds the 1-h limit (the
    principle of HJ 663 §6.1.2).
    """
    mx = np.where(ok, vals, -1).max(axis=1)
    limit = _limit_per_day(sd.day, "o3", "1h")
    valid = (n >= min_hours) | ((n > 0) & (mx > limit))
    return Concentration(np.maximum(mx, 0), valid, 1)


def _frame_station_days(
    frame: pd.DataFrame, options: AqiOptions
) -> tuple[StationDays, npt.NDArray[np.int64]]:
    hours = period_hours(frame["time"], options.hour_label)
    return build_station_days(frame["station"], hours), hours


def concentration_to_float(
    values: Concentration, pollutant: str, options: AqiOptions = DEFAULT_OPTIONS
) -> FloatArray:
    """Reported value of exact concentrations (rounded per the options)."""
    den = np.broadcast_to(np.asarray(values.den, dtype=np.int64), values.num.shape)
    scaled = _rounded(values.num, den, pollutant, options)
    out = scaled / SCALE
    out[~values.valid] = np.nan
    return out


def daily_statistics(
    hourly: pd.DataFrame, *, options: AqiOptions = DEFAULT_OPTIONS
) -> pd.DataFrame:
    """Daily values of each station from hourly values, per HJ 663.

    1. Hours are placed on their day (``options.hour_label``; with end
       labels 00:00 is hour 24 of the previous day).
    2. SO2, NO2, PM10, CO, PM2.5: mean of the day's valid hours, valid with
       at least 20 (GB 3095 Table 4).
    3. O3: daily maximum 8-h average (HJ 663 §6.1.2, see ``_mda8``) and
       daily maximum 1-h value.
    4. Values are rounded once, per GB/T 8170, to integers (CO 0.1).

    Parameters
    ----------
    hourly
        Columns ``station``, ``time`` and any of ``so2, no2, pm10, co, o3,
        pm25`` (µg/m³, CO mg/m³; ``NaN`` = missing/invalid).
    options
        Conventions (hour label, rounding).

    Returns
    -------
    DataFrame
        One row per station and day with data: ``station``, ``date``, the
        daily ``so2, no2, pm10, co, pm25, o3_8h, o3_1h`` (``NaN`` where not
        valid), ``hours_<pollutant>`` and ``windows_o3_8h`` counts.
        Sorted by station and date.

    Examples
    --------
    Reference ``air-evaluation-hj663.md`` §9: MDA8 153.125 → 153.

    >>> o3 = [40, 35, 30, 28, 25, 24, 30, 45, 62, 80, 101, 122, 140, 155,
    ...       166, 172, 170, 160, 140, 118, 96, 80, 66, 55]
    >>> t = pd.date_range("2025-07-01 01:00", periods=24, freq="h")
    >>> day = daily_statistics(pd.DataFrame({"station": "A", "time": t, "o3": o3}))
    >>> day[["date", "o3_8h", "windows_o3_8h", "o3_1h"]].to_dict("records")
    [{'date': Timestamp('2025-07-01 00:00:00'), 'o3_8h': 153.0, 'windows_o3_8h': 17, 'o3_1h': 172.0}]
    """
    sd, _ = _frame_station_days(hourly, options)
    grids = {
        p: sd.to_grid(Concentration(*to_scaled(hourly[p].to_numpy(dtype=np.float64))))
        for p in ("so2", "no2", "pm10", "co", "o3", "pm25")
        if p in hourly.columns
    }
    daily, counts = daily_from_grid(sd, grids, options)
    order = np.lexsort((sd.day, sd.station_code))
    result: dict[str, Any] = {
        "station": sd.stations.take(sd.station_code[order]),
        "date": sd.day[order].astype("datetime64[D]").astype("datetime64[ns]"),
    }
    for name in ("so2", "no2", "pm10", "co", "pm25", "o3_8h", "o3_1h"):
        if name in daily:
            pollutant = "o3" if name.startswith("o3") else name
            result[name] = concentration_to_float(daily[name], pollutant, options)[order]
    for name, n in counts.items():
        result[name] = n[order]
    return pd.DataFrame(result)


def hourly_moving_average(
    sd: StationDays,
    grid: tuple[IntArray, BoolArray],
    window: int,
    min_count: int | IntArray,
) -> Concentration:
    """Per-row moving average (exact ratio) ending at each row's hour."""
    sums, counts = moving_sums(grid[0], grid[1], sd.prev, window)
    s, c = sd.from_grid(sums), sd.from_grid(counts)
    return Concentration(s, c >= min_count, np.maximum(c, 1))


__all__ = [
    "DuplicateHour",
    "NotOnTheHour",
    "StationDays",
    "build_station_days",
    "daily_statistics",
    "moving_average",
    "moving_sums",
    "period_hours",
]
