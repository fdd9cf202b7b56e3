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


def to_scaled(values: Any) -> tuple[IntArray, BoolArray]:
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
    present = x[valid]
    if present.size and (
        not np.isfinite(present).all()
        or present.min() < 0
        or present.max() > MAX_CONCENTRATION
    ):
        bad = np.flatnonzero(valid & ~((x >= 0) & (x <= MAX_CONCENTRATION)))
        raise InvalidConcentration(
            f"浓度必须是非负有限数值：位置 {bad[:10].tolist()} 的值为 {x[bad[:10]].tolist()}"
        )
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


def round_half_even(
    numerator: IntArray, denominator: IntArray | int, quantum: int
) -> IntArray:
    """Round ``numerator / denominator`` (scaled units) to a multiple of ``quantum``.

    GB/T 8170-2008 §3.3 (四舍六入五成双): a remainder above half rounds up,
    below half down, exactly half to the even neighbour. The ratio is kept
    as two integers so means of several hours (e.g. 1225 / 8) round exactly.
    Only non-negative numerators occur (concentrations).

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
    d = np.asarray(denominator, dtype=np.int64) * quantum
    q, r = np.divmod(numerator, d)
    twice = 2 * r
    up = (twice > d) | ((twice == d) & (q % 2 == 1))
    return (q + up) * quantum
