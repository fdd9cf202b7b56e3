"""举报奖励: a reward for a founded report, proposed, reviewed, approved or
refused, then paid — each step with who, when and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.complaints.models.petition import Petition
from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class RewardStatus(models.TextChoices):
    PROPOSED = "PROPOSED", gettext_noop("已提出")
    REVIEWED = "REVIEWED", gettext_noop("已审核")
    APPROVED = "APPROVED", gettext_noop("已批准")
    REFUSED = "REFUSED", gettext_noop("不予奖励")
    PAID = "PAID", gettext_noop("已发放")


class RewardRecord(models.Model):
    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="reward")
    is_eligible = models.BooleanField(_("符合奖励条件"), default=True)
    amount = models.DecimalField(_("奖励金额（元）"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=translated_choices(RewardStatus),
        default=RewardStatus.PROPOSED,
        editable=False,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"))
    proposed_comment = models.TextField(_("提出意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_comment = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_comment = models.TextField(_("审批意见"), blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    paid_comment = models.TextField(_("发放说明"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("举报奖励")
        verbose_name_plural = pgettext_lazy("plural", "举报奖励")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="complaints_reward_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status=RewardStatus.PROPOSED) | Q(reviewed_at__isnull=False),
                name="complaints_reward_reviewed_before_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status=RewardStatus.PAID)
                | Q(paid_at__isnull=False, decided_at__isnull=False),
                name="complaints_reward_paid_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.amount}"
