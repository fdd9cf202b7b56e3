"""The closed loop: one case engine for every problem."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "greenloop.cases"
    label = "cases"
    verbose_name = _("问题闭环")

    def ready(self) -> None:
        # Visibility rules and actions join greenloop.org.access, the one
        # place that decides who sees and does what.
        from django.db.models.signals import pre_save

        from greenloop.cases import access_rules, tally
        from greenloop.org.models import Region

        access_rules.register()
        # A region that moves takes its cases to another group of the tally.
        pre_save.connect(tally.region_path_changing, sender=Region, dispatch_uid="cases.tally")
