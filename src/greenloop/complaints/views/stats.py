"""The petition statistics page (/complaints/stats/): every figure of
:mod:`greenloop.complaints.statistics` over the petitions the reader sees,
each with its definition on hover (``title``) as written in
docs/complaints.md, and the density map by grid (Leaflet, no tile server
needed) fed by ``/complaints/stats/density/``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from greenloop.cases.models import CaseCategory, InspectionBatch
from greenloop.complaints import statistics
from greenloop.complaints.models import Channel
from greenloop.org.access import get_scope, require_perm
from greenloop.org.models import Region, RegionLevel
from greenloop.org.roles import Perm, translated_choices


class StatisticsFilterForm(forms.Form):
    region = forms.ModelChoiceField(label=_("属地"), queryset=Region.objects.none(), required=False)
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        required=False,
        choices=[("", _("全部")), *translated_choices(Channel)],
    )
    category = forms.ChoiceField(
        label=_("污染类型"),
        required=False,
        choices=[("", _("全部")), *translated_choices(CaseCategory)],
    )
    batch = forms.ModelChoiceField(
        label=_("交办批次"), queryset=InspectionBatch.objects.none(), required=False
    )
    received_from = forms.DateField(
        label=_("受理日期起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("受理日期止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.visible_to(user).filter(level__lte=RegionLevel.TOWNSHIP).order_by("path")
        )
        self.fields["batch"].queryset = (
            InspectionBatch.objects.visible_to(user)
            .select_related("inspection_round")
            .order_by("inspection_round_id", "number")
        )

    def filters(self) -> statistics.Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return statistics.Filters(
            region=data.get("region"),
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            batch=data.get("batch"),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
        )


def _level(request: HttpRequest) -> int:
    try:
        level = int(request.GET.get("level", RegionLevel.TOWNSHIP))
    except ValueError:
        return RegionLevel.TOWNSHIP
    return level if level in RegionLevel.values else RegionLevel.TOWNSHIP


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    figures = statistics.statistics_for(request.user, filters, timezone.localdate())
    query = request.GET.copy()
    query.pop("level", None)
    return render(
        request,
        "complaints/stats.html",
        {
            "form": form,
            "s": figures,
            "defs": statistics.get_definitions(),
            "query": query.urlencode(),
            "level": _level(request),
            "levels": [
                (v, label) for v, label in translated_choices(RegionLevel) if v > RegionLevel.CITY
            ],
            "tile_url": settings.GREENLOOP_TILE_URL,
            "tile_attribution": settings.GREENLOOP_TILE_ATTRIBUTION,
            "may_export_identity": get_scope(request.user).has(Perm.VIEW_COMPLAINANT),
        },
    )


@login_required
@require_GET
def density(request: HttpRequest) -> JsonResponse:
    """The grids of one level as GeoJSON, each with its petition count."""
    require_perm(request.user, Perm.VIEW_COMPLAINTS)
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    pairs, outside = statistics.density_for(request.user, form.filters(), _level(request))
    features = [
        {
            "type": "Feature",
            "geometry": grid.boundary.get("geometry", grid.boundary)
            if grid.boundary.get("type") == "Feature"
            else grid.boundary,
            "properties": {
                "code": grid.code,
                "name": grid.name,
                "region": grid.region.name,
                "count": count,
            },
        }
        for grid, count in pairs
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "max": max((c for _g, c in pairs), default=0),
            "outside": outside,
        }
    )
