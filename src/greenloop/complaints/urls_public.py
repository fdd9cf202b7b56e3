"""Public pages of this app, mounted at /public/ without a namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from greenloop.complaints.views import public

urlpatterns: list[URLPattern] = [
    path("report/", public.report, name="public_report"),
    path("track/", public.track, name="public_track"),
    path("track/feedback/", public.track_feedback, name="public_track_feedback"),
    path("petitions/", public.petitions, name="public_petitions"),
]
