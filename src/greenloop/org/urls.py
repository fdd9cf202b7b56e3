from __future__ import annotations

from django.urls import include, path

from greenloop.org.views import browse

app_name = "org"

urlpatterns = [
    path("regions/", browse.regions, name="regions"),
    path("regions/<str:code>/", browse.region, name="region"),
    path("units/", browse.units, name="units"),
    path("units/<int:pk>/", browse.unit, name="unit"),
    path("people/", browse.people, name="people"),
    path("people/<int:pk>/", browse.person, name="person"),
    path("grids/map/", browse.grid_map, name="grid_map"),
    path("grids/geojson/", browse.grid_geojson, name="grid_geojson"),
    path("chiefs/", browse.chiefs, name="chiefs"),
    path("", include("greenloop.org.urls_duties")),
    path("", include("greenloop.org.urls_import")),
]
