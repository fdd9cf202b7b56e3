"""Django admin for system administrators (the middleware keeps everyone
else out). Role grants are not editable here: permission changes go through
the security administrator's page so 三员分立 and the audit log hold."""

from __future__ import annotations

from django.contrib import admin

from greenloop.org import models


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "level", "parent")
    search_fields = ("code", "name")
    list_filter = ("level", "kind")
    raw_id_fields = ("parent",)


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "region", "governs_territory")
    search_fields = ("code", "name")
    list_filter = ("kind", "governs_territory")
    raw_id_fields = ("region", "parent")


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "unit", "posts", "is_active")
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit", "user")


@admin.register(models.Grid)
class GridAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "kind", "region")
    search_fields = ("code", "name")
    list_filter = ("level", "kind")
    raw_id_fields = ("region", "parent", "officers")


@admin.register(models.ChiefObject)
class ChiefObjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "system", "region")
    list_filter = ("system",)
    raw_id_fields = ("region",)


@admin.register(models.Chief)
class ChiefAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("obj", "level", "person")
    raw_id_fields = ("obj", "person")


@admin.register(models.DutyTemplate)
class DutyTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("level", "unit_kind", "category", "order", "text")
    list_filter = ("level", "unit_kind", "category")
