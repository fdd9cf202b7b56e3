"""Who may see and do what: the one place that decides.

Two questions, answered from the user's roles, unit and region subtree:

* which objects may this user see — :func:`scope_queryset`, reached through
  ``Model.objects.visible_to(user)``;
* may this user do this to this object — :func:`can` / :func:`require`, and
  :func:`get_for_user`, which fetches and authorises in one call and answers
  404 whether the row is missing or out of reach.

Jurisdiction:

* a territorial body (党委、政府、委办; ``Unit.governs_territory``) sees the
  whole subtree of its region: a county sees its county, the city office the
  city;
* a functional department sees its own world: its unit and sub-units, their
  people, duties and 包保, and only the regions on the path to its seat;
* the system and security administrators see the organisation to manage it;
  the auditor sees none of it (三员分立) and reads only the audit log.

Pages, API endpoints and exports call these functions; nothing else filters
by jurisdiction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from greenloop.org.roles import Perm, Role, permissions_for_roles

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one user is, in terms the rules need. Computed once per request."""

    user_id: int | None
    person_id: int | None
    roles: frozenset[str]
    perms: frozenset[str]
    unit_id: int | None
    # Own unit and every unit below it.
    unit_ids: frozenset[int]
    # Region path prefix the user governs; "" is the whole database.
    region_path: str | None
    # Codes of regions on the path from the root to the user's seat.
    seat_codes: tuple[str, ...]

    @property
    def is_territorial(self) -> bool:
        return self.region_path is not None

    def has(self, perm: str) -> bool:
        return perm in self.perms


NOBODY = Scope(None, None, frozenset(), frozenset(), None, frozenset(), None, ())

_SCOPE_ATTR = "_greenloop_scope"


