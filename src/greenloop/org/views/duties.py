"""Responsibility lists (责任清单): the overview, the draft editor,
publishing, Word/Excel exports and the templates lists are generated from.

Who may do what is asked of :mod:`greenloop.org.access`; what happens is
done by :mod:`greenloop.org.services`. Editor actions answer htmx requests
with partials of ``org/duty_edit.html`` and everybody else with a redirect,
so the editor also works without JavaScript.

A published list is never changed: edits go to the unit's one draft, which
replaces the published version only when it is published itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh, reswap, retarget
from django_htmx.middleware import HtmxDetails

from greenloop.org import exports, services
from greenloop.org.access import ACTIONS, can, get_for_user, get_scope, has_perm, require_perm
from greenloop.org.forms import (
    DutyForm,
    DutyListFilterForm,
    DutyTemplateForm,
    GenerateListsForm,
    TemplateGroupForm,
)
from greenloop.org.models import (
    Duty,
    DutyTemplate,
    ListStatus,
    RegionLevel,
    ResponsibilityList,
    Unit,
    UnitKind,
)
from greenloop.org.roles import Perm, translated_choices

EDITOR = "org/duty_edit.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


EXPORT_FORMATS = {
    "docx": (exports.duty_list_docx, exports.DOCX_CONTENT_TYPE),
    "xlsx": (exports.duty_list_xlsx, exports.XLSX_CONTENT_TYPE),
}


def _login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``login_required`` that also sends htmx requests to the login page.

    A plain redirect would be followed inside the XHR and the login form
    swapped into the duty table; ``HX-Redirect`` moves the whole page.
    """
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.htmx and not request.user.is_authenticated:
            here = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here).url)
        return guarded(request, *args, **kwargs)

    return wrapper


# --- overview ------------------------------------------------------------------


@login_required
@require_GET
def duty_lists(request: HtmxHttpRequest) -> HttpResponse:
    """Units in the user's reach and the state of their lists."""
    require_perm(request.user, Perm.VIEW_ORG)
    lists = ResponsibilityList.objects.filter(unit=OuterRef("pk"))
    published = lists.filter(status=ListStatus.PUBLISHED).order_by("-version")
    units = Unit.objects.visible_to(request.user).annotate(
        published_version=Subquery(published.values("version")[:1]),
        published_on=Subquery(published.values("published_at")[:1]),
        draft_version=Subquery(lists.filter(status=ListStatus.DRAFT).values("version")[:1]),
    )
    totals = units.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=Q(published_version__isnull=False)),
        drafts=Count("pk", filter=Q(draft_version__isnull=False)),
    )

    form = DutyListFilterForm(request.GET)
    shown = units
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            shown = shown.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if data["level"]:
            shown = shown.filter(region__level=data["level"])
        if data["kind"]:
            shown = shown.filter(kind=data["kind"])
        if data["status"] == form.STATUS_PUBLISHED:
            shown = shown.filter(published_version__isnull=False)
        elif data["status"] == form.STATUS_DRAFT:
            shown = shown.filter(draft_version__isnull=False)
        elif data["status"] == form.STATUS_UNPUBLISHED:
            shown = shown.filter(published_version__isnull=True)
    shown = shown.select_related("region").order_by("region__path", "kind", "name", "pk")
    page = Paginator(shown, 50).get_page(request.GET.get("page"))

    # Rows are already visible, so the action rule alone decides; it reads
    # only the scope and the row, no query per row.
    scope = get_scope(request.user)
    may_edit = ACTIONS["edit_duties"]
    rows = [(unit, may_edit(scope, unit)) for unit in page]
    return render(
        request,
        "org/duty_lists.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "totals": totals,
            "can_edit_templates": scope.has(Perm.EDIT_DUTY_TEMPLATES),
        },
    )


# --- editor ------------------------------------------------------------------


def _unit_for(request: HtmxHttpRequest, pk: int, action: str = "edit_duties") -> Unit:
    return get_for_user(request.user, Unit.objects.select_related("region"), pk=pk, action=action)


def _duty_for(request: HtmxHttpRequest, unit: Unit, duty_pk: int) -> Duty:
    return get_for_user(
        request.user,
        Duty.objects.select_related("rlist__unit").filter(rlist__unit=unit),
        pk=duty_pk,
        action="edit_duties",
    )


