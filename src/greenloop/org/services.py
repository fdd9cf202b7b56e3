"""Use cases of the org app: accounts, roles, duties, 包保 visits.

Interfaces (pages, API, commands) call these; they check nothing about the
HTTP request but do enforce the rules of the domain (三员分立, drafts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from greenloop.audit.log import record
from greenloop.org.access import forget_scope
from greenloop.org.models import (
    BaobaoAssignment,
    BaobaoVisit,
    Duty,
    DutyTemplate,
    ListStatus,
    Person,
    ResponsibilityList,
    RoleGrant,
    Unit,
)
from greenloop.org.roles import SEPARATED_ADMIN_ROLES, Role


class UnableToGrantRole(Exception):
    """The grant would break a rule (三员分立)."""


class UnableToEditDuties(Exception):
    """Only a draft list can be changed."""


@transaction.atomic
def grant_role(*, person: Person, role: str, by: Any = None) -> RoleGrant:
    """Give ``person`` a role.

    三员分立: the system administrator, security administrator and auditor
    roles are held by three different people, never two by one.
    """
    held = set(person.role_grants.values_list("role", flat=True))
    if role in SEPARATED_ADMIN_ROLES and held & (SEPARATED_ADMIN_ROLES - {role}):
        clash = Role((held & SEPARATED_ADMIN_ROLES).pop()).label
        raise UnableToGrantRole(
            _("三员分立：%(person)s已是%(held)s，不能再授予%(role)s")
            % {"person": person.name, "held": _(clash), "role": _(Role(role).label)}
        )
    grant, created = RoleGrant.objects.get_or_create(person=person, role=role, defaults={"granted_by": by})
    if created:
        record("greenloop.org.role.granted", actor=by, target=str(person), data={"role": role})
        if person.user is not None:
            forget_scope(person.user)
    return grant


@transaction.atomic
def revoke_role(*, person: Person, role: str, by: Any = None) -> None:
    deleted, _ = RoleGrant.objects.filter(person=person, role=role).delete()
    if deleted:
        record("greenloop.org.role.revoked", actor=by, target=str(person), data={"role": role})


@transaction.atomic
def create_account(
    *, person: Person, username: str, password: str, by: Any = None, validate: bool = True
) -> Any:
    """Give ``person`` a login account. Passwords pass Django's validators."""
    user_model = get_user_model()
    user = user_model(username=username)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    record("greenloop.org.account.created", actor=by, target=str(person), data={"username": username})
    return user


def current_draft(*, unit: Unit) -> ResponsibilityList:
    """The unit's draft list, created from its latest published one if needed."""
    draft = ResponsibilityList.objects.filter(unit=unit, status=ListStatus.DRAFT).first()
    if draft is not None:
        return draft
    with transaction.atomic():
        latest = (
            ResponsibilityList.objects.filter(unit=unit).order_by("-version").first()
        )
        draft = ResponsibilityList.objects.create(
            unit=unit, version=(latest.version + 1) if latest else 1
        )
        if latest is not None:
            Duty.objects.bulk_create(
                Duty(rlist=draft, category=d.category, text=d.text, legal_basis=d.legal_basis, order=d.order)
                for d in latest.duties.order_by("order", "pk")
            )
    return draft


