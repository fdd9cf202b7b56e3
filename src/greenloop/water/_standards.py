"""Versioned limit tables of the surface-water standard.

Each standard is a data file next to this module (``gb3838_2002.csv`` holds
GB 3838-2002 Table 1 as transcribed in the reference, §1) plus one row in
``_REGISTRY``. A revised standard is added as a new file and a new registry
row; data is then evaluated by the standard in force on its date, so old and
new data can be computed side by side.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "GB3838_2002",
    "STANDARDS",
    "ItemSpec",
    "WaterStandard",
    "get_standard",
    "standards_for_dates",
]

Kind = Literal["max", "min", "range", "none"]


@dataclass(frozen=True)
class ItemSpec:
    """One item of Table 1 with its class limits.

    ``kind`` says how a value meets a class: ``max`` (value ≤ limit), ``min``
    (value ≥ limit, dissolved oxygen), ``range`` (``low ≤ value ≤ high`` in
    every class, pH) or ``none`` (no class limits, water temperature).
    ``river`` and ``lake`` hold the five limits of classes Ⅰ–Ⅴ, or ``None``
    where the item has no limit for that water body (total nitrogen is
    listed for lakes and reservoirs only). For ``range`` items they hold
    ``(low, high)``.
    """

    code: str
    name: str
    name_en: str
    unit: str
    kind: Kind
    river: tuple[float, ...] | None
    lake: tuple[float, ...] | None
    aliases: tuple[str, ...]

    def limits(self, lake: bool) -> tuple[float, ...] | None:
        """The five class limits (or pH's range) for a water body."""
        return self.lake if lake else self.river

    def limit_matrix(self, lake: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        """Per-row class limits, shape ``(n, 5)``; NaN rows where not applicable."""
        nan = (np.nan,) * 5
        river = np.asarray(self.river if self.river is not None else nan, dtype=float)
        lake_row = np.asarray(self.lake if self.lake is not None else nan, dtype=float)
        return np.where(lake[:, None], lake_row[None, :], river[None, :])


@dataclass(frozen=True)
class WaterStandard:
    """A surface-water quality standard: its items and class limits.

    Examples
    --------
    >>> GB3838_2002.limit("tp", 3, lake=False), GB3838_2002.limit("tp", 3, lake=True)
    (0.2, 0.05)
    >>> GB3838_2002.resolve_column("氨氮(mg/L)")
    'nh3n'
    """

    code: str
    title: str
    effective_from: date
    items: Mapping[str, ItemSpec]

    def __str__(self) -> str:
        return self.code

    def item(self, code: str) -> ItemSpec:
        """The item with this canonical code (``KeyError`` if unknown)."""
        return self.items[code]

    def limit(self, code: str, water_class: int, *, lake: bool = False) -> float:
        """Limit of class ``water_class`` (1–5) for item ``code``.

        Raises
        ------
        ValueError
            For items without per-class limits (pH, water temperature) or
            without a limit for this water body (TN in rivers).
        """
        spec = self.items[code]
        limits = spec.limits(lake)
        if spec.kind not in ("max", "min") or limits is None:
            raise ValueError(f"{spec.name} 没有{'湖库' if lake else '河流'}分类限值")
        if not 1 <= water_class <= 5:
            raise ValueError(f"水质类别应为 1–5：{water_class}")
        return limits[water_class - 1]

    def resolve_column(self, name: str) -> str | None:
        """Canonical item code for a column name, or ``None``.

        Matches the canonical code, the reference's code hint, the Chinese
        name and a few common spellings, ignoring case and surrounding
        spaces; a trailing unit in brackets, ``氨氮(mg/L)``, is ignored.
        """
        key = _alias_key(name)
        found = self._alias_index.get(key)
        if found is None and key.endswith((")", "）")):
            stripped = _UNIT_SUFFIX.sub("", key)
            found = self._alias_index.get(stripped)
        return found

    @property
    def _alias_index(self) -> Mapping[str, str]:
        return _ALIAS_INDEX[self.code]


def _alias_key(name: str) -> str:
    return "".join(name.split()).casefold()


def _parse_limit_row(kind: Kind, cells: list[str]) -> tuple[float, ...] | None:
    if kind == "none":
        return None
    if kind == "range":
        low, high = cells[0].split("~")
        return (float(low), float(high))
    limits = tuple(float(c) for c in cells)
    ordered = np.diff(limits) >= 0 if kind == "max" else np.diff(limits) <= 0
    if not ordered.all():
        raise ValueError(f"limits out of order: {cells}")
    return limits


def _load(file_name: str) -> dict[str, ItemSpec]:
    text = resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    items: dict[str, ItemSpec] = {}
    for row in rows:
        kind: Kind = row["kind"]  # type: ignore[assignment]
        limits = _parse_limit_row(kind, [row[c] for c in ("I", "II", "III", "IV", "V")])
        previous = items.get(row["code"])
        river = previous.river if previous else None
        lake = previous.lake if previous else None
        if row["body"] in ("all", "river"):
            river = limits
        if row["body"] in ("all", "lake"):
            lake = limits
        aliases = tuple(a for a in row["aliases"].split("|") if a)
        items[row["code"]] = ItemSpec(
            code=row["code"],
            name=row["name"],
            name_en=row["name_en"],
            unit=row["unit"],
            kind=kind,
            river=river,
            lake=lake,
            aliases=(previous.aliases if previous else ()) + aliases,
        )
    return items


def _build_alias_index(items: Iterable[ItemSpec]) -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in items:
        for alias in (spec.code, spec.name, spec.name_en, *spec.aliases):
            key = _alias_key(alias)
            if index.setdefault(key, spec.code) != spec.code:
                raise ValueError(f"alias {alias!r} names two items")
    return index


_UNIT_SUFFIX = re.compile(r"[（(][^（()）]*[)）]$")

# code, title, in force from, data file. Keep sorted by date.
_REGISTRY: tuple[tuple[str, str, date, str], ...] = (
    ("GB 3838-2002", "地表水环境质量标准", date(2002, 6, 1), "gb3838_2002.csv"),
)

STANDARDS: Mapping[str, WaterStandard] = MappingProxyType(
    {
        code: WaterStandard(code, title, start, MappingProxyType(_load(file_name)))
        for code, title, start, file_name in _REGISTRY
    }
)
_ALIAS_INDEX: dict[str, Mapping[str, str]] = {
    code: MappingProxyType(_build_alias_index(std.items.values()))
    for code, std in STANDARDS.items()
}

GB3838_2002: WaterStandard = STANDARDS["GB 3838-2002"]


def get_standard(code: str) -> WaterStandard:
    """Look a standard up by code, ignoring spaces and case.

    Examples
    --------
    >>> get_standard("gb3838-2002").code
    'GB 3838-2002'

    Raises
    ------
    KeyError
        If no registered standard has this code.
    """
    key = _alias_key(code)
    for std_code, standard in STANDARDS.items():
        if _alias_key(std_code) == key:
            return standard
    raise KeyError(f"未知标准：{code}（可用：{'、'.join(STANDARDS)}）")


def standards_for_dates(dates: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Code of the standard in force on each date; ``""`` before the first.

    Examples
    --------
    >>> standards_for_dates(["2001-12-31", "2024-05-01"]).tolist()
    ['', 'GB 3838-2002']
    """
    stamps = pd.to_datetime(pd.Series(np.asarray(dates, dtype=object))).to_numpy(
        dtype="datetime64[D]"
    )
    starts = np.array([row[2] for row in _REGISTRY], dtype="datetime64[D]")
    codes = np.array(["", *(row[0] for row in _REGISTRY)], dtype=object)
    position = np.searchsorted(starts, stamps, side="right")
    return codes[position]
