"""Scoped reads shared by the pages and the API of rounds, 回头看,
accountability and statistics: what one user sees, filtered the same way
on both interfaces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from greenloop.cases import statistics
from greenloop.cases.access_rules import beyond_territory_q
from greenloop.cases.models import (
    AccountabilityRecord,
    Case,
    InspectionBatch,
    InspectionRound,
)
from greenloop.org.access import get_scope
from greenloop.org.models import Region


def default_parent(user: Any) -> Region | None:
    """The region whose children the statistics list: the user's
    territory, else the root."""
    path = get_scope(user).region_path
    if path:
        return Region.objects.filter(path=path).first()
    return Region.objects.filter(parent__isnull=True).order_by("pk").first()


def accountability_records(
    user: Any,
    *,
    inspection_round: int | None = None,
    form: str | None = None,
    unit: int | None = None,
    decided_from: dt.date | None = None,
    decided_to: dt.date | None = None,
    q: str | None = None,
) -> QuerySet[AccountabilityRecord]:
    """The records ``user`` sees, filtered, newest first, with only the
    linked cases they see prefetched."""
    records = (
        AccountabilityRecord.objects.visible_to(user)
        .select_related("unit", "inspection_round")
        .prefetch_related(
            Prefetch("cases", queryset=Case.objects.visible_to(user).order_by("number"))
        )
        .order_by("-decided_date", "-pk")
    )
    if inspection_round is not None:
        records = records.filter(inspection_round_id=inspection_round)
    if form:
        records = records.filter(form=form)
    if unit is not None:
        records = records.filter(unit_id=unit)
    if decided_from is not None:
        records = records.filter(decided_date__gte=decided_from)
    if decided_to is not None:
        records = records.filter(decided_date__lte=decided_to)
    if q and q.strip():
        text = q.strip()
        records = records.filter(
            Q(person_name__icontains=text)
            | Q(unit_name__icontains=text)
            | Q(reason__icontains=text)
        )
    return records


@dataclass(frozen=True, slots=True)
class StatisticsFilters:
    region: Region | None = None
    inspection_round: InspectionRound | None = None
    batch: InspectionBatch | None = None
    source: str = ""
    category: str = ""
    # Beijing dates of registration (created_at).
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None


def statistics_cases(user: Any, f: StatisticsFilters) -> tuple[QuerySet[Case], Region | None]:
    """The cases the statistics count for ``user`` and the region whose
    children the region table lists."""
    qs: QuerySet[Case] = Case.objects.visible_to(user)
    parent = default_parent(user)
    if f.region is not None:
        qs = qs.filter(region__path__startswith=f.region.path)
        parent = f.region
    if f.inspection_round is not None:
        qs = qs.filter(inspection_round=f.inspection_round)
    if f.batch is not None:
        qs = qs.filter(batch=f.batch)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.registered_from is not None:
        qs = qs.filter(created_at__date__gte=f.registered_from)
    if f.registered_to is not None:
        qs = qs.filter(created_at__date__lte=f.registered_to)
    return qs, parent


def statistics_for(user: Any, f: StatisticsFilters, today: dt.date) -> statistics.CaseStatistics:
    """Every figure of the statistics page and endpoint for ``user``."""
    cases, parent = statistics_cases(user, f)
    rounds = dict(InspectionRound.objects.visible_to(user).values_list("pk", "name"))
    batches = None
    if f.inspection_round is not None:
        # Every batch of the round, or the one chosen.
        chosen = [f.batch] if f.batch is not None else f.inspection_round.batches.order_by("number")
        batches = {b.pk: _("第%(number)s批") % {"number": b.number} for b in chosen}
    return statistics.case_statistics(
        cases,
        today,
        parent=parent,
        rounds=rounds,
        batches=batches,
        beyond=beyond_territory_q(get_scope(user)) if f == StatisticsFilters() else None,
    )
