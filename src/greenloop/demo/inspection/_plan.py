"""The plan of the demo round: every petition, its place, words, outcome
and the times of its steps, decided from the seed without the database."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from greenloop.cases.models import CaseState
from greenloop.demo.inspection._catalogue import (
    FIRMS,
    INSTRUCTIONS,
    KINDS,
    RIVERS,
    SEND_BACK_COMMENTS,
    Kind,
)
from greenloop.demo.names import SURNAMES
from greenloop.demo.regions import Place, RegionTree
from greenloop.org.models import RegionKind

# --- the figures ----------------------------------------------------------------

STATIONED_DAYS = 46  # 25 April – 10 June
SNAPSHOT_DAYS = 167  # from the end of stationing to ``now`` (10 June – 24 November)
FEEDBACK_DAYS = 70  # the feedback report, after the team left
PLAN_DAYS = 28  # the rectification plan: feedback tasks registered
BATCHES = 30
PETITIONS = 91
PROBLEMS = 100
KEY = 21
DUPLICATES = 12
UNFOUNDED = 18
# Of the 61 that needed rectification: 53 closed, 8 still in progress.
IN_PROGRESS_STATES = (
    CaseState.RECTIFYING,
    CaseState.RECTIFYING,
    CaseState.RECTIFYING,
    CaseState.RECTIFYING,
    CaseState.ACCEPTANCE_REQUESTED,
    CaseState.ACCEPTANCE_REQUESTED,
    CaseState.ACCEPTED,
    CaseState.RECHECKED,
)
CLOSED = PETITIONS - DUPLICATES - UNFOUNDED - len(IN_PROGRESS_STATES)
# Closed cases that were sent back once at acceptance.
SENT_BACK_CLOSED = 6
ACCOUNTABILITY = 6

# Accounts without a password for the handlers and groups who act in the
# round (7 county governments besides 铁西区, 4 bureaus besides 住建局, the
# city's acceptance and re-check groups); see _Actors.
PASSWORDLESS_ACCOUNTS = 13

ROUND_NAME = "第三轮第四批中央生态环境保护督察"
TEAM_NAME = "中央第三生态环境保护督察组"


# --- the plan --------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    action: str
    at: dt.datetime
    text: str = ""


@dataclass(slots=True)
class PetitionPlan:
    index: int
    batch: int
    external_number: str
    kind: Kind
    county: Place
    township: Place
    village: Place
    enterprise_name: str
    title: str
    description: str
    problem_count: int
    is_key: bool
    outcome: str
    # Sent back once at acceptance before it was accepted.
    sent_back: bool = False
    due_date: dt.date | None = None
    duplicate_of: int | None = None
    steps: list[Step] = field(default_factory=list)


@dataclass(slots=True)
class RoundPlan:
    start: dt.date
    end: dt.date
    feedback: dt.date
    batch_dates: list[dt.date]
    petitions: list[PetitionPlan]
    tasks_at: dt.datetime
    river: str


def local_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def next_january(today: dt.date) -> dt.date:
    """The end of the first January at least two months away: the
    deadline “by the end of January” of the long-term items."""
    deadline = dt.date(today.year, 1, 31)
    while deadline < today + dt.timedelta(days=60):
        deadline = dt.date(deadline.year + 1, 1, 31)
    return deadline


def fill(text: str, **values: str) -> str:
    return text.format(**values)


def plan_round(rng: random.Random, tree: RegionTree, today: dt.date) -> RoundPlan:
    """Decide every petition, its place, words, outcome and the times of
    its steps. No database."""
    end = today - dt.timedelta(days=SNAPSHOT_DAYS)
    start = end - dt.timedelta(days=STATIONED_DAYS)
    feedback = end + dt.timedelta(days=FEEDBACK_DAYS)
    days = [start + dt.timedelta(days=d) for d in range(2, STATIONED_DAYS)]
    batch_dates = sorted(rng.sample(days, BATCHES))
    sizes = _batch_sizes(rng)
    river = rng.choice(RIVERS)
    petitions: list[PetitionPlan] = []
    for batch, (day, size) in enumerate(zip(batch_dates, sizes, strict=True), start=1):
        for k in range(size):
            petitions.append(_petition(rng, tree, len(petitions) + 1, batch, k, day, start))
    _outcomes(rng, petitions, today)
    long_deadline = next_january(today)
    for p in petitions:
        _schedule(rng, p, batch_dates[p.batch - 1], today, long_deadline)
    tasks_at = local_at(feedback + dt.timedelta(days=PLAN_DAYS), 10)
    return RoundPlan(start, end, feedback, batch_dates, petitions, tasks_at, river)


def _batch_sizes(rng: random.Random) -> list[int]:
    """30 batch sizes summing to 91: few at first, most in the middle."""
    weights = [1 + 2 * min(i, BATCHES - 1 - i) / BATCHES for i in range(BATCHES)]
    sizes = [1] * BATCHES
    while sum(sizes) < PETITIONS:
        i = rng.choices(range(BATCHES), weights=weights)[0]
        if sizes[i] < 7:
            sizes[i] += 1
    return sizes


def _township(rng: random.Random, county: Place, where: str) -> Place:
    streets = [t for t in county.children if t.kind == RegionKind.STREET]
    towns = [t for t in county.children if t.kind != RegionKind.STREET]
    pool = {"urban": streets or towns, "rural": towns or streets}.get(where, county.children)
    return rng.choice(pool)


def _petition(
    rng: random.Random,
    tree: RegionTree,
    index: int,
    batch: int,
    k: int,
    day: dt.date,
    start: dt.date,
) -> PetitionPlan:
    kind = rng.choice(KINDS)
    counties = [c for c in tree.counties if kind.where != "rural" or c.kind != RegionKind.ZONE]
    county = rng.choice(counties)
    township = _township(rng, county, kind.where)
    village = rng.choice(township.children)
    place = township.name + (village.name if rng.random() < 0.6 else "")
    values = {
        "firm": rng.choice(FIRMS),
        "place": place,
        "village": village.short,
        "river": rng.choice(RIVERS),
        "surname": rng.choice(SURNAMES[:40]),
        "county": county.name,
        "township": township.name,
    }
    obj = fill(rng.choice(kind.objects), **values)
    if kind.code in {"smoke", "odour", "stockpile", "effluent", "hazardous"}:
        obj = "辽东" + obj if rng.random() < 0.3 else county.short + obj
    values["obj"] = obj
    return PetitionPlan(
        index=index,
        batch=batch,
        external_number=f"LN{start.year % 100:02d}{batch:02d}{k + 1:03d}",
        kind=kind,
        county=county,
        township=township,
        village=village,
        enterprise_name=obj if kind.code not in {"straw", "sewage", "blackwater", "muck"} else "",
        title=fill(rng.choice(kind.titles), **values),
        description=fill(rng.choice(kind.descriptions), **values),
        problem_count=1,
        is_key=False,
        outcome=CaseState.CLOSED,
    )


def _outcomes(rng: random.Random, petitions: list[PetitionPlan], today: dt.date) -> None:
    """Which petitions are repeats, untrue, still in progress, and key."""
    # Repeats come in later batches and repeat an earlier petition's object.
    later = [p for p in petitions if p.batch > 4]
    duplicates = sorted(rng.sample(later, DUPLICATES), key=lambda p: p.index)
    taken = {p.index for p in duplicates}
    for dup in duplicates:
        originals = [
            p
            for p in petitions
            if p.batch < dup.batch and p.index not in taken and p.outcome != CaseState.DUPLICATE
        ]
        original = rng.choice(originals)
        dup.outcome = CaseState.DUPLICATE
        dup.duplicate_of = original.index
        dup.kind, dup.county, dup.township, dup.village = (
            original.kind,
            original.county,
            original.township,
            original.village,
        )
        dup.enterprise_name = original.enterprise_name
        dup.title = original.title
        dup.description = "群众再次反映：" + original.description
    rest = [p for p in petitions if p.outcome != CaseState.DUPLICATE]
    long_term = [p for p in rest if p.kind.long_term]
    in_progress = rng.sample(long_term, len(IN_PROGRESS_STATES))
    for p, state in zip(
        sorted(in_progress, key=lambda p: p.index), IN_PROGRESS_STATES, strict=True
    ):
        p.outcome = state
    chosen = {p.index for p in in_progress}
    unfounded = rng.sample([p for p in rest if p.index not in chosen], UNFOUNDED)
    for p in unfounded:
        p.outcome = CaseState.UNFOUNDED
    # Key cases: mostly among those rectified, a few found untrue.
    founded = [p for p in rest if p.outcome != CaseState.UNFOUNDED]
    keys = rng.sample(founded, KEY - 2) + rng.sample(unfounded, 2)
    for p in keys:
        p.is_key = True
    for p in rng.sample(rest, PROBLEMS - PETITIONS):
        p.problem_count = 2
    closed = [p for p in rest if p.outcome == CaseState.CLOSED]
    for p in rng.sample(closed, SENT_BACK_CLOSED):
        p.sent_back = True


def _schedule(
    rng: random.Random, p: PetitionPlan, day: dt.date, today: dt.date, long_deadline: dt.date
) -> None:
    """The times of each step, from the batch's arrival at about 17:00."""
    received = local_at(day, 17, rng.randrange(0, 20))
    register = received + dt.timedelta(minutes=10 + 2 * (p.index % 10))
    assign = register + dt.timedelta(minutes=rng.randrange(15, 28))
    p.steps.append(Step("register", register))
    if p.outcome == CaseState.DUPLICATE:
        p.steps.append(Step("merge", assign, "与本轮此前交办的信访件反映同一问题，合并办理。"))
        return

    def morning(after: dt.datetime, days: int) -> dt.datetime:
        d = timezone.localtime(after).date() + dt.timedelta(days=days)
        return local_at(d, rng.randrange(8, 11), rng.randrange(0, 60))

    def afternoon(after: dt.datetime, days: int) -> dt.datetime:
        d = timezone.localtime(after).date() + dt.timedelta(days=days)
        return local_at(d, rng.randrange(14, 17), rng.randrange(0, 60))

    if p.outcome in IN_PROGRESS_STATES:
        p.due_date = long_deadline
    elif p.is_key or p.sent_back:
        p.due_date = day + dt.timedelta(days=30)
    else:
        p.due_date = day + dt.timedelta(days=rng.choice((15, 20, 30)))
    p.steps.append(Step("assign", assign))
    if p.is_key:
        p.steps.append(
            Step("instruct", assign + dt.timedelta(minutes=50), rng.choice(INSTRUCTIONS))
        )
    start = morning(assign, 1)
    if p.outcome == CaseState.UNFOUNDED:
        if rng.random() < 0.4:
            verify = afternoon(assign, rng.randrange(2, 5))
        else:
            p.steps.append(Step("start", start))
            report = afternoon(start, rng.randrange(2, 5))
            p.steps.append(Step("investigation", report))
            verify = report + dt.timedelta(hours=1)
        p.steps.append(Step("verify_unfounded", verify))
        p.steps.append(Step("close", morning(verify, rng.randrange(1, 3))))
        return
    p.steps.append(Step("start", start))
    evidence = afternoon(start, rng.randrange(3, 8))
    p.steps.append(Step("evidence", evidence))
    p.steps.append(Step("request", evidence + dt.timedelta(minutes=30)))
    if p.outcome == CaseState.RECTIFYING:
        if p.index % 2:  # some were sent back at acceptance and rectify again
            back = morning(evidence, 2)
            p.steps.append(Step("send_back", back, rng.choice(SEND_BACK_COMMENTS)))
            p.steps.append(Step("progress", afternoon(back, 20)))
        else:
            p.steps = [s for s in p.steps if s.action != "request"]
            p.steps.append(Step("progress", afternoon(evidence, 30)))
        return
    if p.outcome == CaseState.ACCEPTANCE_REQUESTED:
        return
    accept = morning(evidence, rng.randrange(1, 3))
    if p.sent_back:
        p.steps.append(Step("send_back", accept, rng.choice(SEND_BACK_COMMENTS)))
        evidence = afternoon(accept, rng.randrange(2, 4))
        p.steps.append(Step("evidence", evidence))
        p.steps.append(Step("request", evidence + dt.timedelta(minutes=30)))
        accept = morning(evidence, 1)
    p.steps.append(Step("accept", accept))
    if p.outcome == CaseState.ACCEPTED:
        return
    recheck = afternoon(accept, rng.randrange(1, 3))
    p.steps.append(Step("recheck", recheck))
    if p.outcome == CaseState.RECHECKED:
        return
    p.steps.append(Step("close", morning(recheck, 1)))
