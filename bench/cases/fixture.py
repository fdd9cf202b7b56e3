"""BENCH-ONLY FIXTURE: many cases in consistent states, written fast.

This is **not** a way to create cases in GreenLoop. Cases enter through the
services (``register_case`` and the transitions, or ``import_closed_cases``
for a previous year's ledger); STYLE.md §3 forbids setting ``state`` in
any other way. Driving 100,000 cases through seven transitions each would
take the better part of an hour, so this module writes the rows the
services would have left behind directly, with PostgreSQL ``COPY``:

* each case is in a state of the workflow, with the fields that state
  implies — lead unit and deadline in the working states, ``closed_at``
  exactly when closed, ``is_unfounded`` for unfounded ones, an earlier
  original for duplicates — so every database constraint holds;
* its timeline holds the state-changing entries that lead to that state
  (registered, assigned, rectification started, acceptance requested,
  accepted, re-checked, closed; verified unfounded; merged), at increasing
  times between registration and ``state_changed_at`` — without the stays
  (``CaseStageSpan``) the transitions would also have recorded: the bench
  builds those with the backfill of migration ``cases.0007``, as for cases
  recorded before it;
* some working cases have a cooperating unit (``CaseUnit``), so the
  participant part of the visibility rule has rows to look at.

Numbers take the form ``举报-2025-B012345`` (a ``B`` before six digits), so
they never meet the four-digit numbers the sequences issue. Regions and
units are the demo city's, which must be built first.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from greenloop.cases.models import (
    NUMBER_PREFIXES,
    Case,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseState,
    CaseUnit,
    UnitRole,
)
from greenloop.org.models import Region, RegionLevel, Unit

S = CaseState
EVENT = "greenloop.cases.case."

# Share of each state (per cent); CLOSED includes a few closed as unfounded.
STATE_WEIGHTS = (
    (S.REGISTERED, 3),
    (S.ASSIGNED, 5),
    (S.RECTIFYING, 16),
    (S.ACCEPTANCE_REQUESTED, 4),
    (S.ACCEPTED, 2),
    (S.RECHECKED, 2),
    (S.CLOSED, 60),
    (S.UNFOUNDED, 2),
    (S.DUPLICATE, 6),
)
# The path of entries that leads to each state: (event, from, to).
_LOOP = (
    ("assigned", S.REGISTERED, S.ASSIGNED),
    ("rectification_started", S.ASSIGNED, S.RECTIFYING),
    ("acceptance_requested", S.RECTIFYING, S.ACCEPTANCE_REQUESTED),
    ("accepted", S.ACCEPTANCE_REQUESTED, S.ACCEPTED),
    ("rechecked", S.ACCEPTED, S.RECHECKED),
    ("closed", S.RECHECKED, S.CLOSED),
)
_LOOP_ORDER = [S.REGISTERED] + [to for _e, _f, to in _LOOP]
_ALLOWED_DAYS = (15, 30, 30, 60, 90, 180)
_NAMES = ("王调度", "李经办", "张验收", "刘复核", "陈分局", "赵乡镇")


@dataclass(frozen=True, slots=True)
class _Places:
    """Regions with the units that lead cases there."""

    regions: list[tuple[Region, str]]  # (region, county code or "")
    county_government: dict[str, int]
    county_branch: dict[str, int]
    departments: list[int]


def _places() -> _Places:
    regions = list(Region.objects.order_by("code"))
    by_level: dict[int, list[Region]] = {}
    for r in regions:
        by_level.setdefault(r.level, []).append(r)
    counties = {r.code for r in by_level[RegionLevel.COUNTY]}

    def county_of(r: Region) -> str:
        found = [c for c in r.path.split("/") if c in counties]
        return found[0] if found else ""

    weighted: list[tuple[Region, str]] = []
    # Mostly villages, some townships, a few counties and the city itself.
    for level, copies in (
        (RegionLevel.VILLAGE, 9),
        (RegionLevel.TOWNSHIP, 12),
        (RegionLevel.COUNTY, 25),
        (RegionLevel.CITY, 150),
    ):
        for r in by_level.get(level, []):
            weighted.extend([(r, county_of(r))] * copies)
    units = dict(Unit.objects.values_list("code", "pk"))
    city = by_level[RegionLevel.CITY][0].code
    return _Places(
        regions=weighted,
        county_government={c: units[f"{c}-ZF"] for c in counties},
        county_branch={c: units[f"{c}-STHJ"] for c in counties},
        departments=[pk for code, pk in units.items() if code.startswith(city + "-")],
    )


def _copy(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def build_cases(count: int, *, now: dt.datetime, seed: int = 2026) -> dict[str, int]:
    """Write ``count`` cases with their timelines; return rows per table.

    1. Plan every case (state, place, lead, dates) from ``seed``.
    2. COPY the cases with explicit ids after the current largest, then
       their units and entries; move the id sequences on.
    3. ANALYZE the tables, as autovacuum would after a load.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("the bench fixture writes with PostgreSQL COPY")
    rng = random.Random(f"greenloop-bench-cases:{seed}")
    places = _places()
    sources = list(CaseSource.values)
    categories = list(CaseCategory.values)
    states = [s for s, _w in STATE_WEIGHTS]
    weights = [w for _s, w in STATE_WEIGHTS]
    today = timezone.localdate(now)
    start = now - dt.timedelta(days=3 * 365)
    first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_event = (CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    case_cols = _columns(Case)
    event_cols = _columns(CaseEvent)
    unit_cols = [c for c in _columns(CaseUnit) if c != "id"]
    cases: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    case_units: list[tuple[Any, ...]] = []
    originals: list[int] = []
    event_id = first_event

    for n in range(count):
        pk = first_id + n
        state = rng.choices(states, weights)[0]
        if state == S.DUPLICATE and not originals:
            state = S.REGISTERED
        region, county = rng.choice(places.regions)
        source = rng.choice(sources)
        created = start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400 - 86400))
        allowed = rng.choice(_ALLOWED_DAYS)
        due = timezone.localdate(created) + dt.timedelta(days=allowed)
        unfounded_closed = state == S.CLOSED and rng.random() < 0.05
        if not county or rng.random() < 0.25:
            lead = rng.choice(places.departments)
        elif rng.random() < 0.55:
            lead = places.county_government[county]
        else:
            lead = places.county_branch[county]
        if state in (S.CLOSED, S.UNFOUNDED, S.DUPLICATE):
            # Finished: closed within (or a little after) the time allowed.
            span = dt.timedelta(days=rng.uniform(1, allowed * 1.1))
            end = min(created + span, now - dt.timedelta(minutes=5))
        else:
            # Still open: most within their time, some overdue (red cards).
            end = created + (now - created) * rng.uniform(0.05, 0.95)
            if rng.random() < 0.8 and state != S.REGISTERED:
                due = max(due, today + dt.timedelta(days=rng.randrange(0, 120)))
        if state == S.UNFOUNDED or unfounded_closed:
            path = [("verified_unfounded", S.REGISTERED, S.UNFOUNDED)]
            if state == S.CLOSED:
                path.append(("closed", S.UNFOUNDED, S.CLOSED))
        elif state == S.DUPLICATE:
            path = [("merged", S.REGISTERED, S.DUPLICATE)]
        else:
            path = list(_LOOP[: _LOOP_ORDER.index(state)])
        stamps = sorted(created + (end - created) * rng.random() for _ in range(len(path)))
        if path:
            stamps[-1] = end
        working = state in {
            S.ASSIGNED,
            S.RECTIFYING,
            S.ACCEPTANCE_REQUESTED,
            S.ACCEPTED,
            S.RECHECKED,
        }
        has_deadline = working or (state == S.CLOSED and not unfounded_closed)
        started = state not in (S.REGISTERED, S.ASSIGNED, S.UNFOUNDED, S.DUPLICATE)
        values = {
            "id": pk,
            "number": f"{NUMBER_PREFIXES[source]}-{created.year}-B{n + 1:06d}",
            "external_number": "",
            "source": source,
            "inspection_round_id": None,
            "batch_id": None,
            "feedback_aspect": "",
            "title": f"基准问题{n + 1}",
            "description": "",
            "category": rng.choice(categories),
            "problem_count": 1,
            "region_id": region.pk,
            "address": "",
            "longitude": None,
            "latitude": None,
            "enterprise_name": "",
            "is_key": rng.random() < 0.05,
            "lead_unit_id": lead if has_deadline else None,
            "responsible_leader_id": None,
            "rectification_target": "",
            "rectification_measures": "",
            "due_date": due if has_deadline else None,
            "next_due_date": due if has_deadline else None,
            "state": state,
            "state_changed_at": stamps[-1] if path else created,
            "version": 1 + len(path),
            "rectification_cycle": 1 if started and not unfounded_closed else 0,
            "is_unfounded": state == S.UNFOUNDED or unfounded_closed,
            "verification_finding": "经核查不属实"
            if (state == S.UNFOUNDED or unfounded_closed)
            else "",
            "duplicate_of_id": rng.choice(originals) if state == S.DUPLICATE else None,
            "closed_at": stamps[-1] if state == S.CLOSED else None,
            "created_at": created,
            "created_by_id": None,
            "updated_at": stamps[-1] if path else created,
        }
        cases.append(tuple(values[c] for c in case_cols))
        if state not in (S.DUPLICATE, S.UNFOUNDED) and not unfounded_closed:
            originals.append(pk)
        if values["lead_unit_id"] is not None and county and rng.random() < 0.3:
            other = (
                places.county_branch[county]
                if values["lead_unit_id"] != places.county_branch[county]
                else places.county_government[county]
            )
            case_units.append((pk, other, UnitRole.COOPERATING))
        entries = [
            ("registered", "", S.REGISTERED, created),
            *[(*p, t) for p, t in zip(path, stamps, strict=True)],
        ]
        for event, from_state, to_state, at in entries:
            row = {
                "id": event_id,
                "case_id": pk,
                "action": EVENT + event,
                "at": at,
                "actor_id": None,
                "actor_name": rng.choice(_NAMES),
                "actor_unit": "",
                "actor_roles": Jsonb([]),
                "from_state": from_state,
                "to_state": to_state,
                "comment": "",
                "data": Jsonb({}),
            }
            events.append(tuple(row[c] for c in event_cols))
            event_id += 1

    _copy(Case, case_cols, cases)
    _copy(CaseUnit, unit_cols, case_units)
    _copy(CaseEvent, event_cols, events)
    with connection.cursor() as cursor:
        for model in (Case, CaseEvent):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        for model in (Case, CaseEvent, CaseUnit):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {"cases": len(cases), "events": len(events), "case_units": len(case_units)}
