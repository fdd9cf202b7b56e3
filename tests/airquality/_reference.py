"""Direct, slow implementations of the standards' formulas, for checking the kernel.

Written from the reference text with :class:`fractions.Fraction`, one value at
a time, sharing no code with the kernel.
"""

from __future__ import annotations

import math
from fractions import Fraction

IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)


def gbt8170(value: Fraction, decimals: int) -> Fraction:
    """GB/T 8170 rounding (四舍六入五成双) of an exact value."""
    step = Fraction(1, 10**decimals)
    q = value / step
    floor = math.floor(q)
    rest = q - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return floor * step


def iaqi_exact(
    concentration: str | Fraction, breakpoints: tuple[str, ...], decimals: int
) -> int | None:
    """HJ 633 formula (1), rounded up; ``None`` above the top breakpoint."""
    c = gbt8170(Fraction(concentration), decimals)
    bps = [Fraction(b) for b in breakpoints]
    if c == 0:
        return 0
    for i in range(1, len(bps)):
        if c <= bps[i]:
            lo, hi = bps[i - 1], bps[i]
            i_lo, i_hi = IAQI_STEPS[i - 1], IAQI_STEPS[i]
            return math.ceil(Fraction(i_hi - i_lo) / (hi - lo) * (c - lo) + i_lo)
    return None


def percentile_direct(values: list[Fraction], p: int) -> Fraction:
    """HJ 663 percentile, step by step as the reference writes it (1-based)."""
    x = sorted(values)
    n = len(x)
    k = 1 + Fraction((n - 1) * p, 100)
    s = math.floor(k)
    if s >= n:
        return x[n - 1]
    return x[s - 1] + (x[s] - x[s - 1]) * (k - s)
