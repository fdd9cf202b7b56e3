"""A year of public reports and petitions (信访举报) for the demo city.

About 2,450 reports received in the 365 days before ``now`` through the
web form, the 12369 hotline, letters and visits — on top of the 91
inspection-transferred petitions the inspection round brings (its cases
make them, ``complaints.signals``), which are carried forward here through
the services as the office would (routed, verified, answered, closed).

* **What and where**: the kinds of problem of the inspection catalogue, in
  the kind of township each suits (straw fields are rural, KTVs urban),
  pinned inside a village's box (``demo.geometry.random_point``), with the
  address naming county, township and village.
* **When**: seasonal — straw burning in spring and autumn, heating-season
  smoke from November to March, noise and fumes in summer, odours and black
  water in the rainy season, dust in spring; more reports in the evening.
* **A few enterprises** draw many complaints (six, 25–70 each).
* **Repeats** (重复件, about 12 %): rephrased reports of an earlier one's
  problem, pinned close by, some written in traditional characters. Most
  are merged — those that came in before the original was routed as such
  (no case, as ``merge_duplicate`` does then), those that came in while it
  was being handled through ``merge_duplicate`` itself (a case merged into
  the original's) — and the recent ones wait for the dispatcher.
* **States**: most answered and closed, many with an approved public text
  and the complainant's evaluation; the last weeks in progress, a few
  overdue; two reward proposals.
* **People**: most reports anonymous; named ones carry names like 王某某 and
  phones 1380000xxxx — fictitious on sight.

Speed: the services would take minutes for a year of reports (each intake
compares with the year before it), so the handled part of the year is
written with ``bulk_create`` exactly as the services leave it — numbers,
deadlines, suggestions, history entries, duplicate candidates scored by
:mod:`greenloop.complaints.similarity` — and its routed problems' cases
come from the case engine's bulk path, ``import_closed_cases`` (a ledger
named 演示台账). Everything still open at ``now`` (and every merge into an
open one, and the inspection petitions) goes through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from greenloop.cases import services as case_services
from greenloop.cases.models import Case, CaseState
from greenloop.cases.services._history import ClosedCaseRecord
from greenloop.complaints import services, similarity
from greenloop.complaints.models import (
    NUMBER_PREFIXES,
    Channel,
    ChannelPolicy,
    Complainant,
    DuplicateCandidate,
    DuplicateDecision,
    Finding,
    Petition,
    PetitionEvent,
    PetitionNumberSequence,
    PetitionState,
    Problem,
    Satisfaction,
)
from greenloop.complaints.services import _tracking
from greenloop.complaints.services._routing import CASE_SOURCE, DUTY_FOR_CATEGORY, case_title
from greenloop.demo.geometry import random_point
from greenloop.demo.inspection._catalogue import FIRMS, KINDS, RIVERS, Kind
from greenloop.demo.names import SURNAMES
from greenloop.demo.regions import Place, RegionTree
from greenloop.demo.units import UnitSet
from greenloop.org.models import ListStatus, Region, RegionKind, RegionLevel, Unit, UnitKind

# --- the figures --------------------------------------------------------------

REPORTS = 2180  # originals received through web, 12369, letters and visits
REPEAT_SHARE = 0.12  # of all reports: about 290 repeats
PENDING_REPEATS = 24  # recent repeats waiting for the dispatcher
HOT_COUNTS = (70, 55, 45, 38, 30, 25)  # complaints about the six hot enterprises
DAYS = 365
LEDGER = "演示台账：{city}信访举报办理台账（{first}—{last}）"
EVENT = "greenloop.complaints.petition."

CHANNELS = (
    (Channel.WEB, 45),
    (Channel.HOTLINE, 36),
    (Channel.LETTER, 11),
    (Channel.VISIT, 8),
)
ANONYMOUS = {Channel.WEB: 0.7, Channel.HOTLINE: 0.55, Channel.LETTER: 0.3, Channel.VISIT: 0.0}
FINDINGS = ((Finding.TRUE, 56), (Finding.PARTLY, 20), (Finding.FALSE, 24))
SATISFACTION = (
    (Satisfaction.SATISFIED, 60),
    (Satisfaction.FAIRLY, 28),
    (Satisfaction.UNSATISFIED, 12),
)

# Seasonal weight of each kind per month (1–12); missing kinds are flat.
_SEASON: dict[str, tuple[float, ...]] = {
    #              J    F    M    A    M    J    J    A    S    O    N    D
    "smoke": (3.0, 3.0, 2.2, 0.8, 0.4, 0.3, 0.3, 0.3, 0.4, 1.0, 2.6, 3.0),
    "straw": (0.1, 0.1, 2.0, 3.2, 0.8, 0.2, 0.1, 0.1, 0.6, 3.2, 2.4, 0.2),
    "night_noise": (0.2, 0.2, 0.6, 1.2, 1.8, 2.8, 3.0, 2.8, 1.6, 0.8, 0.3, 0.2),
    "social_noise": (0.3, 0.3, 0.5, 1.0, 1.8, 3.0, 3.2, 3.0, 1.5, 0.8, 0.4, 0.3),
    "fumes": (0.6, 0.6, 0.7, 1.0, 1.4, 2.2, 2.6, 2.4, 1.4, 0.9, 0.7, 0.6),
    "odour": (0.5, 0.5, 0.7, 1.0, 1.5, 2.0, 2.4, 2.2, 1.4, 0.8, 0.6, 0.5),
    "blackwater": (0.2, 0.2, 0.4, 0.7, 1.3, 2.2, 3.0, 3.0, 1.6, 0.6, 0.3, 0.2),
    "sewage": (0.3, 0.3, 0.5, 0.8, 1.3, 2.0, 2.6, 2.6, 1.5, 0.7, 0.4, 0.3),
    "site_dust": (0.2, 0.3, 1.5, 2.6, 2.4, 1.6, 1.2, 1.2, 1.5, 1.4, 0.6, 0.2),
    "muck": (0.2, 0.3, 1.4, 2.2, 2.0, 1.4, 1.2, 1.2, 1.4, 1.4, 0.6, 0.2),
    "stockpile": (0.6, 0.8, 1.8, 2.4, 1.8, 1.0, 0.8, 0.8, 1.0, 1.4, 1.2, 0.7),
}
# Overall weight of each kind among reports (catalogue order otherwise 1).
_KIND_WEIGHT = {
    "smoke": 3.2,
    "odour": 2.2,
    "fumes": 2.0,
    "social_noise": 1.8,
    "night_noise": 1.8,
    "site_dust": 1.6,
    "straw": 1.5,
    "muck": 1.0,
    "stockpile": 1.0,
    "trucks": 0.8,
    "blackwater": 1.0,
    "sewage": 0.8,
    "dumping": 1.0,
    "effluent": 0.6,
    "hazardous": 0.5,
    "livestock": 0.6,
    "sand": 0.3,
    "quarry": 0.3,
    "tailings": 0.2,
}
_HOT_KINDS = ("smoke", "odour", "stockpile", "fumes", "social_noise", "effluent")

_OPENERS = ("", "", "我要举报：", "您好，", "再次反映：", "居民反映：", "强烈要求处理：")
_WHEN = (
    "最近一周",
    "每天晚上十点以后",
    "连续好几天",
    "今天早上",
    "这个周末",
    "近一个月来",
    "每天傍晚",
    "昨天夜里",
)
_CLOSERS = (
    "",
    "希望尽快处理。",
    "请相关部门管一管。",
    "严重影响居民生活。",
    "已经持续一个多月了。",
    "多次反映没有结果。",
    "请尽快派人来看看。",
)
_CHANNEL_LEAD = {
    Channel.HOTLINE: "来电反映：",
    Channel.LETTER: "来信反映：",
    Channel.VISIT: "来访群众反映：",
}
_CONFIRMED = (
    "经{county}有关部门会同{township}现场核查，反映问题属实。已责令立即整改，并依法立案调查。"
)
_PARTLY = (
    "经{county}有关部门会同{township}现场核查，反映问题部分属实：现场存在所反映的问题，"
    "但程度轻于反映情况。已责令限期整改。"
)


# --- the plan -------------------------------------------------------------------


@dataclass(slots=True)
class _Report:
    index: int
    kind: Kind
    channel: str
    received_at: dt.datetime
    village: Place
    township: Place
    county: Place
    point: tuple[float, float]
    enterprise: str
    description: str
    anonymous: bool
    name: str = ""
    phone: str = ""
    hot: int | None = None
    repeat_of: int | None = None  # index of the original
    pending: bool = False  # a repeat waiting for the dispatcher
    # Outcome (originals only), as times; None when it has not happened by now.
    route_at: dt.datetime | None = None
    finding: str = ""
    finding_at: dt.datetime | None = None
    reply_at: dt.datetime | None = None
    close_at: dt.datetime | None = None
    satisfaction: str = ""
    satisfaction_at: dt.datetime | None = None
    public_at: dt.datetime | None = None
    repeats: list[int] = field(default_factory=list)

    @property
    def values(self) -> dict[str, str]:
        return {
            "obj": self.enterprise or self.village.name,
            "place": self.township.short + self.village.name,
            "county": self.county.name,
            "township": self.township.name,
            "village": self.village.name,
            "river": "",
            "surname": "",
            "firm": "",
        }


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _townships_for(tree: RegionTree, where: str) -> list[Place]:
    if where == "urban":
        return [t for t in tree.townships if t.kind == RegionKind.STREET] or tree.townships
    if where == "rural":
        return [t for t in tree.townships if t.kind != RegionKind.STREET] or tree.townships
    return tree.townships


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _evening_hour(rng: random.Random) -> int:
    return rng.choices(
        range(24), weights=[1, 1, 0, 0, 0, 1, 3, 5, 6, 6, 5, 4, 3, 4, 4, 4, 5, 6, 8, 9, 9, 8, 5, 2]
    )[0]


def _fill(text: str, values: dict[str, str], rng: random.Random) -> str:
    values = {
        **values,
        "firm": values.get("firm") or rng.choice(FIRMS),
        "river": values.get("river") or rng.choice(RIVERS),
        "surname": values.get("surname") or rng.choice(SURNAMES),
    }
    return text.format(**values)


def _words(rng: random.Random, report: _Report, template: str) -> str:
    body = _fill(template, report.values, rng)
    when = rng.choice(_WHEN)
    text = f"{rng.choice(_OPENERS)}{when}，{body}{rng.choice(_CLOSERS)}"
    return _CHANNEL_LEAD.get(report.channel, "") + text


def _person(rng: random.Random, n: int) -> tuple[str, str]:
    """A name and phone nobody has: 王某 / 王某某, 1380000xxxx."""
    return rng.choice(SURNAMES) + rng.choice(("某", "某某", "先生", "女士")), f"1380000{n:04d}"


class _Planner:
    def __init__(self, rng: random.Random, tree: RegionTree, now: dt.datetime) -> None:
        self.rng = rng
        self.tree = tree
        self.now = now
        self.today = timezone.localdate(now)
        self.counties = {c.code: c for c in tree.counties}
        self.kinds = {k.code: k for k in KINDS}
        self.reports: list[_Report] = []
        self.phones = 0
        #: enterprise name → the village it stands in: one name, one place,
        #: as in an enterprise registry (repeat detection trusts the name)
        self.enterprise_village: dict[str, str] = {}

    def _day(self, kind: Kind) -> dt.date:
        profile = _SEASON.get(kind.code)
        peak = max(profile) if profile else 1.0
        while True:
            day = self.today - dt.timedelta(days=self.rng.randint(1, DAYS))
            if profile is None or self.rng.random() * peak <= profile[day.month - 1]:
                return day

    def _at(self, day: dt.date) -> dt.datetime:
        return _local(day, _evening_hour(self.rng), self.rng.randrange(60))

    def _county(self, township: Place) -> Place:
        return township.parent or self.tree.counties[0]

    def _new(
        self,
        kind: Kind,
        at: dt.datetime,
        village: Place,
        point: tuple[float, float],
        enterprise: str,
        hot: int | None = None,
    ) -> _Report:
        rng = self.rng
        channel = _weighted(rng, CHANNELS)
        anonymous = rng.random() < ANONYMOUS[channel]
        township = village.parent
        assert township is not None
        report = _Report(
            index=len(self.reports),
            kind=kind,
            channel=channel,
            received_at=min(at, self.now - dt.timedelta(minutes=30)),
            village=village,
            township=township,
            county=self._county(township),
            point=point,
            enterprise=enterprise,
            description="",
            anonymous=anonymous,
            hot=hot,
        )
        if not anonymous:
            self.phones += 1
            report.name, report.phone = _person(rng, self.phones)
        report.description = _words(rng, report, rng.choice(kind.descriptions))
        self.reports.append(report)
        return report

    def _enterprise(self, kind: Kind, village: Place) -> str:
        township = village.parent
        assert township is not None
        values = {
            "place": township.short,
            "village": village.name,
            "county": "",
            "township": township.name,
        }
        for _ in range(8):
            name = _fill(self.rng.choice(kind.objects), values, self.rng)
            if not any(w in name for w in ("公司", "厂", "站", "工地", "店", "场", "园", "KTV")):
                return ""
            if self.enterprise_village.setdefault(name, village.code) == village.code:
                return name
        name = f"{village.name}{name}"
        self.enterprise_village.setdefault(name, village.code)
        return name

    def originals(self) -> None:
        rng = self.rng
        kinds = tuple((k, _KIND_WEIGHT.get(k.code, 1.0)) for k in KINDS)
        hot: list[tuple[Kind, Place, tuple[float, float], str]] = []
        for code in _HOT_KINDS:
            kind = self.kinds[code]
            township = rng.choice(_townships_for(self.tree, kind.where))
            village = rng.choice(township.children)
            hot.append(
                (
                    kind,
                    village,
                    random_point(village.box, rng, margin=0.3),
                    self._enterprise(kind, village) or f"{rng.choice(FIRMS)}化工有限公司",
                )
            )
        for h, count in enumerate(HOT_COUNTS):
            kind, village, point, name = hot[h]
            for _ in range(count):
                lon = round(point[0] + rng.uniform(-0.0008, 0.0008), 6)
                lat = round(point[1] + rng.uniform(-0.0006, 0.0006), 6)
                self._new(kind, self._at(self._day(kind)), village, (lon, lat), name, hot=h)
        for _ in range(REPORTS - sum(HOT_COUNTS)):
            kind = _weighted(rng, kinds)
            township = rng.choice(_townships_for(self.tree, kind.where))
            village = rng.choice(township.children)
            self._new(
                kind,
                self._at(self._day(kind)),
                village,
                random_point(village.box, rng),
                self._enterprise(kind, village),
            )
        self.reports.sort(key=lambda r: r.received_at)
        for i, r in enumerate(self.reports):
            r.index = i

    def repeats(self) -> None:
        """Rephrased reports of earlier ones' problems; returns nothing,
        appends to ``reports`` (kept in order of receipt)."""
        rng = self.rng
        originals = list(self.reports)
        total = round(len(originals) * REPEAT_SHARE / (1 - REPEAT_SHARE))
        recent = self.now - dt.timedelta(days=9)
        to_s2t = _converter()
        made: list[_Report] = []
        for n in range(total):
            pending = n < PENDING_REPEATS
            if pending:
                at = recent + dt.timedelta(minutes=rng.randrange(9 * 24 * 60 - 60))
                pool = [o for o in originals if o.received_at < at - dt.timedelta(days=1)]
                original = rng.choice(pool[-400:])
            else:
                original = rng.choice(originals)
                # Neighbours see the same smoke: most repeats come the same
                # evening or the next day, some while it is being handled.
                hours = (
                    rng.choice((1, 2, 3, 5, 8, 14, 20, 26))
                    if rng.random() < 0.9
                    else rng.randint(60, 24 * 12)
                )
                at = original.received_at + dt.timedelta(hours=hours, minutes=rng.randrange(60))
                if at >= self.now - dt.timedelta(hours=1):
                    continue
            jitter = (rng.uniform(-0.0007, 0.0007), rng.uniform(-0.0005, 0.0005))
            point = (
                round(original.point[0] + jitter[0], 6),
                round(original.point[1] + jitter[1], 6),
            )
            report = self._new(
                original.kind, at, original.village, point, original.enterprise, hot=original.hot
            )
            templates = [t for t in original.kind.descriptions if t] or [original.description]
            report.description = _words(rng, report, rng.choice(templates))
            if rng.random() < 0.3:
                report.description = to_s2t(report.description)
            report.repeat_of = original.index
            report.pending = pending
            original.repeats.append(report.index)
            made.append(report)
        self.reports.sort(key=lambda r: r.received_at)
        old_to_new = {r.index: i for i, r in enumerate(self.reports)}
        for i, r in enumerate(self.reports):
            r.index = i
        for r in self.reports:
            if r.repeat_of is not None:
                r.repeat_of = old_to_new[r.repeat_of]
            r.repeats = [old_to_new[i] for i in r.repeats]

    def outcomes(self, limits: dict[str, int]) -> None:
        rng = self.rng
        by_index = self.reports
        for r in self.reports:
            if r.repeat_of is not None:
                continue
            due = _due(r, limits)
            route = r.received_at + dt.timedelta(hours=rng.randint(3, 40))
            early = [
                by_index[i].received_at
                for i in r.repeats
                if not by_index[i].pending
                and by_index[i].received_at < r.received_at + dt.timedelta(hours=30)
            ]
            if early:
                route = max(route, max(early) + dt.timedelta(hours=2))
            if route >= self.now:
                continue
            r.route_at = route
            r.finding = (
                _weighted(rng, FINDINGS)
                if r.hot is None
                else _weighted(rng, ((Finding.TRUE, 80), (Finding.PARTLY, 15), (Finding.FALSE, 5)))
            )
            r.finding_at = route + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
            stuck = r.received_at < self.now - dt.timedelta(days=40) and rng.random() < 0.012
            if r.finding_at >= self.now or stuck and rng.random() < 0.4:
                r.finding, r.finding_at = "", None
                continue
            if stuck:
                continue
            limit_days = (due - timezone.localdate(r.received_at)).days
            if rng.random() < 0.93:
                reply_day = timezone.localdate(r.finding_at) + dt.timedelta(
                    days=rng.randint(1, max(1, limit_days // 3))
                )
                reply_day = min(reply_day, due)
            else:
                reply_day = due + dt.timedelta(days=rng.randint(1, 20))
            reply = _local(reply_day, rng.randint(9, 17), rng.randrange(60))
            reply = max(reply, r.finding_at + dt.timedelta(hours=2))
            if reply >= self.now:
                continue
            r.reply_at = reply
            close = reply + dt.timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 6))
            if close < self.now:
                r.close_at = close
                if rng.random() < 0.72:
                    public = _local(
                        timezone.localdate(close) + dt.timedelta(days=1), 10, rng.randrange(60)
                    )
                    r.public_at = public if public < self.now else None
            if rng.random() < 0.45:
                evaluated = reply + dt.timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 12))
                if evaluated < self.now:
                    r.satisfaction = _weighted(rng, SATISFACTION)
                    r.satisfaction_at = evaluated


def _converter() -> Any:
    import opencc

    return opencc.OpenCC("s2t").convert


def _due(r: _Report, limits: dict[str, int]) -> dt.date:
    return timezone.localdate(r.received_at) + dt.timedelta(days=limits[r.channel])


# --- writing ------------------------------------------------------------------------


def _lead(kind: Kind, county: Place, units: UnitSet) -> Unit:
    if kind.lead == "eco":
        return units.branches["STHJ", county.code]
    if kind.lead == "county":
        return units.county_governments[county.code]
    return units.departments[kind.lead.upper()]


def _title(kind: Kind, r: _Report) -> str:
    return _fill(kind.titles[0], r.values, random.Random(r.index))


def _texts(r: _Report) -> tuple[str, str]:
    """The finding text and the reply (and public result) of a handled report."""
    v = r.values
    rng = random.Random(r.index)
    if r.finding == Finding.FALSE:
        found = _fill(r.kind.finding, v, rng)
        return found, found + "感谢您对生态环境保护工作的关心和支持。"
    found = _fill(_CONFIRMED if r.finding == Finding.TRUE else _PARTLY, v, rng)
    return found, f"{found}整改情况：{r.kind.progress}感谢您的监督。"


class _UnitSuggester:
    """``services.suggest_unit`` for many regions at once: the same rule
    (the deepest region on the path whose unit's published list carries the
    duty; there the government, then territorial bodies, then departments,
    then by code; else the county's government) over one query instead of
    one per call. ``tests/demo/test_demo_complaints.py`` checks it against
    the service."""

    def __init__(self) -> None:
        rows = (
            Unit.objects.filter(duty_lists__status=ListStatus.PUBLISHED)
            .values_list(
                "pk",
                "code",
                "kind",
                "governs_territory",
                "region__code",
                "duty_lists__duties__category",
            )
            .distinct()
        )
        self.by_place: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
        for pk, code, kind, governs, region_code, duty in rows:
            rank = 0 if kind == UnitKind.GOVERNMENT else 1 if governs else 2
            self.by_place.setdefault((region_code, duty), []).append((rank, code, pk))
        self.units: dict[int, Unit] = {}
        self.county_gov: dict[str, Unit | None] = {}

    def _unit(self, pk: int) -> Unit:
        if pk not in self.units:
            self.units[pk] = Unit.objects.get(pk=pk)
        return self.units[pk]

    def suggest(self, region: Region, duty: str) -> Unit | None:
        codes = [c for c in region.path.split("/") if c]
        for code in reversed(codes):
            found = self.by_place.get((code, duty))
            if found:
                return self._unit(min(found)[2])
        county = (
            next((r for r in region.ancestors() if r.level == RegionLevel.COUNTY), None) or region
        )
        if county.code not in self.county_gov:
            self.county_gov[county.code] = (
                Unit.objects.filter(region=county, kind=UnitKind.GOVERNMENT)
                .order_by("code")
                .first()
            )
        return self.county_gov[county.code]


class _Writer:
    """Writes the plan: bulk for what was done before ``now``'s open work,
    services for the rest."""

    def __init__(self, plan: _Planner, units: UnitSet, users: dict[str, Any]) -> None:
        self.plan = plan
        self.units = units
        self.office = users["dispatcher"]
        self.office_name = services._base.actor_name(self.office)
        self.now = plan.now
        self.rows: list[Petition] = []
        self.events: list[PetitionEvent] = []
        self.suggested: dict[tuple[str, str], Unit | None] = {}
        self.suggester = _UnitSuggester()

    def _suggest(self, r: _Report) -> Unit | None:
        key = (r.village.code, DUTY_FOR_CATEGORY[r.kind.category])
        if key not in self.suggested:
            self.suggested[key] = self.suggester.suggest(r.village.region, key[1])
        return self.suggested[key]

    def _event(
        self,
        petition: Petition,
        action: str,
        at: dt.datetime,
        *,
        staff: bool = True,
        public: bool = False,
        comment: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            PetitionEvent(
                petition=petition,
                action=EVENT + action,
                at=at,
                actor=self.office if staff else None,
                actor_name=self.office_name if staff else "",
                public=public,
                comment=comment,
                data=data or {},
            )
        )

    def numbers(self) -> list[str]:
        counters: dict[tuple[str, int], int] = {}
        for seq in PetitionNumberSequence.objects.all():
            counters[seq.channel, seq.year] = seq.last
        found = []
        for r in self.plan.reports:
            key = (r.channel, timezone.localdate(r.received_at).year)
            counters[key] = counters.get(key, 0) + 1
            found.append(f"{NUMBER_PREFIXES[r.channel]}-{key[1]}-{counters[key]:04d}")
        for (channel, year), last in counters.items():
            seq, _ = PetitionNumberSequence.objects.get_or_create(channel=channel, year=year)
            PetitionNumberSequence.objects.filter(pk=seq.pk).update(last=last)
        return found

    def petitions(self, limits: dict[str, int]) -> None:
        rng = random.Random(f"{self.plan.rng.random()}")
        numbers = self.numbers()
        plan = self.plan.reports
        for r, number in zip(plan, numbers, strict=True):
            bulk = r.repeat_of is None and r.reply_at is not None
            merged_early = (
                r.repeat_of is not None
                and not r.pending
                and plan[r.repeat_of].route_at is not None
                and r.received_at < plan[r.repeat_of].route_at  # type: ignore[operator]
            )
            # A fresh random code, as at intake (not from the seed: nobody
            # should be able to recompute a demo report's code); only its
            # keyed digest is stored, the code itself is discarded.
            code = _tracking.new_code()
            staff = r.channel != Channel.WEB
            region = r.village.region
            p = Petition(
                number=number,
                channel=r.channel,
                external_number=f"12369-{timezone.localtime(r.received_at):%Y%m%d}{r.index:05d}"
                if r.channel == Channel.HOTLINE
                else "",
                received_at=r.received_at,
                category=r.kind.category,
                description=r.description,
                enterprise_name=r.enterprise,
                address=f"{r.county.name}{r.township.name}{r.village.name}",
                longitude=r.point[0],
                latitude=r.point[1],
                is_anonymous=r.anonymous,
                reward_requested=not r.anonymous and rng.random() < 0.05,
                suggested_region=region,
                suggested_unit=self._suggest(r),
                due_date=_due(r, limits),
                state=PetitionState.RECEIVED,
                state_changed_at=r.received_at,
                tracking_digest=_tracking.digest_of(code),
                created_at=r.received_at,
                created_by=self.office if staff else None,
                updated_at=r.received_at,
            )
            p._plan = r  # type: ignore[attr-defined]
            p._bulk = bulk  # type: ignore[attr-defined]
            p._merged_early = merged_early  # type: ignore[attr-defined]
            if bulk:
                lead = _lead(r.kind, r.county, self.units)
                p.region, p.lead_unit = region, lead
                found, reply = _texts(r)
                p.finding, p.finding_text, p.finding_at, p.finding_by = (
                    r.finding,
                    found,
                    r.finding_at,
                    self.office,
                )
                p.reply_text, p.replied_at, p.replied_by, p.replied_by_name = (
                    reply,
                    r.reply_at,
                    self.office,
                    self.office_name,
                )
                p.state = PetitionState.CLOSED if r.close_at else PetitionState.REPLIED
                p.state_changed_at = r.close_at or r.reply_at  # type: ignore[assignment]
                p.closed_at = r.close_at
                p.updated_at = max(
                    t for t in (r.close_at, r.reply_at, r.satisfaction_at, r.public_at) if t
                )
                if r.satisfaction:
                    p.satisfaction, p.satisfaction_at = r.satisfaction, r.satisfaction_at
                if r.public_at:
                    p.public_text = f"{_title(r.kind, r)}。办理结果：{reply}"
                    p.public_text_approved_at, p.public_text_approved_by = r.public_at, self.office
            self.rows.append(p)
        by_index = {p._plan.index: p for p in self.rows}  # type: ignore[attr-defined]
        for p in self.rows:
            r = p._plan  # type: ignore[attr-defined]
            if p._merged_early:  # type: ignore[attr-defined]
                merged_at = r.received_at + dt.timedelta(minutes=40)
                p.state, p.state_changed_at, p.updated_at = (
                    PetitionState.MERGED,
                    merged_at,
                    merged_at,
                )
                p.duplicate_of = by_index[r.repeat_of]
        # Originals first: a merged repeat points at its (saved) original.
        for first in (True, False):
            Petition.objects.bulk_create(
                [p for p in self.rows if (p._plan.repeat_of is None) is first],  # type: ignore[attr-defined]
                batch_size=500,
            )
        Complainant.objects.bulk_create(
            [
                Complainant(petition=p, name=p._plan.name, phone=p._plan.phone)  # type: ignore[attr-defined]
                for p in self.rows
                if not p.is_anonymous
            ],
            batch_size=500,
        )
        Problem.objects.bulk_create(
            [
                Problem(petition=p, seq=1, category=p.category, description=p.description)
                for p in self.rows
            ],
            batch_size=500,
        )

    def cases(self, tree: RegionTree) -> dict[int, Case]:
        """Closed cases for the answered petitions, through the bulk path."""
        handled = [p for p in self.rows if p._bulk]  # type: ignore[attr-defined]
        records = []
        for p in handled:
            r = p._plan  # type: ignore[attr-defined]
            _found, reply = _texts(r)
            closed = timezone.localdate(r.close_at or r.reply_at)
            records.append(
                ClosedCaseRecord(
                    source=CASE_SOURCE[p.channel],
                    title=case_title(p, p.category),
                    category=p.category,
                    region=p.region,  # type: ignore[arg-type]
                    lead_unit=p.lead_unit,  # type: ignore[arg-type]
                    registered_date=timezone.localdate(r.route_at),
                    closed_date=closed,
                    due_date=p.due_date,
                    description=case_services.mask_personal_data(p.description),
                    external_number=p.number,
                    enterprise_name=p.enterprise_name,
                    address=case_services.mask_personal_data(p.address),
                    rectification_measures=r.kind.measures if r.finding != Finding.FALSE else "",
                    result=reply if r.finding != Finding.FALSE else "",
                    unfounded_finding=_found if r.finding == Finding.FALSE else "",
                )
            )
        first = min(timezone.localdate(p.received_at) for p in self.rows)
        ledger = LEDGER.format(
            city=tree.city.name,
            first=f"{first:%Y.%m}",
            last=f"{timezone.localdate(self.now):%Y.%m}",
        )
        cases = case_services.import_closed_cases(
            by=self.office, now=self.now, ledger=ledger, records=records
        )
        problems = {
            pr.petition_id: pr
            for pr in Problem.objects.filter(petition__in=[p.pk for p in handled])
        }
        for p, case in zip(handled, cases, strict=True):
            problems[p.pk].case = case
        Problem.objects.bulk_update(list(problems.values()), ["case"], batch_size=500)
        return {p.pk: c for p, c in zip(handled, cases, strict=True)}

    def candidates(self) -> list[DuplicateCandidate]:
        """The candidates intake found (``similarity``, the year before it,
        merged repeats left out), and the dispatcher's decisions — for the
        repeats and for every petition still open. Answered originals are
        left without: their candidates would all have been set aside
        (rejected) long ago, and scoring them is most of the build's time.
        """

        def report(p: Petition) -> similarity.Report:
            return similarity.Report(
                key=str(p.pk),
                text=p.description,
                lon=p.longitude,
                lat=p.latitude,
                address=p.address,
                enterprise=p.enterprise_name,
                category=p.category,
                received=p.received_at,
            )

        pool = [p for p in self.rows if p._plan.repeat_of is None]  # type: ignore[attr-defined]
        index = similarity.Index(report(p) for p in pool)
        received = {str(p.pk): p.received_at for p in pool}
        by_pk = {p.pk: p for p in self.rows}
        rows: list[DuplicateCandidate] = []
        for p in self.rows:
            r = p._plan  # type: ignore[attr-defined]
            if p._bulk and r.repeat_of is None:  # type: ignore[attr-defined]
                continue
            new = report(p)
            window = p.received_at - services._duplicates.LOOKBACK
            found = [
                c
                for c in index.candidates(new, limit=40)
                if window <= received[c.key] < p.received_at
            ][:5]
            original = self.rows[r.repeat_of] if r.repeat_of is not None else None
            if original is not None and all(int(c.key) != original.pk for c in found):
                found = [similarity.compare(new, report(original)), *found][:5]
            decided_at = _decided_at(p, r)
            for c in found:
                earlier = int(c.key)
                row = DuplicateCandidate(
                    petition=p,
                    earlier=by_pk[earlier],
                    score=round(float(c.score), 4),
                    is_likely=bool(c.is_likely),
                    reasons=list(c.reasons),
                    text_similarity=round(float(c.text_similarity), 4),
                    distance_m=None if c.distance_m is None else round(float(c.distance_m), 1),
                    same_enterprise=bool(c.same_enterprise),
                )
                if original is not None and earlier == original.pk:
                    # The planted pair: merged here (before routing) or by
                    # merge_duplicate later; pending ones wait.
                    if p._merged_early:  # type: ignore[attr-defined]
                        row.decision = DuplicateDecision.MERGED
                        row.decided_by, row.decided_at = self.office, p.state_changed_at
                elif decided_at is not None:
                    # Looked at and set aside before routing or merging.
                    row.decision = DuplicateDecision.REJECTED
                    row.decided_by, row.decided_at = self.office, decided_at
                    self._event(
                        p, "duplicate_rejected", decided_at, data={"earlier": by_pk[earlier].number}
                    )
                rows.append(row)
        DuplicateCandidate.objects.bulk_create(rows, batch_size=500)
        return rows

    def history(self, cases: dict[int, Case], scores: dict[tuple[int, int], float]) -> None:
        for p in self.rows:
            r = p._plan  # type: ignore[attr-defined]
            staff = p.channel != Channel.WEB
            self._event(
                p,
                "received",
                p.received_at,
                staff=staff,
                public=True,
                data={"channel": p.channel, "photos": 0},
            )
            if p._merged_early:  # type: ignore[attr-defined]
                earlier = p.duplicate_of
                assert earlier is not None
                score = scores.get((p.pk, earlier.pk))
                self._event(
                    p,
                    "duplicate_merged",
                    p.state_changed_at,
                    public=True,
                    comment="经核实与此前已受理的举报反映同一问题，合并办理",
                    data={"earlier": earlier.number, "score": score, "cases": []},
                )
                self._event(
                    earlier, "repeat_received", p.state_changed_at, data={"repeat": p.number}
                )
            if not p._bulk:  # type: ignore[attr-defined]
                continue
            case = cases[p.pk]
            self._event(
                p,
                "routed",
                r.route_at,
                public=True,
                comment=f"已交由{p.lead_unit.name}办理",  # type: ignore[union-attr]
                data={"region": p.region.code, "lead_unit": p.lead_unit_id, "cases": [case.number]},  # type: ignore[union-attr]
            )
            self._event(
                p,
                "finding_recorded",
                r.finding_at,
                public=True,
                comment=f"核查结论：{Finding(r.finding).label}",
                data={"finding": r.finding, "files": 0},
            )
            self._event(p, "replied", r.reply_at, public=True)
            if r.close_at:
                self._event(p, "closed", r.close_at, public=True)
            if r.satisfaction:
                self._event(
                    p,
                    "satisfaction_recorded",
                    r.satisfaction_at,
                    staff=False,
                    public=True,
                    comment=Satisfaction(r.satisfaction).label,
                )
            if r.public_at:
                self._event(p, "public_text_approved", r.public_at)
        PetitionEvent.objects.bulk_create(self.events, batch_size=1000)


def _decided_at(p: Petition, r: _Report) -> dt.datetime | None:
    """When the dispatcher set a petition's other candidates aside: just
    before merging it, or before routing it; ``None`` while it waits."""
    if p._merged_early:  # type: ignore[attr-defined]
        return p.state_changed_at - dt.timedelta(minutes=5)
    if r.repeat_of is not None:
        return None if r.pending else r.received_at + dt.timedelta(minutes=115)
    if r.route_at is not None:
        return r.route_at - dt.timedelta(minutes=5)
    return None


def _scores(candidates: list[DuplicateCandidate]) -> dict[tuple[int, int], float]:
    return {(c.petition_id, c.earlier_id): c.score for c in candidates}


def _carry_forward(writer: _Writer, limits: dict[str, int]) -> None:
    """The open work, through the services in order of time: routing,
    findings, and the repeats merged while their original was handled."""
    rows = writer.rows
    steps: list[tuple[dt.datetime, int, str]] = []
    for p in rows:
        r = p._plan  # type: ignore[attr-defined]
        if p._bulk or p._merged_early:  # type: ignore[attr-defined]
            continue
        if r.repeat_of is None:
            if r.route_at is not None:
                steps.append((r.route_at, p.pk, "route"))
            if r.finding_at is not None:
                steps.append((r.finding_at, p.pk, "finding"))
        elif not r.pending:
            steps.append((r.received_at + dt.timedelta(hours=2), p.pk, "merge"))
    by_pk = {p.pk: p for p in rows}
    office = writer.office
    for at, pk, action in sorted(steps, key=lambda s: (s[0], s[1])):
        p = Petition.objects.get(pk=pk)
        r = by_pk[pk]._plan  # type: ignore[attr-defined]
        if action == "route":
            services.route_petition(
                petition=p,
                by=office,
                now=at,
                region=r.village.region,
                lead_unit=_lead(r.kind, r.county, writer.units),
                comment="请按期核查办理，结果报市生态委办。",
            )
        elif action == "finding":
            found, _reply = _texts(r)
            services.record_finding(petition=p, by=office, now=at, finding=r.finding, text=found)
        else:
            original = rows[r.repeat_of]
            candidate = DuplicateCandidate.objects.filter(petition=p, earlier=original).first()
            if (
                candidate is None
                or Petition.objects.get(pk=original.pk).state == PetitionState.MERGED
            ):
                continue
            services.merge_duplicate(candidate=candidate, by=office, now=at)


def _inspection_petitions(writer: _Writer) -> None:
    """The 督察转办 petitions follow their cases: routed when assigned, a
    finding when verified or rectifying, answered by the deadline, closed
    with the case; repeats merged into their original."""
    office = writer.office
    petitions = list(
        Petition.objects.filter(
            channel=Channel.INSPECTION, state__in=[PetitionState.RECEIVED, PetitionState.ROUTED]
        )
        .select_related("region", "batch")
        .order_by("received_at", "pk")
    )
    problems = {
        pr.petition_id: pr.case
        for pr in Problem.objects.filter(petition__in=petitions).select_related(
            "case", "case__lead_unit"
        )
    }
    for petition in petitions:
        case = problems.get(petition.pk)
        if case is None:
            continue
        events = {
            a.rsplit(".", 1)[-1]: at
            for a, at in case.events.order_by("-at", "-pk").values_list("action", "at")
        }
        if case.state == CaseState.DUPLICATE:
            original = (
                Problem.objects.filter(case=case.duplicate_of).select_related("petition").first()
            )
            if original is None or original.petition.state == PetitionState.MERGED:
                continue
            candidate = DuplicateCandidate.objects.filter(
                petition=petition, earlier=original.petition
            ).first()
            if candidate is None:
                c = similarity.compare(
                    services._duplicates._report(petition),
                    services._duplicates._report(original.petition),
                )
                candidate = DuplicateCandidate.objects.create(
                    petition=petition,
                    earlier=original.petition,
                    score=round(float(c.score), 4),
                    is_likely=bool(c.is_likely),
                    reasons=list(c.reasons),
                    text_similarity=round(float(c.text_similarity), 4),
                    distance_m=None if c.distance_m is None else round(float(c.distance_m), 1),
                    same_enterprise=bool(c.same_enterprise),
                )
            services.merge_duplicate(
                candidate=candidate, by=office, now=events.get("merged", petition.received_at)
            )
            continue
        if case.lead_unit is None:
            continue
        routed = events.get("assigned", petition.received_at)
        if petition.state == PetitionState.RECEIVED:
            # Usually routed already when the round assigned its case
            # (services.follow_case_assignment).
            petition = services.route_petition(
                petition=petition,
                by=office,
                now=routed,
                region=case.region,
                lead_unit=case.lead_unit,
                due_date=max(petition.due_date, timezone.localdate(routed)),
            )
        if case.is_unfounded:
            found_at = events.get("verified_unfounded", routed + dt.timedelta(days=3))
            finding, text = Finding.FALSE, case.verification_finding or "经核查，反映问题不属实。"
        else:
            found_at = events.get(
                "progress_reported",
                events.get("rectification_started", routed + dt.timedelta(days=2)),
            )
            finding, text = Finding.TRUE, "经现场核查，反映问题属实，已责令整改。"
        found_at = max(found_at, routed + dt.timedelta(hours=1))
        if found_at >= writer.now:
            continue
        # An unfounded case is already closed as such: record_finding leaves it.
        petition = services.record_finding(
            petition=petition, by=office, now=found_at, finding=finding, text=text
        )
        due = _local(petition.due_date, 16, 0)
        reply_at = min(case.closed_at or due, due)
        reply_at = max(reply_at, found_at + dt.timedelta(hours=2))
        if reply_at >= writer.now:
            continue
        reply = (
            "经核查，反映问题不属实。"
            if case.is_unfounded
            else "反映问题属实，已责令整改，整改情况将按要求公开。"
        )
        petition = services.reply_to_petition(
            petition=petition, by=office, now=reply_at, text=reply
        )
        if case.state == CaseState.CLOSED and case.closed_at is not None:
            close_at = max(case.closed_at, reply_at) + dt.timedelta(hours=1)
            if close_at < writer.now:
                services.close_petition(petition=petition, by=office, now=close_at)


def _rewards(writer: _Writer) -> int:
    """Two reward proposals for founded named reports."""
    office = writer.office
    picked = Petition.objects.filter(
        is_anonymous=False,
        state=PetitionState.CLOSED,
        finding=Finding.TRUE,
        complainant__isnull=False,
    ).order_by("received_at", "pk")
    chosen = list(picked.filter(reward_requested=True)[:2]) or list(picked[:2])
    for n, petition in enumerate(chosen):
        services.propose_reward(
            petition=petition,
            by=office,
            now=(petition.closed_at or writer.now) + dt.timedelta(days=3),
            amount=500 if n == 0 else 300,
            comment="举报线索具体，经核查属实，依据本市举报奖励办法拟予奖励。",
        )
    return len(chosen)


@dataclass(frozen=True, slots=True)
class ComplaintsSummary:
    petitions: int
    repeats: int
    merged: int
    pending_repeats: int
    cases: int
    rewards: int


def build_demo_complaints(
    *,
    tree: RegionTree,
    units: UnitSet,
    users: dict[str, Any],
    rng: random.Random,
    now: dt.datetime,
) -> ComplaintsSummary:
    """Plan a year of reports, write the handled ones in bulk, carry the
    open ones and the inspection petitions forward through the services.

    1. Plan originals (seasons, places, hot enterprises), repeats, outcomes.
    2. Bulk: petitions, complainants, problems; the handled ones' cases
       through ``import_closed_cases``; duplicate candidates; history.
    3. Services: routing, findings and merges still open at ``now``; the
       inspection petitions; two reward proposals.
    """
    limits = {c: ChannelPolicy.days_for(c) for c in Channel.values}
    planner = _Planner(rng, tree, now)
    planner.originals()
    planner.repeats()
    planner.outcomes(limits)
    writer = _Writer(planner, units, users)
    writer.petitions(limits)
    cases = writer.cases(tree)
    candidates = writer.candidates()
    writer.history(cases, _scores(candidates))
    _carry_forward(writer, limits)
    _inspection_petitions(writer)
    rewards = _rewards(writer)
    repeats = [r for r in planner.reports if r.repeat_of is not None]
    return ComplaintsSummary(
        petitions=Petition.objects.count(),
        repeats=len(repeats),
        merged=Petition.objects.filter(state=PetitionState.MERGED).count(),
        pending_repeats=sum(1 for r in repeats if r.pending),
        cases=len(cases),
        rewards=rewards,
    )


__all__ = ["ComplaintsSummary", "build_demo_complaints"]
