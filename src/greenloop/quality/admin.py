"""Django admin for system administrators: water-section profiles are
edited here; the computed air tables and hotspot alerts are read-only (the
jobs write them; a hotspot's case is handled on the case pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from greenloop.quality import models


@admin.register(models.WaterSection)
class WaterSectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("site", "river", "body", "target_class", "control")
    list_filter = ("body", "control", "target_class")
    search_fields = ("site__code", "site__name", "river")
    raw_id_fields = ("site",)


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.AirHour)
class AirHourAdmin(_ReadOnly):
    list_display = ("hour", "scope", "code", "name", "aqi", "primary", "standard")
    list_filter = ("scope", "standard")
    search_fields = ("code", "name")
    date_hierarchy = "hour"


@admin.register(models.AirDay)
class AirDayAdmin(_ReadOnly):
    list_display = ("date", "scope", "code", "name", "aqi", "primary", "valid", "standard")
    list_filter = ("scope", "standard", "valid")
    search_fields = ("code", "name")
    date_hierarchy = "date"


@admin.register(models.AirEvaluation)
class AirEvaluationAdmin(_ReadOnly):
    list_display = ("period_start", "period_end", "period_kind", "scope", "code", "name")
    list_filter = ("period_kind", "scope")
    search_fields = ("code", "name")


@admin.register(models.HotspotAlert)
class HotspotAlertAdmin(_ReadOnly):
    list_display = ("site", "pollutant", "first_hour", "last_hour", "hours", "closed_at", "case")
    list_filter = ("pollutant",)
    search_fields = ("site__code", "site__name")
