"""The ledger columns a user mapped by hand, remembered for their next import."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LedgerMappingQuerySet(models.QuerySet["LedgerMapping"]):
    def owned_by(self, user: Any) -> LedgerMappingQuerySet:
        """A user's own mapping; nobody reads anyone else's."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class LedgerMapping(models.Model):
    """Headers a user told the import how to read (表头对应关系).

    ``headers`` maps a normalised sheet header to a ledger field code
    (``greenloop.cases.ledger.columns.FIELDS``), or to "" for a column the
    user chose not to import. Only choices that differ from the built-in
    synonyms are kept; they apply to every later workbook with that header.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_ledger_mapping"
    )
    headers = models.JSONField(_("表头对应关系"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    objects = LedgerMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账表头对应关系")
        verbose_name_plural = pgettext_lazy("plural", "台账表头对应关系")

    def __str__(self) -> str:
        return f"{self.user_id}: {len(self.headers)}"
