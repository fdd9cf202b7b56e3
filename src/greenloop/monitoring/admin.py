"""Django admin for system administrators: the device registry, and a
read-only view of what the gateway stored and refused.

Quarantined devices are accepted with the "accept" action after a site has
been set on them; it goes through :func:`services.accept_device`, so the
audit log records it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from greenloop.monitoring import models, services


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "region", "grid")
    search_fields = ("code", "name")
    list_filter = ("kind",)
    raw_id_fields = ("region", "grid")


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("mn", "site", "protocol_version", "status", "last_seen_at", "last_peer")
    search_fields = ("mn", "site__name", "site__code")
    list_filter = ("status", "protocol_version")
    raw_id_fields = ("site",)
    readonly_fields = ("created_at", "accepted_at", "last_seen_at", "last_data_at", "last_peer")
    actions = ["accept"]

    @admin.action(description=_("接入所选待接入设备（需先设置点位）"))
    def accept(self, request: HttpRequest, queryset: QuerySet[models.Device]) -> None:
        accepted = 0
        for device in queryset.filter(status=models.DeviceStatus.QUARANTINED):
            if device.site is None:
                self.message_user(
                    request, _("%(mn)s 未设置点位，未接入。") % {"mn": device.mn}, messages.WARNING
                )
                continue
            services.accept_device(
                device=device, site=device.site, now=timezone.now(), actor=request.user
            )
            accepted += 1
        self.message_user(request, _("已接入 %(n)d 台设备。") % {"n": accepted})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # A site may be set on a quarantined device here; accepting it is the
        # action above, so that it is recorded as such.
        if change and obj.status == models.DeviceStatus.ACTIVE and obj.accepted_at is None:
            obj.accepted_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(models.FactorCode)
class FactorCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "name_en", "unit", "code_2005")
    search_fields = ("code", "name", "name_en", "code_2005")


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.InboxPacket)
class InboxPacketAdmin(_ReadOnly):
    list_display = ("mn", "cn", "data_time", "pno", "received_at")
    search_fields = ("mn", "qn")
    list_filter = ("cn",)
    date_hierarchy = "received_at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the lake mover removes rows, nobody else


@admin.register(models.LatestValue)
class LatestValueAdmin(_ReadOnly):
    list_display = ("device", "cn", "factor_code", "value_text", "flag", "data_time")
    search_fields = ("device__mn", "factor_code")


@admin.register(models.RejectedPacket)
class RejectedPacketAdmin(_ReadOnly):
    list_display = ("kind", "mn", "peer", "message", "received_at")
    list_filter = ("kind",)
    search_fields = ("mn", "peer")


@admin.register(models.RejectCount)
class RejectCountAdmin(_ReadOnly):
    list_display = ("hour", "kind", "count")
    list_filter = ("kind",)


@admin.register(models.MonitoringAlert)
class MonitoringAlertAdmin(_ReadOnly):
    list_display = ("device", "kind", "started_at", "ended_at")
    list_filter = ("kind",)
    raw_id_fields = ("device", "site")
