"""Time limits per channel (办理时限), editable in the admin.

Defaults and their sources: docs/decisions/0011-petition-time-limits.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from greenloop.complaints.models.petition import Channel
from greenloop.org.roles import translated_choices

DEFAULT_TIME_LIMIT_DAYS: dict[str, int] = {
    Channel.INSPECTION: 15,
    Channel.WEB: 30,
    Channel.HOTLINE: 30,
    Channel.LETTER: 60,
    Channel.VISIT: 60,
    Channel.OTHER: 60,
}


class ChannelPolicy(models.Model):
    channel = models.CharField(
        _("来源渠道"), max_length=12, unique=True, choices=translated_choices(Channel)
    )
    time_limit_days = models.PositiveSmallIntegerField(
        _("办理时限（自然日）"), help_text=_("自受理之日起计算")
    )
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("渠道办理时限")
        verbose_name_plural = pgettext_lazy("plural", "渠道办理时限")
        constraints = [
            models.CheckConstraint(
                condition=Q(time_limit_days__gte=1), name="complaints_policy_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}：{self.time_limit_days}"

    @classmethod
    def days_for(cls, channel: str) -> int:
        row = cls.objects.filter(channel=channel).values_list("time_limit_days", flat=True).first()
        return int(row) if row else DEFAULT_TIME_LIMIT_DAYS.get(channel, 60)
