from __future__ import annotations

from django.urls import URLPattern, path

from greenloop.complaints.views import exports, staff, stats

app_name = "complaints"

urlpatterns: list[URLPattern] = [
    path("", staff.queue, name="queue"),
    path("new/", staff.new, name="new"),
    path("<int:pk>/", staff.detail, name="detail"),
    path("<int:pk>/identity/", staff.reveal, name="reveal"),
    path("<int:pk>/photos/<int:photo_pk>/", staff.photo, name="photo"),
    path("<int:pk>/route/", staff.route, name="route"),
    path("<int:pk>/problems/", staff.add_problem, name="add_problem"),
    path("<int:pk>/finding/", staff.finding, name="finding"),
    path("<int:pk>/reply/", staff.reply, name="reply"),
    path("<int:pk>/close/", staff.close, name="close"),
    path("<int:pk>/public-text/", staff.public_text, name="public_text"),
    path("<int:pk>/duplicates/<int:cid>/merge/", staff.merge, name="merge"),
    path("<int:pk>/duplicates/<int:cid>/reject/", staff.reject, name="reject"),
    path("<int:pk>/reward/<str:step>/", staff.reward, name="reward"),
    # Statistics and the ledger export (views/stats.py, views/exports.py).
    path("stats/", stats.stats, name="stats"),
    path("stats/density/", stats.density, name="stats_density"),
    path("export/", exports.ledger, name="export"),
    path("export/unmasked/", exports.ledger_unmasked, name="export_unmasked"),
]
