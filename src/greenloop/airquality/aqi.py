"""AQI, primary and non-attainment pollutants, level, category and colour.

HJ 633 formula (2): ``AQI = max(IAQI_1, …, IAQI_n)`` over the indicators of
the report type; the rule set of each row is chosen by the date of its data
(HJ 633-2012 before 2026-03-01, HJ 633-2026 from then on).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.airquality._fixed import (
    BoolArray,
    Concentration,
    IntArray,
    check_concentrations,
    to_scaled,
)
from greenloop.airquality.iaqi import MISSING, evaluate_indicator
from greenloop.airquality.rulesets import (
    AQI_RULESETS,
    DEFAULT_OPTIONS,
    POLLUTANTS,
    AqiOptions,
    AqiRuleSet,
    Indicator,
    StandardChoice,
    resolve_standard,
    select_index,
)
from greenloop.airquality.validity import (
    StationDays,
    build_station_days,
    hourly_moving_average,
    period_hours,
)

#: Upper AQI bound of levels 1–5 (HJ 633-2012 Table 2, HJ 633-2026 Table 1).
LEVEL_BOUNDS: tuple[int, ...] = (50, 100, 150, 200, 300)

#: Category (类别) of levels 1–6.
CATEGORIES: tuple[str, ...] = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")

#: Colour of levels 1–6, RGB of HJ 633 Appendix A Table A.1 as hex.
COLOURS: tuple[str, ...] = ("#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023")

#: Names a sub-index can be reported under, in output order.
INDICATOR_NAMES: tuple[str, ...] = (
    "so2",
    "so2_24h",
    "no2",
    "pm10",
    "pm10_24h",
    "co",
    "o3",
    "o3_1h",
    "o3_8h",
    "pm25",
    "pm25_24h",
)
_BIT: Mapping[str, int] = {name: 1 << i for i, name in enumerate(INDICATOR_NAMES)}

#: Output columns of :func:`hourly_aqi` / :func:`daily_aqi`, as the CLI prints them.
RESULT_COLUMNS: tuple[str, ...] = (
    *(f"iaqi_{p}" for p in POLLUTANTS),
    "aqi",
    "primary",
    "level",
    "category",
)

HOURLY_COLUMNS: tuple[str, ...] = ("station", "time", *POLLUTANTS)
HOURLY_OPTIONAL: tuple[str, ...] = ("so2_24h", "o3_8h", "pm10_24h", "pm25_24h")
DAILY_COLUMNS: tuple[str, ...] = ("station", "date", "so2", "no2", "pm10", "co", "o3_8h", "pm25")
DAILY_OPTIONAL: tuple[str, ...] = ("o3_1h",)


class MissingColumns(ValueError):
    """The input lacks required columns."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        super().__init__(f"缺少必需的列：{', '.join(self.columns)}")


def level_of(aqi: Any) -> IntArray:
    """AQI level 1–6 (HJ 633-2012 Table 2; HJ 633-2026 Table 1).

    0–50 → 1 (HJ 633-2026 writes 1–50; an exact 0 is level 1, ⚠ §7),
    51–100 → 2, 101–150 → 3, 151–200 → 4, 201–300 → 5, above 300 → 6.

    Examples
    --------
    >>> level_of([0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    """
    return np.searchsorted(np.array(LEVEL_BOUNDS), np.asarray(aqi), side="left") + 1


def category_of(level: int) -> str:
    """Chinese category name of a level.

    Examples
    --------
    >>> category_of(4), colour_of(4)
    ('中度污染', '#FF0000')
    """
    return CATEGORIES[level - 1]


def colour_of(level: int) -> str:
    """Hex RGB colour of a level (HJ 633 Appendix A; green is 0,228,0)."""
    return COLOURS[level - 1]


def names_of(mask: int) -> list[str]:
    """Indicator names in a primary / non-attainment bit mask.

    Examples
    --------
    >>> names_of(_BIT["pm10"] | _BIT["pm25"])
    ['pm10', 'pm25']
    """
    return [name for name in INDICATOR_NAMES if mask & _BIT[name]]


