"""Inspection rounds (督察轮次) and their batches of transferred petitions.

A round's feedback report becomes cases with a feedback source and an
aspect (``Case.feedback_aspect``); its transferred petitions become cases
with ``source=INSPECTION_PETITION`` and a batch. Progress per round and
batch is a grouping of those cases (pages: later).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class RoundKind(models.TextChoices):
    CENTRAL = "CENTRAL", gettext_noop("中央生态环境保护督察")
    PROVINCIAL = "PROVINCIAL", gettext_noop("省级生态环境保护督察")


class InspectionRound(models.Model):
    kind = models.CharField(_("督察类型"), max_length=10, choices=translated_choices(RoundKind))
    name = models.CharField(_("名称"), max_length=100)
    team_name = models.CharField(_("督察组"), max_length=100, blank=True)
    stationed_start_date = models.DateField(_("进驻日期"), null=True, blank=True)
    stationed_end_date = models.DateField(_("撤离日期"), null=True, blank=True)
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("督察轮次")
        verbose_name_plural = pgettext_lazy("plural", "督察轮次")
        constraints = [
            models.CheckConstraint(
                condition=Q(stationed_start_date__isnull=True)
                | Q(stationed_end_date__isnull=True)
                | Q(stationed_end_date__gte=F("stationed_start_date")),
                name="cases_round_stationed_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionBatch(models.Model):
    """One batch (批次) of petitions the inspection team transferred."""

    inspection_round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    number = models.PositiveSmallIntegerField(_("批次号"))
    received_date = models.DateField(_("交办日期"))
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("交办批次")
        verbose_name_plural = pgettext_lazy("plural", "交办批次")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection_round", "number"], name="cases_batch_unique_per_round"
            ),
        ]

    def __str__(self) -> str:
        batch = _("第%(number)s批") % {"number": self.number}
        return f"{self.inspection_round.name} {batch}"
