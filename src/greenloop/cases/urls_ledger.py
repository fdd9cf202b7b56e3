from __future__ import annotations

from django.urls import path

from greenloop.cases.views import ledger

urlpatterns = [
    path("import/", ledger.import_page, name="ledger_import"),
    path("import/template.xlsx", ledger.import_template, name="ledger_template"),
    path("ledger.xlsx", ledger.export, name="ledger_export"),
]