@dataclass(frozen=True)
class AqiArrays:
    """AQI results of one report as arrays aligned with the input rows.

    ``iaqi`` maps each pollutant to its sub-index (the larger one where two
    indicators feed one pollutant); :data:`MISSING` (-1) marks no value.
    ``aqi`` is :data:`MISSING` where not published (no sub-index at all, or
    withheld under HJ 633-2026 §5.3.1); ``aqi_computed`` is the maximum
    sub-index regardless. ``primary`` and ``non_attainment`` are bit masks
    over :data:`INDICATOR_NAMES` (see :func:`names_of`); ``level`` is 0
    where ``aqi`` is missing. ``ruleset`` indexes ``rulesets``.
    """

    iaqi: dict[str, IntArray]
    aqi: IntArray
    aqi_computed: IntArray
    primary: IntArray
    non_attainment: IntArray
    level: IntArray
    complete: BoolArray
    ruleset: npt.NDArray[np.intp]
    rulesets: tuple[AqiRuleSet, ...]


#: A column's values for all rows: raw floats (``NaN`` = missing), exact
#: concentrations computed here (moving averages), or ``None`` if absent.
Column = npt.NDArray[np.float64] | Concentration | None
Source = Callable[[str], Column]
ChunkSource = Callable[[str], Concentration | None]

#: Rows per block: the temporaries of a block stay in cache, and no
#: full-length temporary is allocated (first-touch page faults of large
#: arrays cost more than the arithmetic here).
CHUNK = 1 << 16

Rows = slice | npt.NDArray[np.intp]


def _rows_of(values: Column, rows: Rows) -> Concentration | None:
    if values is None:
        return None
    if isinstance(values, Concentration):
        den = values.den if isinstance(values.den, int) else values.den[rows]
        return Concentration(values.num[rows], values.valid[rows], den)
    return Concentration(*to_scaled(values[rows], check=False))


def combine(
    indicators: Sequence[Indicator],
    source: ChunkSource,
    ruleset: AqiRuleSet,
    options: AqiOptions,
    n: int,
) -> dict[str, npt.NDArray[Any]]:
    """Sub-indices of ``indicators`` and the AQI over them (HJ 633 formula 2).

    Parameters
    ----------
    indicators
        The report's indicators under this rule set.
    source
        Returns the concentrations of a column for the rows at hand
        (``None`` if not available); called lazily so that a substitute
        value is read only when a concentration is above the table.
    ruleset, options
        Version and conventions.
    n
        Number of rows.

    Returns
    -------
    dict
        ``iaqi_<pollutant>``, ``aqi``, ``aqi_computed``, ``primary``,
        ``non_attainment`` (``int16``), ``level`` (``int8``) and
        ``complete`` arrays.
    """
    aqi = np.full(n, MISSING, dtype=np.int16)
    per_pollutant = {p: np.full(n, MISSING, dtype=np.int16) for p in POLLUTANTS}
    complete = np.ones(n, dtype=np.bool_)
    subs: list[tuple[npt.NDArray[np.int16], npt.NDArray[np.int16] | int]] = []
    for ind in indicators:
        values = source(ind.column)
        if values is None:
            if ind.optional:
                continue
            raise MissingColumns([ind.column])
        rule = ruleset.over_top.get(ind.table)
        sub_column = getattr(rule, "column", None)
        computed, substituted = evaluate_indicator(
            ind.table,
            values,
            ruleset,
            options,
            partial(source, sub_column) if sub_column else None,
        )
        iaqi = computed.astype(np.int16, copy=False)
        bits: npt.NDArray[np.int16] | int = _BIT[ind.column]
        if sub_column and substituted.any():
            bits = np.where(substituted, _BIT[sub_column], _BIT[ind.column]).astype(np.int16)
        subs.append((iaqi, bits))
        np.maximum(aqi, iaqi, out=aqi)
        np.maximum(per_pollutant[ind.pollutant], iaqi, out=per_pollutant[ind.pollutant])
        complete &= iaqi != MISSING
    primary = np.zeros(n, dtype=np.int16)
    over_100 = np.zeros(n, dtype=np.int16)
    # HJ 633-2012 §7.1 / 2026 §4.3: a primary pollutant exists only when
    # AQI > 50; all indicators sharing the maximum are primary (并列).
    has_primary = aqi > 50
    for iaqi, bits in subs:
        primary |= np.where(has_primary & (iaqi == aqi), bits, 0).astype(np.int16, copy=False)
        if ruleset.defines_non_attainment:
            over_100 |= np.where(iaqi > 100, bits, 0).astype(np.int16, copy=False)
    if options.incomplete == "ruleset":
        threshold = ruleset.withhold_incomplete_at_or_below
    elif options.incomplete == "withhold":
        threshold = 100
    else:
        threshold = None
    published = aqi != MISSING
    if threshold is not None:
        # HJ 633-2026 §5.3.1: with an indicator missing, AQI, primary
        # pollutant, level and category are published only if AQI > 100.
        published &= complete | (aqi > threshold)
    out: dict[str, npt.NDArray[Any]] = {f"iaqi_{p}": v for p, v in per_pollutant.items()}
    out["aqi_computed"] = aqi
    out["aqi"] = np.where(published, aqi, np.int16(MISSING))
    out["primary"] = np.where(published, primary, np.int16(0))
    out["non_attainment"] = over_100
    out["level"] = np.where(published, level_of(aqi), 0).astype(np.int8)
    out["complete"] = complete
    return out


