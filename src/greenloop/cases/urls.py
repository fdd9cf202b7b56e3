from __future__ import annotations

from django.urls import include, path

app_name = "cases"

urlpatterns = [
    path("", include("greenloop.cases.urls_pages")),
    path("", include("greenloop.cases.urls_campaigns")),
    path("", include("greenloop.cases.urls_ledger")),
]
