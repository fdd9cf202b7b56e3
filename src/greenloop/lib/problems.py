"""One problem in a user's input file, worded the same by every command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A problem at a file line (the header is line 1; ``None`` for the
    whole file) and column (``None`` for the whole row)."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.column is not None:
            where.append(f"列“{self.column}”")
        return "，".join(where) + ("：" if where else "") + self.message