_RESULT_KEYS = (
    *(f"iaqi_{p}" for p in POLLUTANTS),
    "aqi",
    "aqi_computed",
    "primary",
    "non_attainment",
    "level",
    "complete",
)


def _compute(
    n: int,
    ruleset_idx: npt.NDArray[np.intp],
    rulesets: tuple[AqiRuleSet, ...],
    indicators_of: Callable[[AqiRuleSet], Sequence[Indicator]],
    source: Source,
    options: AqiOptions,
) -> AqiArrays:
    """Run :func:`combine` per rule set and block of rows, into the results."""
    full: dict[str, npt.NDArray[Any]] = {}
    for k in _RESULT_KEYS:
        if k == "level":
            full[k] = np.zeros(n, dtype=np.int8)
        elif k == "complete":
            full[k] = np.zeros(n, dtype=np.bool_)
        else:
            full[k] = np.full(n, MISSING if k.startswith(("iaqi", "aqi")) else 0, dtype=np.int16)
    for r, ruleset in enumerate(rulesets):
        sel = None if len(rulesets) == 1 else np.flatnonzero(ruleset_idx == r)
        count = n if sel is None else sel.size
        indicators = indicators_of(ruleset)
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            rows: Rows = slice(start, stop) if sel is None else sel[start:stop]

            def chunk_source(column: str, rows: Rows = rows) -> Concentration | None:
                return _rows_of(source(column), rows)

            part = combine(indicators, chunk_source, ruleset, options, stop - start)
            for k in _RESULT_KEYS:
                full[k][rows] = part[k]
    return AqiArrays(
        iaqi={p: full[f"iaqi_{p}"] for p in POLLUTANTS},
        aqi=full["aqi"],
        aqi_computed=full["aqi_computed"],
        primary=full["primary"],
        non_attainment=full["non_attainment"],
        level=full["level"],
        complete=full["complete"],
        ruleset=ruleset_idx,
        rulesets=rulesets,
    )


def _ruleset_index(
    days: npt.NDArray[np.int64], standard: StandardChoice | AqiRuleSet
) -> tuple[npt.NDArray[np.intp], tuple[AqiRuleSet, ...]]:
    fixed = resolve_standard(standard)
    if fixed is not None:
        return np.zeros(len(days), dtype=np.intp), (fixed,)
    return select_index(days.astype("datetime64[D]"), AQI_RULESETS), AQI_RULESETS


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumns(missing)


def _mask_strings(masks: IntArray, sep: str = ";") -> pd.Categorical:
    # Masks are below 2**len(INDICATOR_NAMES): a counting pass replaces a sort.
    present = np.flatnonzero(np.bincount(masks, minlength=1 << len(INDICATOR_NAMES)))
    code_of = np.zeros(1 << len(INDICATOR_NAMES), dtype=np.int16)
    code_of[present] = np.arange(len(present))
    labels = [sep.join(names_of(int(m))) for m in present]
    # Distinct masks give distinct strings, as categories must be.
    return pd.Categorical.from_codes(code_of[masks], categories=labels)


def to_frame(arrays: AqiArrays, index: pd.Index) -> pd.DataFrame:
    """Result arrays as a frame with nullable integer and text columns.

    Columns: ``iaqi_so2 … iaqi_pm25``, ``aqi``, ``primary`` (names joined by
    ``;``, empty when AQI ≤ 50 or withheld), ``level`` (1–6), ``category``,
    ``colour``, ``non_attainment`` (HJ 633-2012 rows only; empty
    otherwise), ``complete`` and ``standard`` (the rule set's code).
    """
    data: dict[str, Any] = {}
    for p in POLLUTANTS:
        v = arrays.iaqi[p]
        data[f"iaqi_{p}"] = pd.arrays.IntegerArray(v.astype(np.int16), v == MISSING)
    data["aqi"] = pd.arrays.IntegerArray(arrays.aqi.astype(np.int16), arrays.aqi == MISSING)
    data["primary"] = _mask_strings(arrays.primary)
    level = arrays.level
    data["level"] = pd.arrays.IntegerArray(level.astype(np.int8), level == 0)
    data["category"] = pd.Categorical.from_codes(level - 1, categories=list(CATEGORIES))
    data["colour"] = pd.Categorical.from_codes(level - 1, categories=list(COLOURS))
    data["non_attainment"] = _mask_strings(arrays.non_attainment)
    data["complete"] = arrays.complete
    data["standard"] = pd.Categorical.from_codes(
        arrays.ruleset, categories=[r.code for r in arrays.rulesets]
    )
    return pd.DataFrame(data, index=index)


