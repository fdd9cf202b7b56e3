"""信息公开: the public text of a case, approved by the office.

The text must carry no personal data (names, phones, ID numbers of
reporters); the publishing service and public page are later work.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class DisclosureStatus(models.TextChoices):
    DRAFT = "DRAFT", gettext_noop("草稿")
    PUBLISHED = "PUBLISHED", gettext_noop("已公开")
    WITHDRAWN = "WITHDRAWN", gettext_noop("已撤回")


class CaseDisclosure(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="disclosure")
    text = models.TextField(_("公开内容"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=translated_choices(DisclosureStatus),
        default=DisclosureStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信息公开")
        verbose_name_plural = pgettext_lazy("plural", "信息公开")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="PUBLISHED") | Q(published_at__isnull=False),
                name="cases_disclosure_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"
