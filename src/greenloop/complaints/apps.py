"""Petitions and public reports (信访件、群众举报): intake, duplicates,
routing, confidentiality, reply and disclosure, on top of the case engine."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "greenloop.complaints"
    label = "complaints"
    verbose_name = _("信访举报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from greenloop.audit.log import ACTION_LABELS
        from greenloop.complaints import access_rules, signals

        access_rules.register()
        signals.connect()
        # The audit page names this app's events (audit/log.py is shared).
        ACTION_LABELS.update(
            {
                "greenloop.complaints.identity_viewed": _("查看举报人信息"),
                "greenloop.complaints.reward_decided": _("审批举报奖励"),
            }
        )
