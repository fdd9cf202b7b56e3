"""What a ledger import would do: its options, the rows and every problem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from greenloop.cases.ledger.columns import category_label
from greenloop.cases.ledger.mapping import ColumnChoice


class SourceKind(StrEnum):
    """What the ledger holds, chosen on upload."""

    # 督察交办信访件: source INSPECTION_PETITION.
    PETITION = "PETITION"
    # 督察反馈问题: source CENTRAL_ or PROVINCIAL_FEEDBACK by the round's kind.
    FEEDBACK = "FEEDBACK"


SOURCE_KIND_LABELS = {
    SourceKind.PETITION: _("督察交办信访件"),
    SourceKind.FEEDBACK: _("督察反馈问题（整改任务）"),
}


@dataclass(frozen=True, slots=True)
class LedgerOptions:
    """The choices made on upload (the page's form or the command's options)."""

    kind: str = SourceKind.PETITION
    round_id: int | None = None
    # The batch of rows whose 交办批次 is empty.
    batch_number: int | None = None
    # 交办日期 of batches the import creates; the import date when None.
    received_date: dt.date | None = None
    # The sheet to read; "" picks the one whose headers match best.
    sheet: str = ""
    # Column index -> field code ("" to skip it), chosen for this file.
    chosen: dict[int, str] = field(default_factory=dict)

    def to_session(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "round_id": self.round_id,
            "batch_number": self.batch_number,
            "received_date": self.received_date.isoformat() if self.received_date else None,
            "sheet": self.sheet,
            "chosen": {str(k): v for k, v in self.chosen.items()},
        }

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> LedgerOptions:
        received = data.get("received_date")
        return cls(
            kind=str(data.get("kind") or SourceKind.PETITION),
            round_id=int(data["round_id"]) if data.get("round_id") else None,
            batch_number=int(data["batch_number"]) if data.get("batch_number") else None,
            received_date=dt.date.fromisoformat(received) if received else None,
            sheet=str(data.get("sheet") or ""),
            chosen={int(k): str(v) for k, v in (data.get("chosen") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """One reason the ledger cannot be imported, as 表/行/列/原因."""

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


@dataclass(slots=True)
class LedgerRow:
    """One good row, resolved against the database, ready to register."""

    row: int
    title: str
    description: str
    category: str
    region_id: int
    region_name: str
    external_number: str = ""
    batch_number: int | None = None
    enterprise_name: str = ""
    address: str = ""
    problem_count: int = 1
    is_key: bool = False
    feedback_aspect: str = ""
    lead_unit_id: int | None = None
    lead_unit_name: str = ""
    responsible_unit_ids: list[int] = field(default_factory=list)
    cooperating_unit_ids: list[int] = field(default_factory=list)
    due_date: dt.date | None = None
    rectification_target: str = ""
    rectification_measures: str = ""

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def assigns(self) -> bool:
        """Both a lead unit and a deadline: the import assigns (交办) it."""
        return self.lead_unit_id is not None and self.due_date is not None


@dataclass(slots=True)
class LedgerPlan:
    """What an import would do, and why it cannot when ``problems`` is set."""

    options: LedgerOptions
    source: str = ""
    round_name: str = ""
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""
    header_row: int | None = None
    columns: list[ColumnChoice] = field(default_factory=list)
    # The first data row's values by column index, to help mapping.
    samples: dict[int, str] = field(default_factory=dict)
    data_rows: int = 0
    rows: list[LedgerRow] = field(default_factory=list)
    new_batches: list[int] = field(default_factory=list)
    problems: list[LedgerProblem] = field(default_factory=list)
    notes: list[LedgerProblem] = field(default_factory=list)
    # Filled by a commit: the numbers of the registered cases, in row order.
    numbers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def assigned(self) -> int:
        return sum(1 for r in self.rows if r.assigns)

    @property
    def key_cases(self) -> int:
        return sum(1 for r in self.rows if r.is_key)

    @property
    def problem_total(self) -> int:
        """The sum of 反映问题数 (one petition may carry several problems)."""
        return sum(r.problem_count for r in self.rows)

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems if p.row is not None})

    def summary(self) -> dict[str, Any]:
        """Counts as plain data, for the audit log."""
        return {
            "source": self.source,
            "round": self.round_name,
            "sheet": self.sheet,
            "cases": len(self.rows),
            "assigned": self.assigned,
            "key": self.key_cases,
            "problems": self.problem_total,
            "new_batches": self.new_batches,
            "first": self.numbers[0] if self.numbers else "",
            "last": self.numbers[-1] if self.numbers else "",
        }
