"""The append-only timeline of a case and the files attached to it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.cases.models.case import Case
from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices

_APPEND_ONLY = "the case timeline is append-only"


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError(_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(_APPEND_ONLY)


class CaseEvent(models.Model):
    """One entry of a case's timeline: who (and in which roles and unit),
    when, what (a dotted action code), a comment and a small data dict —
    old and new values for field changes."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # As they were at the time; kept as text so the record outlives changes
    # to the person, their unit or their roles.
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_unit = models.CharField(_("操作人单位"), max_length=100, blank=True)
    actor_roles = models.JSONField(_("操作时角色"), default=list, blank=True)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True)
    comment = models.TextField(_("意见/说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "办理记录")
        indexes = [
            # The timeline of one case, in order.
            models.Index(fields=["case", "at", "id"], name="cases_event_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(_APPEND_ONLY)

    @property
    def action_label(self) -> str:
        from greenloop.cases.workflow import event_label

        return event_label(self.action, self.from_state)


class CaseStageSpan(models.Model):
    """One finished stay of a case in a state, written by the transition
    that ended it, in the same transaction as its timeline entry.

    A stay runs from the state-changing entry that moved the case into
    ``state`` to the one that moved it out (``event``); ``seconds`` is the
    time between their ``at``. The days-per-stage statistics average it in
    one aggregate instead of pairing every timeline entry at each request
    (docs/cases-statistics.md, ``stage_days``). Derived from the append-only
    timeline and append-only like it; migration ``cases.0007`` built the
    stays of the cases recorded before it.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    # The entry that ended the stay: one stay at most per entry.
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="stage_span")
    state = models.CharField(_("状态"), max_length=24)
    started_at = models.DateTimeField(_("进入时间"))
    ended_at = models.DateTimeField(_("离开时间"))
    # ended_at - started_at, stored so that every database sums it as is.
    seconds = models.FloatField(_("用时（秒）"))
    # Only on the stay a closure (销号) ended, and only when the case has a
    # ``registered`` entry: seconds from the earliest of those to the
    # closure (``days_to_close``). Imported historical cases have none.
    seconds_since_registration = models.FloatField(_("登记至销号用时（秒）"), null=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("环节用时")
        verbose_name_plural = pgettext_lazy("plural", "环节用时")

    def __str__(self) -> str:
        return f"{self.case_id} {self.state} {self.seconds:.0f}s"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(_APPEND_ONLY)


class CaseStageTotals(models.Model):
    """One case's share of the days-per-stage figures
    (docs/cases-statistics.md, ``stage_days``, ``days_to_close``): the sums
    of its ``CaseStageSpan`` rows — finished stays and their length per
    stage, closures and the time from registration to each — added to by
    the transition that writes each stay, in the same transaction. The
    statistics add these up in the pass they make over the cases anyway
    instead of joining every stay; migration ``cases.0008`` built them for
    the stays recorded before it. Microseconds, so that sums are exact and
    in any order the same.

    A table of its own, one row per case that has finished a stay, rather
    than columns of ``Case``: every other scan of the cases (lists, counts)
    stays as narrow as it was.
    """

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, primary_key=True, related_name="stage_totals"
    )
    stays_registered = models.PositiveIntegerField(default=0)
    stays_assigned = models.PositiveIntegerField(default=0)
    stays_rectifying = models.PositiveIntegerField(default=0)
    stays_acceptance_requested = models.PositiveIntegerField(default=0)
    stays_accepted = models.PositiveIntegerField(default=0)
    stays_rechecked = models.PositiveIntegerField(default=0)
    stays_unfounded = models.PositiveIntegerField(default=0)
    stay_micros_registered = models.BigIntegerField(default=0)
    stay_micros_assigned = models.BigIntegerField(default=0)
    stay_micros_rectifying = models.BigIntegerField(default=0)
    stay_micros_acceptance_requested = models.BigIntegerField(default=0)
    stay_micros_accepted = models.BigIntegerField(default=0)
    stay_micros_rechecked = models.BigIntegerField(default=0)
    stay_micros_unfounded = models.BigIntegerField(default=0)
    closures = models.PositiveIntegerField(default=0)
    close_micros = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.closures} closures"


class AttachmentKind(models.TextChoices):
    IMAGE = "IMAGE", gettext_noop("图片")
    PDF = "PDF", gettext_noop("PDF文档")
    WORD = "WORD", gettext_noop("Word文档")
    EXCEL = "EXCEL", gettext_noop("Excel表格")


class AttachmentPurpose(models.TextChoices):
    EVIDENCE = "EVIDENCE", gettext_noop("整改佐证材料")
    OTHER = "OTHER", gettext_noop("其他材料")


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    # The name on disk comes from the detected type, never from the upload.
    return f"cases/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class CaseAttachment(models.Model):
    """A file on a case. Its type was detected from its content
    (:mod:`greenloop.cases.filetypes`); the uploaded name is kept for display
    only. Attachments, like the timeline, are never changed or removed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, related_name="attachments", null=True, blank=True
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    original_name = models.CharField(_("文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=8, choices=translated_choices(AttachmentKind))
    media_type = models.CharField(_("媒体类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    purpose = models.CharField(
        _("用途"),
        max_length=10,
        choices=translated_choices(AttachmentPurpose),
        default=AttachmentPurpose.OTHER,
    )
    # The case's rectification cycle when attached: evidence for an
    # acceptance request must come from the current cycle.
    cycle = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = pgettext_lazy("plural", "附件")
        indexes = [
            # The evidence check of request_acceptance.
            models.Index(fields=["case", "purpose", "cycle"], name="cases_attachment_evidence_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(_APPEND_ONLY)
