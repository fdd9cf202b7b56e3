"""The one state machine of every case, as data.

Each row: from which state, which action, to which state, the permission
the role must hold, the reach (which cases of those the user sees it may
act on), and what the action needs. ``services.py`` enforces it;
``access_rules.py`` turns the reaches into queries; ``docs/cases.md``
describes it for people. Nothing else decides what may follow what.

::

    REGISTERED ─assign─► ASSIGNED ─start─► RECTIFYING ─request_acceptance─► ACCEPTANCE_REQUESTED
        │  ▲                 │                ▲   ▲                               │accept
        │  └return_assignment┘                │   └──────send_back────────────────┤
        │                                     │                                 ACCEPTED
        │                                     └──────send_back───────────────────┤recheck
        ├─verify_unfounded─► UNFOUNDED ─close─► CLOSED ◄─close─ RECHECKED ◄─────┘
        └─merge─► DUPLICATE                     │reopen (回头看 relapse) ─► RECTIFYING

``verify_unfounded`` and ``merge`` are also open from ASSIGNED, and
``verify_unfounded`` from RECTIFYING.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_noop

from greenloop.cases.models import CaseState
from greenloop.org.roles import Perm

S = CaseState


class Reach(StrEnum):
    """Which visible cases a user may act on (queries in access_rules)."""

    # The case's region lies in the user's territory (a territorial body's
    # region subtree): dispatchers, leaders' offices, acceptance and re-check
    # groups.
    TERRITORY = "TERRITORY"
    # As TERRITORY, but not a case the user's own unit leads (回避): nobody
    # accepts or re-checks their own unit's rectification.
    INDEPENDENT = "INDEPENDENT"
    # The user's unit, or a unit below it, leads the case.
    LEAD_UNIT = "LEAD_UNIT"
    # The user's unit (or below) leads the case or is responsible or
    # cooperating in it.
    PARTICIPANT = "PARTICIPANT"
    # Every case the user sees.
    VISIBLE = "VISIBLE"


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    action: str
    target: str
    perm: str
    reach: Reach
    # Timeline action code: greenloop.cases.case.<event>
    event: str
    label: str
    needs_comment: bool = False
    # At least one evidence attachment from the current rectification cycle
    # (uploaded with a progress report or with this request).
    needs_evidence: bool = False
    # Holders of ``perm`` must act on cases waiting in ``source``: the row
    # puts those cases in their inbox.
    inbox: bool = False

    @property
    def event_code(self) -> str:
        return f"greenloop.cases.case.{self.event}"

    @property
    def starts_cycle(self) -> bool:
        """Entering RECTIFYING starts a new rectification cycle."""
        return self.target == S.RECTIFYING


T = Transition
_ = gettext_noop

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # from state, action, to state, permission, reach,
    #   timeline event, label, requirements
    T(S.REGISTERED, "assign", S.ASSIGNED, Perm.ASSIGN_CASES, Reach.TERRITORY,
      "assigned", _("交办"), inbox=True),
    T(S.REGISTERED, "merge", S.DUPLICATE, Perm.MERGE_CASES, Reach.TERRITORY,
      "merged", _("合并重复件")),
    T(S.REGISTERED, "verify_unfounded", S.UNFOUNDED, Perm.VERIFY_UNFOUNDED, Reach.TERRITORY,
      "verified_unfounded", _("核实不属实"), needs_comment=True),
    T(S.ASSIGNED, "start", S.RECTIFYING, Perm.RECTIFY_CASES, Reach.LEAD_UNIT,
      "rectification_started", _("签收整改"), inbox=True),
    T(S.ASSIGNED, "return_assignment", S.REGISTERED, Perm.RECTIFY_CASES, Reach.LEAD_UNIT,
      "assignment_returned", _("退回交办"), needs_comment=True),
    T(S.ASSIGNED, "merge", S.DUPLICATE, Perm.MERGE_CASES, Reach.TERRITORY,
      "merged", _("合并重复件")),
    T(S.ASSIGNED, "verify_unfounded", S.UNFOUNDED, Perm.VERIFY_UNFOUNDED, Reach.TERRITORY,
      "verified_unfounded", _("核实不属实"), needs_comment=True),
    T(S.RECTIFYING, "request_acceptance", S.ACCEPTANCE_REQUESTED, Perm.REQUEST_ACCEPTANCE,
      Reach.LEAD_UNIT, "acceptance_requested", _("申请验收"), needs_evidence=True, inbox=True),
    T(S.RECTIFYING, "verify_unfounded", S.UNFOUNDED, Perm.VERIFY_UNFOUNDED, Reach.TERRITORY,
      "verified_unfounded", _("核实不属实"), needs_comment=True),
    T(S.ACCEPTANCE_REQUESTED, "accept", S.ACCEPTED, Perm.ACCEPT_CASES, Reach.INDEPENDENT,
      "accepted", _("验收通过"), inbox=True),
    T(S.ACCEPTANCE_REQUESTED, "send_back", S.RECTIFYING, Perm.ACCEPT_CASES, Reach.INDEPENDENT,
      "acceptance_sent_back", _("验收退回"), needs_comment=True),
    T(S.ACCEPTED, "recheck", S.RECHECKED, Perm.RECHECK_CASES, Reach.INDEPENDENT,
      "rechecked", _("复核通过"), inbox=True),
    T(S.ACCEPTED, "send_back", S.RECTIFYING, Perm.RECHECK_CASES, Reach.INDEPENDENT,
      "recheck_sent_back", _("复核退回"), needs_comment=True),
    T(S.RECHECKED, "close", S.CLOSED, Perm.CLOSE_CASES, Reach.TERRITORY,
      "closed", _("销号"), inbox=True),
    T(S.UNFOUNDED, "close", S.CLOSED, Perm.CLOSE_CASES, Reach.TERRITORY,
      "closed", _("销号"), inbox=True),
    T(S.CLOSED, "reopen", S.RECTIFYING, Perm.REOPEN_CASES, Reach.TERRITORY,
      "reopened", _("重新整改（回头看反弹）"), needs_comment=True),
)
# fmt: on

_BY_KEY: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (state, action)"

ACTION_CODES: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# A plain label per action for buttons and messages when the state is not
# known; the rows carry the precise one (验收退回 / 复核退回).
ACTION_LABELS: dict[str, str] = {}
for _t in TRANSITIONS:
    ACTION_LABELS.setdefault(_t.action, _t.label)
ACTION_LABELS["send_back"] = _("退回整改")

# Timeline entries that are not transitions.
EVENT_LABELS: dict[str, str] = {
    "greenloop.cases.case.registered": _("登记"),
    "greenloop.cases.case.changed": _("修改信息"),
    "greenloop.cases.case.commented": _("发表意见"),
    "greenloop.cases.case.instructed": _("领导批示"),
    "greenloop.cases.case.progress_reported": _("报送整改进展"),
    "greenloop.cases.case.attachment_added": _("上传附件"),
    "greenloop.cases.case.duplicate_received": _("并入重复件"),
    "greenloop.cases.case.milestone_added": _("新增阶段节点"),
    "greenloop.cases.case.milestone_done": _("完成阶段节点"),
}
for _t in TRANSITIONS:
    EVENT_LABELS.setdefault(_t.event_code, _t.label)
del _t


def get_transition(state: str, action: str) -> Transition | None:
    return _BY_KEY.get((state, action))


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


def event_label(code: str, from_state: str = "") -> str:
    """The (translated) label of a timeline action code."""
    from django.utils.translation import gettext

    for t in TRANSITIONS:
        if t.event_code == code and (not from_state or t.source == from_state):
            return gettext(t.label)
    return gettext(EVENT_LABELS.get(code, code))