def _column_source(
    frame: pd.DataFrame, derived: Mapping[str, Callable[[], Concentration]]
) -> Source:
    cache: dict[str, Column] = {}

    def source(column: str) -> Column:
        if column not in cache:
            if column in frame.columns:
                values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
                check_concentrations(values)
                cache[column] = values
            elif column in derived:
                cache[column] = derived[column]()
            else:
                cache[column] = None
        return cache[column]

    return source


def hourly_arrays(
    frame: pd.DataFrame,
    *,
    standard: StandardChoice | AqiRuleSet = "auto",
    options: AqiOptions = DEFAULT_OPTIONS,
) -> AqiArrays:
    """Real-time (hourly) AQI as arrays; see :func:`hourly_aqi`.

    The arrays skip building text columns, for callers that aggregate.

    Examples
    --------
    >>> row = {"station": "A", "time": pd.Timestamp("2026-05-01 10:00"), "so2": 900,
    ...        "no2": 90, "co": 0.9, "o3": 210, "pm10": 135, "pm25": 70}
    >>> out = hourly_arrays(pd.DataFrame([row]))
    >>> int(out.aqi[0]), names_of(int(out.primary[0]))  # HJ 633-2026 note b
    (200, ['so2'])
    """
    _require(frame, HOURLY_COLUMNS)
    hours = period_hours(frame["time"], options.hour_label)
    idx, rulesets = _ruleset_index(hours // 24, standard)
    grid: dict[str, Any] = {}

    def station_days() -> StationDays:
        if "sd" not in grid:
            grid["sd"] = build_station_days(frame["station"], hours)
        sd: StationDays = grid["sd"]
        return sd

    def moving(pollutant: str, window: int, min_count: int) -> Callable[[], Concentration]:
        def compute() -> Concentration:
            sd = station_days()
            values = source(pollutant)
            assert isinstance(values, np.ndarray)
            return hourly_moving_average(
                sd, sd.to_grid(Concentration(*to_scaled(values, check=False))), window, min_count
            )

        return compute

    derived = {
        # HJ 663: 24-h moving averages (⚠ minimum hours, AqiOptions) and the
        # O3 8-h moving average with at least 6 of 8 hours (GB 3095 Table 4).
        "so2_24h": moving("so2", 24, options.moving_24h_min_hours),
        "pm10_24h": moving("pm10", 24, options.moving_24h_min_hours),
        "pm25_24h": moving("pm25", 24, options.moving_24h_min_hours),
        "o3_8h": moving("o3", 8, 6),
    }
    source = _column_source(frame, derived)
    # Duplicated hours are an error even when no moving average is needed.
    station_days()
    return _compute(
        len(frame),
        idx,
        rulesets,
        lambda rs: rs.hourly_indicators(options.convention),
        source,
        options,
    )


def hourly_aqi(
    frame: pd.DataFrame,
    *,
    standard: StandardChoice | AqiRuleSet = "auto",
    options: AqiOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Real-time (hourly) report: IAQI, AQI, primary pollutant, level.

    HJ 633-2012 §5.2 / HJ 633-2026 §4.2.3. Each row uses the rule set in
    force on the day its hour belongs to (``standard="auto"``), or a fixed
    one. Moving averages a rule set needs and the input lacks (``so2_24h``
    for HJ 633-2012 Table 1 note 2; ``o3_8h``, ``pm10_24h``, ``pm25_24h``
    under ``options.convention="text"``) are computed from the station's
    own series (HJ 663).

    Parameters
    ----------
    frame
        Columns ``station``, ``time`` (datetime; label convention in
        ``options.hour_label``), ``so2, no2, pm10, co, o3, pm25`` (1-h
        means, µg/m³, CO mg/m³, ``NaN`` = missing), optionally ``so2_24h,
        o3_8h, pm10_24h, pm25_24h``.
    standard
        ``"auto"`` (by date), ``"2012"``, ``"2026"`` or a rule set.
    options
        Conventions, see :class:`~greenloop.airquality.rulesets.AqiOptions`.

    Returns
    -------
    DataFrame
        Indexed like ``frame``; columns as :func:`to_frame`.

    Raises
    ------
    MissingColumns, DuplicateHour, NotOnTheHour, InvalidConcentration

    Examples
    --------
    Reference ``aqi-hj633.md`` §8 example E (2026 real-time):

    >>> row = {"station": "A", "time": pd.Timestamp("2026-05-01 10:00"), "so2": 20,
    ...        "no2": 90, "co": 0.9, "o3": 210, "pm10": 135, "pm25": 70}
    >>> out = hourly_aqi(pd.DataFrame([row]))
    >>> out[["iaqi_pm10", "iaqi_pm25", "aqi", "primary", "level", "category"]].values.tolist()
    [[106, 110, 110, 'pm25', 3, '轻度污染']]
    """
    return to_frame(hourly_arrays(frame, standard=standard, options=options), frame.index)


def daily_arrays(
    frame: pd.DataFrame,
    *,
    standard: StandardChoice | AqiRuleSet = "auto",
    options: AqiOptions = DEFAULT_OPTIONS,
) -> AqiArrays:
    """Daily AQI as arrays; see :func:`daily_aqi`.

    Examples
    --------
    >>> day = {"station": "A", "date": pd.Timestamp("2026-06-01"), "so2": 5, "no2": 20,
    ...        "pm10": 50, "co": 0.5, "o3_8h": 90, "pm25": None}
    >>> out = daily_arrays(pd.DataFrame([day]))
    >>> int(out.aqi_computed[0]), int(out.aqi[0])  # withheld, HJ 633-2026 §5.3.1
    (50, -1)
    """
    _require(frame, DAILY_COLUMNS)
    dates = pd.DatetimeIndex(frame["date"])
    if dates.tz is not None:
        dates = dates.tz_convert("Asia/Shanghai").tz_localize(None)
    days = dates.as_unit("ns").asi8 // (86_400 * 10**9)
    idx, rulesets = _ruleset_index(days, standard)
    source = _column_source(frame, {})

    def indicators(rs: AqiRuleSet) -> Sequence[Indicator]:
        # ⚠ reference §4.3: the O3 daily max 1-h of HJ 633-2012 enters the
        # daily AQI by the letter of the text, unless the bureau turns it off.
        return [i for i in rs.daily if not (i.optional and not options.daily_o3_1h)]

    return _compute(len(frame), idx, rulesets, indicators, source, options)


def daily_aqi(
    frame: pd.DataFrame,
    *,
    standard: StandardChoice | AqiRuleSet = "auto",
    options: AqiOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Daily report: IAQI, AQI, primary pollutant, level, category.

    HJ 633-2012 §5.1 / HJ 633-2026 §4.2.2: SO2, NO2, PM10, CO, PM2.5 24-h
    means and the O3 daily max 8-h mean; HJ 633-2012 also the O3 daily max
    1-h value when the frame has ``o3_1h`` (``options.daily_o3_1h``).

    Parameters
    ----------
    frame
        Columns ``station``, ``date``, ``so2, no2, pm10, co, o3_8h, pm25``,
        optional ``o3_1h``.
    standard, options
        As :func:`hourly_aqi`.

    Returns
    -------
    DataFrame
        As :func:`to_frame`.

    Examples
    --------
    Reference ``aqi-hj633.md`` §8 examples A and B — the same day under
    both versions:

    >>> day = {"station": "A", "so2": 12, "no2": 45, "pm10": 160, "pm25": 118,
    ...        "co": 1.3, "o3_1h": 180, "o3_8h": 150}
    >>> frame = pd.DataFrame([{**day, "date": pd.Timestamp("2025-01-01")},
    ...                       {**day, "date": pd.Timestamp("2026-03-01")}])
    >>> out = daily_aqi(frame)
    >>> out[["iaqi_pm10", "aqi", "primary", "category", "non_attainment", "standard"]].values.tolist()
    [[105, 155, 'pm25', '中度污染', 'pm10;pm25', 'HJ 633-2012'], [116, 155, 'pm25', '中度污染', '', 'HJ 633-2026']]
    """
    return to_frame(daily_arrays(frame, standard=standard, options=options), frame.index)
