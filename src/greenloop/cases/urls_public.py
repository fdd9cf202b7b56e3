"""Public pages of the cases app, mounted at /public/ without a namespace:
published rectification results (信息公开)."""

from __future__ import annotations

from django.urls import URLPattern, path

from greenloop.cases.views import disclosure

urlpatterns: list[URLPattern] = [
    path("disclosure/", disclosure.public_disclosures, name="public_disclosures"),
    path("disclosure/<int:pk>/", disclosure.public_disclosure, name="public_disclosure"),
]
