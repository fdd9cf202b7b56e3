"""Rounds, 回头看, accountability, disclosure and statistics pages under
/cases/ (namespace ``cases``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from greenloop.cases.views import accountability, campaigns, disclosure, stats

urlpatterns: list[URLPattern] = [
    path("rounds/", campaigns.round_list, name="round_list"),
    path("rounds/<int:pk>/", campaigns.round_detail, name="round_detail"),
    path("reviews/", campaigns.review_list, name="review_list"),
    path("reviews/new/", campaigns.review_create, name="review_create"),
    path("reviews/preview/", campaigns.review_preview, name="review_preview"),
    path("reviews/<int:pk>/", campaigns.review_detail, name="review_detail"),
    path("reviews/<int:pk>/groups/", campaigns.review_group_add, name="review_group_add"),
    path("reviews/<int:pk>/assign/", campaigns.review_assign, name="review_assign"),
    path(
        "reviews/<int:pk>/items/<int:item_pk>/outcome/",
        campaigns.review_outcome,
        name="review_outcome",
    ),
    path("accountability/", accountability.accountability_list, name="accountability_list"),
    path(
        "accountability/new/",
        accountability.accountability_create,
        name="accountability_create",
    ),
    path("disclosure/", disclosure.disclosure_list, name="disclosure_list"),
    path("disclosure/<int:case_pk>/", disclosure.disclosure_edit, name="disclosure_edit"),
    path("stats/", stats.stats, name="stats"),
]
