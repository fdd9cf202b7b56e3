"""Public pages of this app, mounted at /public/ without a namespace."""

from __future__ import annotations

from django.urls import path

from greenloop.quality.views import public

urlpatterns = [
    path("air/", public.public_air, name="public_air"),
    path("air/stations/<str:code>/", public.public_air_station, name="public_air_station"),
]
