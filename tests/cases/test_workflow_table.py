"""The transition table is complete and coherent."""

from __future__ import annotations

from greenloop.cases.models import OPEN_STATES, CaseState
from greenloop.cases.workflow import TRANSITIONS, get_transition, transitions_from
from greenloop.org.roles import ROLE_PERMISSIONS, Role


def test_every_state_is_reachable_from_registered():
    reached, frontier = {CaseState.REGISTERED}, [CaseState.REGISTERED]
    while frontier:
        state = frontier.pop()
        for t in transitions_from(state):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)

    assert reached == set(CaseState)


def test_only_duplicates_are_final_and_closed_cases_only_reopen():
    assert transitions_from(CaseState.DUPLICATE) == []
    assert [t.action for t in transitions_from(CaseState.CLOSED)] == ["reopen"]


def test_every_open_state_has_a_way_forward_that_lands_in_someones_inbox():
    for state in OPEN_STATES:
        assert any(t.inbox for t in transitions_from(state)), state


def test_every_permission_is_held_by_some_role_and_never_by_the_three_administrators():
    held = set().union(*ROLE_PERMISSIONS.values())
    admins = (
        ROLE_PERMISSIONS[Role.SYSADMIN]
        | ROLE_PERMISSIONS[Role.SECADMIN]
        | ROLE_PERMISSIONS[Role.AUDITOR]
    )

    for t in TRANSITIONS:
        assert t.perm in held, t
        assert t.perm not in admins, t
    assert not {p for p in admins if p.startswith("cases.")}


def test_send_backs_need_a_comment_and_go_back_to_rectification():
    for state in (CaseState.ACCEPTANCE_REQUESTED, CaseState.ACCEPTED):
        row = get_transition(state, "send_back")
        assert row.needs_comment and row.target == CaseState.RECTIFYING
        assert row.starts_cycle


def test_only_the_acceptance_request_needs_evidence():
    assert [t.action for t in TRANSITIONS if t.needs_evidence] == ["request_acceptance"]
