"""The JSON API under /api/v1/, with its OpenAPI schema and docs.

Authentication: a session cookie (pages, with CSRF) or a bearer token
(``Authorization: Bearer glp_…``) issued on the API-token page. Both carry
the same user and therefore the same roles and jurisdiction as the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from greenloop.org.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        # Coarse last-used stamp: at most one write a minute per token.
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="GreenLoop API",
    version="1",
    description="生态环境治理闭环平台接口。所有数据按调用者的角色和管辖范围过滤。",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api-v1",
)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("对象不存在或不在您的管辖范围内")}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("没有执行此操作的权限")}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("未登录或令牌无效")}, status=401)


def _register_routers() -> None:
    from greenloop.cases.api import install as install_cases
    from greenloop.org.api import router as org_router

    api.add_router("/", org_router)
    # The cases router and the JSON errors of its services' refusals.
    install_cases(api)
    from greenloop.complaints.api import install as install_complaints

    install_complaints(api)  # petitions, /complaints and /complaints/public


_register_routers()
