"""包保: leaders' assignments to units and the log of their visits.

A leader visits each unit they answer for at least monthly; the overview
flags assignments that have gone quiet (本月未走访).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from greenloop.org import services
from greenloop.org.access import can, get_for_user, get_scope, require_perm
from greenloop.org.forms import VisitForm
from greenloop.org.models import BaobaoAssignment
from greenloop.org.roles import Perm

# An assignment is "quiet" when neither a visit nor its start lies within
# this many days: a leader who took over a unit last week is not late yet.
QUIET_AFTER_DAYS = 31


def quiet_since(today: dt.date) -> dt.date:
    """Assignments last touched before this date are flagged 本月未走访."""
    return today - dt.timedelta(days=QUIET_AFTER_DAYS)


def _active(today: dt.date) -> Q:
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))


@login_required
@require_GET
def baobao(request: HttpRequest) -> HttpResponse:
    """The assignments the user may see, the user's own first."""
    require_perm(request.user, Perm.VIEW_ORG)
    today = timezone.localdate()
    cutoff = quiet_since(today)
    person_id = get_scope(request.user).person_id

    qs = (
        BaobaoAssignment.objects.visible_to(request.user)
        .select_related("leader__unit", "unit__region")
        .annotate(
            n_visits=Count("visits"),
            latest_visit_date=Max("visits__visit_date"),
            last_touch=Coalesce(Max("visits__visit_date"), F("start_date")),
            mine=Case(
                When(leader_id=person_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    )
    show_ended = request.GET.get("ended") == "1"
    only_quiet = request.GET.get("quiet") == "1"
    q = request.GET.get("q", "").strip()[:60]
    if not show_ended:
        qs = qs.filter(_active(today))
    if only_quiet:
        qs = qs.filter(_active(today), last_touch__lt=cutoff)
    if q:
        qs = qs.filter(Q(leader__name__icontains=q) | Q(unit__name__icontains=q))
    # Own assignments first, then the longest-quiet.
    qs = qs.order_by("mine", "last_touch", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))

    rows = []
    for a in page:
        active = a.start_date <= today and (a.end_date is None or a.end_date >= today)
        rows.append(
            {
                "a": a,
                "mine": a.mine == 0,
                "active": active,
                "quiet": active and a.last_touch < cutoff,
            }
        )
    return render(
        request,
        "org/baobao.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "show_ended": show_ended,
            "only_quiet": only_quiet,
            "cutoff": cutoff,
            "quiet_days": QUIET_AFTER_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def baobao_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One assignment's visit log; its leader logs visits here."""
    source = BaobaoAssignment.objects.select_related("leader__unit", "unit__region")
    today = timezone.localdate()
    if request.method == "POST":
        assignment = get_for_user(request.user, source, pk=pk, action="log_visit")
        form = VisitForm(request.POST, assignment=assignment, today=today)
        if form.is_valid():
            services.log_visit(assignment=assignment, by=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("已记录 %(date)s 的走访") % {"date": f"{form.cleaned_data['visit_date']:%Y-%m-%d}"},
            )
            return redirect("org:baobao_detail", pk=assignment.pk)
        return _detail(request, assignment, today, form)
    assignment = get_for_user(request.user, source, pk=pk)
    return _detail(request, assignment, today, None)


def _detail(
    request: HttpRequest, assignment: BaobaoAssignment, today: dt.date, form: VisitForm | None
) -> HttpResponse:
    can_log = can(request.user, "log_visit", assignment)
    if can_log and form is None:
        form = VisitForm(assignment=assignment, today=today)
    visits = list(
        assignment.visits.select_related("recorded_by__person").order_by("-visit_date", "-pk")
    )
    active = assignment.start_date <= today and (
        assignment.end_date is None or assignment.end_date >= today
    )
    last_touch = visits[0].visit_date if visits else assignment.start_date
    ctx: dict[str, Any] = {
        "a": assignment,
        "visits": visits,
        "form": form if can_log else None,
        "active": active,
        "quiet": active and last_touch < quiet_since(today),
        "quiet_days": QUIET_AFTER_DAYS,
    }
    return render(request, "org/baobao_detail.html", ctx)
