"""Public pages (no login), phone-sized first: report, track, disclosure.

* ``/public/report/`` — the report form (CAPTCHA, rate limit per client
  address, photos cleaned by the services); on success the tracking code
  is shown once, on that response only (``no-store``), and kept nowhere.
* ``/public/track/`` — the code is posted, never put in a URL; a wrong,
  malformed or unknown code gets the same answer; rate-limited.
* ``/public/petitions/`` — handled petitions with their approved public
  text; no personal data, no addresses or enterprises beyond that text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from greenloop.complaints import services
from greenloop.complaints.forms import PublicReportForm, SatisfactionForm, TrackForm
from greenloop.complaints.models import Petition, PetitionState
from greenloop.org.models import Region, RegionLevel
from greenloop.web.views import ratelimited


def report_rate(group: str, request: HttpRequest) -> str:
    return str(getattr(settings, "GREENLOOP_COMPLAINT_REPORT_RATE", "5/h"))


def track_rate(group: str, request: HttpRequest) -> str:
    return str(getattr(settings, "GREENLOOP_COMPLAINT_TRACK_RATE", "20/h"))


def _map_context() -> dict[str, Any]:
    """The city's county-level boundaries (public information) so the pin
    map is usable without a tile server."""
    regions = Region.objects.filter(level__lte=RegionLevel.COUNTY).exclude(boundary=None)
    features = [
        {"type": "Feature", "properties": {"name": r.name}, "geometry": r.boundary}
        for r in regions.order_by("path")[:60]
        if isinstance(r.boundary, dict) and r.boundary.get("type") in ("Polygon", "MultiPolygon")
    ]
    return {
        "tile_url": settings.GREENLOOP_TILE_URL,
        "tile_attribution": settings.GREENLOOP_TILE_ATTRIBUTION,
        "boundaries": {"type": "FeatureCollection", "features": features},
    }


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=report_rate, method="POST", block=False)
def report(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    form = PublicReportForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        anonymous = bool(data["is_anonymous"])
        try:
            intake = services.submit_public_report(
                now=timezone.now(),
                category=data["category"],
                description=data["description"],
                address=data["address"],
                enterprise_name=data["enterprise_name"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                is_anonymous=anonymous,
                name="" if anonymous else data["name"],
                phone="" if anonymous else data["phone"],
                reward_requested=data["reward_requested"],
                photos=data["photos"],
            )
        except services.UnableToActOnPetition as exc:
            error = str(exc)
        else:
            response = render(
                request,
                "complaints/public_report_done.html",
                {
                    "code": intake.tracking_code,
                    "number": intake.petition.number,
                    "due_date": intake.petition.due_date,
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "complaints/public_report.html",
        {
            "form": form,
            "error": error,
            "max_photos": services.max_photos(),
            "max_photo_mb": services.max_photo_bytes() // (1024 * 1024),
            **_map_context(),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=track_rate, method="POST", block=False)
def track(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    form = TrackForm(request.POST or None)
    status_ = None
    not_found = False
    feedback = None
    if request.method == "POST" and form.is_valid():
        petition = services.find_by_code(form.cleaned_data["code"])
        if petition is None:
            not_found = True
        else:
            status_ = services.public_status(petition)
            if status_.may_evaluate:
                feedback = SatisfactionForm(initial={"code": form.cleaned_data["code"]})
    return render(
        request,
        "complaints/public_track.html",
        {"form": form, "status": status_, "not_found": not_found, "feedback": feedback},
        status=404 if not_found else 200,
    )


@never_cache
@require_POST
@ratelimit(key="ip", rate=track_rate, method="POST", block=False)
def track_feedback(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    form = SatisfactionForm(request.POST)
    message = ""
    error = ""
    status_ = None
    if form.is_valid():
        try:
            petition = services.record_satisfaction(
                code=form.cleaned_data["code"],
                now=timezone.now(),
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except services.UnableToActOnPetition as exc:
            error = str(exc)
            petition = services.find_by_code(form.cleaned_data["code"])
        else:
            message = _("感谢您的评价！")
        if petition is not None:
            status_ = services.public_status(petition)
    else:
        error = _("请选择满意程度")
    return render(
        request,
        "complaints/public_track.html",
        {
            "form": TrackForm(),
            "status": status_,
            "not_found": status_ is None,
            "feedback": None,
            "message": message,
            "error": error,
        },
        status=404 if status_ is None else 400 if error else 200,
    )


@require_GET
def petitions(request: HttpRequest) -> HttpResponse:
    shown = (
        Petition.objects.filter(
            public_text_approved_at__isnull=False,
            state__in=[PetitionState.REPLIED, PetitionState.CLOSED],
        )
        .select_related("region")
        .only(
            "number",
            "channel",
            "category",
            "received_at",
            "replied_at",
            "closed_at",
            "state",
            "finding",
            "public_text",
            "region__name",
        )
        .order_by("-public_text_approved_at", "-pk")
    )
    page = Paginator(shown, 20).get_page(request.GET.get("page"))
    return render(request, "complaints/public_petitions.html", {"page": page})
