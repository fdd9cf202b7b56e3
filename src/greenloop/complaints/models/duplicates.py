"""Possible repeats (重复件) found on intake, and the dispatcher's decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.complaints.models.petition import Petition
from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class DuplicateDecision(models.TextChoices):
    PENDING = "PENDING", gettext_noop("待确认")
    MERGED = "MERGED", gettext_noop("已合并")
    REJECTED = "REJECTED", gettext_noop("不是重复件")


class DuplicateCandidate(models.Model):
    """``earlier`` may be the same problem as ``petition`` (scored by
    :func:`greenloop.complaints.similarity.candidates`)."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="duplicate_candidates"
    )
    earlier = models.ForeignKey(
        Petition,
        verbose_name=_("疑似重复的早前信访件"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("相似度"))
    is_likely = models.BooleanField(_("很可能重复"), default=False)
    reasons = models.JSONField(_("依据"), default=list, blank=True)
    text_similarity = models.FloatField(_("文本相似度"), default=0.0)
    distance_m = models.FloatField(_("距离（米）"), null=True, blank=True)
    same_enterprise = models.BooleanField(_("同一反映对象"), default=False)
    decision = models.CharField(
        _("处理"),
        max_length=10,
        choices=translated_choices(DuplicateDecision),
        default=DuplicateDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("疑似重复件")
        verbose_name_plural = pgettext_lazy("plural", "疑似重复件")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "earlier"], name="complaints_duplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=~Q(petition=F("earlier")), name="complaints_duplicate_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(decision=DuplicateDecision.PENDING) | Q(decided_at__isnull=False),
                name="complaints_duplicate_decided_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}≈{self.earlier_id} {self.score:.2f}"
