"""Registering a case (登记问题), for dispatchers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from greenloop.cases import services
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms import CaseRegisterForm
from greenloop.cases.views._common import viewer
from greenloop.org.access import require_perm
from greenloop.org.roles import Perm


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    require_perm(user, Perm.REGISTER_CASES)
    if request.method != "POST":
        return render(request, "cases/case_new.html", {"form": CaseRegisterForm(user=user)})
    form = CaseRegisterForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            case = services.register_case(by=user, now=timezone.now(), **form.cleaned_data)
        except UnableToActOnCase as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已登记问题 %(number)s，请交办") % {"number": case.number},
            )
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_new.html", {"form": form})
