"""Public pages of the org app, mounted at /public/ without a namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from greenloop.org.views import public

urlpatterns: list[URLPattern] = [
    path("duties/", public.public_duties, name="public_duties"),
    path("duties/<int:pk>/", public.public_duty_list, name="public_duty_list"),
]
