from __future__ import annotations

from django.urls import path

from greenloop.org.views import importing

urlpatterns = [
    path("import/", importing.import_page, name="import"),
    path("import/template.xlsx", importing.import_template, name="import_template"),
]
