"""Float hygiene and GB/T 8170 rounding, vectorised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["format_fixed", "round_half_even", "snap"]

_DIGITS = 12


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
    exponent = digits - 1 - np.floor(np.log10(np.abs(xf)))
    # 10**k is exact for |k| <= 22; scaling by an exact power of ten and
    # rounding to an integer < 2**53 gives the nearest double to the decimal.
    power = 10.0 ** np.abs(exponent)
    up = exponent >= 0
    scaled = np.rint(np.where(up, xf * power, xf / power))
    x[ok] = np.where(up, scaled / power, scaled * power)
    return x


def round_half_even(values: npt.ArrayLike, decimals: int) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` places by GB/T 8170 (四舍六入五成双).

    Examples
    --------
    >>> round_half_even([0.785, 0.775, 0.7851], 2).tolist()
    [0.78, 0.78, 0.79]
    >>> round_half_even([6.911916666], 4).tolist()
    [6.9119]
    """
    power = 10.0**decimals
    return np.rint(snap(np.asarray(values, dtype=float) * power)) / power


def format_fixed(
    values: npt.ArrayLike, decimals: int, *, strip: bool = False
) -> npt.NDArray[np.str_]:
    """Format numbers with ``decimals`` places (half-even); NaN as ``""``.

    With ``strip``, trailing zeros and a bare decimal point are dropped.

    Examples
    --------
    >>> format_fixed([6.9119166, float("nan")], 4).tolist()
    ['6.9119', '']
    >>> format_fixed([0.6, 1.25, 2.0], 2, strip=True).tolist()
    ['0.6', '1.25', '2']
    """
    x = round_half_even(values, decimals)
    text = np.char.mod(f"%.{decimals}f", np.where(np.isnan(x), 0.0, x))
    if strip and decimals > 0:
        text = np.char.rstrip(np.char.rstrip(text, "0"), ".")
    text = np.where(np.isposinf(x), "inf", text)
    return np.where(np.isnan(x), "", text)
