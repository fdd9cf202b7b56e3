"""The figures the office reports about petitions and public reports, over
any (already scoped) set of petitions.

Every figure has one definition, in :data:`DEFINITIONS` (shown on hover in
the statistics page and returned by the API) and in the statistics section
of ``docs/complaints.md`` (numerator, denominator, exclusions, the date it
counts on). Callers pass a queryset that is already narrowed to what the
reader sees (``Petition.objects.visible_to(user)``, see
:func:`petitions_for`); nothing else here scopes.

The petition figures of :func:`summarize`:

* ``total`` — petitions received, repeats included;
* ``repeats`` — merged into an earlier petition (重复件, state MERGED);
* ``repeat_ratio = repeats / total``;
* ``due`` — petitions that should have been answered by ``today``: not
  repeats, and replied (答复) or still open past their deadline;
* ``on_time`` — replied on or before the deadline (Beijing date of
  ``replied_at`` ≤ ``due_date``, the channel's time limit unless the
  dispatcher set another when routing);
* ``on_time_rate = on_time / due``;
* ``overdue`` — open (受理、交办、办理中) and past the deadline;
* ``verified`` — not repeats, with a finding (核查结论);
* ``founded`` — of those, 属实 or 部分属实; ``verified_share = founded /
  verified``;
* ``evaluated`` / ``satisfied`` — evaluations by the complainant, and the
  满意 or 基本满意 among them; ``satisfaction_rate``;
* ``disclosed`` — replied or closed with an approved public text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from greenloop.cases.models import CaseCategory, InspectionBatch
from greenloop.complaints.models import (
    OPEN_PETITION_STATES,
    Channel,
    Finding,
    Petition,
    PetitionState,
    Satisfaction,
)
from greenloop.org.access import get_scope, require_perm
from greenloop.org.models import Grid, Region, RegionLevel
from greenloop.org.roles import Perm

# --- definitions -------------------------------------------------------------

# One sentence per figure: the hover text of the page, the ``definitions``
# of the API. docs/complaints.md (统计口径) says the same at more length;
# change both together (tests/complaints/test_statistics.py checks that
# every key has a section there).
DEFINITIONS: dict[str, str] = {
    "total": _("受理的信访件数，含重复件（按受理时间计入统计期）"),
    "repeats": _("经确认并入此前信访件的重复件数"),
    "repeat_ratio": _("重复件占比 = 重复件数 ÷ 受理件数"),
    "due": _("应办结数：不含重复件，已答复或未答复且已超过办理时限的件数"),
    "on_time": _(
        "按期办结数：答复日期（北京时间）不晚于办理时限的件数；"
        "办理时限按渠道规定自受理之日起计算，交办时可另定"
    ),
    "on_time_rate": _("按期办结率 = 按期办结数 ÷ 应办结数"),
    "overdue": _("超期未办结数：尚未答复（已受理、已交办、办理中）且已超过办理时限的件数"),
    "verified": _("已核查数：不含重复件，已录入核查结论的件数"),
    "founded": _("属实件数：核查结论为“属实”或“部分属实”的件数"),
    "verified_share": _("属实率 =（属实 + 部分属实）÷ 已核查数"),
    "evaluated": _("举报人已评价的件数"),
    "satisfaction_rate": _("满意率 =（满意 + 基本满意）÷ 已评价件数"),
    "disclosed": _("已公开数：已答复或已办结且公开文本已审核的件数"),
    "by_channel": _("按来源渠道分列，各渠道办理时限不同"),
    "by_batch": _("督察转办信访件按交办批次分列，不属于批次的不列入"),
    "by_region": _(
        "按属地分列：已交办的按确认的属地，未交办的按系统建议的属地；无法定位的列为“未定位”"
    ),
    "by_category": _("按污染类型分列"),
    "density": _(
        "按网格统计带有位置的信访件数（含重复件），以地图标点或照片位置落入的网格计；"
        "颜色越深件数越多"
    ),
    "top_enterprises": _(
        "被反映次数最多的企业或单位：按反映对象名称（去除首尾空格）统计，含重复件；"
        "不同件数为不含重复件的件数"
    ),
}


def get_definitions() -> dict[str, str]:
    """:data:`DEFINITIONS` in the active language."""
    return {key: gettext(text) for key, text in DEFINITIONS.items()}


# --- scope and filters ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """What the statistics page and endpoint filter by. ``received_from`` /
    ``received_to`` are Beijing dates of ``received_at``, both included."""

    region: Region | None = None
    channel: str = ""
    category: str = ""
    batch: InspectionBatch | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def petitions_for(user: Any, filters: Filters = Filters()) -> QuerySet[Petition]:  # noqa: B008
    """The petitions ``user`` sees, narrowed by ``filters``; 403 for users
    without ``complaints.view`` (the three administrators)."""
    require_perm(user, Perm.VIEW_COMPLAINTS)
    qs: QuerySet[Petition] = Petition.objects.visible_to(user)
    return apply_filters(qs, filters)


def apply_filters(qs: QuerySet[Petition], filters: Filters) -> QuerySet[Petition]:
    if filters.region is not None:
        path = filters.region.path
        qs = qs.filter(
            Q(region__path__startswith=path)
            | Q(region__isnull=True, suggested_region__path__startswith=path)
        )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.batch is not None:
        qs = qs.filter(batch=filters.batch)
    # received_at__date is the date in the current time zone (Asia/Shanghai).
    if filters.received_from is not None:
        qs = qs.filter(received_at__date__gte=filters.received_from)
    if filters.received_to is not None:
        qs = qs.filter(received_at__date__lte=filters.received_to)
    return qs


# --- the figures ---------------------------------------------------------------


class Summary(TypedDict):
    total: int
    repeats: int
    repeat_ratio: float | None
    due: int
    on_time: int
    on_time_rate: float | None
    overdue: int
    verified: int
    founded: int
    verified_share: float | None
    evaluated: int
    satisfied: int
    satisfaction_rate: float | None
    disclosed: int


class GroupSummary(Summary):
    group: str
    name: str


_MERGED = Q(state=PetitionState.MERGED)
_ANSWERED = Q(state__in=[PetitionState.REPLIED, PetitionState.CLOSED])
_OPEN = Q(state__in=sorted(OPEN_PETITION_STATES))
_FOUNDED = Q(finding__in=[Finding.TRUE, Finding.PARTLY])


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _aggregates(today: dt.date) -> dict[str, Any]:
    overdue = _OPEN & Q(due_date__lt=today)
    return {
        "total": Count("pk"),
        "repeats": Count("pk", filter=_MERGED),
        "due": Count("pk", filter=_ANSWERED | overdue),
        # replied_at__date: the Beijing date (the current time zone).
        "on_time": Count("pk", filter=_ANSWERED & Q(replied_at__date__lte=F("due_date"))),
        "overdue": Count("pk", filter=overdue),
        "verified": Count("pk", filter=~_MERGED & ~Q(finding="")),
        "founded": Count("pk", filter=~_MERGED & _FOUNDED),
        "evaluated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count(
            "pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.FAIRLY])
        ),
        "disclosed": Count("pk", filter=_ANSWERED & Q(public_text_approved_at__isnull=False)),
    }


_EMPTY: dict[str, int] = dict.fromkeys(
    (
        "total",
        "repeats",
        "due",
        "on_time",
        "overdue",
        "verified",
        "founded",
        "evaluated",
        "satisfied",
        "disclosed",
    ),
    0,
)


def _summary(row: dict[str, Any] | None) -> Summary:
    row = row or _EMPTY
    return Summary(
        total=row["total"],
        repeats=row["repeats"],
        repeat_ratio=_rate(row["repeats"], row["total"]),
        due=row["due"],
        on_time=row["on_time"],
        on_time_rate=_rate(row["on_time"], row["due"]),
        overdue=row["overdue"],
        verified=row["verified"],
        founded=row["founded"],
        verified_share=_rate(row["founded"], row["verified"]),
        evaluated=row["evaluated"],
        satisfied=row["satisfied"],
        satisfaction_rate=_rate(row["satisfied"], row["evaluated"]),
        disclosed=row["disclosed"],
    )


def summarize(petitions: QuerySet[Petition], today: dt.date) -> Summary:
    """All the petition figures in one query."""
    return _summary(petitions.order_by().aggregate(**_aggregates(today)))


def _group(key: Any, name: str, row: dict[str, Any] | None) -> GroupSummary:
    return GroupSummary(group="" if key is None else str(key), name=name, **_summary(row))


def _rows(petitions: QuerySet[Any], today: dt.date, field: str) -> dict[Any, dict[str, Any]]:
    return {r[field]: r for r in petitions.order_by().values(field).annotate(**_aggregates(today))}


def summarize_by_choice(
    petitions: QuerySet[Petition], today: dt.date, field: str
) -> list[GroupSummary]:
    """One summary per value of ``channel`` or ``category``, every choice
    listed in its own order (zeros included)."""
    choices = {"channel": Channel, "category": CaseCategory}[field]
    rows = _rows(petitions, today, field)
    return [_group(value, gettext(label), rows.get(value)) for value, label in choices.choices]


def summarize_by_batch(petitions: QuerySet[Petition], today: dt.date) -> list[GroupSummary]:
    """One summary per inspection batch the petitions came in (第N批)."""
    rows = _rows(petitions.filter(batch__isnull=False), today, "batch")
    batches = InspectionBatch.objects.filter(pk__in=list(rows)).select_related("inspection_round")
    ordered = sorted(batches, key=lambda b: (b.inspection_round_id, b.number))
    return [
        _group(
            b.pk,
            gettext("%(round)s 第%(n)d批") % {"round": b.inspection_round.name, "n": b.number},
            rows.get(b.pk),
        )
        for b in ordered
    ]


def _place_path() -> Any:
    return Coalesce(F("region__path"), F("suggested_region__path"), Value(""))


def summarize_by_region(
    petitions: QuerySet[Petition], parent: Region, today: dt.date
) -> list[GroupSummary]:
    """One summary per child region of ``parent``, by the petition's
    confirmed region or, before routing, the suggested one; petitions
    registered at ``parent`` itself count under its own name, those with no
    place at all under 未定位."""
    width = len(parent.path) + 13  # each level adds a 12-digit code and "/"
    annotated = petitions.annotate(place=_place_path()).annotate(
        bucket=Substr(F("place"), 1, width)
    )
    inside = annotated.filter(place__startswith=parent.path)
    rows = _rows(inside, today, "bucket")
    regions = {r.path: r for r in Region.objects.filter(path__in=list(rows))}
    regions[parent.path] = parent
    found = [
        _group(regions.get(p, parent).code, regions.get(p, parent).name, rows[p])
        for p in sorted(rows)
    ]
    nowhere = summarize(annotated.filter(place=""), today)
    if nowhere["total"]:
        found.append(GroupSummary(group="", name=gettext("未定位"), **nowhere))
    return found


# --- density by grid -----------------------------------------------------------


class GridCount(TypedDict):
    code: str
    name: str
    region: str
    count: int


def _shape(boundary: Any) -> Any:
    from shapely.geometry import shape

    if not isinstance(boundary, dict):
        return None
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    try:
        return shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def density_by_grid(
    petitions: QuerySet[Petition], grids: QuerySet[Grid]
) -> tuple[list[tuple[Grid, int]], int]:
    """Petitions with a position, counted in the grid whose boundary holds
    the point (a point on an edge shared by two grids counts once, in the
    first by code). Returns every grid with its count (zeros included) and
    the number of located petitions that fall in none of them."""
    from shapely.geometry import Point
    from shapely.strtree import STRtree

    shapes: list[Any] = []
    rows: list[Grid] = []
    for grid in grids.select_related("region").order_by("code"):
        geometry = _shape(grid.boundary)
        if geometry is not None:
            shapes.append(geometry)
            rows.append(grid)
    counts = [0] * len(rows)
    outside = 0
    tree = STRtree(shapes) if shapes else None
    points = petitions.filter(longitude__isnull=False).values_list("longitude", "latitude")
    for lon, lat in points.iterator():
        hits = tree.query(Point(lon, lat), predicate="covered_by") if tree is not None else []
        if len(hits):
            counts[int(min(hits))] += 1
        else:
            outside += 1
    return list(zip(rows, counts, strict=True)), outside


def grid_counts(pairs: Iterable[tuple[Grid, int]]) -> list[GridCount]:
    return [GridCount(code=g.code, name=g.name, region=g.region.name, count=n) for g, n in pairs]


def density_for(
    user: Any, filters: Filters, level: int = RegionLevel.TOWNSHIP
) -> tuple[list[tuple[Grid, int]], int]:
    """Density over the standard grids of ``level`` the reader sees."""
    from greenloop.org.models import GridKind

    petitions = petitions_for(user, filters)
    grids = Grid.objects.visible_to(user).filter(
        kind=GridKind.STANDARD, level=level, boundary__isnull=False
    )
    if filters.region is not None:
        grids = grids.filter(region__path__startswith=filters.region.path)
    return density_by_grid(petitions, grids)


# --- top enterprises -----------------------------------------------------------


class EnterpriseCount(TypedDict):
    name: str
    count: int
    distinct: int
    founded: int


def top_enterprises(petitions: QuerySet[Petition], limit: int = 10) -> list[EnterpriseCount]:
    """The most-reported enterprises: petitions per ``enterprise_name``
    (trimmed), repeats included; ``distinct`` leaves repeats out."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = (
        petitions.exclude(enterprise_name="")
        .order_by()
        .values("enterprise_name")
        .annotate(
            n=Count("pk"),
            distinct=Count("pk", filter=~_MERGED),
            founded=Count("pk", filter=~_MERGED & _FOUNDED),
        )
    )
    for r in rows:
        name = r["enterprise_name"].strip()
        if name:
            t = totals[name]
            t[0] += r["n"]
            t[1] += r["distinct"]
            t[2] += r["founded"]
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    return [
        EnterpriseCount(name=name, count=t[0], distinct=t[1], founded=t[2]) for name, t in ranked
    ]


