"""Who sees which petition, and who may do what to it.

Registered into :mod:`greenloop.org.access` (the one place that decides)
when the app is ready, like ``cases/access_rules.py``; pages and the API
ask the same rules.

Visibility of a petition (users without ``complaints.view`` see none):

* territorial users see the petitions whose region — the confirmed one, or
  until routing the suggested one — lies in their region subtree; a
  petition with neither (no pin, no recognisable address) is seen by the
  city-wide office only, which routes it;
* units taking part in a case made from one of its problems see it (a
  department's world), without who reported it;
* the three administrators hold no ``complaints.view`` (三员分立).

Who reported (``Complainant``) is a separate row with its own rule: only
holders of ``complaints.view_identity`` (the dispatchers) within territory,
and the pages read it only through ``services.reveal_complainant``, which
writes an audit event each time.
"""

from __future__ import annotations

from django.db.models import Q

from greenloop.cases.access_rules import participant_q
from greenloop.cases.models import Case
from greenloop.org.access import ACTIONS, Scope, rule
from greenloop.org.roles import Perm

_NONE = Q(pk__in=[])
_ALL = Q()


def territory_q(scope: Scope, prefix: str = "") -> Q:
    """Petitions whose (confirmed, else suggested) region is in territory."""
    if scope.region_path is None:
        return _NONE
    if scope.region_path == "":
        return _ALL
    confirmed = Q(**{f"{prefix}region__path__startswith": scope.region_path})
    suggested = Q(**{f"{prefix}region__isnull": True}) & Q(
        **{f"{prefix}suggested_region__path__startswith": scope.region_path}
    )
    if scope.region_path.count("/") == 1:
        # The city itself (a root region): also what could not be placed.
        nowhere = Q(**{f"{prefix}region__isnull": True}) & Q(
            **{f"{prefix}suggested_region__isnull": True}
        )
        return confirmed | suggested | nowhere
    return confirmed | suggested


def petition_q(scope: Scope, prefix: str = "") -> Q:
    if not scope.has(Perm.VIEW_COMPLAINTS):
        return _NONE
    territory = territory_q(scope, prefix)
    if territory == _ALL:
        return _ALL
    parts = [] if territory == _NONE else [territory]
    if scope.unit_ids:
        from greenloop.complaints.models import Problem

        cases = Case.objects.filter(participant_q(scope)).values("pk")
        petitions = Problem.objects.filter(case__in=cases).values("petition_id")
        parts.append(Q(**{f"{prefix}pk__in": petitions}))
    if not parts:
        return _NONE
    combined = parts[0]
    for q in parts[1:]:
        combined |= q
    return combined


def _in_territory(scope: Scope, petition: object) -> bool:
    from greenloop.complaints.models import Petition

    q = territory_q(scope)
    if q == _ALL:
        return True
    if q == _NONE:
        return False
    return Petition.objects.filter(pk=petition.pk).filter(q).exists()  # type: ignore[attr-defined]


def register() -> None:
    """Add the petition actions to ``greenloop.org.access.ACTIONS``."""
    ACTIONS["complaints.view"] = lambda s, o: s.has(Perm.VIEW_COMPLAINTS)
    ACTIONS["complaints.handle"] = lambda s, o: (
        s.has(Perm.HANDLE_COMPLAINTS) and _in_territory(s, o)
    )
    ACTIONS["complaints.view_identity"] = lambda s, o: (
        s.has(Perm.VIEW_COMPLAINANT) and _in_territory(s, o)
    )
    ACTIONS["complaints.approve_reward"] = lambda s, o: s.has(Perm.APPROVE_REWARDS)


@rule("complaints.petition")
def _petitions(scope: Scope) -> Q:
    return petition_q(scope)


def _through_petition(scope: Scope) -> Q:
    return petition_q(scope, "petition__")


for _label in (
    "complaints.problem",
    "complaints.petitionphoto",
    "complaints.petitionevent",
    "complaints.duplicatecandidate",
    "complaints.rewardrecord",
):
    rule(_label)(_through_petition)


@rule("complaints.complainant")
def _complainants(scope: Scope) -> Q:
    if not (scope.has(Perm.VIEW_COMPLAINTS) and scope.has(Perm.VIEW_COMPLAINANT)):
        return _NONE
    return territory_q(scope, "petition__")
