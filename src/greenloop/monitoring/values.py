"""Which field of a factor is its value, and when that value is a number.

A factor arrives as fields (``Rtd``, ``Flag``, ``SampleTime``…) kept as the
text the device sent. Live pages and charts show one of them as the
factor's value; these are the rules, in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

VALUE_FIELDS: Final = ("Rtd", "Avg", "ZsRtd", "ZsAvg", "Data", "DayData", "RS", "RT", "Cou", "Info")
"""Which field of a factor is its value on live pages, first present wins
(HJ 212-2017 Table 4: real-time value, period average, noise data, facility
running state and time, cumulative amount, device information)."""

_NUMBER: Final = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\Z")


def number(text: Any) -> float | None:
    """``text`` as a finite number, or ``None``: digits with an optional
    point and exponent, as HJ 212 writes numbers (2017 §6.6.2, Table 8).

    Examples
    --------
    >>> number("35.20"), number("-.5"), number("1e3"), number("//正常//"), number("1e999")
    (35.2, -0.5, 1000.0, None, None)
    """
    if (
        isinstance(text, int | float)
        and not isinstance(text, bool)
        or isinstance(text, str)
        and _NUMBER.match(text) is not None
    ):
        value = float(text)
    else:
        return None
    return value if math.isfinite(value) else None


def value_field(fields: Mapping[str, Any]) -> str:
    """The name of the field that is the factor's value; "" if none is."""
    return next((name for name in VALUE_FIELDS if name in fields), "")
