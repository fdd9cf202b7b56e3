from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "greenloop.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from greenloop.audit import signals  # noqa: F401
