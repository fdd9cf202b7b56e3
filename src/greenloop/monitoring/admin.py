"""Django admin for system administrators: the device registry, and a
read-only view of what the gateway stored and refused.

Quarantined devices are accepted with the "accept" action after a site has
been set on them; it goes through :func:`services.accept_device`, so the
audit log records it. HJ 212-2025 devices get their MN (1002) and new SM4
keys (1014) from the "assign MN" and "issue new key" actions, which store a
command the gateway delivers (:mod:`greenloop.monitoring.commands`). The
SM4 key is never shown back (it is stored encrypted, decision 0017).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from greenloop.monitoring import commands, models, services


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "region", "grid")
    search_fields = ("code", "name")
    list_filter = ("kind",)
    raw_id_fields = ("region", "grid")


class DeviceForm(forms.ModelForm):  # type: ignore[type-arg]
    """The SM4 key is write-only: left empty, the current key stays."""

    class Meta:
        model = models.Device
        fields = [
            "mn",
            "password",
            "st",
            "protocol_version",
            "sm4_key",
            "expected_factors",
            "interval_seconds",
            "site",
            "status",
        ]
        widgets = {"sm4_key": forms.PasswordInput(render_value=False)}

    def clean_sm4_key(self) -> str:
        key: str = (self.cleaned_data.get("sm4_key") or "").upper()
        if not key and self.instance.pk is not None:
            return self.instance.sm4_key
        return key


class DeviceCommandInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.DeviceCommand
    fields = ("kind", "status", "qn", "new_mn", "created_at", "sent_at", "qn_rtn", "exe_rtn")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-pk",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = DeviceForm
    list_display = ("mn", "site", "protocol_version", "status", "last_seen_at", "last_peer")
    search_fields = ("mn", "site__name", "site__code")
    list_filter = ("status", "protocol_version")
    raw_id_fields = ("site",)
    readonly_fields = (
        "created_at",
        "accepted_at",
        "last_seen_at",
        "last_data_at",
        "last_peer",
        "sm4_key_created_at",
        "hardware",
    )
    inlines = [DeviceCommandInline]
    actions = ["accept", "assign_mn", "issue_key"]

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

    @admin.action(description=_("按硬件标识分配入网编码（HJ 212-2025, 1002）"))
    def assign_mn(self, request: HttpRequest, queryset: QuerySet[models.Device]) -> None:
        self._command(request, queryset, commands.request_mn_assignment)

    @admin.action(description=_("下发新SM4密钥（HJ 212-2025, 1014）"))
    def issue_key(self, request: HttpRequest, queryset: QuerySet[models.Device]) -> None:
        self._command(request, queryset, commands.request_key_rotation)

    def _command(self, request: HttpRequest, queryset: QuerySet[models.Device], issue: Any) -> None:
        issued = 0
        for device in queryset:
            try:
                issue(device=device, now=timezone.now(), actor=request.user)
            except commands.UnableToCommandDevice as exc:
                self.message_user(
                    request,
                    _("%(mn)s：未下发（%(reason)s）。") % {"mn": device.mn, "reason": exc},
                    messages.WARNING,
                )
                continue
            issued += 1
        self.message_user(
            request, _("已为 %(n)d 台设备生成命令，设备在线时由网关下发。") % {"n": issued}
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # A site may be set on a quarantined device here; accepting it is the
        # action above, so that it is recorded as such.
        if change and obj.status == models.DeviceStatus.ACTIVE and obj.accepted_at is None:
            obj.accepted_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(models.DeviceCommand)
class DeviceCommandAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("device", "kind", "status", "qn", "created_at", "sent_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("device__mn", "qn", "new_mn")
    exclude = ("new_sm4_key",)
    actions = ["cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("撤销所选未完成命令"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[models.DeviceCommand]) -> None:
        for command in queryset.filter(status__in=models.OPEN_COMMAND_STATUSES):
            commands.cancel_command(command=command, now=timezone.now(), actor=request.user)
        self.message_user(request, _("已撤销。"))


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
    list_display = ("device", "cn", "data_time", "received_at")
    list_filter = ("cn",)
    search_fields = ("device__mn",)


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
