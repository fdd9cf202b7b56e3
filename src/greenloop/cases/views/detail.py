"""One case: its page, the actions on it, and its files.

The page shows what the user may do *now* (``get_available_actions``) as
forms. Each form posts to one view that makes one service call; a refusal
(wrong role, wrong county, stale page, missing comment or evidence) is the
service's Chinese message, and nothing changes. htmx requests get the
``live`` partial of ``cases/case_detail.html`` back (state, units,
deadline, actions, files and timeline), others a redirect to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from greenloop.cases import services
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms import MilestoneForm, TextForm, VersionedForm, transition_form
from greenloop.cases.models import (
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMilestone,
    CaseState,
    UnitRole,
)
from greenloop.cases.views._common import (
    HtmxHttpRequest,
    form_problems,
    login_required_htmx,
    viewer,
)
from greenloop.cases.workflow import TRANSITIONS, Transition, get_transition
from greenloop.org.access import ACTIONS, get_for_user, get_scope, is_visible

TEMPLATE = "cases/case_detail.html"
_RELATED = (
    "region",
    "lead_unit",
    "responsible_leader__unit",
    "duplicate_of",
    "inspection_round",
    "batch__inspection_round",
)
# Forms that are not transitions: key → (label of the text, with files?)
_TEXT_FORMS: dict[str, tuple[str, bool]] = {
    "progress": (N_("整改进展"), True),
    "comment": (N_("意见"), True),
    "instruct": (N_("批示内容"), False),
}


def _case(request: HtmxHttpRequest, pk: int) -> Case:
    return get_for_user(  # type: ignore[no-any-return]
        viewer(request), Case.objects.select_related(*_RELATED), action="cases.view", pk=pk
    )


# --- what the timeline entries say ---------------------------------------------------


def _name(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, dict):
        return str(value.get("name") or value.get("number") or value.get("title") or "—")
    if isinstance(value, list):
        return (
            pgettext("separator between names in a list", "、").join(_name(v) for v in value) or "—"
        )
    return str(value)


_DATA_LABELS = {
    "lead_unit": N_("牵头单位"),
    "responsible_units": N_("责任单位"),
    "cooperating_units": N_("配合单位"),
    "responsible_leader": N_("责任领导"),
    "due_date": N_("整改时限"),
    "duplicate_of": N_("并入"),
    "duplicate": N_("重复件"),
    "milestone": N_("阶段节点"),
    "tags": N_("标签"),
}


def _field_label(field: str) -> str:
    if field in _DATA_LABELS:
        return _(_DATA_LABELS[field])
    try:
        return str(getattr(Case._meta.get_field(field), "verbose_name", field))
    except FieldDoesNotExist:  # an old entry may name a field since renamed
        return field


def _describe(event: CaseEvent) -> list[str]:
    """The data dict of a timeline entry as lines to read ("牵头单位：A → B")."""
    data = event.data or {}
    lines: list[str] = []
    items = list(data.get("changes", {}).items()) if "changes" in data else []
    # Values a transition set; an empty list (no cooperating units) says nothing.
    items += [(k, v) for k, v in data.items() if k in _DATA_LABELS and v not in ([], None, "")]
    colon = pgettext("colon introducing what follows", "：")
    for field, value in items:
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            lines.append(
                f"{_field_label(field)}{colon}{_name(value['old'])} → {_name(value['new'])}"
            )
        else:
            lines.append(f"{_field_label(field)}{colon}{_name(value)}")
    return lines


# --- the page ------------------------------------------------------------------------


def _text_forms(case: Case, user: Any) -> dict[str, bool]:
    """Which of the non-transition forms the user may use now (the rules
    only read the scope and the case; visibility is settled already)."""
    scope = get_scope(user)
    return {
        "progress": case.state == CaseState.RECTIFYING
        and ACTIONS["cases.report_progress"](scope, case),
        "comment": ACTIONS["cases.comment"](scope, case),
        "instruct": ACTIONS["cases.instruct"](scope, case),
    }


def _context(
    request: HtmxHttpRequest,
    case: Case,
    bound: dict[str, Form] | None = None,
) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    today = timezone.localdate()
    initial = {"version": case.version}
    units = list(case.case_units.select_related("unit").order_by("unit__name", "unit_id"))
    events = list(
        CaseEvent.objects.filter(case=case).prefetch_related("attachments").order_by("-at", "-pk")
    )
    for e in events:
        e.lines = _describe(e)
        e.from_label = _(CaseState(e.from_state).label) if e.from_state else ""
        e.to_label = _(CaseState(e.to_state).label) if e.to_state else ""
    attachments = [a for e in events for a in e.attachments.all()]

    actions = []
    for t in services.get_available_actions(case=case, user=user):
        form = bound.get(t.action) or transition_form(t, user)
        if not form.is_bound:
            form.initial = initial
        actions.append({"t": t, "label": _(t.label), "form": form, "open": t.action in bound})
    allowed = _text_forms(case, user)
    text_forms = []
    for key, (label, with_files) in _TEXT_FORMS.items():
        if allowed[key]:
            form = bound.get(key) or TextForm(
                key=key, label=_(label), with_files=with_files, initial=initial
            )
            text_forms.append({"key": key, "form": form, "open": key in bound})
    scope = get_scope(user)
    milestones = list(case.milestones.order_by("due_date", "pk"))
    return {
        "case": case,
        "card": case.get_card(today),
        "lead_unit": case.lead_unit,
        "responsible_units": [cu.unit for cu in units if cu.role == UnitRole.RESPONSIBLE],
        "cooperating_units": [cu.unit for cu in units if cu.role == UnitRole.COOPERATING],
        "tags": sorted(t.name for t in case.tags.all()),
        "milestones": milestones,
        "can_add_milestone": case.is_open and ACTIONS["cases.edit"](scope, case),
        "can_complete_milestone": bool(milestones)
        and case.is_open
        and ACTIONS["cases.complete_milestone"](scope, case),
        "milestone_form": bound.get("milestone") or MilestoneForm(initial=initial, key="milestone"),
        "duplicates": Case.objects.visible_to(user)
        .filter(duplicate_of=case)
        .order_by("pk")
        .only("pk", "number", "title"),
        "events": events,
        "attachments": attachments,
        "actions": actions,
        "text_forms": text_forms,
        "IMAGE": AttachmentKind.IMAGE,
    }


@login_required_htmx
@require_GET
def case_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, TEMPLATE, _context(request, case))


def _answer(
    request: HtmxHttpRequest, case: Case, bound: dict[str, Form] | None = None
) -> HttpResponse:
    """After an action: the fresh ``live`` partial for htmx, else the page.

    When the action took the case out of the user's reach (a department
    returning an assignment), the list is the only place left to go.
    """
    if not is_visible(request.user, case):
        if request.htmx:
            return HttpResponseClientRedirect(reverse("cases:list"))
        return redirect("cases:list")
    if request.htmx:
        fresh = Case.objects.select_related(*_RELATED).get(pk=case.pk)
        return render(request, f"{TEMPLATE}#live", _context(request, fresh, bound))
    return redirect("cases:detail", pk=case.pk)


def _refuse(
    request: HtmxHttpRequest, case: Case, message: str, key: str, form: Form
) -> HttpResponse:
    """Say why, keep what was typed (htmx), change nothing."""
    messages.error(request, message)
    return _answer(request, case, {key: form})


def _run(
    request: HtmxHttpRequest, case: Case, key: str, form: Form, call: Callable[[], Any], done: str
) -> HttpResponse:
    if not form.is_valid():
        return _refuse(request, case, form_problems(form), key, form)
    try:
        call()
    except UnableToActOnCase as exc:
        return _refuse(request, case, str(exc), key, form)
    messages.success(request, done)
    return _answer(request, case)


def _form_row(case: Case, action: str) -> Transition:
    """The table row whose form reads this action's input: the one from the
    case's state, else any with that action (the service then says why the
    state does not allow it); unknown actions are not found."""
    row = get_transition(case.state, action)
    if row is None:
        row = next((t for t in TRANSITIONS if t.action == action), None)
    if row is None:
        raise Http404
    return row


@login_required_htmx
@require_POST
def case_act(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    """One transition of the state machine (交办, 签收, 申请验收, 验收, 退回…)."""
    case = _case(request, pk)
    row = _form_row(case, action)
    form = transition_form(row, request.user, request.POST, request.FILES)

    def call() -> Any:
        data = form.cleaned_data
        extra: dict[str, Any] = {}
        if action == "assign":
            extra = {
                "lead_unit": data["lead_unit"],
                "due_date": data["due_date"],
                "responsible_units": list(data["responsible_units"]),
                "cooperating_units": list(data["cooperating_units"]),
                "responsible_leader": data["responsible_leader"],
            }
        elif action == "reopen":
            extra = {"lead_unit": data["lead_unit"], "due_date": data["due_date"]}
        elif action == "merge":
            number = data["into"].strip()
            # Not found (or out of reach) is the service's message to give.
            extra = {
                "into": Case.objects.visible_to(request.user).filter(number=number).first()
                if number
                else None
            }
        return services.act_on_case(
            case=case,
            action=action,
            by=request.user,
            now=timezone.now(),
            version=data["version"],
            comment=data.get("comment", ""),
            files=data.get("files", []),
            **extra,
        )

    return _run(
        request, case, action, form, call, _("已办理：%(action)s") % {"action": _(row.label)}
    )


def _text_view(key: str) -> Callable[..., HttpResponseBase]:
    label, with_files = _TEXT_FORMS[key]
    service = {
        "progress": services.report_progress,
        "comment": services.add_comment,
        "instruct": services.instruct_case,
    }[key]
    done = {
        "progress": N_("已报送整改进展"),
        "comment": N_("已发表意见"),
        "instruct": N_("已作出批示"),
    }[key]

    @login_required_htmx
    @require_POST
    def view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = TextForm(request.POST, request.FILES, key=key, label=_(label), with_files=with_files)

        def call() -> Any:
            # Timeline entries change no field: the version a page carries
            # is not checked for them; the state check (progress only while
            # rectifying) is the service's.
            kwargs: dict[str, Any] = {"text": form.cleaned_data["text"]}
            if with_files:
                kwargs["files"] = form.cleaned_data["files"]
            return service(case=case, by=request.user, now=timezone.now(), **kwargs)

        return _run(request, case, key, form, call, _(done))

    view.__name__ = f"case_{key}"
    return view


case_progress = _text_view("progress")
case_comment = _text_view("comment")
case_instruct = _text_view("instruct")


# --- milestones (阶段节点) ---------------------------------------------------------------


@login_required_htmx
@require_POST
def milestone_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = MilestoneForm(request.POST, key="milestone")

    def call() -> Any:
        return services.add_milestone(
            case=case,
            by=request.user,
            now=timezone.now(),
            version=form.cleaned_data["version"],
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
        )

    return _run(request, case, "milestone", form, call, _("已新增阶段节点"))


@login_required_htmx
@require_POST
def milestone_done(request: HtmxHttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    case = _case(request, pk)
    milestone = get_object_or_404(CaseMilestone, case=case, pk=milestone_id)
    milestone.case = case
    form = VersionedForm(request.POST, key="milestone_done")

    def call() -> Any:
        return services.complete_milestone(milestone=milestone, by=request.user, now=timezone.now())

    return _run(request, case, "milestone_done", form, call, _("阶段节点已完成"))


# --- files -------------------------------------------------------------------------------


@login_required_htmx
@require_GET
def attachment(request: HtmxHttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A file of a case, for whoever sees the case (404 otherwise, as if
    missing). Served with the detected type; images inline, documents as
    downloads; never from a public media URL."""
    found = get_for_user(
        viewer(request),
        CaseAttachment.objects.select_related("case"),
        action="cases.view",
        pk=attachment_id,
        case_id=pk,
    )
    # The name offered carries the detected type's extension.
    name = f"{PurePath(found.original_name).stem or 'file'}.{found.extension}"
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=found.kind != AttachmentKind.IMAGE,
        filename=name,
        content_type=found.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