def _draft_of(unit: Unit) -> ResponsibilityList | None:
    return ResponsibilityList.objects.filter(unit=unit, status=ListStatus.DRAFT).first()


def _current_draft(unit: Unit) -> ResponsibilityList:
    try:
        return services.current_draft(unit=unit)
    except IntegrityError:
        # Another request created the draft in the same instant; the
        # one-draft-per-unit constraint stopped this one. Use theirs.
        return services.current_draft(unit=unit)


def _duties(rlist: ResponsibilityList | None) -> list[Duty]:
    return list(rlist.duties.order_by("order", "pk")) if rlist is not None else []


def _editor_context(request: HtmxHttpRequest, unit: Unit, **extra: Any) -> dict[str, Any]:
    draft = _draft_of(unit)
    published = services.published_list(unit=unit)
    ctx = {
        "unit": unit,
        "draft": draft,
        "published": published,
        "duties": _duties(draft),
        # Without a draft the page shows the published version read-only.
        "published_duties": _duties(published) if draft is None else [],
        "add_form": DutyForm(prefix="add"),
        "can_publish": can(request.user, "publish_duties", unit),
    }
    ctx.update(extra)
    return ctx


def _partials(request: HtmxHttpRequest, *parts: tuple[str, dict[str, Any]]) -> HttpResponse:
    """Render partials of the editor into one htmx response.

    The message area is always cleared out of band, so an old error does
    not outlive the action that fixed it.
    """
    html = "".join(render_to_string(f"{EDITOR}#{name}", ctx, request) for name, ctx in parts)
    html += render_to_string(f"{EDITOR}#messages", {"oob": True}, request)
    return HttpResponse(html)


def _table(
    request: HtmxHttpRequest, unit: Unit, draft: ResponsibilityList, *, fresh_form: bool = False
) -> HttpResponse:
    parts = [("table", {"unit": unit, "draft": draft, "duties": _duties(draft)})]
    if fresh_form:
        parts.append(("add_form", {"unit": unit, "add_form": DutyForm(prefix="add"), "oob": True}))
    return _partials(request, *parts)


def _row(
    request: HtmxHttpRequest, unit: Unit, duty: Duty, partial: str, form: DutyForm | None = None
) -> HttpResponse:
    order = list(duty.rlist.duties.order_by("order", "pk").values_list("pk", flat=True))
    seq = order.index(duty.pk) + 1 if duty.pk in order else ""
    return _partials(request, (partial, {"unit": unit, "d": duty, "seq": seq, "form": form}))


def _refuse(request: HtmxHttpRequest, unit: Unit, message: str) -> HttpResponse:
    """Show why an edit could not happen, without changing anything."""
    if request.htmx:
        response = render(request, f"{EDITOR}#messages", {"error": message})
        return reswap(retarget(response, "#duty-messages"), "outerHTML")
    messages.error(request, message)
    return redirect("org:duty_edit", pk=unit.pk)


def _edit_form(duty: Duty, data: Any = None) -> DutyForm:
    initial = {"category": duty.category, "text": duty.text, "legal_basis": duty.legal_basis}
    return DutyForm(data, prefix=f"duty-{duty.pk}", initial=initial)


@_login_required
@require_GET
def duty_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The editor of the unit's draft.

    Opening the page creates nothing: a draft appears with the first change
    or the "new draft" button. An empty draft left by a mere visit would
    also make template generation skip the unit.
    """
    unit = _unit_for(request, pk)
    ctx = _editor_context(request, unit)
    editing = request.GET.get("edit", "")
    for duty in ctx["duties"]:
        if str(duty.pk) == editing:
            ctx.update(edit_duty=duty, edit_form=_edit_form(duty))
    return render(request, EDITOR, ctx)


@_login_required
@require_POST
def duty_draft(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Start the next version as a draft copied from the published one."""
    unit = _unit_for(request, pk)
    if _draft_of(unit) is None:
        draft = _current_draft(unit)
        messages.success(
            request,
            _("已创建第%(version)s版草稿；发布之前，公开页面仍显示当前发布的版本")
            % {"version": draft.version},
        )
    return redirect("org:duty_edit", pk=unit.pk)


