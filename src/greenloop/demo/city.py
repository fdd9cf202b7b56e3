"""Build the demo city: ``build_demo_city`` and ``is_empty``.

Interfaces (``greenloop serve --demo``, ``greenloop demo``) read the clock
and pass ``now``; the seed decides everything else.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from greenloop.cases.models import Case, ReviewItem
from greenloop.demo.accounts import create_demo_accounts
from greenloop.demo.baobao import build_baobao
from greenloop.demo.chiefs import build_chiefs
from greenloop.demo.duties import build_duties
from greenloop.demo.grids import build_grids
from greenloop.demo.inspection import build_inspection_round
from greenloop.demo.names import NameBook
from greenloop.demo.people import build_people
from greenloop.demo.regions import plan_regions, write_regions
from greenloop.demo.review import build_review
from greenloop.demo.units import build_units
from greenloop.org.models import (
    BaobaoAssignment,
    BaobaoVisit,
    Chief,
    ChiefObject,
    Duty,
    Grid,
    GridKind,
    ListStatus,
    Person,
    Region,
    RegionLevel,
    ResponsibilityList,
    RoleGrant,
    Unit,
    UnitKind,
)


class UnableToBuildDemoCity(Exception):
    """The database already holds regions; the demo city needs an empty one."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """How many of each thing the demo city holds."""

    regions: int
    county_regions: int
    townships: int
    villages: int
    units: int
    departments: int
    people: int
    accounts: int
    role_grants: int
    grids: int
    hotspot_grids: int
    chief_objects: int
    chiefs: int
    baobao_assignments: int
    baobao_visits: int
    published_lists: int
    duties: int
    cases: int
    review_items: int


def is_empty() -> bool:
    """Whether the database has no regions, so a demo city may be built."""
    return not Region.objects.exists()


def _refresh_planner_statistics() -> None:
    """PostgreSQL plans the demo's later bulk updates from table statistics
    that still say "empty" right after thousands of rows were inserted in this
    transaction; without them one 回头看 update took minutes. ANALYZE may run
    inside a transaction; SQLite needs nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@transaction.atomic
def build_demo_city(
    *, seed: int = 2026, now: dt.datetime | None = None, monitoring: bool = True
) -> DemoSummary:
    """Fill an empty database with the demo city, all or nothing.

    1. Plan the region tree (names, codes, boxes) in memory and write it.
    2. Units, then people and their roles, then the demo logins.
    3. Grids and hotspots, chiefs, 包保 with visit logs, and a published
       responsibility list for every unit, published by the dispatcher.

    Each step draws from its own ``random.Random`` derived from ``seed``, so
    a change in one step leaves the others' draws alone. ``now`` dates the
    visits and the publication; callers should pass it (the clock is read
    only when they do not).
    """
    if not is_empty():
        raise UnableToBuildDemoCity("数据库中已有行政区划，演示城市只能在空数据库中生成")
    if now is None:
        now = timezone.now()

    def rng(step: str) -> random.Random:
        return random.Random(f"greenloop-demo:{seed}:{step}")

    names = NameBook(rng("names"))
    tree = plan_regions(rng("regions"), names)
    write_regions(tree)
    units = build_units(tree)
    staff = build_people(tree, units, names)
    users = create_demo_accounts(staff)
    hotspots = build_grids(tree, staff, rng("grids"))
    build_chiefs(tree, staff, hotspots, rng("chiefs"))
    build_baobao(tree, units, staff, rng("baobao"), timezone.localdate(now))
    build_duties(publish_by=users["dispatcher"], now=now)
    build_inspection_round(
        tree=tree, units=units, staff=staff, users=users, rng=rng("inspection"), now=now
    )
    _refresh_planner_statistics()
    build_review(tree=tree, units=units, staff=staff, users=users, rng=rng("review"), now=now)
    _refresh_planner_statistics()
    # A year of public reports and petitions (greenloop.demo.complaints).
    from greenloop.demo.complaints import build_demo_complaints

    build_demo_complaints(tree=tree, units=units, users=users, rng=rng("complaints"), now=now)
    _refresh_planner_statistics()
    if monitoring:
        # Devices, the lake's air and water history, AQI and hotspot cases
        # (greenloop.demo.quality; ``monitoring=False`` for quick test cities).
        from greenloop.demo.quality import build_demo_quality

        build_demo_quality(seed=seed, now=now)
    return summarize()


def summarize() -> DemoSummary:
    """Count what the database holds now."""
    return DemoSummary(
        regions=Region.objects.count(),
        county_regions=Region.objects.filter(level=RegionLevel.COUNTY).count(),
        townships=Region.objects.filter(level=RegionLevel.TOWNSHIP).count(),
        villages=Region.objects.filter(level=RegionLevel.VILLAGE).count(),
        units=Unit.objects.count(),
        departments=Unit.objects.filter(
            kind=UnitKind.DEPARTMENT, region__level=RegionLevel.CITY
        ).count(),
        people=Person.objects.count(),
        accounts=Person.objects.filter(user__isnull=False).count(),
        role_grants=RoleGrant.objects.count(),
        grids=Grid.objects.count(),
        hotspot_grids=Grid.objects.filter(kind=GridKind.HOTSPOT).count(),
        chief_objects=ChiefObject.objects.count(),
        chiefs=Chief.objects.count(),
        baobao_assignments=BaobaoAssignment.objects.count(),
        baobao_visits=BaobaoVisit.objects.count(),
        published_lists=ResponsibilityList.objects.filter(status=ListStatus.PUBLISHED).count(),
        duties=Duty.objects.count(),
        cases=Case.objects.count(),
        review_items=ReviewItem.objects.count(),
    )
