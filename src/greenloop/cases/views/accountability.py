"""问责 pages: the records the reader sees, with counts per round and per
form; the office records new ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from greenloop.cases import campaign_queries, services, statistics
from greenloop.cases.errors import UnableToActOnCase
from greenloop.cases.forms_campaigns import AccountabilityFilterForm, AccountabilityRecordForm
from greenloop.cases.models import AccountabilityRecord, Case
from greenloop.cases.views.campaigns import viewer
from greenloop.org.access import has_perm, require_perm
from greenloop.org.roles import Perm


@login_required
@require_GET
def accountability_list(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = AccountabilityFilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    chosen_round = filters.get("inspection_round")
    records = campaign_queries.accountability_records(
        user,
        inspection_round=chosen_round.pk if chosen_round else None,
        form=filters.get("form") or None,
        decided_from=filters.get("decided_from"),
        decided_to=filters.get("decided_to"),
        q=filters.get("q"),
    )
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    everything = AccountabilityRecord.objects.visible_to(user)
    return render(
        request,
        "cases/accountability_list.html",
        {
            "form": form,
            "page": page,
            "shown": statistics.accountability_totals(records),
            "totals": statistics.accountability_totals(everything),
            "by_round": statistics.accountability_counts(everything, "inspection_round"),
            "by_form": statistics.accountability_counts(everything, "form"),
            "can_create": has_perm(user, Perm.EDIT_CASES),
            "defs": statistics.get_definitions(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def accountability_create(request: HttpRequest) -> HttpResponse:
    """The office records one decision about one person."""
    user = viewer(request)
    require_perm(user, Perm.EDIT_CASES)
    if request.method == "POST":
        form = AccountabilityRecordForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            numbers = data["case_numbers"]
            cases = list(Case.objects.visible_to(user).filter(number__in=numbers))
            missing = sorted(set(numbers) - {c.number for c in cases})
            if missing:
                form.add_error(
                    "case_numbers",
                    _("以下编号的问题不存在或不在您的管辖范围内：%(numbers)s")
                    % {
                        "numbers": pgettext("separator between names in a list", "、").join(missing)
                    },
                )
            else:
                try:
                    record = services.record_accountability(
                        by=user,
                        now=timezone.now(),
                        person_name=data["person_name"],
                        form=data["form"],
                        reason=data["reason"],
                        decided_date=data["decided_date"],
                        unit=data["unit"],
                        unit_name=data["unit_name"],
                        post=data["post"],
                        inspection_round=data["inspection_round"],
                        cases=cases,
                    )
                except UnableToActOnCase as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        _("已录入对%(name)s的问责情况") % {"name": record.person_name},
                    )
                    return redirect("cases:accountability_list")
    else:
        form = AccountabilityRecordForm(user=user, initial={"decided_date": timezone.localdate()})
    return render(request, "cases/accountability_form.html", {"form": form})
