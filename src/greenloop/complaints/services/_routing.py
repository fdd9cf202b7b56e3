"""Where a petition goes: the suggested region and unit, and routing.

* **Region** — with a position: the deepest region whose GeoJSON boundary
  contains the point, walking down the region tree (city → county →
  township → village), then the deepest grid below it that contains the
  point (a village grid names its village). Without a position, or outside
  every boundary: the most specific region named in the address text.
* **Unit** — the responsibility lists (责任清单): among units seated in that
  region or a region above it, those whose *published* list carries a duty
  of the report's kind (大气 → 大气污染防治 …); the nearest region first, and
  there the territorial government before departments. No list says it: the
  government of the county the region lies in.

The dispatcher confirms or changes both; :func:`route_petition` then makes
each problem a case through the case engine and assigns it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from greenloop.cases import services as case_services
from greenloop.cases.models import Case, CaseCategory, CaseSource, CaseState
from greenloop.complaints.models import Channel, Petition, PetitionState
from greenloop.complaints.services._base import (
    UnableToActOnPetition,
    log,
    require,
    require_state,
    today_of,
    transition,
)
from greenloop.complaints.services._photos import photo_files
from greenloop.complaints.signals import registering_for_petition
from greenloop.org.models import (
    DutyCategory,
    Grid,
    ListStatus,
    Region,
    RegionLevel,
    Unit,
    UnitKind,
)

# Which case source a petition's problems get, per channel (cases.md).
CASE_SOURCE: dict[str, str] = {
    Channel.WEB: CaseSource.PUBLIC_REPORT,
    Channel.HOTLINE: CaseSource.HOTLINE_12369,
    Channel.LETTER: CaseSource.PUBLIC_REPORT,
    Channel.VISIT: CaseSource.PUBLIC_REPORT,
    Channel.INSPECTION: CaseSource.INSPECTION_PETITION,
    Channel.OTHER: CaseSource.OTHER,
}

# The responsibility-list category that answers for each kind of problem.
DUTY_FOR_CATEGORY: dict[str, str] = {
    CaseCategory.AIR: DutyCategory.AIR,
    CaseCategory.WATER: DutyCategory.WATER,
    CaseCategory.SOIL: DutyCategory.SOIL,
    CaseCategory.WASTE: DutyCategory.WASTE,
    CaseCategory.ECOLOGY: DutyCategory.ECOLOGY,
    CaseCategory.NOISE: DutyCategory.SUPERVISION,
    CaseCategory.RADIATION: DutyCategory.SUPERVISION,
    CaseCategory.OTHER: DutyCategory.SUPERVISION,
}


def _geometry(geojson: Any) -> BaseGeometry | None:
    """A shapely geometry from a GeoJSON geometry, Feature or collection."""
    if not isinstance(geojson, dict):
        return None
    try:
        kind = geojson.get("type")
        if kind == "Feature":
            return _geometry(geojson.get("geometry"))
        if kind == "FeatureCollection":
            parts = [_geometry(f) for f in geojson.get("features", [])]
            parts = [p for p in parts if p is not None]
            if not parts:
                return None
            union = parts[0]
            for p in parts[1:]:
                union = union.union(p)
            return union
        return shape(geojson)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def _contains(geojson: Any, point: Point) -> bool:
    geometry = _geometry(geojson)
    return geometry is not None and geometry.covers(point)


def region_at(longitude: float, latitude: float) -> Region | None:
    """The deepest region (or grid's region) whose boundary holds the point."""
    point = Point(longitude, latitude)
    found: Region | None = None
    frontier = list(Region.objects.filter(parent__isnull=True).exclude(boundary=None))
    while frontier:
        inside = next((r for r in frontier if _contains(r.boundary, point)), None)
        if inside is None:
            break
        found = inside
        frontier = list(inside.children.exclude(boundary=None).order_by("code"))
    grids = Grid.objects.exclude(boundary=None).select_related("region")
    if found is not None:
        grids = grids.filter(region__path__startswith=found.path)
    best: Region | None = None
    for grid in grids.order_by("-level", "code").iterator():
        if (best is None or grid.region.level > best.level) and _contains(grid.boundary, point):
            best = grid.region
            if best.level == RegionLevel.VILLAGE:
                break
    if best is not None and (found is None or best.level > found.level):
        return best
    return found


def region_named_in(address: str) -> Region | None:
    """The most specific region whose name appears in ``address``."""
    address = (address or "").strip()
    if len(address) < 2:
        return None
    named = [
        (level, len(name), path, pk)
        for pk, name, level, path in Region.objects.values_list("pk", "name", "level", "path")
        if len(name) >= 2 and name in address
    ]
    if not named:
        return None
    # Deepest first; among equals the longer name; a region under another
    # named one is preferred to an unrelated one of the same level.
    named.sort(key=lambda r: (-r[0], -r[1], r[2]))
    return Region.objects.get(pk=named[0][3])


def suggest_region(
    *, longitude: float | None, latitude: float | None, address: str
) -> Region | None:
    if longitude is not None and latitude is not None:
        found = region_at(longitude, latitude)
        if found is not None:
            return found
    return region_named_in(address)


def suggest_unit(*, region: Region | None, category: str) -> Unit | None:
    if region is None:
        return None
    codes = [c for c in region.path.split("/") if c]
    depth = {code: i for i, code in enumerate(codes)}
    duty = DUTY_FOR_CATEGORY.get(category, DutyCategory.SUPERVISION)
    units = list(
        Unit.objects.filter(
            region__code__in=codes,
            duty_lists__status=ListStatus.PUBLISHED,
            duty_lists__duties__category=duty,
        )
        .select_related("region")
        .distinct()
    )
    if units:
        units.sort(
            key=lambda u: (
                -depth[u.region.code],
                0 if u.kind == UnitKind.GOVERNMENT else 1 if u.governs_territory else 2,
                u.code,
            )
        )
        return units[0]
    # No list names it: the government of the county-level region above.
    county = next((r for r in region.ancestors() if r.level == RegionLevel.COUNTY), None) or region
    return Unit.objects.filter(region=county, kind=UnitKind.GOVERNMENT).order_by("code").first()


def case_title(petition: Petition, category: str) -> str:
    kind = _(CaseCategory(category).label)
    where = petition.enterprise_name or petition.address
    if where:
        where = case_services.mask_personal_data(where)
        return f"{kind}：{where}"[:200]
    return f"{kind}：{petition.number}"


@transaction.atomic
def route_petition(
    *,
    petition: Petition,
    by: Any,
    now: dt.datetime,
    region: Region | None,
    lead_unit: Unit | None,
    due_date: dt.date | None = None,
    responsible_units: Sequence[Unit] = (),
    cooperating_units: Sequence[Unit] = (),
    comment: str = "",
) -> Petition:
    """交办: every problem becomes a case (source by channel) in ``region``,
    with the petition's photos as attachments, assigned to ``lead_unit``
    with the deadline (default: the petition's). Nothing about who reported
    goes into the case; personal data in the text is masked."""
    require(by, "complaints.handle", petition, _("您的角色不能交办信访件"))
    require_state(petition, {PetitionState.RECEIVED}, _("交办"))
    if region is None:
        raise UnableToActOnPetition(_("请确认属地（行政区域）"))
    if lead_unit is None:
        raise UnableToActOnPetition(_("请确认承办单位"))
    due = due_date or petition.due_date
    if due < today_of(now):
        raise UnableToActOnPetition(
            _("办理时限%(date)s已过，请指定不早于今天的时限") % {"date": due.isoformat()}
        )
    problems = list(petition.problems.select_related("case").order_by("seq"))
    if not problems:
        raise UnableToActOnPetition(_("信访件没有反映问题，不能交办"))
    files = photo_files(petition)
    source = CASE_SOURCE.get(petition.channel, CaseSource.OTHER)
    numbers: list[str] = []
    # The cases' own registration and assignment must not re-enter the
    # signal receivers (signals.py): this service writes the petition.
    with registering_for_petition():
        for problem in problems:
            case = problem.case
            if case is None:
                case = case_services.register_case(
                    by=by,
                    now=now,
                    source=source,
                    title=case_title(petition, problem.category),
                    category=problem.category,
                    region=region,
                    description=case_services.mask_personal_data(problem.description),
                    external_number=petition.number,
                    batch=petition.batch,
                    address=case_services.mask_personal_data(petition.address),
                    longitude=petition.longitude,
                    latitude=petition.latitude,
                    enterprise_name=petition.enterprise_name,
                    files=files,
                )
                problem.case = case
                problem.save(update_fields=["case"])
            if case.state == CaseState.REGISTERED:
                case = case_services.assign_case(
                    case=case,
                    by=by,
                    now=now,
                    version=case.version,
                    lead_unit=lead_unit,
                    due_date=due,
                    responsible_units=responsible_units,
                    cooperating_units=cooperating_units,
                    comment=comment,
                )
            numbers.append(case.number)
    petition = transition(
        petition,
        sources={PetitionState.RECEIVED},
        target=PetitionState.ROUTED,
        now=now,
        region=region,
        lead_unit=lead_unit,
        due_date=due,
    )
    log(
        petition,
        "routed",
        by=by,
        now=now,
        public=True,
        comment=_("已交由%(unit)s办理") % {"unit": lead_unit.name},
        data={"region": region.code, "lead_unit": lead_unit.pk, "cases": numbers},
    )
    return petition


def cases_of(petition: Petition) -> list[Case]:
    return [
        p.case
        for p in petition.problems.select_related("case", "case__lead_unit").order_by("seq")
        if p.case is not None
    ]


def follow_case_assignment(*, case: Case, by: Any, now: dt.datetime) -> Petition | None:
    """A case of a petition was assigned in the case engine itself (the
    ledger import, the case page): once every problem of a petition still
    *received* has an assigned case, the petition counts as routed to the
    first case's region and lead unit. Called by the receiver in
    ``signals.py``; routing through :func:`route_petition` does this itself."""
    from greenloop.complaints.models import Problem

    problem = Problem.objects.filter(case_id=case.pk).select_related("petition").first()
    if problem is None or problem.petition.state != PetitionState.RECEIVED:
        return None
    petition = problem.petition
    states = [
        p.case.state if p.case is not None else None
        for p in petition.problems.select_related("case").order_by("seq")
    ]
    if any(s in (None, CaseState.REGISTERED) for s in states):
        return None
    case.refresh_from_db()
    petition = transition(
        petition,
        sources={PetitionState.RECEIVED},
        target=PetitionState.ROUTED,
        now=now,
        region=case.region,
        lead_unit=case.lead_unit,
        due_date=case.due_date or petition.due_date,
    )
    log(
        petition,
        "routed",
        by=by,
        now=now,
        public=True,
        comment=_("已交由%(unit)s办理") % {"unit": case.lead_unit.name if case.lead_unit else ""},
        data={"cases": [case.number], "via": "case"},
    )
    return petition