def published_list(*, unit: Unit) -> ResponsibilityList | None:
    return (
        ResponsibilityList.objects.filter(unit=unit, status=ListStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def _editable(rlist: ResponsibilityList) -> None:
    if rlist.status != ListStatus.DRAFT:
        raise UnableToEditDuties(_("已发布的责任清单不能直接修改，请在新版本草稿中修改"))


def add_duty(*, rlist: ResponsibilityList, category: str, text: str, legal_basis: str = "") -> Duty:
    _editable(rlist)
    last = rlist.duties.order_by("-order").values_list("order", flat=True).first() or 0
    return Duty.objects.create(rlist=rlist, category=category, text=text, legal_basis=legal_basis, order=last + 1)


def change_duty(*, duty: Duty, category: str, text: str, legal_basis: str) -> Duty:
    _editable(duty.rlist)
    duty.category, duty.text, duty.legal_basis = category, text, legal_basis
    duty.save(update_fields=["category", "text", "legal_basis"])
    return duty


def remove_duty(*, duty: Duty) -> None:
    _editable(duty.rlist)
    duty.delete()


@transaction.atomic
def publish_list(*, rlist: ResponsibilityList, by: Any, now: dt.datetime) -> ResponsibilityList:
    _editable(rlist)
    if not rlist.duties.exists():
        raise UnableToEditDuties(_("责任清单没有任何条目，不能发布"))
    ResponsibilityList.objects.filter(unit=rlist.unit, status=ListStatus.PUBLISHED).update(
        status=ListStatus.SUPERSEDED
    )
    rlist.status = ListStatus.PUBLISHED
    rlist.published_at = now
    rlist.published_by = by if getattr(by, "is_authenticated", False) else None
    rlist.save(update_fields=["status", "published_at", "published_by"])
    record("greenloop.org.duties.published", actor=by, target=str(rlist), data={"version": rlist.version})
    return rlist


@transaction.atomic
def generate_lists_from_templates(*, level: int, unit_kind: str, publish_by: Any = None,
                                  now: dt.datetime | None = None) -> int:
    """Give every unit of one level and kind a draft list from the templates.

    Units that already have a list keep it untouched; returns how many
    lists were generated.
    """
    templates = list(DutyTemplate.objects.filter(level=level, unit_kind=unit_kind).order_by("order", "pk"))
    if not templates:
        return 0
    units = Unit.objects.filter(region__level=level, kind=unit_kind, duty_lists__isnull=True)
    count = 0
    for unit in units:
        draft = current_draft(unit=unit)
        Duty.objects.bulk_create(
            Duty(rlist=draft, category=t.category, text=t.text.replace("{单位}", unit.name),
                 legal_basis=t.legal_basis, order=i)
            for i, t in enumerate(templates, start=1)
        )
        if now is not None:
            publish_list(rlist=draft, by=publish_by, now=now)
        count += 1
    return count


def log_visit(*, assignment: BaobaoAssignment, visit_date: dt.date, checked: str, clues: str,
              by: Any) -> BaobaoVisit:
    return BaobaoVisit.objects.create(
        assignment=assignment, visit_date=visit_date, checked=checked, clues=clues, recorded_by=by
    )


# --- duty templates (added with the responsibility-list pages) -------------


@transaction.atomic
def add_duty_template(
    *, level: int, unit_kind: str, category: str, text: str, legal_basis: str = "", by: Any = None
) -> DutyTemplate:
    """Append a duty to the templates of one level and unit kind."""
    last = (
        DutyTemplate.objects.filter(level=level, unit_kind=unit_kind)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
        or 0
    )
    template = DutyTemplate.objects.create(
        level=level,
        unit_kind=unit_kind,
        category=category,
        text=text,
        legal_basis=legal_basis,
        order=last + 1,
    )
    record(
        "greenloop.org.duty_template.added",
        actor=by,
        target=str(template),
        data={"level": level, "unit_kind": unit_kind},
    )
    return template


@transaction.atomic
def change_duty_template(
    *, template: DutyTemplate, category: str, text: str, legal_basis: str, by: Any = None
) -> DutyTemplate:
    """Change a template duty. Lists generated earlier keep their wording."""
    template.category, template.text, template.legal_basis = category, text, legal_basis
    template.save(update_fields=["category", "text", "legal_basis"])
    record(
        "greenloop.org.duty_template.changed",
        actor=by,
        target=str(template),
        data={"level": template.level, "unit_kind": template.unit_kind},
    )
    return template


@transaction.atomic
def remove_duty_template(*, template: DutyTemplate, by: Any = None) -> None:
    record(
        "greenloop.org.duty_template.removed",
        actor=by,
        target=str(template),
        data={"level": template.level, "unit_kind": template.unit_kind},
    )
    template.delete()
