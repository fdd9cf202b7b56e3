"""问责: who was held accountable, how and why, for which cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class AccountabilityForm(models.TextChoices):
    ADMONITION_TALK = "ADMONITION_TALK", gettext_noop("诫勉谈话")
    CIRCULATED_CRITICISM = "CIRCULATED_CRITICISM", gettext_noop("通报批评")
    PARTY_DISCIPLINE = "PARTY_DISCIPLINE", gettext_noop("党纪处分")
    GOVERNMENT_SANCTION = "GOVERNMENT_SANCTION", gettext_noop("政务处分")
    ORGANISATIONAL = "ORGANISATIONAL", gettext_noop("组织处理")
    JUDICIAL_TRANSFER = "JUDICIAL_TRANSFER", gettext_noop("移送司法机关")


class AccountabilityRecord(models.Model):
    person_name = models.CharField(_("被问责人"), max_length=40)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # As named in the decision, which may predate the unit register.
    unit_name = models.CharField(_("单位名称"), max_length=100)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    form = models.CharField(
        _("问责方式"), max_length=24, choices=translated_choices(AccountabilityForm)
    )
    reason = models.TextField(_("问责事由"))
    decided_date = models.DateField(_("问责日期"))
    inspection_round = models.ForeignKey(
        "cases.InspectionRound",
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("相关问题"), blank=True, related_name="accountability_records"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = pgettext_lazy("plural", "问责记录")

    def __str__(self) -> str:
        return f"{self.person_name}（{self.unit_name}）{AccountabilityForm(self.form).label}"
