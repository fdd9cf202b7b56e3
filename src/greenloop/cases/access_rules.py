"""Who sees which case, and who may do what to it.

Registered into :mod:`greenloop.org.access` — the one place that decides —
when the app is ready (``CasesConfig.ready``): the visibility rules of every
model of this app, and one entry in ``ACTIONS`` per case action, named
``cases.<action>``.

Visibility of a case (users without ``cases.view`` see none):

* territorial users (党委、政府、委办, 验收组/复核组 set up as territorial
  working groups) see every case whose region lies in their region subtree;
* everyone sees the cases their unit, or a unit below it, leads or is
  responsible or cooperating in — a department's world;
* the system and security administrators and the auditor hold no
  ``cases.view`` (三员分立): no case content.

Acting on a case needs the role's permission for the action *and* the reach
the transition table names (:class:`greenloop.cases.workflow.Reach`). Each
reach is one query condition, so the check for one case and the inbox of
many ask the database the same question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models import OuterRef, Q, Subquery

from greenloop.cases.models import Case, CaseState, CaseUnit
from greenloop.cases.workflow import ACTION_CODES, TRANSITIONS, Reach, get_transition
from greenloop.org.access import ACTIONS, Scope, rule
from greenloop.org.roles import Perm

_NONE = Q(pk__in=[])
_ALL = Q()


def _or(parts: Iterable[Q]) -> Q:
    """OR the parts; ``Q()`` (everything) wins, no parts is nothing.

    Needed because Django drops an empty ``Q()`` from ``|``: ``Q() | x`` is
    ``x``, not "everything".
    """
    found: list[Q] = []
    for q in parts:
        if q == _ALL:
            return _ALL
        if q != _NONE:
            found.append(q)
    if not found:
        return _NONE
    combined = found[0]
    for q in found[1:]:
        combined |= q
    return combined


def territory_q(scope: Scope, prefix: str = "") -> Q:
    """Cases whose region lies in the user's territory."""
    if scope.region_path is None:
        return _NONE
    if scope.region_path == "":
        return _ALL
    return Q(**{f"{prefix}region__path__startswith": scope.region_path})


def lead_unit_q(scope: Scope, prefix: str = "") -> Q:
    if not scope.unit_ids:
        return _NONE
    return Q(**{f"{prefix}lead_unit__in": sorted(scope.unit_ids)})


def participant_q(scope: Scope, prefix: str = "") -> Q:
    """Cases the user's unit (or below) leads, is responsible or cooperates in."""
    if not scope.unit_ids:
        return _NONE
    # A subquery, not a join: no repeated rows, no DISTINCT.
    units = CaseUnit.objects.filter(unit__in=sorted(scope.unit_ids)).values("case_id")
    return _or([lead_unit_q(scope, prefix), Q(**{f"{prefix}pk__in": units})])


def case_q(scope: Scope, prefix: str = "") -> Q:
    """The visibility rule of a case (``prefix`` reaches it from a related model)."""
    if not scope.has(Perm.VIEW_CASES):
        return _NONE
    return _or([territory_q(scope, prefix), participant_q(scope, prefix)])


def beyond_territory_q(scope: Scope) -> Q | None:
    """The cases the user sees outside their territory, so that
    :func:`case_q` is ``territory_q(scope) | beyond_territory_q(scope)``
    with the two parts disjoint; None when the user has no territory (a
    department) or sees nothing. Nothing lies outside the territory of the
    only root region (every region's path starts with its root's).

    The statistics of a territory add the figures kept for it
    (:mod:`greenloop.cases.tally`) to those of these cases, counted.
    """
    if not scope.has(Perm.VIEW_CASES) or not scope.region_path:
        return None
    if not scope.unit_ids:
        return _NONE
    from greenloop.org.models import Region

    roots = list(Region.objects.filter(parent__isnull=True).values_list("path", flat=True)[:2])
    if roots == [scope.region_path]:
        return _NONE
    # participant_q(scope) & ~territory_q(scope), written so that both
    # parts start from an index (the lead unit; the units' CaseUnit rows)
    # instead of testing every case against an OR, and so that the
    # CaseUnit rows look up their case's region one by one (a scalar
    # subquery is not turned into a join, which PostgreSQL would plan as a
    # scan of every case).
    units = sorted(scope.unit_ids)
    led = Case.objects.filter(Q(lead_unit__in=units) & ~territory_q(scope)).values("pk")
    where = Case.objects.filter(pk=OuterRef("case_id")).values("region__path")[:1]
    taking_part = (
        CaseUnit.objects.filter(unit__in=units)
        .annotate(case_path=Subquery(where))
        .exclude(case_path__startswith=scope.region_path)
        .values("case_id")
    )
    return Q(pk__in=led.union(taking_part, all=True))


