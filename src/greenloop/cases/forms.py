"""Forms of the case pages: they validate input and save nothing.

Choices that depend on jurisdiction (regions, units, rounds) are built from
``visible_to(user)`` querysets, so a form never offers, nor accepts, what
the user cannot see. Requirements that belong to the workflow (a comment to
send back, evidence to ask for acceptance, a lead unit and a deadline to
assign) are left to the services, which say what is missing in their own
words; the forms only mark those inputs ``required`` for the browser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from greenloop.cases.models import (
    OPEN_STATES,
    Case,
    CaseCategory,
    CaseQuerySet,
    CaseSource,
    CaseState,
    FeedbackAspect,
    InspectionBatch,
    InspectionRound,
)
from greenloop.cases.workflow import Transition
from greenloop.org.forms import PlainTextField
from greenloop.org.models import Person, Region, RegionLevel, Unit
from greenloop.org.roles import Role, translated_choices

# What the file inputs offer; the type is decided from the content anyway
# (cases/filetypes.py). ``image/*`` lets a phone offer its camera.
ACCEPT = "image/*,.pdf,.doc,.docx,.xls,.xlsx"


def _blank(label: Any, choices: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; always cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class OneOrMoreSelect(forms.Select):
    """A plain single ``<select>`` whose parameter may still repeat
    (``?state=ASSIGNED&state=RECTIFYING`` from a saved view or a link)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Indented by level so the tree reads in a plain <select>.
        return "\u3000" * int(obj.level - 1) + str(obj.name)


def visible_regions(user: Any) -> Any:
    return Region.objects.visible_to(user).order_by("path")


def visible_units(user: Any) -> Any:
    return Unit.objects.visible_to(user).order_by("region__path", "kind", "name", "pk")


