"""The run log of scheduled jobs, read-only, for system administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from greenloop.jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "job",
        "scheduled_at",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "summary",
    )
    list_filter = ("status", "trigger", "job")
    search_fields = ("job", "summary", "error")
    date_hierarchy = "scheduled_at"
    ordering = ("-scheduled_at", "-pk")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
