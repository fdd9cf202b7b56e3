"""Float hygiene and GB/T 8170 rounding, vectorised."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Rounding", "format_fixed", "round_half_even", "round_to", "snap"]

_DIGITS = 12
# Variable-width strings: numpy's string ufuncs run in C on them.
_TEXT = np.dtypes.StringDType()


def snap(values: npt.ArrayLike, digits: int = _DIGITS) -> npt.NDArray[np.float64]:
    """Snap floats to the nearest decimal of ``digits`` significant digits.

    Means of decimal data carry binary noise (the mean of 0.1, 0.2 and 0.3 is
    0.20000000000000004); snapping before a limit comparison keeps such a
    mean at 0.2. Twelve digits is far beyond any laboratory's precision, so
    no reported value changes class by it.

    Examples
    --------
    >>> float(snap([0.20000000000000004])[0])
    0.2
    """
    x = np.array(values, dtype=float, copy=True)
    ok = np.isfinite(x) & (x != 0)
    xf = x[ok]
    # Bounded so that 10**k stays finite: magnitudes below ~1e-289 snap to 0.
    exponent = np.clip(digits - 1 - np.floor(np.log10(np.abs(xf))), -300, 300)
    # 10**k is exact for |k| <= 22; scaling by an exact power of ten and
    # rounding to an integer < 2**53 gives the nearest double to the decimal.
    power = 10.0 ** np.abs(exponent)
    up = exponent >= 0
    result = np.empty_like(xf)
    result[up] = np.rint(xf[up] * power[up]) / power[up]
    result[~up] = np.rint(xf[~up] / power[~up]) * power[~up]
    x[ok] = result
    return x


Rounding = Literal["half_even", "half_up"]


def round_to(
    values: npt.ArrayLike, decimals: int, *, mode: Rounding = "half_even"
) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` places, half-even (GB/T 8170) or half-up.

    GB/T 8170 (四舍六入五成双) drops a final 5 after an even digit; the
    reference's example-2 table rounds half up (5/6.4 = 0.78125 → 0.7813).
    Halves are judged on the decimal value, not its binary approximation.

    Examples
    --------
    >>> round_to([0.78125, 0.78135], 4).tolist()
    [0.7812, 0.7814]
    >>> round_to([0.78125, -0.78125], 4, mode="half_up").tolist()
    [0.7813, -0.7813]
    """
    power = 10.0**decimals
    scaled = snap(np.asarray(values, dtype=float) * power)
    if mode == "half_even":
        return np.rint(scaled) / power
    if mode == "half_up":
        return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) / power
    raise ValueError(f"unknown rounding mode: {mode!r}")


def round_half_even(values: npt.ArrayLike, decimals: int) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` places by GB/T 8170 (四舍六入五成双).

    Examples
    --------
    >>> round_half_even([0.785, 0.775, 0.7851], 2).tolist()
    [0.78, 0.78, 0.79]
    """
    return round_to(values, decimals, mode="half_even")


def format_fixed(
    values: npt.ArrayLike,
    decimals: int,
    *,
    strip: bool = False,
    mode: Rounding = "half_even",
) -> npt.NDArray[np.object_]:
    """Format numbers with ``decimals`` places; NaN as ``""``.

    With ``strip``, trailing zeros and a bare decimal point are dropped.

    Examples
    --------
    >>> format_fixed([6.9119166, float("nan")], 4).tolist()
    ['6.9119', '']
    >>> format_fixed([0.6, 1.25, 2.0], 2, strip=True).tolist()
    ['0.6', '1.25', '2']
    """
    x = round_to(values, decimals, mode=mode)
    finite = np.isfinite(x)
    power = 10**decimals
    magnitude = np.rint(np.abs(np.where(finite, x, 0.0)) * power)
    if (magnitude >= 2**53).any():  # beyond exact integers: slow but exact path
        text = np.char.mod(f"%.{decimals}f", np.where(finite, x, 0.0)).astype(_TEXT)
    else:
        # Integer arithmetic and numpy string ufuncs: no Python per value.
        units = magnitude.astype(np.int64)
        text = (units // power).astype(_TEXT)
        if decimals > 0:
            fraction = np.strings.zfill((units % power).astype(_TEXT), decimals)
            text = np.strings.add(np.strings.add(text, "."), fraction)
        negative = (x < 0) & (units > 0)
        if negative.any():
            text[negative] = np.strings.add("-", text[negative])
    if strip and decimals > 0:
        text = np.strings.rstrip(np.strings.rstrip(text, "0"), ".")
    # Masked assignment: np.where over strings would copy every value.
    for mask, word in ((np.isposinf(x), "inf"), (np.isneginf(x), "-inf"), (np.isnan(x), "")):
        if mask.any():
            text[mask] = word
    return text.astype(object)