@_login_required
@require_POST
def duty_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request, pk)
    form = DutyForm(request.POST, prefix="add")
    if not form.is_valid():
        if request.htmx:
            response = render(request, f"{EDITOR}#add_form", {"unit": unit, "add_form": form})
            return reswap(retarget(response, "#add-duty-form"), "outerHTML")
        return render(request, EDITOR, _editor_context(request, unit, add_form=form))
    had_draft = _draft_of(unit) is not None
    draft = _current_draft(unit)
    try:
        services.add_duty(rlist=draft, **form.cleaned_data)
    except services.UnableToEditDuties as exc:
        return _refuse(request, unit, str(exc))
    if not had_draft:
        messages.success(
            request, _("已创建第%(version)s版草稿并添加条目") % {"version": draft.version}
        )
        if request.htmx:
            # The page around the table changes too (state, publish button).
            return HttpResponseClientRefresh()
        return redirect("org:duty_edit", pk=unit.pk)
    if request.htmx:
        return _table(request, unit, draft, fresh_form=True)
    messages.success(request, _("已添加条目"))
    return redirect("org:duty_edit", pk=unit.pk)


@_login_required
@require_GET
@vary_on_headers("HX-Request")
def duty_row(request: HtmxHttpRequest, pk: int, duty_pk: int) -> HttpResponse:
    """One row as shown, e.g. when an edit is cancelled."""
    unit = _unit_for(request, pk)
    duty = _duty_for(request, unit, duty_pk)
    if not request.htmx:
        return redirect("org:duty_edit", pk=unit.pk)
    return _row(request, unit, duty, "row")


@_login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def duty_change(request: HtmxHttpRequest, pk: int, duty_pk: int) -> HttpResponse:
    unit = _unit_for(request, pk)
    duty = _duty_for(request, unit, duty_pk)
    if request.method == "GET":
        if duty.rlist.status != ListStatus.DRAFT:
            return _refuse(request, unit, _("该条目属于已发布的版本，不能直接修改，请先新建草稿"))
        if not request.htmx:
            url = reverse("org:duty_edit", args=[unit.pk])
            return redirect(f"{url}?edit={duty.pk}#duty-{duty.pk}")
        return _row(request, unit, duty, "row_edit", _edit_form(duty))

    form = _edit_form(duty, request.POST)
    if not form.is_valid():
        if request.htmx:
            return _row(request, unit, duty, "row_edit", form)
        return render(
            request, EDITOR, _editor_context(request, unit, edit_duty=duty, edit_form=form)
        )
    try:
        services.change_duty(duty=duty, **form.cleaned_data)
    except services.UnableToEditDuties as exc:
        return _refuse(request, unit, str(exc))
    if request.htmx:
        return _row(request, unit, duty, "row")
    messages.success(request, _("已保存修改"))
    return redirect("org:duty_edit", pk=unit.pk)


@_login_required
@require_POST
def duty_remove(request: HtmxHttpRequest, pk: int, duty_pk: int) -> HttpResponse:
    unit = _unit_for(request, pk)
    duty = _duty_for(request, unit, duty_pk)
    try:
        services.remove_duty(duty=duty)
    except services.UnableToEditDuties as exc:
        return _refuse(request, unit, str(exc))
    if request.htmx:
        return _table(request, unit, duty.rlist)
    messages.success(request, _("已删除条目"))
    return redirect("org:duty_edit", pk=unit.pk)


@_login_required
@require_POST
def duty_publish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request, pk, action="publish_duties")
    draft = _draft_of(unit)
    if draft is None:
        messages.error(request, _("没有待发布的草稿"))
    else:
        try:
            services.publish_list(rlist=draft, by=request.user, now=timezone.now())
        except services.UnableToEditDuties as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已发布第%(version)s版责任清单，公开页面已同步更新") % {"version": draft.version},
            )
    if can(request.user, "edit_duties", unit):
        url = reverse("org:duty_edit", args=[unit.pk])
    else:
        url = unit.get_absolute_url()
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- exports -----------------------------------------------------------------


