"""Use cases of petitions and public reports — the only code that changes
a petition. Keyword-only, ``by`` and ``now`` passed in, refusals raise
:class:`UnableToActOnPetition` (a :class:`~greenloop.cases.errors.UnableToActOnCase`)
with a Chinese message and a ``reason`` (NOT_FOUND, FORBIDDEN, CONFLICT,
STALE, INVALID) that interfaces map in one place.

States: 已受理 RECEIVED → 已交办 ROUTED → 办理中 HANDLING → 已答复 REPLIED →
已办结 CLOSED; RECEIVED/ROUTED → 重复件 MERGED.
"""

from __future__ import annotations

from greenloop.complaints.services._base import UnableToActOnPetition, has_markup
from greenloop.complaints.services._duplicates import (
    find_duplicates,
    merge_duplicate,
    reject_duplicate,
)
from greenloop.complaints.services._handling import (
    PublicStatus,
    approve_public_text,
    close_petition,
    find_by_code,
    public_status,
    record_finding,
    record_satisfaction,
    reply_to_petition,
    reveal_complainant,
)
from greenloop.complaints.services._intake import (
    Intake,
    add_problem,
    due_date_for,
    petition_for_case,
    register_petition,
    submit_public_report,
)
from greenloop.complaints.services._photos import clean_photo, max_photo_bytes, max_photos
from greenloop.complaints.services._rewards import (
    decide_reward,
    pay_reward,
    propose_reward,
    review_reward,
)
from greenloop.complaints.services._routing import (
    CASE_SOURCE,
    cases_of,
    follow_case_assignment,
    region_at,
    region_named_in,
    route_petition,
    suggest_region,
    suggest_unit,
)
from greenloop.complaints.services._tracking import format_code, new_code, normalise

__all__ = [
    "CASE_SOURCE",
    "Intake",
    "PublicStatus",
    "UnableToActOnPetition",
    "add_problem",
    "approve_public_text",
    "cases_of",
    "clean_photo",
    "close_petition",
    "decide_reward",
    "due_date_for",
    "find_by_code",
    "find_duplicates",
    "follow_case_assignment",
    "format_code",
    "has_markup",
    "max_photo_bytes",
    "max_photos",
    "merge_duplicate",
    "new_code",
    "normalise",
    "pay_reward",
    "petition_for_case",
    "propose_reward",
    "public_status",
    "record_finding",
    "record_satisfaction",
    "region_at",
    "region_named_in",
    "register_petition",
    "reject_duplicate",
    "reply_to_petition",
    "reveal_complainant",
    "review_reward",
    "route_petition",
    "submit_public_report",
    "suggest_region",
    "suggest_unit",
]
