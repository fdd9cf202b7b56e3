"""The petition (信访件) and what hangs on it: the complainant, photos,
problems and the public timeline.

A petition is what a resident, a caller, a letter, a visit or an inspection
team brought in; its *problems* become cases of the case engine when the
dispatcher routes it. Who reported is kept apart (:class:`Complainant`) so
that no query of a petition, a case or a statistic can carry it along by
accident; it is read through ``complaints.services.reveal_complainant``,
which writes an audit event.

Member order follows STYLE.md §5. ``state`` changes only through
:mod:`greenloop.complaints.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.cases.models import CaseCategory
from greenloop.org.models import ScopedQuerySet
from greenloop.org.roles import translated_choices


class Channel(models.TextChoices):
    WEB = "WEB", gettext_noop("网上举报")
    HOTLINE = "HOTLINE", gettext_noop("12369热线")
    LETTER = "LETTER", gettext_noop("来信")
    VISIT = "VISIT", gettext_noop("来访")
    INSPECTION = "INSPECTION", gettext_noop("督察转办")
    OTHER = "OTHER", gettext_noop("其他")


# The readable number is "<prefix>-<year>-<sequence>", e.g. 网信-2026-0001.
# Prefixes are part of numbers already issued: never change one.
NUMBER_PREFIXES: dict[str, str] = {
    Channel.WEB: "网信",
    Channel.HOTLINE: "热线",
    Channel.LETTER: "来信",
    Channel.VISIT: "来访",
    Channel.INSPECTION: "督转",
    Channel.OTHER: "其他信",
}


class PetitionState(models.TextChoices):
    RECEIVED = "RECEIVED", gettext_noop("已受理")
    ROUTED = "ROUTED", gettext_noop("已交办")
    HANDLING = "HANDLING", gettext_noop("办理中")
    REPLIED = "REPLIED", gettext_noop("已答复")
    CLOSED = "CLOSED", gettext_noop("已办结")
    MERGED = "MERGED", gettext_noop("重复件")


# Petitions still owed work; deadlines apply to these.
OPEN_PETITION_STATES = frozenset(
    {PetitionState.RECEIVED, PetitionState.ROUTED, PetitionState.HANDLING}
)


class Finding(models.TextChoices):
    TRUE = "TRUE", gettext_noop("属实")
    PARTLY = "PARTLY", gettext_noop("部分属实")
    FALSE = "FALSE", gettext_noop("不属实")


class Satisfaction(models.TextChoices):
    SATISFIED = "SATISFIED", gettext_noop("满意")
    FAIRLY = "FAIRLY", gettext_noop("基本满意")
    UNSATISFIED = "UNSATISFIED", gettext_noop("不满意")


class PetitionQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        if "state" in kwargs:
            raise TypeError("a petition's state changes only through greenloop.complaints.services")
        return super().update(**kwargs)

    def _apply_transition(self, **kwargs: Any) -> int:
        """The conditional UPDATE of a transition. Only services call this."""
        return super().update(**kwargs)

    def open(self) -> PetitionQuerySet:
        return self.filter(state__in=OPEN_PETITION_STATES)

    def overdue(self, today: Any) -> PetitionQuerySet:
        return self.open().filter(due_date__lt=today)

    def search(self, text: str) -> PetitionQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(number__icontains=text)
            | Q(external_number__icontains=text)
            | Q(description__icontains=text)
            | Q(enterprise_name__icontains=text)
            | Q(address__icontains=text)
        )


class Petition(models.Model):
    # --- identity and origin
    number = models.CharField(_("信访件编号"), max_length=32, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=translated_choices(Channel))
    external_number = models.CharField(
        _("来件编号"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("督察组受理编号、12369工单号等"),
    )
    received_at = models.DateTimeField(_("受理时间"))
    batch = models.ForeignKey(
        "cases.InspectionBatch",
        verbose_name=_("交办批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    # --- what and where
    category = models.CharField(
        _("污染类型"), max_length=12, choices=translated_choices(CaseCategory)
    )
    description = models.TextField(_("反映内容"))
    enterprise_name = models.CharField(_("反映对象"), max_length=200, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    # Where the position came from: the map pin, or a photo's GPS tag (the
    # only place a photo's metadata may end up; the stored photo has none).
    location_from_photo = models.BooleanField(_("位置取自照片"), default=False)
    is_anonymous = models.BooleanField(_("匿名"), default=True)
    reward_requested = models.BooleanField(_("申请举报奖励"), default=False)
    # --- routing: what the system suggested, what the dispatcher confirmed
    suggested_region = models.ForeignKey(
        "org.Region",
        verbose_name=_("建议属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    due_date = models.DateField(_("办理时限"))
    # --- the state (written by greenloop.complaints.services only)
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=translated_choices(PetitionState),
        default=PetitionState.RECEIVED,
        editable=False,
    )
    state_changed_at = models.DateTimeField(_("进入当前状态时间"), editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="repeats",
    )
    # --- verification (核查)
    finding = models.CharField(
        _("核查结论"), max_length=8, blank=True, choices=translated_choices(Finding)
    )
    finding_text = models.TextField(_("核查情况"), blank=True)
    finding_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    finding_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # --- the reply (答复)
    reply_text = models.TextField(_("答复意见"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replied_by_name = models.CharField(_("答复人"), max_length=150, blank=True)
    # --- the complainant's evaluation
    satisfaction = models.CharField(
        _("满意度"), max_length=12, blank=True, choices=translated_choices(Satisfaction)
    )
    satisfaction_comment = models.TextField(_("评价意见"), blank=True)
    satisfaction_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # --- disclosure (信息公开): shown on /public/petitions/ once approved
    public_text = models.TextField(_("公开文本"), blank=True)
    public_text_approved_at = models.DateTimeField(_("公开审核时间"), null=True, blank=True)
    public_text_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # --- tracking (查询码): only a keyed digest, see services/_tracking.py
    tracking_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # --- stamps
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), editable=False)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = pgettext_lazy("plural", "信访件")
        indexes = [
            # The queue's default order, newest first.
            models.Index(fields=["received_at", "id"], name="complaints_petition_recv_idx"),
            models.Index(fields=["state", "due_date"], name="complaints_petition_state_idx"),
            # Duplicate detection reads the last year's petitions.
            models.Index(fields=["created_at"], name="complaints_pet_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PetitionState.values), name="complaints_petition_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=PetitionState.MERGED, duplicate_of__isnull=False)
                | (~Q(state=PetitionState.MERGED) & Q(duplicate_of__isnull=True)),
                name="complaints_petition_merged_iff_duplicate",
            ),
            models.CheckConstraint(
                condition=Q(state=PetitionState.CLOSED, closed_at__isnull=False)
                | (~Q(state=PetitionState.CLOSED) & Q(closed_at__isnull=True)),
                name="complaints_petition_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[PetitionState.REPLIED, PetitionState.CLOSED])
                | Q(replied_at__isnull=False),
                name="complaints_petition_replied_has_reply",
            ),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180))
                & (Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90))
                & (
                    Q(longitude__isnull=True, latitude__isnull=True)
                    | Q(longitude__isnull=False, latitude__isnull=False)
                ),
                name="complaints_petition_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_state", None)
        if loaded is not None and loaded != self.state:
            raise TypeError("a petition's state changes only through greenloop.complaints.services")
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("complaints:detail", args=[self.pk])

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Petition:
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PETITION_STATES

    @property
    def has_location(self) -> bool:
        return self.longitude is not None


class Complainant(models.Model):
    """Who reported, and how to reach them: guarded (complaints.view_identity,
    every reading audited). Never copied into a case."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="complainant")
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    contact_address = models.CharField(_("联系地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("举报人")
        verbose_name_plural = pgettext_lazy("plural", "举报人")

    def __str__(self) -> str:
        # Deliberately not the name: __str__ ends up in logs and admin lists.
        return f"{self.petition_id}"

    @property
    def masked_name(self) -> str:
        if not self.name:
            return ""
        return self.name[0] + "*" * max(1, len(self.name) - 1)

    @property
    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        if len(self.phone) < 7:
            return "*" * len(self.phone)
        return self.phone[:3] + "****" + self.phone[-4:]

    @property
    def masked_id_number(self) -> str:
        if not self.id_number:
            return ""
        return self.id_number[:3] + "*" * (len(self.id_number) - 7) + self.id_number[-4:]


def _photo_path(instance: PetitionPhoto, filename: str) -> str:
    return f"complaints/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class PetitionPhoto(models.Model):
    """A photo of a petition, re-encoded without metadata (EXIF, XMP, ICC
    comments): the stored bytes are not what was uploaded."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(_("文件"), upload_to=_photo_path, max_length=200)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    media_type = models.CharField(_("媒体类型"), max_length=40)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = pgettext_lazy("plural", "照片")

    def __str__(self) -> str:
        return f"{self.petition_id}/{self.token}.{self.extension}"


class Problem(models.Model):
    """One problem a petition reports; becomes one case when routed."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="problems")
    seq = models.PositiveSmallIntegerField(_("序号"), default=1)
    category = models.CharField(
        _("污染类型"), max_length=12, choices=translated_choices(CaseCategory)
    )
    description = models.TextField(_("问题描述"))
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("问题（闭环）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petition_problem",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反映问题")
        verbose_name_plural = pgettext_lazy("plural", "反映问题")
        constraints = [
            models.UniqueConstraint(fields=["petition", "seq"], name="complaints_problem_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}-{self.seq}"


class PetitionEvent(models.Model):
    """One entry of a petition's history. ``public`` entries are the
    milestones the tracking page shows (受理、交办、办理、答复、办结); they
    carry no names."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=80)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    public = models.BooleanField(_("对举报人可见"), default=False)
    comment = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "信访件办理记录")
        indexes = [models.Index(fields=["petition", "at", "id"], name="complaints_event_idx")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("the petition history is append-only")
        super().save(*args, **kwargs)

    @property
    def action_label(self) -> str:
        from greenloop.complaints.services._events import event_label

        return event_label(self.action)


class PetitionNumberSequence(models.Model):
    """The last number issued per channel and Beijing year."""

    channel = models.CharField(max_length=12, choices=translated_choices(Channel))
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "year"], name="complaints_numberseq_unique")
        ]

    def __str__(self) -> str:
        return f"{NUMBER_PREFIXES[self.channel]}-{self.year}: {self.last}"
