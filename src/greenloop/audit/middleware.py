from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from greenloop.audit.log import current_ip


class AuditRequestContext:
    """Makes the client address available to audit records of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
