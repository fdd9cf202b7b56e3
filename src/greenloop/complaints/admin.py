"""Admin: only the channels' time limits. Petitions and above all their
complainants are not in the admin — the system administrator holds no
``complaints.view`` (三员分立)."""

from __future__ import annotations

from django.contrib import admin

from greenloop.complaints.models import ChannelPolicy


@admin.register(ChannelPolicy)
class ChannelPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("channel", "time_limit_days", "basis")
    ordering = ("channel",)
