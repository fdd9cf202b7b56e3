from __future__ import annotations

from django.urls import path

from greenloop.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.device_list, name="devices"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/live/", views.site_live, name="site_live"),
    path("packets/", views.packet_search, name="packets"),
    path("packets/inbox/<int:pk>/", views.inbox_packet, name="inbox_packet"),
    path("packets/rejected/<int:pk>/", views.rejected_packet, name="rejected_packet"),
    path("ingestion/", views.ingestion_health, name="ingestion"),
]