# --- the list ------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The list's GET parameters. :meth:`apply` narrows a queryset by them;
    invalid parameters are ignored (and shown), the valid ones still apply.
    """

    OPEN = "OPEN"
    DEADLINES = [
        ("overdue", _("红牌（已逾期）")),
        ("due_soon", _("黄牌（临期）")),
        ("carded", _("红牌或黄牌")),
    ]
    SORTS = {
        "-registered": (_("登记时间（新→旧）"), ("-created_at", "-pk")),
        "registered": (_("登记时间（旧→新）"), ("created_at", "pk")),
        "due": (_("最近节点（先到期在前）"), (F("next_due_date").asc(nulls_last=True), "pk")),
        "-updated": (_("最近更新"), ("-updated_at", "-pk")),
        "number": (_("编号"), ("number",)),
    }
    # Keys kept in saved views and pagination links, in this order.
    KEYS = (
        "q",
        "state",
        "source",
        "category",
        "region",
        "lead_unit",
        "key",
        "deadline",
        "inspection_round",
        "batch",
        "sort",
    )

    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    state = forms.MultipleChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), (OPEN, _("在办（未办结）")), *translated_choices(CaseState)],
        widget=OneOrMoreSelect,
    )
    source = forms.ChoiceField(
        label=_("来源"),
        required=False,
        choices=_blank(_("全部来源"), translated_choices(CaseSource)),
    )
    category = forms.ChoiceField(
        label=_("污染类型"),
        required=False,
        choices=_blank(_("全部类型"), translated_choices(CaseCategory)),
    )
    region = forms.CharField(label=_("行政区域"), required=False, max_length=12)
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"), required=False, queryset=Unit.objects.none()
    )
    key = forms.ChoiceField(
        label=_("重点件"),
        required=False,
        choices=[("", _("全部")), ("1", _("仅重点件")), ("0", _("非重点件"))],
    )
    deadline = forms.ChoiceField(
        label=_("期限"), required=False, choices=_blank(_("全部期限"), DEADLINES)
    )
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"), required=False, queryset=InspectionRound.objects.none()
    )
    batch = forms.ModelChoiceField(
        label=_("交办批次"), required=False, queryset=InspectionBatch.objects.none()
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[(k, label) for k, (label, _order) in SORTS.items()],
    )

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data)
        self.user = user
        self.fields["lead_unit"].queryset = Unit.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["inspection_round"].queryset = InspectionRound.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["batch"].queryset = InspectionBatch.objects.visible_to(user)  # type: ignore[attr-defined]
        self.region_obj: Region | None = None

    def clean_region(self) -> str:
        code = str(self.cleaned_data["region"]).strip()
        if code:
            self.region_obj = visible_regions(self.user).filter(code=code).first()
            if self.region_obj is None:
                raise ValidationError(_("行政区域不存在或不在您的管辖范围内"))
        return code

    def value(self, name: str) -> Any:
        """The cleaned value, or the empty value when missing or invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)

    def apply(self, qs: CaseQuerySet, today: dt.date, *, with_state: bool = True) -> CaseQuerySet:
        """``qs`` narrowed by the valid parameters (``with_state=False``
        leaves out the state filter, for the counts by state)."""
        states = [s for s in self.value("state") or [] if s]
        if with_state and states:
            wanted = set(states) - {self.OPEN}
            if self.OPEN in states:
                wanted |= set(OPEN_STATES)
            qs = qs.filter(state__in=sorted(wanted))
        if source := self.value("source"):
            qs = qs.filter(source=source)
        if category := self.value("category"):
            qs = qs.filter(category=category)
        if self.value("region") and self.region_obj is not None:
            qs = qs.filter(region__path__startswith=self.region_obj.path)
        if (unit := self.value("lead_unit")) is not None:
            qs = qs.filter(lead_unit=unit)
        key = self.value("key")
        if key in ("0", "1"):
            qs = qs.filter(is_key=key == "1")
        deadline = self.value("deadline")
        if deadline == "overdue":
            qs = qs.overdue(today)
        elif deadline == "due_soon":
            qs = qs.due_soon(today)
        elif deadline == "carded":
            qs = qs.filter(
                Q(pk__in=Case.objects.overdue(today).values("pk"))
                | Q(pk__in=Case.objects.due_soon(today).values("pk"))
            )
        if (round_ := self.value("inspection_round")) is not None:
            qs = qs.filter(inspection_round=round_)
        if (batch := self.value("batch")) is not None:
            qs = qs.filter(batch=batch)
        if q := self.value("q"):
            qs = qs.search(q)
        return qs

    def ordering(self) -> tuple[Any, ...]:
        return self.SORTS.get(self.value("sort") or "-registered", self.SORTS["-registered"])[1]

    def query_items(self, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The valid, non-empty parameters as (key, value) pairs, in a fixed
        order: what a saved view stores and what links keep."""
        items: list[tuple[str, str]] = []
        if not self.is_bound:
            return items
        for name in self.KEYS:
            if name in exclude:
                continue
            value = self.value(name)
            if value in (None, "", []):
                continue
            values = value if isinstance(value, list) else [value]
            items += [(name, str(getattr(v, "pk", v))) for v in values if v != ""]
        return items


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=40)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)


class BulkAssignForm(forms.Form):
    """交办 several registered cases at once (``cases`` holds ``id:version``)."""

    # Read from every ``cases`` parameter in clean_cases.
    cases = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"), required=False, queryset=Unit.objects.none()
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"), required=False, queryset=Unit.objects.none()
    )
    due_date = forms.DateField(
        label=_("整改时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    comment = PlainTextField(label=_("交办意见"), required=False, max_length=2000)

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        units = visible_units(user)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["cooperating_units"].queryset = units  # type: ignore[attr-defined]

    def clean_cases(self) -> dict[int, int]:
        versions: dict[int, int] = {}
        for raw in self.data.getlist("cases") if hasattr(self.data, "getlist") else []:
            pk, _sep, version = str(raw).partition(":")
            if not (pk.isdigit() and version.isdigit()):
                raise ValidationError(_("所选问题有误，请刷新页面后重试"))
            versions[int(pk)] = int(version)
        return versions


# --- registering ---------------------------------------------------------------


class CaseRegisterForm(forms.Form):
    source = forms.ChoiceField(label=_("来源"), choices=translated_choices(CaseSource))
    title = PlainTextField(label=_("问题标题"), max_length=200)
    category = forms.ChoiceField(label=_("污染类型"), choices=translated_choices(CaseCategory))
    region = RegionChoiceField(
        label=_("行政区域"), queryset=Region.objects.none(), to_field_name="code"
    )
    address = PlainTextField(label=_("地址"), required=False, max_length=200)
    description = PlainTextField(
        label=_("问题描述"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    enterprise_name = PlainTextField(label=_("反映对象（企业）"), required=False, max_length=200)
    external_number = PlainTextField(
        label=_("来件编号"),
        required=False,
        max_length=64,
        help_text=_("督察组受理编号、12369工单号等"),
    )
    is_key = forms.BooleanField(label=_("重点件"), required=False)
    problem_count = forms.IntegerField(label=_("反映问题数"), min_value=1, initial=1)
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"), required=False, queryset=InspectionRound.objects.none()
    )
    batch = forms.ModelChoiceField(
        label=_("交办批次"), required=False, queryset=InspectionBatch.objects.none()
    )
    feedback_aspect = forms.ChoiceField(
        label=_("反馈问题类别"),
        required=False,
        choices=_blank("—", translated_choices(FeedbackAspect)),
    )
    longitude = forms.FloatField(label=_("经度"), required=False)
    latitude = forms.FloatField(label=_("纬度"), required=False)
    tags = PlainTextField(
        label=_("标签"), required=False, max_length=300, help_text=_("多个标签用逗号分隔")
    )
    rectification_target = PlainTextField(
        label=_("整改目标"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rectification_measures = PlainTextField(
        label=_("整改措施"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(label=_("附件"))  # type: ignore[assignment]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = visible_regions(user)  # type: ignore[attr-defined]
        self.fields["inspection_round"].queryset = InspectionRound.objects.visible_to(  # type: ignore[attr-defined]
            user
        ).order_by("-pk")
        self.fields["batch"].queryset = (  # type: ignore[attr-defined]
            InspectionBatch.objects.visible_to(user)
            .select_related("inspection_round")
            .order_by("-inspection_round_id", "number")
        )

    def clean_tags(self) -> list[str]:
        text = self.cleaned_data["tags"].replace("，", ",").replace("、", ",")
        return [t.strip() for t in text.split(",") if t.strip()]


# --- actions on one case ---------------------------------------------------------


class VersionedForm(forms.Form):
    """Every form on the case page carries the version it was rendered with."""

    version = forms.IntegerField(
        label=_("页面版本"),
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("页面缺少版本信息，请刷新页面后重试"),
            "invalid": _("页面版本信息有误，请刷新页面后重试"),
        },
    )

    def __init__(self, *args: Any, key: str = "", **kwargs: Any) -> None:
        # Plain field names (tests and scripts post them as they are); ids
        # unique per form on the page.
        kwargs.setdefault("auto_id", f"id_{key}_%s" if key else "id_%s")
        super().__init__(*args, **kwargs)


class TransitionForm(VersionedForm):
    comment = PlainTextField(
        label=_("意见"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = MultipleFileField(label=_("附件"))  # type: ignore[assignment]

    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, key=transition.action, **kwargs)
        self.transition = transition
        if transition.needs_comment:
            self.fields["comment"].widget.attrs["required"] = True
            self.fields["comment"].label = _("意见或理由（必填）")
        if transition.needs_evidence:
            self.fields["files"].label = _("整改佐证材料")
            self.fields["files"].help_text = _(
                "本轮整改尚未上传佐证材料时必须上传；已在整改进展中上传的可不再上传"
            )


class AssignForm(TransitionForm):
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"), required=False, queryset=Unit.objects.none()
    )
    responsible_units = forms.ModelMultipleChoiceField(
        label=_("责任单位"), required=False, queryset=Unit.objects.none()
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"), required=False, queryset=Unit.objects.none()
    )
    responsible_leader = forms.ModelChoiceField(
        label=_("责任领导"), required=False, queryset=Person.objects.none()
    )
    due_date = forms.DateField(
        label=_("整改时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = [
        "lead_unit",
        "responsible_units",
        "cooperating_units",
        "responsible_leader",
        "due_date",
        "comment",
        "files",
    ]

    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, transition=transition, user=user, **kwargs)
        units = visible_units(user)
        for name in ("lead_unit", "responsible_units", "cooperating_units"):
            self.fields[name].queryset = units  # type: ignore[attr-defined]
        self.fields["lead_unit"].widget.attrs["required"] = True
        self.fields["due_date"].widget.attrs["required"] = True
        self.fields["responsible_leader"].queryset = (  # type: ignore[attr-defined]
            Person.objects.visible_to(user)
            .filter(role_grants__role__in=[Role.LEADER, Role.UNIT_LEADER], is_active=True)
            .select_related("unit")
            .distinct()
            .order_by("unit__name", "name", "pk")
        )
        self.fields["comment"].label = _("交办意见")


class MergeForm(VersionedForm):
    into = forms.CharField(
        label=_("原件编号"),
        max_length=32,
        required=False,
        help_text=_("本件是其重复件的那件问题的编号，如 督信-2026-0001"),
        widget=forms.TextInput(attrs={"required": True}),
    )
    comment = PlainTextField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, key=transition.action, **kwargs)
        self.transition = transition


class VerifyUnfoundedForm(TransitionForm):
    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, transition=transition, user=user, **kwargs)
        self.fields["comment"].label = _("核查结论（必填）")


class ReopenForm(TransitionForm):
    due_date = forms.DateField(
        label=_("新的整改时限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}),
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        required=False,
        queryset=Unit.objects.none(),
        help_text=_("不选则仍由原牵头单位整改"),
    )

    field_order = ["comment", "due_date", "lead_unit", "files"]

    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, transition=transition, user=user, **kwargs)
        self.fields["lead_unit"].queryset = visible_units(user)  # type: ignore[attr-defined]
        self.fields["comment"].label = _("重新整改理由（必填）")


TRANSITION_FORMS: dict[str, type[VersionedForm]] = {
    "assign": AssignForm,
    "merge": MergeForm,
    "verify_unfounded": VerifyUnfoundedForm,
    "reopen": ReopenForm,
}


def transition_form(transition: Transition, user: Any, data: Any = None, files: Any = None) -> Any:
    form_class = TRANSITION_FORMS.get(transition.action, TransitionForm)
    return form_class(data, files, transition=transition, user=user)


class TextForm(VersionedForm):
    """Comments, progress reports and instructions (批示)."""

    text = PlainTextField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("附件"))  # type: ignore[assignment]

    def __init__(
        self, *args: Any, key: str, label: Any, with_files: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, key=key, **kwargs)
        # Carried like on every form, but these entries change no field, so
        # nothing checks it (see views/detail.py).
        self.fields["version"].required = False
        self.fields["text"].label = label
        if not with_files:
            del self.fields["files"]


class MilestoneForm(VersionedForm):
    title = PlainTextField(label=_("阶段目标"), max_length=200)
    due_date = forms.DateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))


def region_filter_choices(user: Any) -> list[tuple[str, str]]:
    """Regions offered in the list's filter: city, counties and townships in
    reach (villages through a link or a saved view); for a village's own
    staff, what they reach."""
    regions = visible_regions(user).only("code", "name", "level")
    rows = list(regions.filter(level__lte=RegionLevel.TOWNSHIP)) or list(regions[:200])
    return [(r.code, "\u3000" * (r.level - 1) + r.name) for r in rows]
