"""Which sheet column is which ledger field.

For each header, in order: the user's choice for this file (by column
index), the user's remembered choice for that header text
(:class:`~greenloop.cases.models.LedgerMapping`), the built-in synonyms of
:mod:`.columns`; otherwise the column is not imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from greenloop.cases.ledger.columns import BY_CODE, builtin_field, normalize_header
from greenloop.cases.models import LedgerMapping

# Remembered headers per user; the oldest are dropped beyond this.
MAX_REMEMBERED = 200


class How:
    CHOSEN = "chosen"  # picked in the mapping form for this file
    REMEMBERED = "remembered"  # picked earlier for this header text
    BUILTIN = "builtin"  # a built-in synonym
    NONE = ""


HOW_LABELS = {
    How.CHOSEN: _("本次选择"),
    How.REMEMBERED: _("已记住"),
    How.BUILTIN: _("自动识别"),
    How.NONE: "",
}


@dataclass(frozen=True, slots=True)
class ColumnChoice:
    index: int
    header: str
    field: str
    how: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def field_header(self) -> str:
        return BY_CODE[self.field].header if self.field else ""

    @property
    def how_label(self) -> str:
        return HOW_LABELS[self.how]


def remembered_headers(user: Any) -> dict[str, str]:
    found = LedgerMapping.objects.owned_by(user).values_list("headers", flat=True).first()
    return {str(k): str(v) for k, v in (found or {}).items() if v == "" or v in BY_CODE}


def choose_columns(
    header: Sequence[object],
    *,
    remembered: Mapping[str, str],
    chosen: Mapping[int, str],
) -> list[ColumnChoice]:
    """One choice per non-empty header cell, left to right."""
    columns: list[ColumnChoice] = []
    for index, value in enumerate(header):
        text = normalize_header(value)
        if not text:
            continue
        if index in chosen and (chosen[index] == "" or chosen[index] in BY_CODE):
            columns.append(ColumnChoice(index, text, chosen[index], How.CHOSEN))
        elif text in remembered:
            columns.append(ColumnChoice(index, text, remembered[text], How.REMEMBERED))
        else:
            field = builtin_field(text)
            columns.append(ColumnChoice(index, text, field, How.BUILTIN if field else How.NONE))
    return columns


def remember_choices(
    *, user: Any, now: dt.datetime, columns: Sequence[ColumnChoice], chosen: Mapping[int, str]
) -> None:
    """Keep the user's choices for these headers for their next import.

    A choice equal to the built-in synonym is forgotten rather than stored,
    so choosing the default again undoes an earlier choice.
    """
    if not getattr(user, "is_authenticated", False):
        return
    updates: dict[str, str] = {}
    for column in columns:
        if column.index not in chosen:
            continue
        updates[column.header] = chosen[column.index]
    if not updates:
        return
    with transaction.atomic():
        mapping = LedgerMapping.objects.select_for_update().filter(user=user).first()
        headers: dict[str, str] = dict(mapping.headers) if mapping else {}
        for header, field in updates.items():
            headers.pop(header, None)
            if field != builtin_field(header):
                headers[header] = field  # re-inserted last: the newest
        while len(headers) > MAX_REMEMBERED:
            headers.pop(next(iter(headers)))
        if mapping is None:
            try:
                with transaction.atomic():
                    LedgerMapping.objects.create(user=user, headers=headers, updated_at=now)
                    return
            except IntegrityError:
                # Saved twice at once (a double click): the other one is there now.
                pass
        LedgerMapping.objects.filter(user=user).update(headers=headers, updated_at=now)
