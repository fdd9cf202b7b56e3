"""Lists of cases: the filtered list with saved views and bulk assignment,
my inbox, the overdue board, and the figures on the home page.

Every query starts from ``Case.objects.visible_to(user)``; each page asks
the database a fixed number of questions whatever the number of rows
(``select_related`` for the row's region and lead unit, no lookups per row).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from greenloop.cases import services
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms import (
    BulkAssignForm,
    CaseFilterForm,
    SavedViewForm,
    region_filter_choices,
    visible_regions,
)
from greenloop.cases.models import (
    OPEN_STATES,
    Case,
    CaseQuerySet,
    CaseState,
    InspectionBatch,
    InspectionRound,
    SavedView,
    yellow_card_days,
)
from greenloop.cases.views._common import (
    PER_PAGE,
    HtmxHttpRequest,
    form_problems,
    login_required_htmx,
    safe_next,
    viewer,
)
from greenloop.cases.workflow import TRANSITIONS
from greenloop.org.access import Scope, get_scope, require_perm
from greenloop.org.models import Region, Unit
from greenloop.org.roles import Perm


def _card_filters(today: dt.date) -> tuple[Q, Q]:
    open_ = Q(state__in=sorted(OPEN_STATES))
    red = open_ & Q(next_due_date__lt=today)
    yellow = open_ & Q(
        next_due_date__gte=today,
        next_due_date__lte=today + dt.timedelta(days=yellow_card_days()),
    )
    return red, yellow


class _CountedPaginator(Paginator):
    """A paginator told its count: the list already has it from the counts
    by state, so it asks no ``COUNT(*)`` of its own."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _list_url(items: list[tuple[str, str]]) -> str:
    base = reverse("cases:list")
    return f"{base}?{urlencode(items)}" if items else base