@login_required
@require_GET
def duty_export(request: HtmxHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The latest published list as .docx or .xlsx, for whoever may see the unit."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    unit = get_for_user(request.user, Unit.objects.select_related("region"), pk=pk)
    rlist = services.published_list(unit=unit)
    if rlist is None:
        raise Http404
    rlist.unit = unit
    doc = exports.document_for(rlist)
    render_file, content_type = EXPORT_FORMATS[fmt]
    response = HttpResponse(render_file(doc), content_type=content_type)
    response["Content-Disposition"] = exports.attachment_header(
        exports.filename_for(doc, fmt), fallback=f"duty-list-{unit.pk}-v{rlist.version}.{fmt}"
    )
    response["Cache-Control"] = "private, no-cache"
    return response


# --- templates ---------------------------------------------------------------


def _group_from(data: Any) -> tuple[int, str] | None:
    form = TemplateGroupForm(data)
    if not form.is_valid():
        return None
    return form.cleaned_data["level"], form.cleaned_data["unit_kind"]


def _templates_url(level: int, unit_kind: str) -> str:
    return f"{reverse('org:duty_templates')}?level={level}&unit_kind={unit_kind}"


def _unlisted_units(level: int, unit_kind: str) -> Any:
    """Units :func:`services.generate_lists_from_templates` would give a list."""
    return Unit.objects.filter(region__level=level, kind=unit_kind, duty_lists__isnull=True)


def _templates_page(request: HtmxHttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    group = extra.pop("group", None) or _group_from(request.GET)
    can_edit = has_perm(request.user, Perm.EDIT_DUTY_TEMPLATES)

    entries = DutyTemplate.objects.visible_to(request.user)
    per_group = {
        (row["level"], row["unit_kind"]): row["n"]
        for row in entries.values("level", "unit_kind").annotate(n=Count("pk"))
    }
    has_list = Exists(ResponsibilityList.objects.filter(unit=OuterRef("pk")))
    units = {
        (row["region__level"], row["kind"]): row
        for row in Unit.objects.visible_to(request.user)
        .annotate(has_list=has_list)
        .values("region__level", "kind")
        .annotate(total=Count("pk"), unlisted=Count("pk", filter=Q(has_list=False)))
    }
    kinds = dict(translated_choices(UnitKind))
    groups = [
        {
            "level": level,
            "level_label": _(RegionLevel(level).label),
            "unit_kind": kind,
            "kind_label": kinds.get(kind, kind),
            "templates": per_group.get((level, kind), 0),
            "units": units.get((level, kind), {}).get("total", 0),
            "unlisted": units.get((level, kind), {}).get("unlisted", 0),
            "selected": group == (level, kind),
        }
        for level, kind in sorted(set(per_group) | set(units), key=lambda k: (k[0], str(k[1])))
    ]

    ctx: dict[str, Any] = {
        "groups": groups,
        "group_form": TemplateGroupForm(
            initial={"level": group[0], "unit_kind": group[1]} if group else None
        ),
        "can_edit": can_edit,
        "can_publish": has_perm(request.user, Perm.PUBLISH_DUTIES),
    }
    if group is not None:
        level, unit_kind = group
        unlisted = _unlisted_units(level, unit_kind)
        ctx.update(
            {
                "group": group,
                "level_label": _(RegionLevel(level).label),
                "kind_label": kinds.get(unit_kind, unit_kind),
                "entries": entries.filter(level=level, unit_kind=unit_kind).order_by("order", "pk"),
                "add_form": DutyTemplateForm(),
                "generate_form": GenerateListsForm(
                    initial={"level": level, "unit_kind": unit_kind}
                ),
                "unlisted_count": unlisted.count(),
                "out_of_reach": _out_of_reach(request, unlisted),
                "edit_pk": request.GET.get("edit", ""),
            }
        )
        ctx.update(extra)
        if ctx.get("edit_form") is None and ctx["edit_pk"]:
            for entry in ctx["entries"]:
                if str(entry.pk) == ctx["edit_pk"]:
                    ctx["edit_form"] = DutyTemplateForm(
                        prefix=f"tpl-{entry.pk}",
                        initial={
                            "category": entry.category,
                            "text": entry.text,
                            "legal_basis": entry.legal_basis,
                        },
                    )
    return render(request, "org/duty_templates.html", ctx, status=status)


def _out_of_reach(request: HtmxHttpRequest, units: Any) -> int:
    """How many of ``units`` lie outside what the user may see.

    Templates are shared by the whole city, but generating lists writes to
    units; nobody generates lists for units outside their jurisdiction.
    """
    visible = Unit.objects.visible_to(request.user).values("pk")
    return int(units.exclude(pk__in=visible).count())


@login_required
@require_GET
def duty_templates(request: HtmxHttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    return _templates_page(request)


@login_required
@require_POST
def duty_template_add(request: HtmxHttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.EDIT_DUTY_TEMPLATES)
    group = _group_from(request.POST)
    if group is None:
        messages.error(request, _("请先选择层级和单位类型"))
        return redirect("org:duty_templates")
    form = DutyTemplateForm(request.POST)
    if not form.is_valid():
        return _templates_page(request, group=group, add_form=form)
    level, unit_kind = group
    services.add_duty_template(
        level=level, unit_kind=unit_kind, by=request.user, **form.cleaned_data
    )
    messages.success(request, _("已添加模板条目"))
    return redirect(_templates_url(level, unit_kind))


def _template_for(request: HtmxHttpRequest, tpk: int) -> DutyTemplate:
    require_perm(request.user, Perm.EDIT_DUTY_TEMPLATES)
    return get_for_user(request.user, DutyTemplate, pk=tpk)


@login_required
@require_POST
def duty_template_change(request: HtmxHttpRequest, tpk: int) -> HttpResponse:
    template = _template_for(request, tpk)
    form = DutyTemplateForm(request.POST, prefix=f"tpl-{template.pk}")
    group = (template.level, template.unit_kind)
    if not form.is_valid():
        return _templates_page(request, group=group, edit_pk=str(template.pk), edit_form=form)
    services.change_duty_template(template=template, by=request.user, **form.cleaned_data)
    messages.success(request, _("已保存模板条目；已生成的清单不受影响"))
    return redirect(_templates_url(*group))


@login_required
@require_POST
def duty_template_remove(request: HtmxHttpRequest, tpk: int) -> HttpResponse:
    template = _template_for(request, tpk)
    group = (template.level, template.unit_kind)
    services.remove_duty_template(template=template, by=request.user)
    messages.success(request, _("已删除模板条目"))
    return redirect(_templates_url(*group))


@login_required
@require_POST
def duty_templates_generate(request: HtmxHttpRequest) -> HttpResponse:
    """Give every unit of one level and kind without a list one from the templates."""
    require_perm(request.user, Perm.EDIT_DUTY_TEMPLATES)
    form = GenerateListsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请先选择层级和单位类型"))
        return redirect("org:duty_templates")
    level, unit_kind, publish = (form.cleaned_data[k] for k in ("level", "unit_kind", "publish"))
    if publish:
        require_perm(request.user, Perm.PUBLISH_DUTIES)
    back = _templates_url(level, unit_kind)
    outside = _out_of_reach(request, _unlisted_units(level, unit_kind))
    if outside:
        messages.error(
            request,
            ngettext(
                "其中 %(count)s 个单位不在您的管辖范围内，不能为其生成责任清单",
                "其中 %(count)s 个单位不在您的管辖范围内，不能为其生成责任清单",
                outside,
            )
            % {"count": outside},
        )
        return redirect(back)
    if not DutyTemplate.objects.filter(level=level, unit_kind=unit_kind).exists():
        messages.error(request, _("该层级和单位类型还没有模板条目，请先添加"))
        return redirect(back)

    now = timezone.now()
    count = services.generate_lists_from_templates(
        level=level,
        unit_kind=unit_kind,
        publish_by=request.user if publish else None,
        now=now if publish else None,
    )
    if count == 0:
        messages.info(request, _("该层级和单位类型的单位都已有责任清单，没有生成新清单"))
    elif publish:
        messages.success(
            request,
            ngettext(
                "已为 %(count)s 个单位生成并发布责任清单",
                "已为 %(count)s 个单位生成并发布责任清单",
                count,
            )
            % {"count": count},
        )
    else:
        messages.success(
            request,
            ngettext(
                "已为 %(count)s 个单位生成责任清单草稿，请逐一核对后发布",
                "已为 %(count)s 个单位生成责任清单草稿，请逐一核对后发布",
                count,
            )
            % {"count": count},
        )
    return redirect(back)
