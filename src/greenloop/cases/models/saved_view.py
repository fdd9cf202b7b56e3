"""Saved views of the case list: a name and the list's query string, per user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SavedViewQuerySet(models.QuerySet["SavedView"]):
    def owned_by(self, user: Any) -> SavedViewQuerySet:
        """A user's own views; nobody sees anyone else's."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class SavedView(models.Model):
    """A filter of the case list someone uses often (我的筛选)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_saved_views"
    )
    name = models.CharField(_("名称"), max_length=40)
    # The list page's GET parameters, normalised by the filter form (no page).
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("保存时间"))

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = pgettext_lazy("plural", "常用筛选")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="cases_savedview_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"
