"""Login, home, API tokens, audit log and error pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from greenloop.audit.log import record
from greenloop.audit.models import AuditEvent
from greenloop.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from greenloop.org.access import get_scope, has_perm, require_perm
from greenloop.org.models import ApiToken, Grid, Person, Region, Unit
from greenloop.org.roles import Perm, Role
from greenloop.web.home import where_things_stand


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_accounts"] = DEMO_ACCOUNTS
        ctx["demo_password"] = DEMO_PASSWORD
        return ctx


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    person = Person.objects.select_related("unit__region").filter(user=request.user).first()
    if person is not None:
        # The page header reads user.person: no second query for it.
        request.user.person = person  # type: ignore[union-attr]
    ctx: dict[str, Any] = {
        "person": person,
        "roles": [gettext(Role(r).label) for r in sorted(scope.roles)],
        "can_view_org": scope.has(Perm.VIEW_ORG),
        "can_read_audit": scope.has(Perm.READ_AUDIT),
        "can_manage": scope.has(Perm.MANAGE_ORG),
        "can_admin": scope.has(Perm.USE_ADMIN),
    }
    if scope.has(Perm.VIEW_ORG):
        regions = Region.objects.visible_to(request.user)
        ctx["counts"] = {
            "regions": regions.count(),
            "units": Unit.objects.visible_to(request.user).count(),
            "people": Person.objects.visible_to(request.user).count(),
            "grids": Grid.objects.visible_to(request.user).count(),
        }
        ctx["top_regions"] = _top_regions(regions)
    if scope.has(Perm.READ_AUDIT):
        ctx["audit_recent"] = AuditEvent.objects.order_by("-at", "-pk")[:10]
        ctx["audit_by_action"] = (
            AuditEvent.objects.values("action").annotate(n=Count("pk")).order_by("-n")[:8]
        )
    ctx.update(
        where_things_stand(
            request.user,
            now=timezone.now(),
            today=timezone.localdate(),
            seat=person.unit.region if person is not None else None,
        )
    )
    return render(request, "web/home.html", ctx)


def _top_regions(regions: Any) -> list[Region]:
    """The highest regions the user can see: their jurisdiction's roots."""
    rows = list(regions.order_by("path")[:2000].only("pk", "code", "name", "path", "level", "kind"))
    roots: list[Region] = []
    for r in rows:
        if not any(r.path.startswith(root.path) for root in roots):
            roots.append(r)
    return roots[:20]


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.USE_API_TOKENS)
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            name = (request.POST.get("name") or "").strip()[:60] or gettext("API客户端")
            token, new_token = ApiToken.issue(user=request.user, name=name)
            record("greenloop.api.token.issued", actor=request.user, target=str(token))
        elif action == "revoke":
            token = ApiToken.objects.filter(user=request.user, pk=request.POST.get("token")).first()
            if token is not None and token.revoked_at is None:
                token.revoked_at = timezone.now()
                token.save(update_fields=["revoked_at"])
                record("greenloop.api.token.revoked", actor=request.user, target=str(token))
                messages.success(request, gettext("令牌已吊销"))
            return redirect("api_tokens")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "web/api_tokens.html", {"tokens": tokens, "new_token": new_token})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.READ_AUDIT):
        raise PermissionDenied
    events = AuditEvent.objects.order_by("-at", "-pk")
    action = request.GET.get("action", "")
    actor = request.GET.get("actor", "").strip()
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    from greenloop.audit.log import ACTION_LABELS

    return render(
        request,
        "web/audit_log.html",
        {"page": page, "action": action, "actor": actor, "actions": sorted(ACTION_LABELS.items())},
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": gettext("无权访问"), "message": gettext("您的角色没有执行此操作的权限。")},
        status=403,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {
            "title": gettext("页面不存在"),
            "message": gettext("您访问的对象不存在，或不在您的管辖范围内。"),
        },
        status=404,
    )


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": gettext("请求过于频繁"), "message": gettext("请稍后再试。")},
        status=429,
    )


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    """Locked accounts, for the security administrator to release."""
    require_perm(request.user, Perm.GRANT_ROLES)
    from axes.models import AccessAttempt
    from axes.utils import reset
    from django.conf import settings

    if request.method == "POST":
        username = request.POST.get("username", "")
        if username:
            reset(username=username)
            record("greenloop.auth.unlocked", actor=request.user, target=username)
            messages.success(request, gettext("已解除锁定：%(username)s") % {"username": username})
        return redirect("lockouts")
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    return render(request, "web/lockouts.html", {"attempts": attempts})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record("greenloop.auth.password_changed", actor=self.request.user)
        messages.success(self.request, gettext("密码已修改"))
        return response
