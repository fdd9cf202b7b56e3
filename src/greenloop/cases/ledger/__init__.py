"""The case ledger (台账): import inspection teams' and cities' spreadsheets,
export the cases in the same layout.

Preview first, then all-or-nothing commit::

    plan = preview_ledger(path, options=o, by=u, now=now)  # reads, checks, writes nothing
    plan = commit_ledger(path, options=o, by=u, now=now)   # checks again, registers in one transaction

Export, scoped and filtered as on the case list::

    cases = filtered_cases(u, request.GET, today=today)  # as the case list filters
    data = export_ledger(cases, now=now)

Modules: :mod:`.columns` the layout and cell readers, :mod:`.mapping` which
column is which field (remembered per user), :mod:`.validate` the checks,
:mod:`.commit` the writes, :mod:`.export` the export. Files are opened by
:mod:`greenloop.org.importing.workbook`, the org import's safe reader.
"""

from __future__ import annotations

from greenloop.cases.ledger.commit import LedgerRejected, commit_ledger, preview_ledger
from greenloop.cases.ledger.export import (
    CONTENT_TYPE,
    build_template,
    export_ledger,
    filtered_cases,
    write_ledger,
)
from greenloop.cases.ledger.mapping import remember_choices, remembered_headers
from greenloop.cases.ledger.plan import (
    SOURCE_KIND_LABELS,
    LedgerOptions,
    LedgerPlan,
    LedgerProblem,
    SourceKind,
)

__all__ = [
    "CONTENT_TYPE",
    "SOURCE_KIND_LABELS",
    "LedgerOptions",
    "LedgerPlan",
    "LedgerProblem",
    "LedgerRejected",
    "SourceKind",
    "build_template",
    "commit_ledger",
    "export_ledger",
    "filtered_cases",
    "preview_ledger",
    "remember_choices",
    "remembered_headers",
    "write_ledger",
]