# --- the list ------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """问题清单: filters as GET parameters, counts by state over the other
    filters, red/yellow badges, saved views, bulk assignment."""
    user = viewer(request)
    scope = get_scope(user)
    today = timezone.localdate()
    form = CaseFilterForm(request.GET, user=user)
    visible = cast(CaseQuerySet, Case.objects.visible_to(user))

    # One query: rows per state (and lead unit) over every filter but the
    # state, with cards. It also gives the page count and, when nothing
    # but the state narrows the list, the lead units to filter by: on a
    # large table each further pass over the visible cases costs as much.
    red, yellow = _card_filters(today)
    unfiltered = not form.query_items(exclude=("state", "sort"))
    per_state: dict[str, dict[str, int]] = {}
    lead_units: set[int] = set()
    for row in (
        form.apply(visible, today, with_state=False)
        .order_by()
        .values("state", "lead_unit_id")
        .annotate(n=Count("pk"), red=Count("pk", filter=red), yellow=Count("pk", filter=yellow))
    ):
        totals = per_state.setdefault(row["state"], {"n": 0, "red": 0, "yellow": 0})
        for figure in ("n", "red", "yellow"):
            totals[figure] += row[figure]
        if row["lead_unit_id"] is not None:
            lead_units.add(row["lead_unit_id"])
    other = form.query_items(exclude=("state",))
    chosen = {s for s in form.value("state") or [] if s}
    # The rows are the same cases narrowed by the state, as form.apply does.
    wanted = (chosen - {CaseFilterForm.OPEN}) | (
        set(OPEN_STATES) if CaseFilterForm.OPEN in chosen else set()
    )
    row_count = sum(r["n"] for s, r in per_state.items() if not chosen or s in wanted)
    state_tabs = [
        {
            "value": "",
            "label": _("全部"),
            "count": sum(r["n"] for r in per_state.values()),
            "url": _list_url(other),
            "active": not chosen,
        },
        {
            "value": CaseFilterForm.OPEN,
            "label": _("在办"),
            "count": sum(r["n"] for s, r in per_state.items() if s in OPEN_STATES),
            "url": _list_url([*other, ("state", CaseFilterForm.OPEN)]),
            "active": chosen == {CaseFilterForm.OPEN},
        },
    ] + [
        {
            "value": value,
            "label": label,
            "count": per_state.get(value, {}).get("n", 0),
            "url": _list_url([*other, ("state", value)]),
            "active": chosen == {value},
        }
        for value, label in form.fields["state"].choices[2:]  # type: ignore[attr-defined]
    ]
    cards = {
        "red": sum(r["red"] for r in per_state.values()),
        "yellow": sum(r["yellow"] for r in per_state.values()),
        "red_url": _list_url([*form.query_items(exclude=("deadline",)), ("deadline", "overdue")]),
        "yellow_url": _list_url(
            [*form.query_items(exclude=("deadline",)), ("deadline", "due_soon")]
        ),
    }

    rows = (
        form.apply(visible, today).select_related("region", "lead_unit").order_by(*form.ordering())
    )
    page = _CountedPaginator(rows, PER_PAGE, count=row_count).get_page(request.GET.get("page"))
    for case in page:
        case.card = case.get_card(today)

    if not unfiltered:
        lead_units = set(
            visible.exclude(lead_unit=None).order_by().values_list("lead_unit_id", flat=True)
        )
    rounds = list(InspectionRound.objects.visible_to(user).order_by("-pk"))
    can_assign = scope.has(Perm.ASSIGN_CASES)
    query = urlencode(form.query_items())
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "state_tabs": state_tabs,
            "cards": cards,
            "region_choices": region_filter_choices(user),
            "unit_choices": Unit.objects.filter(pk__in=sorted(lead_units))
            .order_by("name", "pk")
            .only("pk", "name"),
            "rounds": rounds,
            "batches": (
                InspectionBatch.objects.visible_to(user)
                .select_related("inspection_round")
                .order_by("-inspection_round_id", "number")
                if rounds
                else []
            ),
            "saved_views": SavedView.objects.owned_by(user).order_by("name", "pk"),
            "saved_view_form": SavedViewForm(initial={"query": query}),
            "can_register": scope.has(Perm.REGISTER_CASES),
            "can_assign": can_assign,
            "this_url": request.get_full_path(),
            "REGISTERED": CaseState.REGISTERED,
        },
    )


@login_required_htmx
@require_GET
@vary_on_headers("HX-Request")
def bulk_assign_form(request: HtmxHttpRequest) -> HttpResponse:
    """The bulk-assign panel's fields (unit selects of some 700 options each),
    fetched by the list page when the panel is opened; without htmx, the
    form as a page of its own."""
    user = viewer(request)
    require_perm(user, Perm.ASSIGN_CASES)
    context = {
        "bulk_form": BulkAssignForm(user=user, auto_id="id_bulk_%s"),
        "this_url": safe_next(request, reverse("cases:list")),
    }
    if request.htmx:
        return render(request, "cases/bulk_assign_form.html#fields", context)
    return render(request, "cases/bulk_assign_form.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """交办 the ticked registered cases; each case on its own (see
    ``services.assign_cases``), every refusal named."""
    user = viewer(request)
    require_perm(user, Perm.ASSIGN_CASES)
    back = safe_next(request, reverse("cases:list"))
    form = BulkAssignForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect(back)
    data = form.cleaned_data
    try:
        result = services.assign_cases(
            by=user,
            now=timezone.now(),
            versions=data["cases"],
            lead_unit=data["lead_unit"],
            due_date=data["due_date"],
            cooperating_units=list(data["cooperating_units"]),
            comment=data["comment"],
        )
    except UnableToActOnCase as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if result.assigned:
        messages.success(
            request,
            _("已交办%(count)d件问题：%(numbers)s")
            % {
                "count": len(result.assigned),
                "numbers": pgettext("separator between names in a list", "、").join(
                    c.number for c in result.assigned
                ),
            },
        )
    for number, reason in result.refused:
        messages.error(
            request, _("%(number)s 未交办：%(reason)s") % {"number": number, "reason": reason}
        )
    return redirect(back)


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return redirect("cases:list")
    # Stored as the filter form would write it: known, valid keys only.
    normalised = CaseFilterForm(QueryDict(form.cleaned_data["query"]), user=user)
    query = urlencode(normalised.query_items(exclude=("page",)))
    try:
        view = services.save_view(
            by=user, now=timezone.now(), name=form.cleaned_data["name"], query=query
        )
    except UnableToActOnCase as exc:
        messages.error(request, str(exc))
        return redirect(_query_url(query))
    messages.success(request, _("已保存常用筛选“%(name)s”") % {"name": view.name})
    return redirect(_query_url(view.query))


def _query_url(query: str) -> str:
    base = reverse("cases:list")
    return f"{base}?{query}" if query else base


@login_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    try:
        services.delete_view(by=user, view_id=pk)
    except UnableToActOnCase as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除常用筛选"))
    return redirect(safe_next(request, reverse("cases:list")))


# --- my inbox ------------------------------------------------------------------


def _todo_by_state(scope: Scope) -> dict[str, list[str]]:
    """What a holder of these permissions does to a case waiting in each
    state (the inbox rows of the transition table)."""
    todo: dict[str, list[str]] = {}
    for t in TRANSITIONS:
        if t.inbox and scope.has(t.perm):
            labels = todo.setdefault(t.source, [])
            if _(t.label) not in labels:
                labels.append(_(t.label))
    return todo


def _todo(case: Case, scope: Scope, by_state: dict[str, list[str]]) -> list[str]:
    if case.state == CaseState.RECTIFYING:
        if case.lead_unit_id in scope.unit_ids:
            return [_("报送整改进展"), _("申请验收")]
        return [_("报送整改进展（配合）")]
    return by_state.get(case.state, [])


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """我的待办: the cases the user must act on now, soonest deadline first."""
    user = viewer(request)
    scope = get_scope(user)
    today = timezone.localdate()
    qs = (
        Case.objects.in_inbox(user)
        .select_related("region", "lead_unit")
        .order_by(F("next_due_date").asc(nulls_last=True), "pk")
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    by_state = _todo_by_state(scope)
    for case in page:
        case.card = case.get_card(today)
        case.todo = _todo(case, scope, by_state)
    return render(request, "cases/inbox.html", {"page": page})


# --- overdue board -------------------------------------------------------------


def _board_parent(request: HttpRequest, user: Any) -> Region | None:
    code = request.GET.get("region", "").strip()
    regions = visible_regions(user)
    if code:
        found = regions.filter(code=code).first()
        if found is not None:
            return found  # type: ignore[no-any-return]
    # The highest region in reach: the county for a county, the city for
    # the city and for departments (whose reach is the path to their seat).
    return regions.first()  # type: ignore[no-any-return]


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """超期督办: open cases, yellow and red cards per child region and per
    lead unit, each figure a link to the list it counts."""
    user = viewer(request)
    today = timezone.localdate()
    visible = cast(CaseQuerySet, Case.objects.visible_to(user))
    parent = _board_parent(request, user)

    by_region = visible.counts_by_region(parent, today) if parent is not None else []
    region_codes = set(
        visible_regions(user)
        .filter(code__in=[r["key"] for r in by_region])
        .values_list("code", flat=True)
    )
    drillable = set(
        Region.objects.filter(code__in=region_codes, children__isnull=False)
        .exclude(code=parent.code if parent else "")
        .values_list("code", flat=True)
    )
    region_rows = [
        {**r, "linkable": r["key"] in region_codes, "drill": r["key"] in drillable}
        for r in by_region
    ]
    by_unit = sorted(
        visible.counts_by_unit(today), key=lambda r: (-r["red"], -r["yellow"], r["name"])
    )
    unit_ids = set(
        Unit.objects.visible_to(user)
        .filter(pk__in=[int(r["key"]) for r in by_unit if r["key"]])
        .values_list("pk", flat=True)
    )
    unit_rows = [{**r, "linkable": r["key"] and int(r["key"]) in unit_ids} for r in by_unit]
    red, yellow = _card_filters(today)
    scoped = visible.filter(region__path__startswith=parent.path) if parent else visible
    totals = scoped.order_by().aggregate(
        open=Count("pk", filter=Q(state__in=sorted(OPEN_STATES))),
        red=Count("pk", filter=red),
        yellow=Count("pk", filter=yellow),
    )
    ancestors = []
    if parent is not None and parent.parent_id:
        ancestors = list(
            visible_regions(user).filter(
                code__in=[c for c in parent.path.split("/") if c and c != parent.code]
            )
        )
    return render(
        request,
        "cases/overdue.html",
        {
            "parent": parent,
            "ancestors": ancestors,
            "region_rows": region_rows,
            "unit_rows": unit_rows,
            "totals": totals,
            "yellow_days": yellow_card_days(),
            "today": today,
        },
    )


# --- the home page -----------------------------------------------------------------


def home_context(user: Any) -> dict[str, Any]:
    """The home page's case card: my inbox and the red and yellow cards in
    reach. Empty for users without ``cases.view``."""
    if not get_scope(user).has(Perm.VIEW_CASES):
        return {}
    today = timezone.localdate()
    red, yellow = _card_filters(today)
    cards = (
        Case.objects.visible_to(user)
        .order_by()
        .aggregate(red=Count("pk", filter=red), yellow=Count("pk", filter=yellow))
    )
    return {
        "case_counts": {
            "inbox": Case.objects.in_inbox(user).count(),
            "red": cards["red"],
            "yellow": cards["yellow"],
        }
    }