# --- everything, for the page and the endpoint -------------------------------------


class PetitionStatistics(TypedDict):
    summary: Summary
    by_channel: list[GroupSummary]
    by_category: list[GroupSummary]
    by_batch: list[GroupSummary]
    by_region: list[GroupSummary]
    region: str
    top_enterprises: list[EnterpriseCount]


def root_region_for(user: Any, chosen: Region | None) -> Region | None:
    """The region whose children the region table lists: the chosen one, or
    the reader's territory, or (a department) the city root."""
    if chosen is not None:
        return chosen
    scope = get_scope(user)
    if scope.region_path:
        code = scope.region_path.rstrip("/").rsplit("/", 1)[-1]
        found = Region.objects.filter(code=code).first()
        if found is not None:
            return found
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def statistics_for(
    user: Any, filters: Filters, today: dt.date, *, top: int = 10
) -> PetitionStatistics:
    """Every figure of the statistics page over what ``user`` sees."""
    petitions = petitions_for(user, filters)
    parent = root_region_for(user, filters.region)
    return PetitionStatistics(
        summary=summarize(petitions, today),
        by_channel=summarize_by_choice(petitions, today, "channel"),
        by_category=summarize_by_choice(petitions, today, "category"),
        by_batch=summarize_by_batch(petitions, today),
        by_region=summarize_by_region(petitions, parent, today) if parent else [],
        region=parent.name if parent else "",
        top_enterprises=top_enterprises(petitions, top),
    )
