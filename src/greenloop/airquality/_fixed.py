"""Scaled-integer (fixed-point) arithmetic shared by the air-quality kernel.

HJ 633 rounds every IAQI *up* to an integer (HJ 633-2012 §6.2, HJ 633-2026
§4.2.6). ``ceil`` after IEEE-754 arithmetic is wrong for values that should
land exactly on an integer: CO 2.2 mg/m³ gives 55.000000000000014 and so 56
instead of 55 (reference ``aqi-hj633.md`` §3.3). The kernel therefore holds
every concentration as an ``int64`` count of millionths of its table unit
(µg/m³, CO mg/m³) and does the piecewise-linear formula, the GB/T 8170 rounding and the percentile
interpolation in integers. Floats are only the interchange format: a decimal
with at most six decimals converts exactly because ``rint(x * 10**6)`` undoes
the representation error of ``x``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

#: Concentrations are held as integer millionths of the table unit.
SCALE: int = 1_000_000

#: Largest concentration accepted, in the table unit. Sums of a year of
#: hourly values (8,784 × 10**9 × 10**6 ≈ 8.8 × 10**18) must stay inside
#: ``int64``; nothing measured in ambient air comes near this bound.
MAX_CONCENTRATION: float = 1.0e8

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


class Concentration(NamedTuple):
    """Concentrations as exact ratios ``num / den`` of scaled units.

    ``den`` is 1 for measured values and the number of valid hours for a
    mean computed here, so that its rounding (GB/T 8170) stays exact.
    """

    num: IntArray
    valid: BoolArray
    den: IntArray | int = 1


class InvalidConcentration(ValueError):
    """A concentration is negative, infinite or too large to be a measurement."""


def check_concentrations(x: FloatArray) -> None:
    """Raise :class:`InvalidConcentration` for negative, infinite or huge values.

    ``NaN`` (missing) passes. Positions in the message are 0-based.

    Examples
    --------
    >>> check_concentrations(np.array([1.0, np.nan]))
    >>> check_concentrations(np.array([1.0, -2.0]))
    Traceback (most recent call last):
    ...
    greenloop.airquality._fixed.InvalidConcentration: 浓度必须是非负有限数值：位置 [1] 的值为 [-2.0]
    """
    if not x.size:
        return
    # fmin/fmax skip NaN without the all-NaN warning of nanmin; NaN back
    # means every value is missing.
    low, high = np.fmin.reduce(x), np.fmax.reduce(x)
    if np.isnan(low) or (low >= 0 and high <= MAX_CONCENTRATION):
        return
    bad = np.flatnonzero(~np.isnan(x) & ~((x >= 0) & (x <= MAX_CONCENTRATION)))
    raise InvalidConcentration(
        f"浓度必须是非负有限数值：位置 {bad[:10].tolist()} 的值为 {x[bad[:10]].tolist()}"
    )


def to_scaled(values: Any, *, check: bool = True) -> tuple[IntArray, BoolArray]:
    """Convert concentrations to scaled integers and a validity mask.

    Parameters
    ----------
    values
        Array-like of concentrations in the table unit (µg/m³, CO in
        mg/m³). ``NaN`` or ``None`` means missing (HJ 633-2012 Table 3/4
        notes: shown as ``NA``).

    Returns
    -------
    tuple of ndarray
        ``(scaled, valid)``: ``scaled`` holds ``round(value * 10**6)`` as
        ``int64`` (0 where missing), ``valid`` is ``True`` where a value is
        present.
    check
        Check the values (skip only when the caller has checked them).

    Raises
    ------
    InvalidConcentration
        For a negative, infinite or absurdly large value: such a value is
        an error upstream, never silently a zero (issue #6, "Bad input").

    Examples
    --------
    >>> scaled, valid = to_scaled([2.2, None, 0.0])
    >>> scaled.tolist(), valid.tolist()
    ([2200000, 0, 0], [True, False, True])
    """
    x = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(x)
    if check:
        check_concentrations(x)
    scaled = np.rint(np.where(valid, x, 0.0) * SCALE).astype(np.int64)
    return scaled, valid


def from_scaled(scaled: IntArray, valid: BoolArray) -> FloatArray:
    """Convert scaled integers back to floats, ``NaN`` where not valid.

    Examples
    --------
    >>> from_scaled(np.array([1555000, 0]), np.array([True, False])).tolist()
    [1.555, nan]
    """
    out = scaled.astype(np.float64) / SCALE
    out[~valid] = np.nan
    return out


def ceil_div(numerator: IntArray, denominator: IntArray | int) -> IntArray:
    """Integer ceiling division, exact for any ``int64`` operands.

    Examples
    --------
    >>> ceil_div(np.array([7, 8, -7]), 4).tolist()
    [2, 2, -1]
    """
    return -((-numerator) // denominator)


def round_half_even(numerator: IntArray, denominator: IntArray | int, quantum: int) -> IntArray:
    """Round ``numerator / denominator`` (scaled units) to a multiple of ``quantum``.

    GB/T 8170-2008 §3.3 (四舍六入五成双): a remainder above half rounds up,
    below half down, exactly half to the even neighbour. The ratio is kept
    as two integers so means of several hours (e.g. 1225 / 8) round exactly.
    Only non-negative numerators occur (concentrations).

    The quotient ``q = numerator / (denominator * quantum)`` is formed in
    float64 and rounded with ``rint`` (half to even), which is exact here:
    a true half-integer ``q`` is representable and IEEE division is
    correctly rounded, and any other ``q`` lies at least ``1 / (2D)``
    (``D = denominator * quantum``) from a half-integer, more than the
    division error ``|q| * 2**-53`` as long as ``|q| < 2**52 / D`` — true
    for concentrations up to ``MAX_CONCENTRATION`` and means of up to 24
    values. Integer ``divmod`` gives the same result three times slower.

    Parameters
    ----------
    numerator, denominator
        The value is ``numerator / denominator`` scaled units.
    quantum
        Step to round to, in scaled units (``SCALE`` for integers,
        ``SCALE // 10`` for one decimal).

    Examples
    --------
    >>> round_half_even(np.array([2_500_000, 3_500_000, 2_500_001]), 1, SCALE).tolist()
    [2000000, 4000000, 3000000]
    >>> round_half_even(np.array([1_225_000_000]), 8, SCALE).tolist()  # 153.125
    [153000000]
    """
    return round_units(numerator, denominator, quantum) * quantum


def round_units(numerator: IntArray, denominator: IntArray | int, quantum: int) -> IntArray:
    """As :func:`round_half_even`, but in units of ``quantum``.

    Examples
    --------
    >>> round_units(np.array([2_250_000, 2_350_000]), 1, SCALE // 10).tolist()
    [22, 24]
    """
    d = np.asarray(denominator, dtype=np.int64) * quantum
    return np.rint(numerator / d).astype(np.int64)


def round_half_even_exact(
    numerator: IntArray, denominator: IntArray | int, quantum: int
) -> IntArray:
    """Integer-only twin of :func:`round_half_even`, for checking it.

    Examples
    --------
    >>> round_half_even_exact(np.array([2_500_000, 3_500_000]), 1, SCALE).tolist()
    [2000000, 4000000]
    """
    d = np.asarray(denominator, dtype=np.int64) * quantum
    q, r = np.divmod(numerator, d)
    twice = 2 * r
    up = (twice > d) | ((twice == d) & (q % 2 == 1))
    result: IntArray = (q + up) * quantum
    return result
