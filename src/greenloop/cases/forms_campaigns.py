"""Forms of the round, 回头看, accountability, disclosure and statistics
pages: they validate input and save nothing (the services do).

Choices that depend on who is asking (regions, units, people, rounds) are
narrowed with ``visible_to`` when the form is built.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from greenloop.cases.models import (
    AccountabilityForm,
    CaseCategory,
    CaseSource,
    InspectionBatch,
    InspectionRound,
    ReviewGroup,
    ReviewOutcome,
    RoundKind,
)
from greenloop.org.models import Person, Region, RegionLevel, Unit
from greenloop.org.roles import translated_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _blank(choices: list[tuple[Any, Any]], label: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Regions down to townships, by code, labelled with their depth."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * (int(obj.level) - 1) + str(obj.name)


def regions_for(user: Any, deepest: int = RegionLevel.TOWNSHIP) -> Any:
    return Region.objects.visible_to(user).filter(level__lte=deepest).order_by("path")


def rounds_for(user: Any) -> Any:
    return InspectionRound.objects.visible_to(user).order_by("-stationed_start_date", "-pk")


# --- rounds ------------------------------------------------------------------


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("督察类型"), choices=translated_choices(RoundKind))
    name = forms.CharField(label=_("名称"), max_length=100)
    team_name = forms.CharField(label=_("督察组"), max_length=100, required=False)
    stationed_start_date = forms.DateField(label=_("进驻日期"), required=False, widget=DateInput())
    stationed_end_date = forms.DateField(label=_("撤离日期"), required=False, widget=DateInput())
    feedback_date = forms.DateField(label=_("反馈日期"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchForm(forms.Form):
    number = forms.IntegerField(
        label=_("批次号"), min_value=1, required=False, help_text=_("不填则顺延")
    )
    received_date = forms.DateField(label=_("交办日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), required=False)


# --- 回头看 ----------------------------------------------------------------------


class ReviewSelectionForm(forms.Form):
    """The filter of a new campaign; also previews the count."""

    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    region = RegionChoiceField(
        label=_("区域范围"), queryset=Region.objects.none(), required=False, empty_label=_("全部")
    )
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    category = forms.ChoiceField(label=_("污染类型"), required=False)
    source = forms.ChoiceField(label=_("问题来源"), required=False)
    closed_from = forms.DateField(label=_("销号日期起"), required=False, widget=DateInput())
    closed_to = forms.DateField(label=_("销号日期止"), required=False, widget=DateInput())
    key_only = forms.BooleanField(label=_("只选重点件"), required=False)
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)  # type: ignore[attr-defined]
        self.fields["inspection_round"].queryset = rounds_for(user)  # type: ignore[attr-defined]
        self.fields["category"].choices = _blank(translated_choices(CaseCategory), _("全部"))  # type: ignore[attr-defined]
        self.fields["source"].choices = _blank(translated_choices(CaseSource), _("全部"))  # type: ignore[attr-defined]


def _member_label(person: Any) -> str:
    return _("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}


class ReviewGroupForm(forms.Form):
    name = forms.CharField(label=_("组名"), max_length=60)
    members = forms.ModelMultipleChoiceField(
        label=_("成员"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = (  # type: ignore[attr-defined]
            Person.objects.visible_to(user)
            .filter(is_active=True)
            .select_related("unit")
            .order_by("unit__name", "name", "pk")
        )
        self.fields["members"].label_from_instance = _member_label  # type: ignore[attr-defined]


class AssignItemsForm(forms.Form):
    group = forms.ModelChoiceField(label=_("工作组"), queryset=ReviewGroup.objects.none())
    region = RegionChoiceField(label=_("区域"), queryset=Region.objects.none())

    def __init__(self, *args: Any, user: Any, campaign: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = campaign.groups.order_by("pk")  # type: ignore[attr-defined]
        self.fields["region"].queryset = regions_for(user).filter(  # type: ignore[attr-defined]
            path__startswith=campaign.region.path
        )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("复查结果"),
        choices=[
            (ReviewOutcome.CONSOLIDATED, _("整改成效巩固")),
            (ReviewOutcome.RELAPSED, _("问题反弹")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("复查情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("问题反弹时必填，作为重新整改的理由"),
    )
    due_date = forms.DateField(
        label=_("新的整改时限"), required=False, widget=DateInput(), help_text=_("问题反弹时必填")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- accountability ----------------------------------------------------------------


_NUMBER_SPLIT = re.compile(r"[\s,，;；、]+")


class AccountabilityRecordForm(forms.Form):
    person_name = forms.CharField(label=_("被问责人"), max_length=40)
    unit = forms.ModelChoiceField(
        label=_("单位（名录）"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("不在单位名录中"),
    )
    unit_name = forms.CharField(
        label=_("单位名称"),
        max_length=100,
        required=False,
        help_text=_("按问责决定填写；选择了名录中的单位时可不填"),
    )
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    form = forms.ChoiceField(label=_("问责方式"), choices=translated_choices(AccountabilityForm))
    reason = forms.CharField(
        label=_("问责事由"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decided_date = forms.DateField(label=_("问责日期"), widget=DateInput())
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=_("不关联"),
    )
    case_numbers = forms.CharField(
        label=_("相关问题编号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如 督信-2026-0001，多个编号用空格、逗号或换行分隔"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.visible_to(user).select_related("region").order_by("region__path", "name")
        )
        self.fields["inspection_round"].queryset = rounds_for(user)  # type: ignore[attr-defined]

    def clean_case_numbers(self) -> list[str]:
        text = self.cleaned_data.get("case_numbers") or ""
        return list(dict.fromkeys(n for n in _NUMBER_SPLIT.split(text) if n))


class AccountabilityFilterForm(forms.Form):
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=_("全部轮次"),
    )
    form = forms.ChoiceField(label=_("问责方式"), required=False)
    decided_from = forms.DateField(label=_("问责日期起"), required=False, widget=DateInput())
    decided_to = forms.DateField(label=_("问责日期止"), required=False, widget=DateInput())
    q = forms.CharField(label=_("姓名、单位或事由"), required=False, max_length=60)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection_round"].queryset = rounds_for(user)  # type: ignore[attr-defined]
        self.fields["form"].choices = _blank(  # type: ignore[attr-defined]
            translated_choices(AccountabilityForm), _("全部方式")
        )
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、单位或事由")


# --- disclosure -------------------------------------------------------------------


class DisclosureTextForm(forms.Form):
    text = forms.CharField(
        label=_("公开内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "写明核查情况、整改措施和整改结果。不得包含举报人、信访人的姓名、电话、"
            "身份证号、住址等个人信息。"
        ),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=500)


class DisclosureFilterForm(forms.Form):
    STATUS_MISSING = "MISSING"
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=_("全部轮次"),
    )
    status = forms.ChoiceField(label=_("公开状态"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from greenloop.cases.models import DisclosureStatus

        super().__init__(*args, **kwargs)
        self.fields["inspection_round"].queryset = rounds_for(user)  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            (self.STATUS_MISSING, _("未编写")),
            *translated_choices(DisclosureStatus),
        ]


class PublicDisclosureFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("区域"), queryset=Region.objects.none(), required=False, empty_label=_("全部区域")
    )
    category = forms.ChoiceField(label=_("污染类型"), required=False)
    q = forms.CharField(label=_("关键词"), required=False, max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Public: the city and its counties, no jurisdiction.
        self.fields["region"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
            level__lte=RegionLevel.COUNTY
        ).order_by("path")
        self.fields["category"].choices = _blank(translated_choices(CaseCategory), _("全部类型"))  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = _("编号或内容关键词")


# --- statistics ------------------------------------------------------------------


def _batch_label(batch: Any) -> str:
    return str(_("第%(number)s批") % {"number": batch.number})


class StatisticsFilterForm(forms.Form):
    region = RegionChoiceField(
        label=_("区域"), queryset=Region.objects.none(), required=False, empty_label=_("全部区域")
    )
    inspection_round = forms.ModelChoiceField(
        label=_("督察轮次"),
        queryset=InspectionRound.objects.none(),
        required=False,
        empty_label=_("全部轮次"),
    )
    batch = forms.ModelChoiceField(
        label=_("交办批次"),
        queryset=InspectionBatch.objects.none(),
        required=False,
        empty_label=_("全部批次"),
    )
    source = forms.ChoiceField(label=_("问题来源"), required=False)
    category = forms.ChoiceField(label=_("污染类型"), required=False)
    registered_from = forms.DateField(label=_("登记日期起"), required=False, widget=DateInput())
    registered_to = forms.DateField(label=_("登记日期止"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)  # type: ignore[attr-defined]
        self.fields["inspection_round"].queryset = rounds_for(user)  # type: ignore[attr-defined]
        round_id = self.data.get("inspection_round") if self.is_bound else None
        batches = InspectionBatch.objects.visible_to(user).order_by("number")
        if round_id and str(round_id).isdigit():
            batches = batches.filter(inspection_round_id=int(round_id))
        else:
            batches = batches.none()
        batch: Any = self.fields["batch"]
        batch.queryset = batches
        batch.label_from_instance = _batch_label
        self.fields["source"].choices = _blank(translated_choices(CaseSource), _("全部来源"))  # type: ignore[attr-defined]
        self.fields["category"].choices = _blank(translated_choices(CaseCategory), _("全部类型"))  # type: ignore[attr-defined]
