"""Random sequences of actions by random people never reach an invalid
state, and each action succeeds exactly when the policy allows it.

The policy below is a small oracle written from the issue and
docs/cases.md, independently of greenloop.cases.workflow and access_rules:
who holds which power, which regions and units each person covers, and
what may follow what. Each example is one case (and an original it may be
merged into) in a database savepoint rolled back at teardown.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from greenloop.cases import services
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.models import Case, CaseEvent, CaseState
from tests.cases.conftest import png

S = CaseState

# --- the oracle ------------------------------------------------------------

PEOPLE = [
    "dispatcher",
    "leader",
    "recheck",
    "county_user",
    "unit_leader",
    "acceptance",
    "other_county",
    "other_acceptance",
    "dept_user",
    "branch_user",
    "auditor",
    "secadmin",
    "sysadmin",
]
# Regions each person's unit governs (territorial bodies only).
TERRITORY = {
    "dispatcher": {"county", "other"},
    "leader": {"county", "other"},
    "recheck": {"county", "other"},
    "county_user": {"county"},
    "unit_leader": {"county"},
    "acceptance": {"county"},
    "other_county": {"other"},
    "other_acceptance": {"other"},
}
# Units each person acts for: their own and those below it.
UNITS = {
    "county_user": {"county_gov"},
    "unit_leader": {"county_gov"},
    "other_county": {"other_gov"},
    "dept_user": {"dept", "dept_branch"},
    "branch_user": {"dept_branch"},
}
HANDLERS = {"county_user", "unit_leader", "other_county", "dept_user", "branch_user"}
ACCEPTORS = {"acceptance", "other_acceptance"}
# (state, action) -> (next state, who may, where: territory / lead / independent, comment needed)
POLICY = {
    (S.REGISTERED, "assign"): (S.ASSIGNED, {"dispatcher"}, "territory", False),
    (S.REGISTERED, "merge"): (S.DUPLICATE, {"dispatcher"}, "territory", False),
    (S.REGISTERED, "verify_unfounded"): (S.UNFOUNDED, {"dispatcher"}, "territory", True),
    (S.ASSIGNED, "start"): (S.RECTIFYING, HANDLERS, "lead", False),
    (S.ASSIGNED, "return_assignment"): (S.REGISTERED, HANDLERS, "lead", True),
    (S.ASSIGNED, "merge"): (S.DUPLICATE, {"dispatcher"}, "territory", False),
    (S.ASSIGNED, "verify_unfounded"): (S.UNFOUNDED, {"dispatcher"}, "territory", True),
    (S.RECTIFYING, "request_acceptance"): (S.ACCEPTANCE_REQUESTED, HANDLERS, "lead", False),
    (S.RECTIFYING, "verify_unfounded"): (S.UNFOUNDED, {"dispatcher"}, "territory", True),
    (S.ACCEPTANCE_REQUESTED, "accept"): (S.ACCEPTED, ACCEPTORS, "independent", False),
    (S.ACCEPTANCE_REQUESTED, "send_back"): (S.RECTIFYING, ACCEPTORS, "independent", True),
    (S.ACCEPTED, "recheck"): (S.RECHECKED, {"recheck"}, "independent", False),
    (S.ACCEPTED, "send_back"): (S.RECTIFYING, {"recheck"}, "independent", True),
    (S.RECHECKED, "close"): (S.CLOSED, {"dispatcher"}, "territory", False),
    (S.UNFOUNDED, "close"): (S.CLOSED, {"dispatcher"}, "territory", False),
    (S.CLOSED, "reopen"): (S.RECTIFYING, {"dispatcher", "recheck"}, "territory", True),
}
ACTIONS = sorted({action for _state, action in POLICY} | {"approve"})
INBOX_ACTIONS = {"assign", "start", "request_acceptance", "accept", "recheck", "close"}
LEADS = ["county_gov", "other_gov", "dept_branch"]
DUE = dt.date(2026, 4, 30)


def sees(person, region, lead):
    return region in TERRITORY.get(person, set()) or lead in UNITS.get(person, set())


def reaches(person, where, region, lead):
    territory = region in TERRITORY.get(person, set())
    own = lead in UNITS.get(person, set())
    return {"territory": territory, "lead": own, "independent": territory and not own}[where]


class CaseLifecycle(RuleBasedStateMachine):
    loop = None  # set by the test

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(region=st.sampled_from(["county", "other"]))
    def register(self, region):
        loop = self.loop
        place = {"county": loop.city.township, "other": loop.city.other_township}[region]
        self.original = loop.register(region=place, title="原件")
        self.case = loop.register(region=place, title="随机办理的问题")
        self.region, self.lead = region, None
        self.state, self.version, self.cycle = S.REGISTERED, 1, 0
        self.evidence = set()
        self.events = 1

    def _unit(self, key):
        city = self.loop.city
        return {
            "county_gov": city.county_gov,
            "other_gov": city.other_gov,
            "dept_branch": city.dept_branch,
        }[key]

    def _allowed(self, person, action, stale, comment, lead):
        if not sees(person, self.region, self.lead) or stale:
            return False
        rule_ = POLICY.get((self.state, action))
        if rule_ is None:
            return False
        _next, who, where, needs_comment = rule_
        if person not in who or not reaches(person, where, self.region, self.lead):
            return False
        if needs_comment and not comment:
            return False
        # Asking for acceptance needs evidence from the current cycle.
        return action != "request_acceptance" or self.cycle in self.evidence

    @rule(
        person=st.sampled_from(PEOPLE),
        action=st.sampled_from(ACTIONS),
        stale=st.booleans(),
        comment=st.sampled_from(["", "意见"]),
        lead=st.sampled_from(LEADS),
    )
    def act(self, person, action, stale, comment, lead):
        expected = self._allowed(person, action, stale, comment, lead)
        case = Case.objects.get(pk=self.case.pk)

        try:
            services.act_on_case(
                case=case,
                action=action,
                by=self.loop.user(person),
                now=self.loop.now,
                version=case.version - 1 if stale else case.version,
                comment=comment,
                lead_unit=self._unit(lead),
                due_date=DUE,
                into=self.original,
            )
            succeeded = True
        except UnableToActOnCase:
            succeeded = False

        assert succeeded == expected, (person, action, self.state, stale, comment, lead)
        if succeeded:
            self.state = POLICY[(self.state, action)][0]
            self.version += 1
            self.events += 1
            if self.state == S.RECTIFYING:
                self.cycle += 1
            if action in ("assign", "reopen"):
                self.lead = lead
            elif action == "return_assignment":
                self.lead = None

    @rule(data=st.data())
    def act_as_someone_entitled(self, data):
        """A permitted move by a person entitled to it, so that examples get
        deep into the loop; the random rules above probe the refusals."""
        moves = [
            (
                action,
                [
                    p
                    for p in sorted(who)
                    if sees(p, self.region, self.lead) and reaches(p, where, self.region, self.lead)
                ],
            )
            for (state, action), (_n, who, where, _c) in sorted(POLICY.items())
            if state == self.state
        ]
        moves = [(action, people) for action, people in moves if people]
        if not moves:
            return
        action, people = data.draw(st.sampled_from(moves))
        person = data.draw(st.sampled_from(people))
        if action == "request_acceptance" and self.cycle not in self.evidence:
            self.report(person=person, with_file=True)
        # Assign within reach of the county's handlers more often than not.
        lead = data.draw(
            st.sampled_from(
                ["county_gov", "other_gov"]
                if self.region == "other"
                else ["county_gov", "dept_branch"]
            )
        )
        self.act(person=person, action=action, stale=False, comment="意见", lead=lead)

    @rule(person=st.sampled_from(PEOPLE), with_file=st.booleans())
    def report(self, person, with_file):
        expected = (
            sees(person, self.region, self.lead)
            and person in HANDLERS
            and self.lead in UNITS.get(person, set())
            and self.state == S.RECTIFYING
        )
        case = Case.objects.get(pk=self.case.pk)

        try:
            services.report_progress(
                case=case,
                by=self.loop.user(person),
                now=self.loop.now,
                text="进展",
                files=[png()] if with_file else [],
            )
            succeeded = True
        except UnableToActOnCase:
            succeeded = False

        assert succeeded == expected, (person, self.state, self.lead)
        if succeeded:
            self.events += 1
            if with_file:
                self.evidence.add(self.cycle)

    @invariant()
    def the_database_agrees_with_the_oracle(self):
        if not hasattr(self, "case"):
            return
        case = Case.objects.get(pk=self.case.pk)
        assert case.state == self.state
        assert case.version == self.version
        assert case.rectification_cycle == self.cycle
        assert CaseEvent.objects.filter(case=case).count() == self.events
        assert case.lead_unit_id == (self._unit(self.lead).pk if self.lead else None)
        if case.state not in (S.REGISTERED, S.UNFOUNDED, S.CLOSED, S.DUPLICATE):
            assert case.lead_unit_id is not None and case.due_date is not None
        assert (case.state == S.DUPLICATE) == (case.duplicate_of_id == self.original.pk)
        assert (case.state == S.CLOSED) == (case.closed_at is not None)

    @invariant()
    def each_inbox_holds_the_case_exactly_when_its_owner_must_act(self):
        if not hasattr(self, "case"):
            return
        for person in PEOPLE:
            must = sees(person, self.region, self.lead) and (
                any(
                    action in INBOX_ACTIONS
                    and person in who
                    and reaches(person, where, self.region, self.lead)
                    for (state, action), (_n, who, where, _c) in POLICY.items()
                    if state == self.state
                )
                or (
                    self.state == S.RECTIFYING
                    and person in HANDLERS
                    and self.lead in UNITS.get(person, set())
                )
            )
            inbox = Case.objects.in_inbox(self.loop.user(person)).filter(pk=self.case.pk).exists()
            assert inbox == must, (person, self.state, self.lead)


def test_random_action_sequences_follow_the_policy(loop):
    CaseLifecycle.loop = loop
    run_state_machine_as_test(
        CaseLifecycle,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
