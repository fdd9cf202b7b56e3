"""The statistics page (/cases/stats/): every figure over the cases the
reader sees, filtered like the endpoint, each with its definition on
hover (``title``), as written in docs/cases-statistics.md."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from greenloop.cases import campaign_queries, statistics
from greenloop.cases.forms_campaigns import StatisticsFilterForm
from greenloop.cases.models import AccountabilityRecord, ReviewItem
from greenloop.cases.views.campaigns import case_list_url, viewer


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = StatisticsFilterForm(request.GET or None, user=user)
    data = form.cleaned_data if form.is_valid() else {}
    chosen_round = data.get("inspection_round")
    batch = data.get("batch")
    filters = campaign_queries.StatisticsFilters(
        region=data.get("region"),
        inspection_round=chosen_round or (batch.inspection_round if batch else None),
        batch=batch,
        source=data.get("source") or "",
        category=data.get("category") or "",
        registered_from=data.get("registered_from"),
        registered_to=data.get("registered_to"),
    )
    figures = campaign_queries.statistics_for(user, filters, timezone.localdate())
    records = AccountabilityRecord.objects.visible_to(user)
    if filters.inspection_round is not None:
        records = records.filter(inspection_round=filters.inspection_round)
    return render(
        request,
        "cases/stats_overview.html",
        {
            "form": form,
            "s": figures,
            "defs": statistics.get_definitions(),
            "round_links": {
                g["group"]: case_list_url(inspection_round=g["group"]) for g in figures["by_round"]
            },
            "review": statistics.review_figures(ReviewItem.objects.visible_to(user)),
            "accountability": statistics.accountability_totals(records),
            "accountability_by_round": statistics.accountability_counts(
                records, "inspection_round"
            ),
            "chosen_round": filters.inspection_round,
        },
    )
