"""One ready login per role, as listed on the login page in demo mode."""

from __future__ import annotations

from typing import Any

from greenloop.demo.people import Staff
from greenloop.org.services import create_account
from greenloop.web.views import DEMO_ACCOUNTS, DEMO_PASSWORD


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
