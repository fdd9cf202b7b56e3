from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "greenloop.monitoring"
    label = "monitoring"
    verbose_name = "在线监测"