def reach_q(reach: Reach, scope: Scope) -> Q:
    if reach is Reach.TERRITORY:
        return territory_q(scope)
    if reach is Reach.INDEPENDENT:
        territory = territory_q(scope)
        if territory == _NONE or not scope.unit_ids:
            return territory
        return territory & ~lead_unit_q(scope)
    if reach is Reach.LEAD_UNIT:
        return lead_unit_q(scope)
    if reach is Reach.PARTICIPANT:
        return participant_q(scope)
    return _ALL  # Reach.VISIBLE; visibility itself is checked by access.can


def case_matches(case: Case, q: Q) -> bool:
    if q == _ALL:
        return True
    if q == _NONE:
        return False
    return Case.objects.filter(pk=case.pk).filter(q).exists()


def region_in_territory(scope: Scope, region: Any) -> bool:
    """Cases are registered in, or moved to, regions of one's territory only."""
    if scope.region_path is None:
        return False
    return bool(region.path.startswith(scope.region_path))


def inbox_q(scope: Scope) -> Q:
    """What the user must act on now: for every transition marked ``inbox``
    whose permission the user holds, the cases waiting in its source state
    within its reach; and, for unit staff, the cases under rectification
    their unit takes part in (progress reports are owed)."""
    parts = [
        Q(state=t.source) & reach_q(t.reach, scope)
        for t in TRANSITIONS
        if t.inbox and scope.has(t.perm) and reach_q(t.reach, scope) != _NONE
    ]
    if scope.has(Perm.RECTIFY_CASES) and scope.unit_ids:
        parts.append(Q(state=CaseState.RECTIFYING) & participant_q(scope))
    return _or(parts)


# --- registration ----------------------------------------------------------

Check = Callable[[Scope, models.Model], bool]


def _transition_check(action: str) -> Check:
    def check(scope: Scope, case: models.Model) -> bool:
        row = get_transition(case.state, action)  # type: ignore[attr-defined]
        return (
            row is not None
            and scope.has(row.perm)
            and case_matches(case, reach_q(row.reach, scope))  # type: ignore[arg-type]
        )

    return check


def _perm_and_reach(perm: str, reach: Reach) -> Check:
    def check(scope: Scope, case: models.Model) -> bool:
        return scope.has(perm) and case_matches(case, reach_q(reach, scope))  # type: ignore[arg-type]

    return check


def _milestone_check(scope: Scope, case: models.Model) -> bool:
    return _perm_and_reach(Perm.RECTIFY_CASES, Reach.LEAD_UNIT)(scope, case) or _perm_and_reach(
        Perm.EDIT_CASES, Reach.TERRITORY
    )(scope, case)


def register() -> None:
    """Add the case actions to ``greenloop.org.access.ACTIONS``."""
    for action in ACTION_CODES:
        ACTIONS[f"cases.{action}"] = _transition_check(action)
    ACTIONS["cases.view"] = lambda s, o: s.has(Perm.VIEW_CASES)
    ACTIONS["cases.comment"] = lambda s, o: s.has(Perm.COMMENT_CASES)
    ACTIONS["cases.attach"] = lambda s, o: s.has(Perm.COMMENT_CASES)
    ACTIONS["cases.instruct"] = lambda s, o: s.has(Perm.INSTRUCT_CASES)
    ACTIONS["cases.report_progress"] = _perm_and_reach(Perm.RECTIFY_CASES, Reach.PARTICIPANT)
    ACTIONS["cases.edit"] = _perm_and_reach(Perm.EDIT_CASES, Reach.TERRITORY)
    ACTIONS["cases.complete_milestone"] = _milestone_check


@rule("cases.case")
def _cases(scope: Scope) -> Q:
    return case_q(scope)


def _through_case(scope: Scope) -> Q:
    return case_q(scope, "case__")


for _label in (
    "cases.caseevent",
    "cases.caseattachment",
    "cases.casemilestone",
    "cases.caseunit",
    "cases.casedisclosure",
    "cases.reviewitem",
):
    rule(_label)(_through_case)


def _frame(scope: Scope) -> Q:
    """Rounds, batches, campaigns and tags organise cases but hold no case
    content: every holder of ``cases.view`` sees them."""
    return _ALL if scope.has(Perm.VIEW_CASES) else _NONE


for _label in (
    "cases.inspectionround",
    "cases.inspectionbatch",
    "cases.reviewcampaign",
    "cases.reviewgroup",
    "cases.tag",
):
    rule(_label)(_frame)


@rule("cases.accountabilityrecord")
def _accountability(scope: Scope) -> Q:
    if not scope.has(Perm.VIEW_CASES):
        return _NONE
    from greenloop.cases.models import AccountabilityRecord

    linked = AccountabilityRecord.cases.through.objects.filter(
        case__in=Case.objects.filter(case_q(scope))
    ).values("accountabilityrecord_id")
    return _or(
        [
            territory_q(scope, "unit__"),
            Q(unit__in=sorted(scope.unit_ids)) if scope.unit_ids else _NONE,
            Q(pk__in=linked),
        ]
    )
