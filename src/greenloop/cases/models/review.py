"""回头看: closed cases selected into a review campaign and re-examined.

A relapse re-opens the case through ``services.reopen_case``; the campaign
pages and their statistics are later work.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class ReviewCampaign(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    # The list filter that selected the cases, kept to show how.
    selection = models.JSONField(_("选取条件"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = pgettext_lazy("plural", "回头看")

    def __str__(self) -> str:
        return self.name


class ReviewGroup(models.Model):
    """A resident group (驻点组) of the campaign."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("组名"), max_length=60)
    members = models.ManyToManyField(
        "org.Person", verbose_name=_("成员"), blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看工作组")
        verbose_name_plural = pgettext_lazy("plural", "回头看工作组")

    def __str__(self) -> str:
        return self.name


class ReviewOutcome(models.TextChoices):
    PENDING = "PENDING", gettext_noop("待复查")
    CONSOLIDATED = "CONSOLIDATED", gettext_noop("整改成效巩固")
    RELAPSED = "RELAPSED", gettext_noop("问题反弹")


class ReviewItem(models.Model):
    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_items")
    group = models.ForeignKey(
        ReviewGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    outcome = models.CharField(
        _("复查结果"),
        max_length=12,
        choices=translated_choices(ReviewOutcome),
        default=ReviewOutcome.PENDING,
    )
    note = models.TextField(_("复查情况"), blank=True)
    reviewed_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看问题")
        verbose_name_plural = pgettext_lazy("plural", "回头看问题")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "case"], name="cases_reviewitem_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.case_id}"
