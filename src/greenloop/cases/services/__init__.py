"""Use cases of the closed loop — the only code that changes a case.

Every function is keyword-only, takes the acting user ``by`` and the time
``now`` (aware), checks its guard through :mod:`greenloop.org.access` and
:mod:`greenloop.cases.workflow`, writes the timeline, and returns the case.
Refusals raise a subclass of :class:`~greenloop.cases.errors.UnableToActOnCase`
with a message for the user and change nothing.

Transitions are optimistic: the caller names the ``version`` of the case it
saw; the state change is one conditional ``UPDATE … WHERE id = … AND
version = … AND state = …`` whose row count decides, so of two concurrent
actions on one case exactly one succeeds.
"""

from __future__ import annotations

from greenloop.cases.services._changes import (
    EDITABLE_FIELDS,
    EDITABLE_RELATIONS,
    UnableToChangeCase,
    add_milestone,
    change_case,
    complete_milestone,
)
from greenloop.cases.services._pages import (
    BulkAssignment,
    UnableToSaveView,
    assign_cases,
    delete_view,
    save_view,
)
from greenloop.cases.services._registration import UnableToRegisterCase, register_case
from greenloop.cases.services._timeline import (
    UnableToAddToTimeline,
    add_attachments,
    add_comment,
    instruct_case,
    report_progress,
)
from greenloop.cases.services._transitions import (
    UnableToTransitionCase,
    accept_case,
    act_on_case,
    assign_case,
    close_case,
    get_available_actions,
    merge_case,
    recheck_case,
    reopen_case,
    request_acceptance,
    return_assignment,
    send_back,
    start_rectification,
    verify_unfounded,
)

__all__ = [
    "EDITABLE_FIELDS",
    "EDITABLE_RELATIONS",
    "BulkAssignment",
    "UnableToAddToTimeline",
    "UnableToChangeCase",
    "UnableToRegisterCase",
    "UnableToSaveView",
    "UnableToTransitionCase",
    "accept_case",
    "act_on_case",
    "add_attachments",
    "add_comment",
    "add_milestone",
    "assign_case",
    "assign_cases",
    "change_case",
    "close_case",
    "complete_milestone",
    "delete_view",
    "get_available_actions",
    "instruct_case",
    "merge_case",
    "recheck_case",
    "register_case",
    "reopen_case",
    "report_progress",
    "request_acceptance",
    "return_assignment",
    "save_view",
    "send_back",
    "start_rectification",
    "verify_unfounded",
]

# --- rounds, 回头看, disclosure and accountability (issue 3, items 5–8)
from greenloop.cases.services._accountability import (  # noqa: E402
    UnableToRecordAccountability,
    record_accountability,
)
from greenloop.cases.services._campaigns import (  # noqa: E402
    ReviewSelection,
    UnableToManageRound,
    UnableToReview,
    add_review_group,
    assign_review_items,
    create_batch,
    create_review_campaign,
    create_round,
    may_review,
    member_groups,
    record_review_outcome,
    select_for_review,
)
from greenloop.cases.services._disclosure import (  # noqa: E402
    UnableToDisclose,
    draft_disclosure,
    find_personal_data,
    get_disclosure,
    mask_personal_data,
    publish_disclosure,
    withdraw_disclosure,
)

__all__ += [
    "ReviewSelection",
    "UnableToDisclose",
    "UnableToManageRound",
    "UnableToRecordAccountability",
    "UnableToReview",
    "add_review_group",
    "assign_review_items",
    "create_batch",
    "create_review_campaign",
    "create_round",
    "draft_disclosure",
    "find_personal_data",
    "get_disclosure",
    "mask_personal_data",
    "may_review",
    "member_groups",
    "publish_disclosure",
    "record_accountability",
    "record_review_outcome",
    "select_for_review",
    "withdraw_disclosure",
]

# --- historical closed cases: a previous year's ledger (回头看 needs them)
from greenloop.cases.services._history import (  # noqa: E402
    ClosedCaseRecord,
    UnableToImportCase,
    import_closed_case,
    import_closed_cases,
)

__all__ += [
    "ClosedCaseRecord",
    "UnableToImportCase",
    "import_closed_case",
    "import_closed_cases",
]
