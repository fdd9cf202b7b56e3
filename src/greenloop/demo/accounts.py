"""One ready login per role, as listed on the login page in demo mode."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from greenloop.demo.people import Staff
from greenloop.org.services import create_account

# Shown on the login page in demo mode only; never a real installation's.
DEMO_ACCOUNTS = [
    ("dispatcher", _("市生态委办调度员")),
    ("county", _("县级经办人（铁西区）")),
    ("department", _("部门经办人（市住建局）")),
    ("acceptance", _("区验收组成员")),
    ("leader", _("市级领导")),
    ("sysadmin", _("系统管理员")),
    ("secadmin", _("安全管理员")),
    ("auditor", _("安全审计员")),
]
DEMO_PASSWORD = "GreenLoop-2026!"  # noqa: S105


def create_demo_accounts(staff: Staff) -> dict[str, Any]:
    """Give each demo person a login; the system administrator may also
    enter Django's admin site (``is_staff``), which its role allows."""
    users: dict[str, Any] = {}
    for username, _label in DEMO_ACCOUNTS:
        person = staff.demo[username]
        user = create_account(
            person=person, username=username, password=DEMO_PASSWORD, validate=False
        )
        if username == "sysadmin":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        users[username] = user
    return users
