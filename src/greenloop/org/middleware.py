from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

from greenloop.org.access import has_perm
from greenloop.org.roles import Perm


class AdminOnlyForSystemAdministrators:
    """The Django admin is the system administrator's tool and nobody else's.

    Everyone else gets a plain 404 so the admin's existence is not advertised.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            user = request.user
            if user.is_authenticated and not has_perm(user, Perm.USE_ADMIN):
                return HttpResponseNotFound("页面不存在")
        return self.get_response(request)
