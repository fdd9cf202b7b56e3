"""Individual air quality index (IAQI, 空气质量分指数), HJ 633 formula (1).

Everything here is exact: concentrations are scaled integers (see
:mod:`greenloop.airquality._fixed`), the piecewise-linear formula is evaluated
with integer ceiling division, so ``IAQI = ceil(exact value)`` as HJ 633-2012
§6.2 ("全部进位取整数") and HJ 633-2026 §4.2.6 ("全部向上进位取整数") demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from greenloop.airquality._fixed import (
    BoolArray,
    Concentration,
    IntArray,
    ceil_div,
    round_half_even,
    round_units,
    to_scaled,
)
from greenloop.airquality.rulesets import (
    DEFAULT_OPTIONS,
    AqiOptions,
    AqiRuleSet,
    BreakpointColumn,
    FixedIaqi,
    StandardChoice,
    Substitute,
    quantum,
    resolve_standard,
)

#: Sentinel of a missing sub-index in the ``int16`` arrays of the kernel.
MISSING: int = -1

Int16Array = npt.NDArray[np.int16]


def round_concentration(scaled: IntArray, pollutant: str) -> IntArray:
    """Round scaled concentrations to the reporting precision (GB/T 8170).

    HJ 633-2026 §4.2.2: SO2, NO2, O3, PM10, PM2.5 to integers (µg/m³), CO to
    one decimal (mg/m³), 四舍六入五成双.

    Examples
    --------
    >>> from greenloop.airquality._fixed import SCALE
    >>> round_concentration(np.array([74_500_000, 75_500_000]), "pm25") // SCALE
    array([74, 76])
    >>> round_concentration(np.array([2_250_000, 2_251_000]), "co").tolist()
    [2200000, 2300000]
    """
    return round_half_even(scaled, 1, quantum(pollutant))


def iaqi_scaled(scaled: IntArray, column: BreakpointColumn) -> tuple[IntArray, BoolArray]:
    """IAQI of scaled concentrations on one breakpoint column.

    HJ 633 formula (1) on the segment ``BP_Lo < C ≤ BP_Hi`` (``C = 0`` uses
    the first segment), rounded up exactly.

    Parameters
    ----------
    scaled
        Non-negative concentrations as scaled integers.
    column
        The breakpoint column (table unit of the concentrations).

    Returns
    -------
    tuple of ndarray
        ``(iaqi, above_top)``: the IAQI as ``int64`` (undefined where
        ``above_top``) and a mask of concentrations above the top breakpoint,
        for which the caller applies the special rule.

    Examples
    --------
    >>> from greenloop.airquality.rulesets import HJ633_2012
    >>> from greenloop.airquality._fixed import SCALE
    >>> c = np.array([0, 2_200_000, 60_000_000, 61_000_000])
    >>> iaqi, above = iaqi_scaled(c, HJ633_2012.tables["co_24h"])
    >>> iaqi[:3].tolist(), above.tolist()
    ([0, 55, 500], [False, False, False, True])
    """
    bps = column.scaled
    levels = column.iaqi_array
    # side="left": index j with bps[j-1] < c <= bps[j]; c == 0 gives 0 and is
    # moved onto the first segment, whose formula then yields IAQI 0.
    hi = np.searchsorted(bps, scaled, side="left")
    above = hi >= len(bps)
    hi = np.clip(hi, 1, len(bps) - 1)
    lo = hi - 1
    bp_lo = bps[lo]
    i_lo = levels[lo]
    numerator = (levels[hi] - i_lo) * (scaled - bp_lo)
    iaqi = i_lo + ceil_div(numerator, bps[hi] - bp_lo)
    return iaqi, above


def evaluate_indicator(
    table: str,
    values: Concentration,
    ruleset: AqiRuleSet,
    options: AqiOptions,
    substitute: Callable[[], Concentration | None] | None = None,
) -> tuple[IntArray, BoolArray]:
    """IAQI of one indicator with the rule set's special rules applied.

    Parameters
    ----------
    table
        Breakpoint column key, e.g. ``"so2_1h"``.
    values
        Concentrations, unrounded (means as exact ratios).
    ruleset, options
        Version and conventions.
    substitute
        Returns the replacement concentrations when the rule set
        substitutes above the top breakpoint (HJ 633-2012 notes 2 and 3);
        called only if a value is above the top, since a moving average
        may have to be computed for it.

    Returns
    -------
    tuple of ndarray
        ``(iaqi, substituted)``: ``int64`` IAQI with :data:`MISSING` where
        no sub-index exists, and the rows where the substitute supplied it.
    """
    column = ruleset.tables[table]
    num, valid, den = values
    if options.round_concentrations:
        # Rounded concentrations take few values: the IAQI is a lookup in a
        # table filled by the exact formula (a gather instead of a division).
        step = quantum(column.pollutant)
        units = round_units(num, den, step)
        lut = column.lut(step)
        above = units >= len(lut)
        iaqi = lut[np.minimum(units, len(lut) - 1)]
    else:
        # Without GB/T 8170 rounding a computed mean is resolved to 10**-6 of
        # the unit; exact for every value a station can report.
        scaled = num if isinstance(den, int) and den == 1 else round_half_even(num, den, 1)
        iaqi, above = iaqi_scaled(scaled, column)
    iaqi = np.where(valid, iaqi, MISSING)
    above &= valid
    substituted = np.zeros(iaqi.shape, dtype=np.bool_)
    if not above.any():
        return iaqi, substituted
    rule = ruleset.over_top.get(table)
    if isinstance(rule, FixedIaqi):
        iaqi[above] = rule.iaqi
    elif isinstance(rule, Substitute):
        replacement = None if substitute is None else substitute()
        if replacement is None:
            iaqi[above] = MISSING
        else:
            sub_iaqi, _ = evaluate_indicator(rule.table, replacement, ruleset, options)
            iaqi[above] = sub_iaqi[above]
            substituted = above & (sub_iaqi != MISSING)
    elif options.above_top == "cap":
        # ⚠ reference §7: neither version defines IAQI above 500; the
        # common practice reports 500 (严重污染).
        iaqi[above] = column.iaqi[-1]
    else:
        iaqi[above] = MISSING
    return iaqi, substituted


def iaqi(
    values: Any,
    table: str,
    *,
    standard: StandardChoice | AqiRuleSet = "2026",
    options: AqiOptions = DEFAULT_OPTIONS,
    substitute: Any = None,
) -> IntArray:
    """IAQI of concentrations on one column of the HJ 633 table.

    Parameters
    ----------
    values
        Concentrations (µg/m³, CO mg/m³); ``NaN``/``None`` = missing.
    table
        Breakpoint column: ``so2_24h``, ``so2_1h``, ``no2_24h``, ``no2_1h``,
        ``pm10_24h``, ``co_24h``, ``co_1h``, ``o3_1h``, ``o3_8h``,
        ``pm25_24h`` (PM 1-h values use the 24-h column, HJ 633-2026
        formula (1) definitions).
    standard
        ``"2012"``, ``"2026"`` or an :class:`AqiRuleSet` (no ``"auto"``: the
        values carry no date here).
    options
        Conventions; see :class:`AqiOptions`.
    substitute
        For HJ 633-2012 ``so2_1h`` / ``o3_8h`` above 800: the SO2 24-h / O3
        1-h concentrations whose IAQI replaces it (Table 1 notes 2, 3).

    Returns
    -------
    ndarray
        ``int64`` IAQI, :data:`MISSING` (-1) where missing.

    Examples
    --------
    Reference §3.3: CO 24 h 2.2 mg/m³ is exactly 55 (floats give 56).

    >>> iaqi([2.2], "co_24h", standard="2012").tolist()
    [55]

    Reference §8 example F: PM2.5 75 is 114 in 2026 and 100 in 2012; NO2
    1-h 350 is 115.0 → 115, not 116.

    >>> iaqi([75], "pm25_24h").tolist(), iaqi([75], "pm25_24h", standard="2012").tolist()
    ([114], [100])
    >>> iaqi([350], "no2_1h").tolist()
    [115]

    HJ 633-2026 Table 3 note b: SO2 1-h above 800 → 200.

    >>> iaqi([801, None], "so2_1h").tolist()
    [200, -1]
    """
    ruleset = resolve_standard(standard)
    if ruleset is None:
        raise ValueError("iaqi() needs a fixed standard; use hourly_aqi()/daily_aqi() for auto")
    sub = None if substitute is None else Concentration(*to_scaled(substitute))
    result, _ = evaluate_indicator(
        table, Concentration(*to_scaled(values)), ruleset, options, lambda: sub
    )
    return result
