"""The demo city's central inspection round (中央生态环境保护督察), modelled
on PRODUCT.md: stationed 46 days, 30 batches of transferred petitions, 91
petitions carrying 100 problems, 21 key; after duplicates and unfounded
ones, 61 needed rectification, 53 closed and 8 in progress, every closure on
time and every closed case's result disclosed; then the feedback report's 9
rectification tasks (5 province-wide, 4 city-specific) with milestones, and
a few accountability records.

Everything goes through the case services with the people the workflow
names: the office's dispatcher registers, assigns, merges, records unfounded
findings and closes; the lead unit's handler signs for the case, reports
progress with evidence and asks for acceptance; the acceptance group
accepts (回避: never its own unit's work); the city re-check group
re-checks. Those handlers get accounts without a password (only the
``DEMO_ACCOUNTS`` can log in).

Dates are relative to ``now``: stationing ends 167 days before it, so a
demo built on 24 November 2026 shows the round of PRODUCT.md, stationed
25 April – 10 June 2026. :func:`plan_round` decides everything from the
seed and those dates without touching the database;
:func:`build_inspection_round` carries the plan out.

Modules: :mod:`._catalogue` the words (kinds of problem, feedback tasks),
:mod:`._plan` the figures and the plan, :mod:`._build` the services calls.
"""

from __future__ import annotations

from greenloop.demo.inspection._build import build_inspection_round
from greenloop.demo.inspection._plan import (
    BATCHES,
    DUPLICATES,
    KEY,
    PASSWORDLESS_ACCOUNTS,
    PETITIONS,
    PROBLEMS,
    ROUND_NAME,
    UNFOUNDED,
    RoundPlan,
    plan_round,
)

__all__ = [
    "BATCHES",
    "DUPLICATES",
    "KEY",
    "PASSWORDLESS_ACCOUNTS",
    "PETITIONS",
    "PROBLEMS",
    "ROUND_NAME",
    "UNFOUNDED",
    "RoundPlan",
    "build_inspection_round",
    "plan_round",
]
