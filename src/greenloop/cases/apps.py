from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "greenloop.cases"
    label = "cases"
    verbose_name = "问题闭环"
