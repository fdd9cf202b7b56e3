"""Helpers shared by the case pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.forms import Form
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from greenloop.org.access import require_perm
from greenloop.org.roles import Perm

PER_PAGE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def login_required_htmx(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """``login_required`` that moves the whole page to the login form when an
    htmx request arrives without a session (a plain redirect would be
    followed inside the XHR and the login form swapped into the page)."""
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.htmx and not request.user.is_authenticated:
            here = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here).url)
        return guarded(request, *args, **kwargs)

    return wrapper


def viewer(request: HttpRequest) -> Any:
    """The user, who must hold ``cases.view`` (三员 hold none: 403)."""
    require_perm(request.user, Perm.VIEW_CASES)
    return request.user


def safe_next(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def form_problems(form: Form) -> str:
    """A form's errors as one sentence for a message."""
    parts: list[str] = []
    colon = pgettext("colon introducing what follows", "：")
    semicolon = pgettext("separator between sentences in a list", "；")
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = semicolon.join(str(e) for e in errors)
        parts.append(f"{label}{colon}{text}" if label else text)
    return _("请检查输入：%(problems)s") % {"problems": semicolon.join(parts)}
