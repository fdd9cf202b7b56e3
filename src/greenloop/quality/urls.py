from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from greenloop.quality.views import air, evaluation, hotspots, water

app_name = "quality"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="quality:air_map"), name="index"),
    path("air/", air.air_map, name="air_map"),
    path("air/stations/<str:code>/", air.station_chart, name="station_chart"),
    path("air/calendar/", air.calendar, name="calendar"),
    path("air/evaluation/", evaluation.evaluation, name="evaluation"),
    path("air/ranking/", evaluation.ranking, name="ranking"),
    path("water/", water.water, name="water"),
    path("hotspots/", hotspots.hotspots, name="hotspots"),
]
