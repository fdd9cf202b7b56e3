"""Django admin for system administrators (the middleware keeps everyone
else out): robot webhook targets, and their delivery log read-only.

The system administrator holds no ``cases.view`` (三员分立): the delivery
log shows the case's ID only, never its number, title or the message.
Changes to targets reach the audit log through the admin's LogEntry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from greenloop.cases.models import WebhookDelivery, WebhookEvent, WebhookTarget
from greenloop.org.roles import translated_choices


class WebhookTargetForm(forms.ModelForm):  # type: ignore[type-arg]
    events = forms.MultipleChoiceField(
        label=_("通知事件"),
        choices=translated_choices(WebhookEvent),
        widget=forms.CheckboxSelectMultiple,
    )
    # Never sent back to the browser; blank keeps the stored one.
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("钉钉机器人安全设置“加签”的密钥（SEC开头）。修改时留空则保持不变。"),
    )
    clear_secret = forms.BooleanField(label=_("清除加签密钥"), required=False)

    class Meta:
        model = WebhookTarget
        fields = [
            "name",
            "kind",
            "url",
            "secret",
            "keyword",
            "events",
            "region",
            "unit",
            "is_active",
        ]

    def clean_secret(self) -> str:
        given = str(self.cleaned_data.get("secret") or "").strip()
        if self.data.get("clear_secret"):
            return ""
        return given or (self.instance.secret if self.instance.pk else "")


@admin.register(WebhookTarget)
class WebhookTargetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = WebhookTargetForm
    list_display = ("name", "kind", "host", "event_list", "region", "unit", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("region", "unit")

    @admin.display(description=_("地址"))
    def host(self, obj: WebhookTarget) -> str:
        # The full address carries the robot's token: the list shows the host.
        return urlsplit(obj.url).netloc

    @admin.display(description=_("通知事件"))
    def event_list(self, obj: WebhookTarget) -> str:
        labels = dict(translated_choices(WebhookEvent))
        return "、".join(str(labels.get(e, e)) for e in obj.events or [])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "target",
        "event",
        "case_ref",
        "status",
        "attempts",
        "response_code",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event", "target")
    list_select_related = ("target",)
    date_hierarchy = "created_at"
    fields = (
        "target",
        "event",
        "case_ref",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "response_code",
        "response_body",
        "error",
    )
    readonly_fields = fields
    ordering = ("-id",)

    @admin.display(description=_("问题ID"))
    def case_ref(self, obj: WebhookDelivery) -> str:
        return gettext("问题 #%(id)s") % {"id": obj.case_id}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
