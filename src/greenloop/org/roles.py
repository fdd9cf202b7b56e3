"""Roles and the permissions each grants, as data.

Roles are held by a person (through ``RoleGrant``); what a role may do is
this table, nothing else. Jurisdiction (which objects) is decided separately
in :mod:`greenloop.org.access`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


def translated_choices(choices: type[models.Choices]) -> list[tuple[Any, Any]]:
    """``choices.choices`` with each label translated when it is shown.

    The labels of the choice enums stay plain Chinese strings, only marked
    for ``makemessages`` with ``gettext_noop``: the Excel import matches and
    joins them (``org/importing/schema.py``) and must not depend on the
    language of whoever happens to be active. Model fields and pages use
    this lazily translated copy instead.
    """
    return [(value, _(label)) for value, label in choices.choices]


class Role(models.TextChoices):
    DISPATCHER = "DISPATCHER", gettext_noop("调度员")
    UNIT_HANDLER = "UNIT_HANDLER", gettext_noop("单位经办人")
    UNIT_LEADER = "UNIT_LEADER", gettext_noop("单位负责人")
    ACCEPTANCE = "ACCEPTANCE", gettext_noop("验收组成员")
    RECHECK = "RECHECK", gettext_noop("复核组成员")
    LEADER = "LEADER", gettext_noop("领导")
    GRID_OFFICER = "GRID_OFFICER", gettext_noop("网格员")
    ENFORCEMENT = "ENFORCEMENT", gettext_noop("执法人员")
    SYSADMIN = "SYSADMIN", gettext_noop("系统管理员")
    SECADMIN = "SECADMIN", gettext_noop("安全管理员")
    AUDITOR = "AUDITOR", gettext_noop("安全审计员")


# 三员分立: one person holds at most one of these.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


class Perm:
    """Permission codes. Dotted, app first, so later apps add their own."""

    VIEW_ORG = "org.view"
    VIEW_PHONE = "org.view_phone"
    EDIT_DUTIES = "org.edit_duties"
    PUBLISH_DUTIES = "org.publish_duties"
    EDIT_DUTY_TEMPLATES = "org.edit_duty_templates"
    LOG_VISIT = "org.log_visit"
    MANAGE_ORG = "org.manage"  # regions, units, people, grids, import
    MANAGE_ACCOUNTS = "org.manage_accounts"  # create/disable user accounts
    GRANT_ROLES = "org.grant_roles"  # permission changes
    USE_ADMIN = "org.use_admin"
    READ_AUDIT = "audit.read"
    USE_API_TOKENS = "org.api_tokens"
    # The closed loop (cases app). Which cases each applies to is decided
    # per action in greenloop.cases.access_rules.
    VIEW_CASES = "cases.view"
    COMMENT_CASES = "cases.comment"
    REGISTER_CASES = "cases.register"
    ASSIGN_CASES = "cases.assign"
    EDIT_CASES = "cases.edit"  # change fields, units, deadline, milestones
    MERGE_CASES = "cases.merge"
    VERIFY_UNFOUNDED = "cases.verify_unfounded"
    CLOSE_CASES = "cases.close"
    REOPEN_CASES = "cases.reopen"
    RECTIFY_CASES = "cases.rectify"  # sign for, return, report progress
    REQUEST_ACCEPTANCE = "cases.request_acceptance"
    ACCEPT_CASES = "cases.accept"  # accept or send back
    RECHECK_CASES = "cases.recheck"  # re-check or send back
    INSTRUCT_CASES = "cases.instruct"  # 批示
    # Petitions and public reports (complaints app); which petitions each
    # applies to is decided in greenloop.complaints.access_rules.
    VIEW_COMPLAINTS = "complaints.view"
    HANDLE_COMPLAINTS = "complaints.handle"  # intake, routing, merge, reply, disclosure
    VIEW_COMPLAINANT = "complaints.view_identity"  # reveal (audited) who reported
    APPROVE_REWARDS = "complaints.approve_rewards"  # 举报奖励审批
    # Monitoring pages (monitoring app): devices, sites and their live
    # values; the raw packet inspector and ingestion health.
    VIEW_MONITORING = "monitoring.view"
    INSPECT_PACKETS = "monitoring.inspect"


_EVERY_STAFF = {Perm.VIEW_ORG, Perm.USE_API_TOKENS}
# Business roles see cases in their reach and may comment on them; the
# three administrators (三员分立) see no case content.
_CASE_STAFF = {Perm.VIEW_CASES, Perm.COMMENT_CASES}
_CASE_HANDLING = {Perm.RECTIFY_CASES, Perm.REQUEST_ACCEPTANCE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.DISPATCHER: frozenset(
        _EVERY_STAFF
        | {Perm.VIEW_PHONE, Perm.EDIT_DUTIES, Perm.PUBLISH_DUTIES, Perm.EDIT_DUTY_TEMPLATES}
        | _CASE_STAFF
        | {
            Perm.REGISTER_CASES,
            Perm.ASSIGN_CASES,
            Perm.EDIT_CASES,
            Perm.MERGE_CASES,
            Perm.VERIFY_UNFOUNDED,
            Perm.CLOSE_CASES,
            Perm.REOPEN_CASES,
        }
    ),
    Role.UNIT_HANDLER: frozenset(_EVERY_STAFF | {Perm.EDIT_DUTIES} | _CASE_STAFF | _CASE_HANDLING),
    Role.UNIT_LEADER: frozenset(
        _EVERY_STAFF
        | {Perm.VIEW_PHONE, Perm.EDIT_DUTIES, Perm.PUBLISH_DUTIES}
        | _CASE_STAFF
        | _CASE_HANDLING
        | {Perm.INSTRUCT_CASES}
    ),
    Role.ACCEPTANCE: frozenset(_EVERY_STAFF | _CASE_STAFF | {Perm.ACCEPT_CASES}),
    Role.RECHECK: frozenset(_EVERY_STAFF | _CASE_STAFF | {Perm.RECHECK_CASES, Perm.REOPEN_CASES}),
    Role.LEADER: frozenset(
        _EVERY_STAFF | {Perm.VIEW_PHONE, Perm.LOG_VISIT} | _CASE_STAFF | {Perm.INSTRUCT_CASES}
    ),
    Role.GRID_OFFICER: frozenset(_EVERY_STAFF | _CASE_STAFF),
    Role.ENFORCEMENT: frozenset(_EVERY_STAFF | _CASE_STAFF),
    # 三员分立: the system administrator runs the system and the accounts but
    # grants no roles and reads no audit log; the security administrator
    # grants roles; the auditor only reads the audit log.
    Role.SYSADMIN: frozenset(
        _EVERY_STAFF | {Perm.MANAGE_ORG, Perm.MANAGE_ACCOUNTS, Perm.USE_ADMIN, Perm.VIEW_PHONE}
    ),
    Role.SECADMIN: frozenset({Perm.VIEW_ORG, Perm.GRANT_ROLES}),
    Role.AUDITOR: frozenset({Perm.READ_AUDIT}),
}

# Monitoring: staff who follow their jurisdiction's stations see the device
# and site pages; dispatchers and the system administrator (who registers
# the devices) also read raw packets and the gateway's health. The security
# administrator and the auditor get none (三员分立).
_MONITORING_GRANTS: dict[str, frozenset[str]] = {
    Role.DISPATCHER: frozenset({Perm.VIEW_MONITORING, Perm.INSPECT_PACKETS}),
    Role.UNIT_HANDLER: frozenset({Perm.VIEW_MONITORING}),
    Role.UNIT_LEADER: frozenset({Perm.VIEW_MONITORING}),
    Role.LEADER: frozenset({Perm.VIEW_MONITORING}),
    Role.ENFORCEMENT: frozenset({Perm.VIEW_MONITORING}),
    Role.SYSADMIN: frozenset({Perm.VIEW_MONITORING, Perm.INSPECT_PACKETS}),
}
for _role, _granted in _MONITORING_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted

# Permissions that change data; the auditor must never hold one.
WRITE_PERMISSIONS = frozenset(
    {
        Perm.EDIT_DUTIES,
        Perm.PUBLISH_DUTIES,
        Perm.EDIT_DUTY_TEMPLATES,
        Perm.LOG_VISIT,
        Perm.MANAGE_ORG,
        Perm.MANAGE_ACCOUNTS,
        Perm.GRANT_ROLES,
        Perm.USE_ADMIN,
        Perm.COMMENT_CASES,
        Perm.REGISTER_CASES,
        Perm.ASSIGN_CASES,
        Perm.EDIT_CASES,
        Perm.MERGE_CASES,
        Perm.VERIFY_UNFOUNDED,
        Perm.CLOSE_CASES,
        Perm.REOPEN_CASES,
        Perm.RECTIFY_CASES,
        Perm.REQUEST_ACCEPTANCE,
        Perm.ACCEPT_CASES,
        Perm.RECHECK_CASES,
        Perm.INSTRUCT_CASES,
    }
)


def permissions_for_roles(roles: set[str]) -> frozenset[str]:
    perms: set[str] = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(perms)


# Petitions (complaints app): business roles that see cases see the
# petitions behind them (never the complainant); the dispatchers take them
# in, route, reply and alone may reveal who reported (each time audited);
# leaders approve rewards. The three administrators get none (三员分立).
_COMPLAINT_GRANTS: dict[str, frozenset[str]] = {
    Role.DISPATCHER: frozenset(
        {Perm.VIEW_COMPLAINTS, Perm.HANDLE_COMPLAINTS, Perm.VIEW_COMPLAINANT}
    ),
    Role.UNIT_HANDLER: frozenset({Perm.VIEW_COMPLAINTS}),
    Role.UNIT_LEADER: frozenset({Perm.VIEW_COMPLAINTS}),
    Role.LEADER: frozenset({Perm.VIEW_COMPLAINTS, Perm.APPROVE_REWARDS}),
}
for _role, _granted in _COMPLAINT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
WRITE_PERMISSIONS = WRITE_PERMISSIONS | {
    Perm.HANDLE_COMPLAINTS,
    Perm.VIEW_COMPLAINANT,
    Perm.APPROVE_REWARDS,
}
