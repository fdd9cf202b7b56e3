"""What an import would do: the rows to write and the problems found.

Built by :mod:`.validate`, written by :mod:`.commit`, shown by the import
page and the ``greenloop import`` command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from greenloop.org.importing.schema import PERSON_SHEET, REGION_SHEET, SHEETS, UNIT_SHEET

_SHEET_ORDER = {spec.title: i for i, spec in enumerate(SHEETS)}
_COLUMN_ORDER = {(spec.title, c.name): i for spec in SHEETS for i, c in enumerate(spec.columns)}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason the workbook cannot be imported (or, as a note, a remark)."""

    sheet: str
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = [self.sheet or gettext("工作簿")]
        if self.row is not None:
            where.append(gettext("第%(row)d行") % {"row": self.row})
        if self.column:
            where.append(gettext("“%(column)s”列") % {"column": self.column})
        return gettext("%(where)s：%(reason)s") % {"where": " ".join(where), "reason": self.reason}

    def sort_key(self) -> tuple[int, int, int, str]:
        return (
            _SHEET_ORDER.get(self.sheet, -1),
            self.row or 0,
            _COLUMN_ORDER.get((self.sheet, self.column), 99),
            self.reason,
        )


@dataclass(slots=True)
class RegionRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    # None leaves a stored boundary alone.
    boundary: dict[str, Any] | None
    exists: bool = False
    changes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    region_code: str
    # "" leaves a stored parent alone (and means none for a new unit).
    parent_code: str
    governs: bool
    exists: bool = False
    changes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PersonRow:
    row: int
    name: str
    unit_code: str
    posts: str
    phone: str
    # Roles the person does not hold yet.
    new_roles: tuple[str, ...]
    username: str
    person_id: int | None = None
    create_account: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.person_id is not None


@dataclass(slots=True)
class SheetCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(slots=True)
class Plan:
    """What an import would do, and why it cannot when ``problems`` is set."""

    sheets: list[str] = field(default_factory=list)
    regions: list[RegionRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, SheetCounts]:
        result: dict[str, SheetCounts] = {}
        for title, rows in (
            (REGION_SHEET.title, self.regions),
            (UNIT_SHEET.title, self.units),
            (PERSON_SHEET.title, self.people),
        ):
            c = SheetCounts()
            for r in rows:
                if not r.exists:
                    c.new += 1
                elif r.changes:
                    c.updated += 1
                else:
                    c.unchanged += 1
            result[title] = c
        return result

    @property
    def accounts(self) -> int:
        return sum(1 for p in self.people if p.create_account)

    @property
    def role_grants(self) -> int:
        return sum(len(p.new_roles) for p in self.people)

    @property
    def updates(self) -> list[tuple[str, int, str, list[str]]]:
        """(sheet, row, what, changed columns) of every row that changes a stored one."""
        found: list[tuple[str, int, str, list[str]]] = []
        found += [
            (REGION_SHEET.title, r.row, f"{r.name}（{r.code}）", r.changes)
            for r in self.regions
            if r.exists and r.changes
        ]
        found += [
            (UNIT_SHEET.title, u.row, f"{u.name}（{u.code}）", u.changes)
            for u in self.units
            if u.exists and u.changes
        ]
        found += [
            (PERSON_SHEET.title, p.row, f"{p.name}（{p.unit_code}）", p.changes)
            for p in self.people
            if p.exists and p.changes
        ]
        return found

    def summary(self) -> dict[str, Any]:
        """Counts as plain data, for the audit log."""
        keys = {
            REGION_SHEET.title: "regions",
            UNIT_SHEET.title: "units",
            PERSON_SHEET.title: "people",
        }
        data: dict[str, Any] = {
            keys[title]: {"new": c.new, "updated": c.updated, "unchanged": c.unchanged}
            for title, c in self.counts().items()
        }
        data["accounts"] = self.accounts
        data["role_grants"] = self.role_grants
        return data
