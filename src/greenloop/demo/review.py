"""The demo city's city-level 回头看, modelled on PRODUCT.md: 1,095 closed
problems re-examined by 32 staff in 5 resident groups (驻点组).

The problems come from the city's earlier years: the ledger of problems
registered and closed from January seven years back until a year before
``now`` (2019–2025 for a demo built in November 2026) — public reports,
12369 calls, transferred petitions of earlier inspections, patrol
findings, monitoring alerts and leaders' assignments, in every county —
taken in through :func:`greenloop.cases.services.import_closed_cases`.
Their loop happened before GreenLoop, so they enter closed, each with an
``imported_closed`` entry naming the ledger; a few found untrue were closed
too, and a 回头看 does not take those.

Then, through the case services, as the office would:

1. the dispatcher starts the campaign over the ledger's closing period,
   city-wide, 80 days before ``now``;
2. sets up the 5 groups of the 32 people ``demo.people`` marked
   “市级回头看第N驻点组成员”: groups 1–4 each stationed in two of the
   county-level regions, group 5 on the city departments' items;
3. gives each group its items (by region, or the department-led list);
4. each group's liaison (its first member with city-wide reach, who gets
   an account without a password when they have none) records outcomes:
   1,000 consolidated, 36 relapsed — each re-opened through
   ``reopen_case`` with the relapse as the reason and a new deadline — and
   59 still pending.

:func:`plan_review` decides everything from the seed and ``today``
without the database; :func:`build_review` carries the plan out.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from greenloop.audit.log import record
from greenloop.cases import services
from greenloop.cases.models import (
    CaseSource,
    ReviewCampaign,
    ReviewItem,
    ReviewOutcome,
)
from greenloop.demo.inspection._catalogue import FIRMS, KINDS, RIVERS, Kind
from greenloop.demo.inspection._plan import fill, local_at
from greenloop.demo.names import SURNAMES
from greenloop.demo.people import RECHECK_GROUPS, Staff
from greenloop.demo.regions import Place, RegionTree
from greenloop.demo.units import UnitSet
from greenloop.org.models import Person, RegionKind, Unit

# --- the figures ----------------------------------------------------------------

PROBLEMS = 1095  # closed, rectified, selected into the campaign
UNFOUNDED = 45  # closed as untrue in the same ledger; not reviewed
CONSOLIDATED = 1000
RELAPSED = 36
PENDING = PROBLEMS - CONSOLIDATED - RELAPSED  # 59
GROUPS = RECHECK_GROUPS  # 5
STAFF = 32
HISTORY_YEARS = 7  # January seven years back …
CUTOFF_DAYS = 365  # … until a year before now
START_DAYS = 80  # the campaign began 80 days before now
IMPORT_DAYS = 10  # the ledger was taken in 10 days before that
# Liaisons of groups 2–5 get an account without a password (group 1's is
# the city re-check account of the inspection round).
REVIEW_ACCOUNTS = 4

LEDGER_NAME = "{city}生态环境问题整改台账（{first}—{last}年）"
CAMPAIGN_NAME = "{city}{first}—{last}年生态环境问题整改“回头看”"

# Weights of the ledger's sources.
SOURCES = (
    (CaseSource.PUBLIC_REPORT, 34),
    (CaseSource.HOTLINE_12369, 24),
    (CaseSource.INSPECTION_PETITION, 16),
    (CaseSource.PATROL, 14),
    (CaseSource.MONITORING_ALERT, 7),
    (CaseSource.LEADER_ASSIGNMENT, 5),
)
# Problems led by a city bureau are fewer: the county bodies carry most.
_DEPARTMENT_LEADS = frozenset({"zj", "ga", "zr"})
_KIND_WEIGHTS = tuple(0.5 if k.lead in _DEPARTMENT_LEADS else 1.0 for k in KINDS)
# Days allowed to rectify, as the ledgers give them.
_ALLOWED_DAYS = (15, 20, 30, 30, 60, 90, 180)

CONSOLIDATED_NOTES = (
    "经现场复查，整改措施落实到位，未发现问题反弹。",
    "现场复查并走访周边群众，整改成效持续巩固，群众满意。",
    "调阅在线监测数据并现场核查，排放稳定达标，整改成效巩固。",
    "经复查，长效管护机制已建立并正常运行，问题未反弹。",
    "复查组现场查看，原问题点位整洁，整改成效保持良好。",
)
RELAPSE_NOTES = {
    "AIR": (
        "现场复查发现治污设施停用，烟粉尘无组织排放问题反弹，周边群众再次反映。",
        "复查发现物料重新露天堆放、苫盖不全，扬尘问题反弹。",
    ),
    "WATER": (
        "现场复查发现排污口恢复排放，下游水体再次出现黑臭，整改成效未能巩固。",
        "复查发现污水收集管网破损，生活污水直排问题反弹。",
    ),
    "WASTE": ("原清理点位再次出现固体废物堆放，长效管护机制未落实，问题反弹。",),
    "NOISE": ("复查期间夜间施工、经营噪声扰民问题再次出现，群众反映强烈。",),
    "ECOLOGY": ("复查发现已修复区域再次出现盗采、破坏植被痕迹，问题反弹。",),
    "SOIL": ("复查发现防渗、覆盖设施破损，周边土壤监测值回升，问题反弹。",),
}
_RELAPSE_FALLBACK = ("现场复查发现原问题再次出现，整改成效未能巩固。",)

_GROUP_POST = re.compile(r"市级回头看第(\d+)驻点组成员")


# --- the plan --------------------------------------------------------------------


@dataclass(slots=True)
class ProblemPlan:
    index: int
    kind: Kind
    source: str
    county: Place
    township: Place
    village: Place
    title: str
    description: str
    enterprise_name: str
    external_number: str
    registered_date: dt.date
    closed_date: dt.date
    due_date: dt.date
    unfounded: bool = False
    # 1–4 by county, 5 for the items city bureaus led; 0 when unfounded.
    group: int = 0
    outcome: str = ReviewOutcome.PENDING
    note: str = ""
    reviewed_at: dt.datetime | None = None
    # A relapse's new deadline.
    new_due_date: dt.date | None = None
    finding: str = ""
    result: str = ""


@dataclass(slots=True)
class ReviewPlan:
    first: dt.date
    cutoff: dt.date
    imported_at: dt.datetime
    start: dt.date
    started_at: dt.datetime
    # County codes per group 1–4 (group 5: the city departments' items).
    stations: dict[int, list[str]]
    problems: list[ProblemPlan] = field(default_factory=list)

    @property
    def reviewed(self) -> list[ProblemPlan]:
        done = [p for p in self.problems if p.reviewed_at is not None]
        return sorted(done, key=lambda p: (p.reviewed_at, p.index))


def _township(rng: random.Random, county: Place, where: str) -> Place:
    streets = [t for t in county.children if t.kind == RegionKind.STREET]
    towns = [t for t in county.children if t.kind != RegionKind.STREET]
    pool = {"urban": streets or towns, "rural": towns or streets}.get(where, county.children)
    return rng.choice(pool)


def _dates(rng: random.Random, first: dt.date, cutoff: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """Registered, closed (on time) and due dates inside the ledger's period."""
    span = (cutoff - first).days
    closed = first + dt.timedelta(days=rng.randrange(30, span + 1))
    allowed = rng.choice(_ALLOWED_DAYS)
    took = rng.randrange(max(3, allowed // 4), allowed + 1)
    registered = max(first, closed - dt.timedelta(days=took))
    return registered, closed, registered + dt.timedelta(days=allowed)


def _problem(
    rng: random.Random, tree: RegionTree, index: int, first: dt.date, cutoff: dt.date
) -> ProblemPlan:
    kind = rng.choices(KINDS, weights=_KIND_WEIGHTS)[0]
    counties = [c for c in tree.counties if kind.where != "rural" or c.kind != RegionKind.ZONE]
    county = rng.choice(counties)
    township = _township(rng, county, kind.where)
    village = rng.choice(township.children)
    values = {
        "firm": rng.choice(FIRMS),
        "place": township.name + (village.name if rng.random() < 0.6 else ""),
        "village": village.short,
        "river": rng.choice(RIVERS),
        "surname": rng.choice(SURNAMES[:40]),
        "county": county.name,
        "township": township.name,
    }
    values["obj"] = fill(rng.choice(kind.objects), **values)
    source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
    registered, closed, due = _dates(rng, first, cutoff)
    if source == CaseSource.HOTLINE_12369:
        external = f"12369-{registered:%Y%m%d}-{rng.randrange(1, 400):03d}"
    elif source == CaseSource.INSPECTION_PETITION:
        external = f"LN{registered:%y}{rng.randrange(1, 31):02d}{rng.randrange(1, 8):03d}"
    else:
        external = ""
    return ProblemPlan(
        index=index,
        kind=kind,
        source=source,
        county=county,
        township=township,
        village=village,
        title=fill(rng.choice(kind.titles), **values),
        description=fill(rng.choice(kind.descriptions), **values),
        enterprise_name=(
            values["obj"] if kind.code not in {"straw", "sewage", "blackwater", "muck"} else ""
        ),
        external_number=external,
        registered_date=registered,
        closed_date=closed,
        due_date=due,
        finding=fill(kind.finding, **values),
        result=kind.progress,
    )


def _review_time(rng: random.Random, start: dt.date, today: dt.date) -> dt.datetime:
    """A working moment from three days into the campaign until three days
    before ``today``."""
    days = (today - start).days - 6
    day = start + dt.timedelta(days=3 + rng.randrange(days))
    return local_at(day, rng.randrange(9, 17), rng.randrange(0, 60))


def plan_review(rng: random.Random, tree: RegionTree, today: dt.date) -> ReviewPlan:
    """Decide the ledger, the groups' stations and every outcome. No database."""
    first = dt.date(today.year - HISTORY_YEARS, 1, 1)
    cutoff = today - dt.timedelta(days=CUTOFF_DAYS)
    start = today - dt.timedelta(days=START_DAYS)
    counties = list(tree.counties)
    per_group = len(counties) // (GROUPS - 1)
    stations = {
        g: [c.code for c in counties[(g - 1) * per_group : g * per_group]] for g in range(1, GROUPS)
    }
    stations[GROUPS - 1] += [c.code for c in counties[(GROUPS - 1) * per_group :]]
    group_of = {code: g for g, codes in stations.items() for code in codes}
    plan = ReviewPlan(
        first=first,
        cutoff=cutoff,
        imported_at=local_at(start - dt.timedelta(days=IMPORT_DAYS), 10),
        start=start,
        started_at=local_at(start, 9),
        stations=stations,
    )
    total = PROBLEMS + UNFOUNDED
    plan.problems = [_problem(rng, tree, i, first, cutoff) for i in range(1, total + 1)]
    for p in rng.sample(plan.problems, UNFOUNDED):
        p.unfounded = True
    rectified = [p for p in plan.problems if not p.unfounded]
    for p in rectified:
        p.group = GROUPS if p.kind.lead in _DEPARTMENT_LEADS else group_of[p.county.code]
    shuffled = rng.sample(rectified, len(rectified))
    for p in shuffled[:RELAPSED]:
        p.outcome = ReviewOutcome.RELAPSED
        p.note = rng.choice(RELAPSE_NOTES.get(p.kind.category, _RELAPSE_FALLBACK))
    for p in shuffled[RELAPSED : RELAPSED + CONSOLIDATED]:
        p.outcome = ReviewOutcome.CONSOLIDATED
        p.note = rng.choice(CONSOLIDATED_NOTES)
    for p in rectified:
        if p.outcome == ReviewOutcome.PENDING:
            continue
        p.reviewed_at = _review_time(rng, start, today)
        if p.outcome == ReviewOutcome.RELAPSED:
            # A fresh rectification period from the review, in the future.
            p.new_due_date = timezone.localdate(p.reviewed_at) + dt.timedelta(
                days=rng.choice((90, 120))
            )
    return plan


# --- carrying it out ---------------------------------------------------------------


def _lead(p: ProblemPlan, units: UnitSet) -> Unit:
    if p.kind.lead == "eco":
        return units.branches["STHJ", p.county.code]
    if p.kind.lead == "county":
        return units.county_governments[p.county.code]
    return units.departments[p.kind.lead.upper()]


def _members(staff: Staff) -> dict[int, list[Person]]:
    """The 32 people ``demo.people`` put in the resident groups, per group."""
    groups: dict[int, list[Person]] = {g: [] for g in range(1, GROUPS + 1)}
    for person in staff.people:
        found = _GROUP_POST.search(person.posts)
        if found:
            groups[int(found.group(1))].append(person)
    return groups


def _liaison(group: int, members: list[Person]) -> Any:
    """The group's first member with city-wide reach, with a login (an
    account without a password when they have none)."""
    person = next(p for p in members if p.unit.governs_territory)
    person.refresh_from_db(fields=["user"])
    if person.user_id is not None:
        return person.user
    username = f"review-group{group}"
    user = get_user_model()(username=username)
    user.set_unusable_password()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    record(
        "greenloop.org.account.created",
        target=str(person),
        actor_name="演示数据",
        data={"username": username, "source": "demo", "password": "unset"},
    )
    return user


def build_review(
    *,
    tree: RegionTree,
    units: UnitSet,
    staff: Staff,
    users: dict[str, Any],
    rng: random.Random,
    now: dt.datetime,
) -> ReviewCampaign:
    """Plan the 回头看, then carry it out through the case services.

    1. Import the ledger of closed problems (one bulk service call).
    2. Start the campaign over the ledger's closing period, city-wide.
    3. Set up the 5 groups and give each its items.
    4. Record each reviewed item's outcome, in the order reviewed; a
       relapse re-opens its case.
    """
    today = timezone.localdate(now)
    plan = plan_review(rng, tree, today)
    dispatcher = users["dispatcher"]
    names = {"city": tree.city.name, "first": plan.first.year, "last": plan.cutoff.year}
    cases = services.import_closed_cases(
        by=dispatcher,
        now=plan.imported_at,
        ledger=LEDGER_NAME.format(**names),
        records=[
            services.ClosedCaseRecord(
                source=p.source,
                title=p.title,
                category=p.kind.category,
                region=p.village.region,
                lead_unit=_lead(p, units),
                registered_date=p.registered_date,
                closed_date=p.closed_date,
                due_date=p.due_date,
                description=p.description,
                external_number=p.external_number,
                enterprise_name=p.enterprise_name,
                address=p.township.name + p.village.name,
                rectification_measures=p.kind.measures,
                result=p.result,
                unfounded_finding=p.finding if p.unfounded else "",
            )
            for p in plan.problems
        ],
    )
    case_ids = {p.index: c.pk for p, c in zip(plan.problems, cases, strict=True)}

    campaign = services.create_review_campaign(
        by=dispatcher,
        now=plan.started_at,
        name=CAMPAIGN_NAME.format(**names),
        selection=services.ReviewSelection(
            region=tree.city.region, closed_from=plan.first, closed_to=plan.cutoff
        ),
        start_date=plan.start,
    )
    members = _members(staff)
    county_names = {c.code: c.name for c in tree.counties}
    item_ids = dict(ReviewItem.objects.filter(campaign=campaign).values_list("case_id", "pk"))
    liaisons: dict[int, Any] = {}
    at = plan.started_at
    # The county groups take the items in their counties; then group 5
    # takes those city bureaus led, wherever they lie (assigning moves
    # pending items, so it comes last).
    for g in range(1, GROUPS + 1):
        at += dt.timedelta(minutes=10)
        station = "、".join(county_names[c] for c in plan.stations.get(g, [])) or "市直部门"
        group = services.add_review_group(
            campaign=campaign,
            by=dispatcher,
            now=at,
            name=f"第{g}驻点组（{station}）",
            members=members[g],
        )
        if g in plan.stations:
            for code in plan.stations[g]:
                services.assign_review_items(
                    campaign=campaign,
                    group=group,
                    by=dispatcher,
                    now=at,
                    region=tree.by_code[code].region,
                )
        else:
            services.assign_review_items(
                campaign=campaign,
                group=group,
                by=dispatcher,
                now=at,
                items=[
                    ReviewItem(pk=item_ids[case_ids[p.index]])
                    for p in plan.problems
                    if p.group == g
                ],
            )
        liaisons[g] = _liaison(g, members[g])

    items = {
        i.case_id: i
        for i in ReviewItem.objects.filter(campaign=campaign).select_related(
            "campaign", "case__region", "case__lead_unit"
        )
    }
    for p in plan.reviewed:
        assert p.reviewed_at is not None
        services.record_review_outcome(
            item=items[case_ids[p.index]],
            by=liaisons[p.group],
            now=p.reviewed_at,
            outcome=p.outcome,
            note=p.note,
            due_date=p.new_due_date,
        )
    return campaign


def outcome_counts(plan: ReviewPlan) -> Counter[str]:
    """Items per outcome the plan makes (unfounded problems are no items)."""
    return Counter(p.outcome for p in plan.problems if not p.unfounded)
