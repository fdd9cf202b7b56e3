"""The case: one problem to be closed, whatever its source.

Member order follows STYLE.md §5. The ``state`` field is written only by the
transition services in :mod:`greenloop.cases.services`: ``save()`` refuses to
change it and ``QuerySet.update()`` refuses to touch it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.org.models import Region, ScopedQuerySet
from greenloop.org.roles import translated_choices


class CaseSource(models.TextChoices):
    CENTRAL_FEEDBACK = "CENTRAL_FEEDBACK", gettext_noop("中央生态环境保护督察反馈问题")
    PROVINCIAL_FEEDBACK = "PROVINCIAL_FEEDBACK", gettext_noop("省级生态环境保护督察反馈问题")
    INSPECTION_PETITION = "INSPECTION_PETITION", gettext_noop("督察交办信访件")
    PUBLIC_REPORT = "PUBLIC_REPORT", gettext_noop("群众举报")
    HOTLINE_12369 = "HOTLINE_12369", gettext_noop("12369环保热线")
    PATROL = "PATROL", gettext_noop("巡查发现")
    MONITORING_ALERT = "MONITORING_ALERT", gettext_noop("监测预警")
    LEADER_ASSIGNMENT = "LEADER_ASSIGNMENT", gettext_noop("领导交办")
    REVIEW_FINDING = "REVIEW_FINDING", gettext_noop("回头看发现")
    OTHER = "OTHER", gettext_noop("其他")


# The readable number is "<prefix>-<year>-<sequence>", e.g. 中督-2026-0001.
# Prefixes are part of the numbers already issued: never change one.
NUMBER_PREFIXES: dict[str, str] = {
    CaseSource.CENTRAL_FEEDBACK: "中督",
    CaseSource.PROVINCIAL_FEEDBACK: "省督",
    CaseSource.INSPECTION_PETITION: "督信",
    CaseSource.PUBLIC_REPORT: "举报",
    CaseSource.HOTLINE_12369: "12369",
    CaseSource.PATROL: "巡查",
    CaseSource.MONITORING_ALERT: "预警",
    CaseSource.LEADER_ASSIGNMENT: "领导",
    CaseSource.REVIEW_FINDING: "回看",
    CaseSource.OTHER: "其他",
}


class CaseCategory(models.TextChoices):
    AIR = "AIR", gettext_noop("大气污染")
    WATER = "WATER", gettext_noop("水污染")
    SOIL = "SOIL", gettext_noop("土壤污染")
    WASTE = "WASTE", gettext_noop("固体废物（含危险废物）")
    NOISE = "NOISE", gettext_noop("噪声污染")
    ECOLOGY = "ECOLOGY", gettext_noop("生态破坏")
    RADIATION = "RADIATION", gettext_noop("辐射")
    OTHER = "OTHER", gettext_noop("其他")


class CaseState(models.TextChoices):
    REGISTERED = "REGISTERED", gettext_noop("已登记")
    ASSIGNED = "ASSIGNED", gettext_noop("已交办")
    RECTIFYING = "RECTIFYING", gettext_noop("整改中")
    ACCEPTANCE_REQUESTED = "ACCEPTANCE_REQUESTED", gettext_noop("待验收")
    ACCEPTED = "ACCEPTED", gettext_noop("已验收")
    RECHECKED = "RECHECKED", gettext_noop("已复核")
    CLOSED = "CLOSED", gettext_noop("已销号")
    UNFOUNDED = "UNFOUNDED", gettext_noop("经核查不属实")
    DUPLICATE = "DUPLICATE", gettext_noop("重复件（已合并）")


# Cases still owed work: deadlines (yellow and red cards) apply to these.
OPEN_STATES = frozenset(
    {
        CaseState.REGISTERED,
        CaseState.ASSIGNED,
        CaseState.RECTIFYING,
        CaseState.ACCEPTANCE_REQUESTED,
        CaseState.ACCEPTED,
        CaseState.RECHECKED,
    }
)
# A lead unit and a deadline are part of being in these states.
WORKING_STATES = frozenset(OPEN_STATES - {CaseState.REGISTERED})
# The stages a case waits in, in the order of the loop: the states whose
# finished stays the days-per-stage figures average (docs/cases-statistics.md,
# ``stage_days``).
STAGE_STATES: tuple[str, ...] = (
    CaseState.REGISTERED,
    CaseState.ASSIGNED,
    CaseState.RECTIFYING,
    CaseState.ACCEPTANCE_REQUESTED,
    CaseState.ACCEPTED,
    CaseState.RECHECKED,
    CaseState.UNFOUNDED,
)


def stays_field(state: str) -> str:
    """The ``CaseStageTotals`` field counting a case's finished stays in
    ``state``."""
    return f"stays_{state.lower()}"


def stay_micros_field(state: str) -> str:
    """The ``CaseStageTotals`` field adding up their lengths, in
    microseconds."""
    return f"stay_micros_{state.lower()}"


# Every per-case stage total (CaseStageTotals): what a recorded stay adds to.
STAGE_TOTAL_FIELDS: tuple[str, ...] = (
    *(stays_field(s) for s in STAGE_STATES),
    *(stay_micros_field(s) for s in STAGE_STATES),
    "closures",
    "close_micros",
)


class FeedbackAspect(models.TextChoices):
    """How an inspection feedback report groups its rectification tasks."""

    COMMON = "COMMON", gettext_noop("共性问题")
    SPECIFIC = "SPECIFIC", gettext_noop("个性问题")


class UnitRole(models.TextChoices):
    """A unit's part in a case besides the lead (牵头) unit."""

    RESPONSIBLE = "RESPONSIBLE", gettext_noop("责任单位")
    COOPERATING = "COOPERATING", gettext_noop("配合单位")


