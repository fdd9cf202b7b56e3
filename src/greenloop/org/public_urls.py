"""Pages anyone may open without logging in."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("greenloop.org.urls_public")),
    path("", include("greenloop.cases.urls_public")),
    path("", include("greenloop.complaints.urls_public")),
    path("", include("greenloop.quality.urls_public")),
]
