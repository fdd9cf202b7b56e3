"""Water-quality classes and water-body types, with vectorised parsing.

Class codes used throughout the kernel are small integers: 1–5 for classes
Ⅰ–Ⅴ, 6 for 劣Ⅴ (worse than class V) and 0 for "not evaluated" (no value,
or an item that does not apply to the water body).
"""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "NOT_EVALUATED",
    "Body",
    "BodyLike",
    "WaterClass",
    "class_labels",
    "class_statuses",
    "lake_mask",
    "parse_bodies",
    "parse_classes",
]

NOT_EVALUATED = 0

_LABELS = ("", "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
# Reference §2.2, 断面水质定性评价.
_STATUSES = ("", "优", "优", "良好", "轻度污染", "中度污染", "重度污染")
# Reference §2.2 ⚠: colours are the author's recollection, kept as data.
_COLOURS = ("", "blue", "blue", "green", "yellow", "orange", "red")


class WaterClass(IntEnum):
    """GB 3838-2002 functional class, with 劣Ⅴ as class 6.

    Examples
    --------
    >>> WaterClass.III.label, WaterClass.III.status
    ('Ⅲ', '良好')
    >>> WaterClass.parse("劣V类").label
    '劣Ⅴ'
    """

    I = 1  # noqa: E741 - the standard's own name for the class
    II = 2
    III = 3
    IV = 4
    V = 5
    WORSE_THAN_V = 6

    @property
    def label(self) -> str:
        """Chinese label with Unicode Roman numerals, e.g. ``Ⅲ`` or ``劣Ⅴ``."""
        return _LABELS[self.value]

    @property
    def status(self) -> str:
        """Qualitative status of a section in this class (reference §2.2)."""
        return _STATUSES[self.value]

    @property
    def colour(self) -> str:
        """Display colour name (reference §2.2, ⚠ unverified)."""
        return _COLOURS[self.value]

    @classmethod
    def parse(cls, text: str) -> WaterClass:
        """Parse ``III``, ``Ⅲ``, ``Ⅲ类``, ``3``, ``劣V`` … into a class.

        Raises
        ------
        ValueError
            If the text names no class.
        """
        code = int(parse_classes([text])[0])
        if code <= 0:
            raise ValueError(f"无法识别的水质类别：{text!r}")
        return cls(code)


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_UNICODE_ROMAN = str.maketrans({"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V"})
_CLASS_WORDS: dict[str, int] = {
    **_ROMAN,
    **{str(v): v for v in _ROMAN.values()},
    "劣V": 6,
    "6": 6,
}


def _normalise_class_text(text: str) -> str:
    text = text.strip().translate(_UNICODE_ROMAN).upper()
    text = re.sub(r"\s+", "", text)
    return text.removesuffix("类")


def parse_classes(texts: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Parse class texts into class codes.

    Empty text gives 0 (no class); text naming no class gives -1.

    Examples
    --------
    >>> parse_classes(["III", "Ⅱ类", "", "劣Ⅴ", "VI"]).tolist()
    [3, 2, 0, 6, -1]
    """
    series = pd.Series(np.asarray(texts, dtype=object), dtype=object).fillna("")
    # Few distinct spellings: normalise the unique values, then map back.
    uniques = pd.unique(series.astype(str))
    lookup = {
        u: (0 if not u.strip() else _CLASS_WORDS.get(_normalise_class_text(u), -1)) for u in uniques
    }
    return series.astype(str).map(lookup).to_numpy(dtype=np.int8)


def class_labels(codes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Labels (``Ⅰ`` … ``劣Ⅴ``) for class codes; ``""`` for 0.

    Examples
    --------
    >>> class_labels([1, 3, 6, 0]).tolist()
    ['Ⅰ', 'Ⅲ', '劣Ⅴ', '']
    """
    return np.asarray(_LABELS, dtype=object)[np.asarray(codes, dtype=np.int64)]


def class_statuses(codes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Qualitative status (reference §2.2) for class codes; ``""`` for 0.

    Examples
    --------
    >>> class_statuses([2, 3, 4, 5, 6]).tolist()
    ['优', '良好', '轻度污染', '中度污染', '重度污染']
    """
    return np.asarray(_STATUSES, dtype=object)[np.asarray(codes, dtype=np.int64)]


class Body(StrEnum):
    """Water-body type, which selects the TP column of Table 1."""

    RIVER = "river"
    LAKE = "lake"

    @property
    def label(self) -> str:
        """Chinese name: 河流 or 湖库."""
        return "河流" if self is Body.RIVER else "湖库"


BodyLike: TypeAlias = "str | Body | npt.ArrayLike"

_BODY_WORDS: dict[str, int] = {
    "river": 0,
    "stream": 0,
    "河流": 0,
    "河": 0,
    "lake": 1,
    "reservoir": 1,
    "湖库": 1,
    "湖泊": 1,
    "水库": 1,
    "湖": 1,
    "库": 1,
    "湖、库": 1,
}


def parse_bodies(texts: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Parse water-body texts: 0 river, 1 lake or reservoir, -1 unknown.

    Accepted (case-insensitive): ``river``, ``河流``, ``河``; ``lake``,
    ``reservoir``, ``湖库``, ``湖泊``, ``水库``, ``湖``, ``库``.

    Examples
    --------
    >>> parse_bodies(["river", "湖库", "Lake", "sea"]).tolist()
    [0, 1, 1, -1]
    """
    series = pd.Series(np.asarray(texts, dtype=object), dtype=object).fillna("").astype(str)
    uniques = pd.unique(series)
    lookup = {u: _BODY_WORDS.get(u.strip().casefold(), -1) for u in uniques}
    return series.map(lookup).to_numpy(dtype=np.int8)


def lake_mask(body: BodyLike, n: int) -> npt.NDArray[np.bool_]:
    """Boolean mask of lake/reservoir rows from a scalar or array of bodies.

    Raises
    ------
    ValueError
        If a body is not recognised or the length does not match ``n``.
    """
    if isinstance(body, str):
        codes = parse_bodies([body])
        if codes[0] < 0:
            raise ValueError(f"无法识别的水体类型：{body!r}")
        return np.full(n, bool(codes[0]))
    arr = np.asarray(body)
    if arr.dtype == np.bool_:
        mask = arr
    else:
        codes = parse_bodies(arr)
        if (codes < 0).any():
            bad = arr[codes < 0][0]
            raise ValueError(f"无法识别的水体类型：{bad!r}")
        mask = codes.astype(bool)
    if mask.shape != (n,):
        raise ValueError(f"水体类型个数 {mask.shape} 与样品行数 {n} 不一致")
    return mask
