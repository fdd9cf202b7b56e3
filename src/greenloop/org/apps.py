from __future__ import annotations

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "greenloop.org"
    label = "org"
    verbose_name = "组织体系"

    def ready(self) -> None:
        from greenloop.org import signals  # noqa: F401