def get_scope(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    scope = _compute_scope(user)
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after roles or the unit changed."""
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)


def _compute_scope(user: Any) -> Scope:
    from greenloop.org.models import Person, Unit

    person = Person.objects.select_related("unit__region").filter(user=user, is_active=True).first()
    roles: set[str] = set()
    if person is not None:
        roles = set(person.role_grants.values_list("role", flat=True))
    if user.is_superuser and not roles & {Role.SECADMIN, Role.AUDITOR}:
        # The installation's first account (greenloop createadmin).
        roles.add(Role.SYSADMIN)
    perms = permissions_for_roles(roles)

    if roles & {Role.SYSADMIN, Role.SECADMIN}:
        region_path: str | None = ""
    elif person is not None and person.unit.governs_territory:
        region_path = person.unit.region.path
    else:
        region_path = None

    unit_ids: set[int] = set()
    seat: tuple[str, ...] = ()
    if person is not None:
        unit_ids = _unit_and_descendants(Unit, person.unit_id)
        seat = tuple(c for c in person.unit.region.path.split("/") if c)
    if Role.AUDITOR in roles and not roles - {Role.AUDITOR}:
        # 三员分立: the auditor reads the audit log and nothing else.
        region_path, unit_ids, seat = None, set(), ()

    return Scope(
        user_id=user.pk,
        person_id=person.pk if person else None,
        roles=frozenset(roles),
        perms=perms,
        unit_id=person.unit_id if person else None,
        unit_ids=frozenset(unit_ids),
        region_path=region_path,
        seat_codes=seat,
    )


def _unit_and_descendants(unit_model: type[models.Model], unit_id: int) -> set[int]:
    found = {unit_id}
    frontier = {unit_id}
    while frontier:
        frontier = set(
            unit_model.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)  # type: ignore[attr-defined]
        ) - found
        found |= frontier
    return found


# --- which objects ---------------------------------------------------------

Rule = Callable[[Scope], Q]
_RULES: dict[str, Rule] = {}


def rule(model_label: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _RULES[model_label] = fn
        return fn

    return register


_NONE = Q(pk__in=[])
_TO_MANY_RULES = frozenset({"org.chiefobject"})


def _region_q(scope: Scope, prefix: str) -> Q:
    """Objects whose region (reached through ``prefix``) lies in the scope."""
    if scope.region_path is None:
        return _NONE
    if scope.region_path == "":
        return Q()
    return Q(**{f"{prefix}path__startswith": scope.region_path})


def _unit_q(scope: Scope, prefix: str) -> Q:
    """Objects tied to a unit the user may see."""
    if scope.region_path == "":
        return Q()
    q = Q(**{f"{prefix}pk__in": scope.unit_ids}) if scope.unit_ids else _NONE
    if scope.region_path is not None:
        q |= Q(**{f"{prefix}region__path__startswith": scope.region_path})
    return q


@rule("org.region")
def _regions(scope: Scope) -> Q:
    if scope.region_path is None:
        return Q(code__in=scope.seat_codes) if scope.seat_codes else _NONE
    return _region_q(scope, "")


@rule("org.unit")
def _units(scope: Scope) -> Q:
    return _unit_q(scope, "")


@rule("org.person")
def _people(scope: Scope) -> Q:
    return _unit_q(scope, "unit__")


@rule("org.grid")
def _grids(scope: Scope) -> Q:
    return _region_q(scope, "region__")


@rule("org.chiefobject")
def _chief_objects(scope: Scope) -> Q:
    return _region_q(scope, "region__") | (
        Q(chiefs__person__unit_id__in=scope.unit_ids) if scope.unit_ids else _NONE
    )


@rule("org.chief")
def _chiefs(scope: Scope) -> Q:
    return _region_q(scope, "obj__region__") | _unit_q(scope, "person__unit__")


@rule("org.baobaoassignment")
def _baobao(scope: Scope) -> Q:
    mine = Q(leader_id=scope.person_id) if scope.person_id else _NONE
    return _unit_q(scope, "unit__") | _unit_q(scope, "leader__unit__") | mine


@rule("org.baobaovisit")
def _visits(scope: Scope) -> Q:
    mine = Q(assignment__leader_id=scope.person_id) if scope.person_id else _NONE
    return _unit_q(scope, "assignment__unit__") | _unit_q(scope, "assignment__leader__unit__") | mine


@rule("org.dutytemplate")
def _templates(scope: Scope) -> Q:
    return Q()


@rule("org.responsibilitylist")
def _lists(scope: Scope) -> Q:
    return _unit_q(scope, "unit__")


@rule("org.duty")
def _duties(scope: Scope) -> Q:
    return _unit_q(scope, "rlist__unit__")


def scope_queryset(user: Any, qs: models.QuerySet[M]) -> models.QuerySet[M]:
    """Narrow ``qs`` to the rows ``user`` may see."""
    scope = get_scope(user)
    if not scope.has(Perm.VIEW_ORG):
        return qs.none()
    label = qs.model._meta.label_lower
    try:
        q = _RULES[label](scope)
    except KeyError:
        raise LookupError(f"no visibility rule for {label}") from None
    if q == Q():
        return qs
    filtered = qs.filter(q)
    # Rules that follow a to-many relation may repeat rows.
    return filtered.distinct() if label in _TO_MANY_RULES else filtered


# --- may this user do this -------------------------------------------------


def _unit_of(obj: models.Model) -> Any:
    from greenloop.org.models import BaobaoAssignment, Duty, Person, ResponsibilityList, Unit

    if isinstance(obj, Unit):
        return obj
    if isinstance(obj, ResponsibilityList | Person | BaobaoAssignment):
        return obj.unit
    if isinstance(obj, Duty):
        return obj.rlist.unit
    return None


def _manages_unit(scope: Scope, unit: Any) -> bool:
    """Dispatchers act for every unit in reach; unit staff for their own."""
    if unit is None:
        return False
    if Role.DISPATCHER in scope.roles:
        return True
    return unit.pk in scope.unit_ids


ACTIONS: dict[str, Callable[[Scope, models.Model], bool]] = {
    "view": lambda s, o: s.has(Perm.VIEW_ORG),
    "view_phone": lambda s, o: s.has(Perm.VIEW_PHONE) or getattr(o, "pk", None) == s.person_id,
    "edit_duties": lambda s, o: s.has(Perm.EDIT_DUTIES) and _manages_unit(s, _unit_of(o)),
    "publish_duties": lambda s, o: s.has(Perm.PUBLISH_DUTIES) and _manages_unit(s, _unit_of(o)),
    "log_visit": lambda s, o: s.has(Perm.LOG_VISIT) and getattr(o, "leader_id", None) == s.person_id,
    "manage": lambda s, o: s.has(Perm.MANAGE_ORG),
}


def is_visible(user: Any, obj: models.Model) -> bool:
    model = type(obj)
    return scope_queryset(user, model._default_manager.filter(pk=obj.pk)).exists()  # type: ignore[attr-defined]


def can(user: Any, action: str, obj: models.Model) -> bool:
    """May ``user`` do ``action`` to ``obj``? Visibility is part of the answer."""
    scope = get_scope(user)
    check = ACTIONS.get(action)
    if check is None:
        raise LookupError(f"unknown action {action!r}")
    return check(scope, obj) and is_visible(user, obj)


def require(user: Any, action: str, obj: models.Model) -> None:
    if not is_visible(user, obj):
        raise Http404
    if not ACTIONS[action](get_scope(user), obj):
        raise PermissionDenied


def get_for_user(
    user: Any, source: type[M] | models.QuerySet[M], *, action: str = "view", **lookup: Any
) -> M:
    """Fetch one object the user may act on, or raise 404/403.

    Missing and out-of-jurisdiction rows both answer 404, so ids of other
    counties' objects cannot be probed.
    """
    qs = source if isinstance(source, models.QuerySet) else source._default_manager.all()  # type: ignore[attr-defined]
    try:
        obj = scope_queryset(user, qs).get(**lookup)
    except (qs.model.DoesNotExist, ValueError):
        raise Http404 from None
    if not ACTIONS[action](get_scope(user), obj):
        raise PermissionDenied
    return obj


def has_perm(user: Any, perm: str) -> bool:
    return get_scope(user).has(perm)


def require_perm(user: Any, perm: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied
