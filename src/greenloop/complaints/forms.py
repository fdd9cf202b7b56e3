"""Forms that validate input; the services decide (no saving here)."""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.utils.translation import gettext_lazy as _

from greenloop.cases.models import CaseCategory, InspectionBatch
from greenloop.complaints.models import Channel, Finding, PetitionState, Satisfaction
from greenloop.org.models import Region, Unit
from greenloop.org.roles import translated_choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; the count and content are checked by
    the services (``clean_photos``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _category_choices() -> list[tuple[str, Any]]:
    return [("", _("请选择")), *translated_choices(CaseCategory)]


class _LocationMixin(forms.Form):
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )


class PublicReportForm(_LocationMixin):
    category = forms.ChoiceField(label=_("污染类型"), choices=_category_choices)
    description = forms.CharField(
        label=_("反映内容"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("请描述看到的污染：什么、在哪里、什么时间")}
        ),
    )
    address = forms.CharField(
        label=_("地址"),
        max_length=200,
        required=False,
        help_text=_("未在地图上标点时必填"),
    )
    enterprise_name = forms.CharField(
        label=_("反映对象（企业或单位，选填）"), max_length=200, required=False
    )
    photos = MultiplePhotoField(label=_("照片"))
    is_anonymous = forms.TypedChoiceField(
        label=_("举报方式"),
        choices=[("1", _("匿名举报")), ("0", _("实名举报"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("姓名"), max_length=40, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    reward_requested = forms.BooleanField(label=_("申请举报奖励（须实名）"), required=False)
    captcha = CaptchaField(label=_("验证码"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reward_requested") and data.get("is_anonymous"):
            self.add_error("reward_requested", _("申请举报奖励须实名举报并留下联系电话"))
        return data


class StaffEntryForm(_LocationMixin):
    """12369 calls, letters and visits entered by the office."""

    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(v, lbl) for v, lbl in translated_choices(Channel) if v != Channel.WEB],
        initial=Channel.HOTLINE,
    )
    received_at = forms.DateTimeField(
        label=_("受理时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    external_number = forms.CharField(
        label=_("来件编号（工单号等）"), max_length=64, required=False
    )
    batch = forms.ModelChoiceField(
        label=_("交办批次（督察转办）"), queryset=InspectionBatch.objects.none(), required=False
    )
    category = forms.ChoiceField(label=_("污染类型"), choices=_category_choices)
    description = forms.CharField(
        label=_("反映内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    enterprise_name = forms.CharField(label=_("反映对象"), max_length=200, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    is_anonymous = forms.BooleanField(label=_("匿名（不留姓名）"), required=False, initial=True)
    name = forms.CharField(label=_("来电/来信人姓名"), max_length=40, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号（选填）"), max_length=18, required=False)
    contact_address = forms.CharField(label=_("联系地址（选填）"), max_length=200, required=False)
    reward_requested = forms.BooleanField(label=_("申请举报奖励"), required=False)
    photos = MultiplePhotoField(label=_("照片"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = (
            InspectionBatch.objects.visible_to(user)
            .select_related("inspection_round")
            .order_by("-received_date", "pk")
        )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *translated_choices(PetitionState)],
    )
    channel = forms.ChoiceField(
        label=_("来源渠道"), required=False, choices=[("", _("全部")), *translated_choices(Channel)]
    )
    category = forms.ChoiceField(
        label=_("污染类型"),
        required=False,
        choices=[("", _("全部")), *translated_choices(CaseCategory)],
    )
    overdue = forms.BooleanField(label=_("仅看超期"), required=False)
    duplicates = forms.BooleanField(label=_("仅看有疑似重复"), required=False)


class RouteForm(forms.Form):
    region = forms.ModelChoiceField(label=_("属地"), queryset=Region.objects.none())
    lead_unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    due_date = forms.DateField(
        label=_("办理时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    comment = forms.CharField(
        label=_("交办意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user).order_by("path")
        self.fields["lead_unit"].queryset = Unit.objects.visible_to(user).order_by("code")


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("核查结论"), choices=translated_choices(Finding), widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 3}))
    files = MultiplePhotoField(label=_("佐证材料"), widget=MultipleFileInput())


class TextForm(forms.Form):
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalTextForm(forms.Form):
    text = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProblemForm(forms.Form):
    category = forms.ChoiceField(label=_("污染类型"), choices=_category_choices)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200, required=False)


class RewardProposalForm(forms.Form):
    is_eligible = forms.BooleanField(label=_("符合奖励条件"), required=False, initial=True)
    amount = forms.DecimalField(
        label=_("奖励金额（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RewardDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("不予奖励"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )


class SatisfactionForm(forms.Form):
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果的评价"),
        choices=translated_choices(Satisfaction),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见建议（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
