from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from greenloop.org.access import get_scope


def greenloop(request: HttpRequest) -> dict[str, Any]:
    scope = get_scope(getattr(request, "user", None))
    return {
        "demo_mode": settings.DEMO_MODE,
        "scope": scope,
        "perms_set": scope.perms,
        "roles_set": scope.roles,
    }
