"""Public pages: published responsibility lists, for anyone, no login.

Only what a unit has published is shown: the unit, its region, the version,
the date and the duties. Drafts, who published and people's details stay
inside.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from greenloop.org import services
from greenloop.org.models import ListStatus, ResponsibilityList, Unit


@require_GET
def public_duties(request: HttpRequest) -> HttpResponse:
    """Units with a published list, searchable by unit or region name."""
    # Deliberately unscoped: published lists are public information.
    lists = ResponsibilityList.objects.filter(status=ListStatus.PUBLISHED).select_related(
        "unit__region"
    )
    q = request.GET.get("q", "").strip()[:60]
    if q:
        lists = lists.filter(Q(unit__name__icontains=q) | Q(unit__region__name__icontains=q))
    lists = lists.order_by("unit__region__path", "unit__name", "unit_id", "-version")
    page = Paginator(lists, 50).get_page(request.GET.get("page"))
    return render(request, "org/public_duties.html", {"page": page, "q": q})


@require_GET
def public_duty_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("region"), pk=pk)
    rlist = services.published_list(unit=unit)
    if rlist is None:
        raise Http404
    return render(
        request,
        "org/public_duty_list.html",
        {
            "unit": unit,
            "rlist": rlist,
            "duties": rlist.duties.order_by("order", "pk"),
        },
    )
