"""Importing regions, units and people from an Excel workbook.

Preview first, then all-or-nothing commit::

    plan = preview_import(path)          # reads, checks, writes nothing
    plan = commit_import(path, actor=u)  # checks again, writes in one transaction

Modules: :mod:`.workbook` opens an untrusted file safely, :mod:`.schema`
describes the sheets, :mod:`.validate` checks rows against each other and
the database, :mod:`.commit` writes, :mod:`.template` builds the template.
"""

from __future__ import annotations

from greenloop.org.importing.commit import ImportRejected, commit_import, preview_import
from greenloop.org.importing.plan import Plan, Problem
from greenloop.org.importing.workbook import WorkbookRejected

__all__ = [
    "ImportRejected",
    "Plan",
    "Problem",
    "WorkbookRejected",
    "commit_import",
    "preview_import",
]