class Card(models.TextChoices):
    NONE = "", gettext_noop("无")
    YELLOW = "YELLOW", gettext_noop("黄牌（临期）")
    RED = "RED", gettext_noop("红牌（逾期）")


def yellow_card_days() -> int:
    """Days before a deadline when the yellow card shows (setting, default 3)."""
    return int(getattr(settings, "GREENLOOP_YELLOW_CARD_DAYS", 3))


class CardCounts(TypedDict):
    key: str
    name: str
    open: int
    yellow: int
    red: int


class CaseQuerySet(ScopedQuerySet):
    """Chainable filters: ``Case.objects.visible_to(u).overdue(today)``."""

    def update(self, **kwargs: Any) -> int:
        if "state" in kwargs:
            raise TypeError("a case's state changes only through greenloop.cases.services")
        return super().update(**kwargs)

    def _apply_transition(self, **kwargs: Any) -> int:
        """The conditional UPDATE of a transition. Only services call this."""
        return super().update(**kwargs)

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: dt.date) -> CaseQuerySet:
        """Red cards: open cases whose next deadline has passed."""
        return self.open().filter(next_due_date__lt=today)

    def due_soon(self, today: dt.date, days: int | None = None) -> CaseQuerySet:
        """Yellow cards: open cases whose next deadline is today or within
        ``days`` (default ``GREENLOOP_YELLOW_CARD_DAYS``)."""
        days = yellow_card_days() if days is None else days
        return self.open().filter(
            next_due_date__gte=today, next_due_date__lte=today + dt.timedelta(days=days)
        )

    def in_inbox(self, user: Any) -> CaseQuerySet:
        """The cases ``user`` must act on now, by role and unit."""
        from greenloop.cases.access_rules import inbox_q
        from greenloop.org.access import get_scope

        return self.visible_to(user).filter(inbox_q(get_scope(user)))  # type: ignore[no-any-return]

    def search(self, text: str) -> CaseQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(number__icontains=text)
            | Q(external_number__icontains=text)
            | Q(title__icontains=text)
            | Q(enterprise_name__icontains=text)
        )

    def _card_counts(self, today: dt.date, days: int | None) -> dict[str, Any]:
        days = yellow_card_days() if days is None else days
        open_ = Q(state__in=OPEN_STATES)
        return {
            "open": Count("pk", filter=open_),
            "red": Count("pk", filter=open_ & Q(next_due_date__lt=today)),
            "yellow": Count(
                "pk",
                filter=open_
                & Q(next_due_date__gte=today, next_due_date__lte=today + dt.timedelta(days=days)),
            ),
        }

    def counts_by_unit(self, today: dt.date, days: int | None = None) -> list[CardCounts]:
        """Open cases and cards per lead unit (unassigned cases under "")."""
        rows = (
            self.order_by()
            .values("lead_unit_id", "lead_unit__name")
            .annotate(**self._card_counts(today, days))
            .order_by("lead_unit__name", "lead_unit_id")
        )
        return [
            CardCounts(
                key=str(r["lead_unit_id"] or ""),
                name=r["lead_unit__name"] or "",
                open=r["open"],
                yellow=r["yellow"],
                red=r["red"],
            )
            for r in rows
            if r["open"]
        ]

    def counts_by_region(
        self, parent: Region, today: dt.date, days: int | None = None
    ) -> list[CardCounts]:
        """Open cases and cards per child region of ``parent``.

        A region path is each ancestor's 12-digit code followed by "/", so the
        first ``len(parent.path) + 13`` characters name the child a case lies
        under; cases registered at ``parent`` itself count under its own code.
        """
        width = len(parent.path) + 13
        rows = (
            self.filter(region__path__startswith=parent.path)
            .order_by()
            .annotate(bucket=Substr(F("region__path"), 1, width))
            .values("bucket")
            .annotate(**self._card_counts(today, days))
        )
        counts = {r["bucket"]: r for r in rows}
        regions = {
            r.path: r
            for r in Region.objects.filter(path__in=list(counts)).only(
                "code", "name", "path", "level"
            )
        }
        regions[parent.path] = parent
        result: list[CardCounts] = []
        for path in sorted(counts):
            r = counts[path]
            if not r["open"]:
                continue
            region = regions.get(path, parent)
            result.append(
                CardCounts(
                    key=region.code,
                    name=region.name,
                    open=r["open"],
                    yellow=r["yellow"],
                    red=r["red"],
                )
            )
        return result


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = pgettext_lazy("plural", "标签")

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    # --- identity and origin
    number = models.CharField(_("编号"), max_length=32, unique=True, editable=False)
    external_number = models.CharField(
        _("来件编号"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("督察组受理编号、12369工单号等"),
    )
    source = models.CharField(_("来源"), max_length=24, choices=translated_choices(CaseSource))
    inspection_round = models.ForeignKey(
        "cases.InspectionRound",
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    batch = models.ForeignKey(
        "cases.InspectionBatch",
        verbose_name=_("交办批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    feedback_aspect = models.CharField(
        _("反馈问题类别"), max_length=10, blank=True, choices=translated_choices(FeedbackAspect)
    )
    # --- what and where
    title = models.CharField(_("问题标题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    category = models.CharField(
        _("污染类型"), max_length=12, choices=translated_choices(CaseCategory)
    )
    problem_count = models.PositiveSmallIntegerField(_("反映问题数"), default=1)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区域"), on_delete=models.PROTECT, related_name="cases"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    enterprise_name = models.CharField(_("反映对象（企业）"), max_length=200, blank=True)
    is_key = models.BooleanField(_("重点件"), default=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="cases")
    # --- who answers for it
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    units = models.ManyToManyField(
        "org.Unit",
        verbose_name=_("责任/配合单位"),
        through="cases.CaseUnit",
        blank=True,
        related_name="cases",
    )
    responsible_leader = models.ForeignKey(
        "org.Person",
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # --- the rectification
    rectification_target = models.TextField(_("整改目标"), blank=True)
    rectification_measures = models.TextField(_("整改措施"), blank=True)
    due_date = models.DateField(_("整改时限"), null=True, blank=True)
    # The earliest of due_date and the open milestones' dates: what yellow
    # and red cards look at. Derived; kept by the services that change either.
    next_due_date = models.DateField(_("最近节点"), null=True, blank=True, editable=False)
    # --- the state machine (written by greenloop.cases.services only)
    state = models.CharField(
        _("状态"),
        max_length=24,
        choices=translated_choices(CaseState),
        default=CaseState.REGISTERED,
        editable=False,
    )
    state_changed_at = models.DateTimeField(_("进入当前状态时间"), editable=False)
    # Optimistic locking: every change to this row adds one; a change names
    # the version it was based on and fails when the row has moved on.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    # How many times rectification has (re)started; evidence counts per cycle.
    rectification_cycle = models.PositiveSmallIntegerField(_("整改轮次"), default=0, editable=False)
    is_unfounded = models.BooleanField(_("核查不属实"), default=False, editable=False)
    verification_finding = models.TextField(_("核查结论"), blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, editable=False)
    # --- stamps
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

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = pgettext_lazy("plural", "问题")
        indexes = [
            # overdue()/due_soon() and the card counts: open cases by their
            # next deadline.
            models.Index(
                fields=["next_due_date"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="cases_case_open_due_idx",
            ),
            # The part of ``due`` (statistics) that depends on today: cases
            # neither closed nor merged, by deadline.
            models.Index(
                fields=["due_date"],
                condition=Q(state__in=sorted(OPEN_STATES | {CaseState.UNFOUNDED})),
                name="cases_case_pending_due_idx",
            ),
            # in_inbox() for units and the per-unit counts.
            models.Index(fields=["lead_unit", "state"], name="cases_case_lead_state_idx"),
            models.Index(fields=["state", "region"], name="cases_case_state_region_idx"),
            # The case list's default order, newest first (scanned
            # backwards): its first page reads a few rows in order instead
            # of sorting every visible case.
            models.Index(fields=["created_at", "id"], name="cases_case_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="cases_case_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=CaseState.DUPLICATE, duplicate_of__isnull=False)
                | (~Q(state=CaseState.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="cases_case_duplicate_iff_merged",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("id")),
                name="cases_case_not_duplicate_of_itself",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(WORKING_STATES))
                | Q(lead_unit__isnull=False, due_date__isnull=False),
                name="cases_case_working_has_lead_and_deadline",
            ),
            models.CheckConstraint(
                condition=Q(state=CaseState.CLOSED, closed_at__isnull=False)
                | (~Q(state=CaseState.CLOSED) & Q(closed_at__isnull=True)),
                name="cases_case_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=(~Q(state=CaseState.UNFOUNDED) | Q(is_unfounded=True))
                & (Q(is_unfounded=False) | Q(state__in=[CaseState.UNFOUNDED, CaseState.CLOSED])),
                name="cases_case_unfounded_consistent",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1) & Q(problem_count__gte=1),
                name="cases_case_counters_positive",
            ),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180))
                & (Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90)),
                name="cases_case_point_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_state", None)
        if loaded is not None and loaded != self.state:
            raise TypeError("a case's state changes only through greenloop.cases.services")
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Case:
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def get_card(self, today: dt.date, days: int | None = None) -> Card:
        """Red when the next deadline has passed, yellow when it is within
        ``days``; only open cases carry cards."""
        if not self.is_open or self.next_due_date is None:
            return Card.NONE
        if self.next_due_date < today:
            return Card.RED
        days = yellow_card_days() if days is None else days
        if self.next_due_date <= today + dt.timedelta(days=days):
            return Card.YELLOW
        return Card.NONE


class CaseUnit(models.Model):
    """A responsible or cooperating unit of a case (the lead unit is
    ``Case.lead_unit``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_units")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("职责"), max_length=12, choices=translated_choices(UnitRole))

    class Meta:
        verbose_name = _("问题责任单位")
        verbose_name_plural = pgettext_lazy("plural", "问题责任单位")
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="cases_caseunit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.unit_id} {self.role}"


class CaseMilestone(models.Model):
    """A stage of a long-term item (长期坚持/阶段性完成) with its own date."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("阶段目标"), max_length=200)
    due_date = models.DateField(_("完成时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("阶段节点")
        verbose_name_plural = pgettext_lazy("plural", "阶段节点")
        indexes = [
            # next_due_date: the earliest open milestone of one case.
            models.Index(
                fields=["case", "due_date"],
                condition=Q(done_at__isnull=True),
                name="cases_milestone_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_date:%Y-%m-%d}）"


class CaseNumberSequence(models.Model):
    """The last number issued per source and year; see services._next_number."""

    source = models.CharField(max_length=24, choices=translated_choices(CaseSource))
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "year"], name="cases_numberseq_unique")
        ]

    def __str__(self) -> str:
        return f"{NUMBER_PREFIXES[self.source]}-{self.year}: {self.last}"
