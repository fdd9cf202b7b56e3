"""Forms of the org pages: they validate input and save nothing.

Saving is the services' job (STYLE.md §2, §3); a view passes
``form.cleaned_data`` to one service call.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from greenloop.org.models import BaobaoAssignment, DutyCategory, RegionLevel, UnitKind
from greenloop.org.roles import translated_choices

# Characters XML 1.0 cannot carry: Word and Excel exports would fail on them,
# and nobody types them on purpose.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class PlainTextField(forms.CharField):
    """Text as people type it: line endings unified, no control characters."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if _CONTROL_CHARS.search(value or ""):
            raise ValidationError(_("不能包含控制字符，请删除后重新输入"), code="control_chars")


class DutyForm(forms.Form):
    category = forms.ChoiceField(label=_("责任类别"), choices=translated_choices(DutyCategory))
    text = PlainTextField(
        label=_("责任内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = PlainTextField(
        label=_("依据"),
        max_length=300,
        required=False,
        help_text=_("法律法规、规范性文件或会议纪要等，可不填"),
    )


class DutyTemplateForm(DutyForm):
    text = PlainTextField(
        label=_("责任内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可用“{单位}”代表单位名称，生成清单时替换"),
    )


class TemplateGroupForm(forms.Form):
    """One group of templates: a region level and a unit kind."""

    level = forms.TypedChoiceField(
        label=_("层级"), choices=translated_choices(RegionLevel), coerce=int
    )
    unit_kind = forms.ChoiceField(label=_("单位类型"), choices=translated_choices(UnitKind))


class GenerateListsForm(TemplateGroupForm):
    publish = forms.BooleanField(label=_("生成后直接发布"), required=False)


def _with_blank(choices: list[tuple[Any, Any]], label: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class DutyListFilterForm(forms.Form):
    STATUS_PUBLISHED = "published"
    STATUS_DRAFT = "draft"
    STATUS_UNPUBLISHED = "unpublished"

    q = forms.CharField(
        label=_("单位名称"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("单位名称或编码")}),
    )
    level = forms.TypedChoiceField(
        label=_("层级"),
        choices=_with_blank(translated_choices(RegionLevel), _("全部层级")),
        coerce=int,
        empty_value=None,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("单位类型"),
        choices=_with_blank(translated_choices(UnitKind), _("全部类型")),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("清单状态"),
        choices=[
            ("", _("全部状态")),
            (STATUS_PUBLISHED, _("已发布")),
            (STATUS_DRAFT, _("有待发布草稿")),
            (STATUS_UNPUBLISHED, _("尚未发布")),
        ],
        required=False,
    )


class VisitForm(forms.Form):
    visit_date = forms.DateField(
        label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    checked = PlainTextField(
        label=_("检查内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    clues = PlainTextField(
        label=_("移交问题线索"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("走访中发现并移交的问题线索，没有可不填"),
    )

    def __init__(self, *args: Any, assignment: BaobaoAssignment, today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.today = today
        self.fields["visit_date"].initial = today

    def clean_visit_date(self) -> dt.date:
        visit_date: dt.date = self.cleaned_data["visit_date"]
        if visit_date > self.today:
            raise ValidationError(_("走访日期不能晚于今天"), code="future")
        if visit_date < self.assignment.start_date:
            raise ValidationError(
                _("走访日期不能早于包保开始日期（%(date)s）")
                % {"date": f"{self.assignment.start_date:%Y-%m-%d}"},
                code="before_start",
            )
        end = self.assignment.end_date
        if end is not None and visit_date > end:
            raise ValidationError(
                _("包保关系已于 %(date)s 结束") % {"date": f"{end:%Y-%m-%d}"}, code="after_end"
            )
        return visit_date
