from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "greenloop.monitoring"
    label = "monitoring"
    verbose_name = _("在线监测")

    def ready(self) -> None:
        from greenloop.monitoring import access  # noqa: F401  (registers the rules)

        post_migrate.connect(_load_factor_codes, sender=self)


def _load_factor_codes(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the factor-code table equal to the kernel's list after migrate.

    Also runs after the test runner flushes a transactional test's tables.
    """
    from greenloop.monitoring.services import sync_factor_codes

    state = kwargs.get("apps")
    try:
        model = state.get_model("monitoring", "FactorCode") if state is not None else None
    except LookupError:
        return  # migrated back to before the table existed
    sync_factor_codes(model=model, using=using)
