"""Previewing and committing an import.

:func:`commit_import` writes all of a workbook or none of it:

1. read the file, outside the transaction (parsing may take seconds);
2. in one transaction, check it again against the database as it is now,
   and refuse with every problem if anything is wrong;
3. write regions parents first and repair the region paths of moved
   subtrees, then units parents first, then people, their new login
   accounts and their new roles (through ``services.grant_role``);
4. record ``greenloop.org.import.committed`` with the counts.

Login accounts are created without a usable password: nobody can log in
with them until an administrator who manages accounts sets one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from greenloop.audit.log import record
from greenloop.org.importing.plan import Plan, Problem
from greenloop.org.importing.schema import P_ROLES, PERSON_SHEET, R_PARENT
from greenloop.org.importing.validate import validate
from greenloop.org.importing.workbook import read_sheets
from greenloop.org.models import Person, Region, Unit
from greenloop.org.services import UnableToGrantRole, grant_role

R = TypeVar("R")

AUDIT_ACTION = "greenloop.org.import.committed"


class ImportRejected(Exception):
    """The workbook has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(gettext("导入被拒绝：%(count)d个问题") % {"count": len(problems)})
        self.problems = problems


def _may_grant_roles(actor: Any) -> bool:
    """The command line (no account) is the machine's operator; an account
    must hold the role-granting permission (三员分立)."""
    if actor is None:
        return True
    from greenloop.org.access import has_perm
    from greenloop.org.roles import Perm

    return has_perm(actor, Perm.GRANT_ROLES)


def preview_import(path: Path, *, actor: Any = None) -> Plan:
    """What importing ``path`` would do; raises ``WorkbookRejected`` for unreadable files."""
    return validate(read_sheets(path), may_grant_roles=_may_grant_roles(actor))


def commit_import(path: Path, *, actor: Any = None, actor_name: str = "", source: str = "") -> Plan:
    """Import ``path`` whole or not at all; return the plan that was written.

    Raises ``WorkbookRejected`` for a file that fails the safety checks and
    :class:`ImportRejected` for one with bad rows.
    """
    sheets = read_sheets(path)
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            plan = validate(sheets, may_grant_roles=_may_grant_roles(actor))
            if not plan.ok:
                raise ImportRejected(plan.problems)
            _write_regions(plan)
            _write_units(plan)
            _write_people(plan, user, actor_name)
            record(
                AUDIT_ACTION, actor=user, actor_name=actor_name, target=source, data=plan.summary()
            )
    except IntegrityError as exc:
        # Only a concurrent change between the check and the write gets here.
        raise ImportRejected(
            [
                Problem(
                    "",
                    None,
                    "",
                    gettext("导入期间数据被其他操作修改，未写入任何数据；请重新预览后再导入"),
                )
            ]
        ) from exc
    return plan


def _parents_first(
    rows: Iterable[R], key: Callable[[R], str], parent: Callable[[R], str]
) -> list[R]:
    """Rows ordered so that a parent in the same file comes before its children."""
    by_key = {key(r): r for r in rows}

    def depth(r: R) -> int:
        n, seen, code = 0, {key(r)}, parent(r)
        while code in by_key and code not in seen:
            seen.add(code)
            n += 1
            code = parent(by_key[code])
        return n

    return sorted(by_key.values(), key=depth)


def _write_regions(plan: Plan) -> None:
    if not plan.regions:
        return
    codes = {r.code for r in plan.regions} | {r.parent_code for r in plan.regions if r.parent_code}
    stored: dict[str, Region] = Region.objects.in_bulk(codes, field_name="code")
    moved = False
    for r in _parents_first(plan.regions, lambda r: r.code, lambda r: r.parent_code):
        region = stored.get(r.code)
        if region is None:
            region = Region(code=r.code)
        elif not r.changes:
            continue
        moved |= r.exists and R_PARENT in r.changes
        region.name, region.kind = r.name, r.kind
        region.parent = stored[r.parent_code] if r.parent_code else None
        if r.boundary is not None:
            region.boundary = r.boundary
        region.save()  # sets level and path from the (already saved) parent
        stored[r.code] = region
    if moved:
        _repair_paths()


def _repair_paths() -> None:
    """Recompute ``Region.path`` everywhere after regions changed parent.

    Descendants of a moved region keep their stored path until this runs;
    a city has a few thousand regions, so one pass over all is cheap.
    """
    regions = {r.pk: r for r in Region.objects.only("pk", "code", "parent_id", "path")}
    expected: dict[int, str] = {}

    def path_of(pk: int) -> str:
        chain: list[Region] = []
        node: Region | None = regions[pk]
        while node is not None and node.pk not in expected:
            chain.append(node)
            node = regions.get(node.parent_id) if node.parent_id else None
        prefix = expected[node.pk] if node is not None else ""
        for r in reversed(chain):
            prefix = expected[r.pk] = prefix + r.code + "/"
        return expected[pk]

    stale = []
    for pk, region in regions.items():
        path = path_of(pk)
        if region.path != path:
            region.path = path
            stale.append(region)
    Region.objects.bulk_update(stale, ["path"], batch_size=500)


def _write_units(plan: Plan) -> None:
    if not plan.units:
        return
    codes = {u.code for u in plan.units} | {u.parent_code for u in plan.units if u.parent_code}
    stored: dict[str, Unit] = Unit.objects.in_bulk(codes, field_name="code")
    regions = Region.objects.in_bulk({u.region_code for u in plan.units}, field_name="code")
    for u in _parents_first(plan.units, lambda u: u.code, lambda u: u.parent_code):
        unit = stored.get(u.code)
        if unit is None:
            unit = Unit(code=u.code)
        elif not u.changes:
            continue
        unit.name, unit.kind, unit.governs_territory = u.name, u.kind, u.governs
        unit.region = regions[u.region_code]
        if u.parent_code:
            unit.parent = stored[u.parent_code]
        unit.save()
        stored[u.code] = unit


def _write_people(plan: Plan, user: Any, actor_name: str) -> None:
    if not plan.people:
        return
    units = Unit.objects.in_bulk({p.unit_code for p in plan.people}, field_name="code")
    stored = Person.objects.in_bulk([p.person_id for p in plan.people if p.person_id])
    user_model = get_user_model()
    for p in plan.people:
        if p.person_id is not None:
            person = stored[p.person_id]
            if not p.changes:
                continue
        else:
            person = Person()
        person.name, person.unit = p.name, units[p.unit_code]
        # An empty cell leaves the stored value alone.
        if p.posts:
            person.posts = p.posts
        if p.phone:
            person.phone = p.phone
        person.save()
        if p.create_account:
            account = user_model(username=p.username)
            # The administrator who manages accounts sets the first password.
            account.set_unusable_password()
            account.save()
            person.user = account
            person.save(update_fields=["user"])
            record(
                "greenloop.org.account.created",
                actor=user,
                actor_name=actor_name,
                target=str(person),
                data={"username": p.username, "source": "import", "password": "unset"},
            )
        for role in p.new_roles:
            try:
                grant_role(person=person, role=role, by=user)
            except UnableToGrantRole as exc:
                raise ImportRejected(
                    [Problem(PERSON_SHEET.title, p.row, P_ROLES, str(exc))]
                ) from exc
