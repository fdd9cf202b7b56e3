"""The figures the office reports, over any (already scoped) set of cases.

Every figure has one definition, in :data:`DEFINITIONS` (shown on hover in
the pages and returned by the API) and in ``docs/cases-statistics.md``
(numerator, denominator, exclusions and the date each one counts on).
Callers pass a queryset that is already narrowed to what the user sees
(``Case.objects.visible_to(user)``); nothing here scopes.

The case figures of :func:`summarize`:

* ``total`` — cases registered, duplicates included (as a batch is
  received: "91 cases");
* ``problems`` — the sum of ``problem_count`` over them ("100 problems");
* ``key`` — key cases (重点件), duplicates excluded;
* ``duplicates`` — merged into another case; counted once, there;
* ``unfounded`` — verified untrue (不属实), closed or not;
* ``to_rectify`` — neither duplicate nor unfounded ("61 needed
  rectification");
* ``done`` — of those, closed (销号) ("53 done");
* ``in_progress`` — ``to_rectify - done`` ("8 in progress");
* ``overdue`` — open cases whose next deadline has passed (red cards);
* ``due`` — cases that should be finished by ``today``: not duplicates, and
  closed or with a deadline before ``today``;
* ``closed_on_time`` — closed, and closed (Beijing date) on or before the
  deadline, or closed with no deadline (unfounded before assignment);
* ``on_time_rate = closed_on_time / due`` and ``completion_rate = done /
  to_rectify``, ``None`` when the denominator is 0.

Further figures: disclosure (:func:`disclosure_figures`), counts by state,
source and category (:func:`count_by`), summaries per region, unit, round,
batch or feedback aspect (:func:`summarize_by`, :func:`summarize_by_region`),
days per stage from the timeline (:func:`stage_durations`), 回头看
(:func:`review_figures`) and accountability (:func:`accountability_counts`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypedDict

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from greenloop.cases.models import (
    OPEN_STATES,
    STAGE_STATES,
    STAGE_TOTAL_FIELDS,
    AccountabilityForm,
    CaseCategory,
    CaseQuerySet,
    CaseSource,
    CaseStageSpan,
    CaseState,
    DisclosureStatus,
    FeedbackAspect,
    ReviewOutcome,
    stay_micros_field,
    stays_field,
)
from greenloop.org.models import Region

# --- definitions -----------------------------------------------------------

# One sentence per figure: the hover text of the pages, the ``definitions``
# of the API. docs/cases-statistics.md says the same at more length; change
# both together.
DEFINITIONS: dict[str, str] = {
    "total": _("登记的问题件数，含重复件（按登记时间计入统计期）"),
    "problems": _("登记问题件所反映的问题数之和（一件信访件可反映多个问题），含重复件"),
    "key": _("重点件数，不含重复件"),
    "duplicates": _("经比对并入其他问题的重复件数，只在原件中计一次"),
    "unfounded": _("经核查不属实的问题件数（无论是否已销号）"),
    "to_rectify": _("应整改数：登记件数减去重复件和不属实件"),
    "done": _("已完成整改数：应整改件中已销号的件数"),
    "in_progress": _("正在整改数：应整改数减去已完成整改数（含尚未交办的）"),
    "completion_rate": _("整改完成率 = 已完成整改数 ÷ 应整改数"),
    "overdue": _("逾期数（红牌）：未销号且最近节点（整改时限或未完成的阶段节点）早于今天的件数"),
    "due": _("应办结数：不含重复件，已销号或整改时限早于今天的件数"),
    "closed_on_time": _(
        "按期办结数：已销号且销号日期（北京时间）不晚于整改时限的件数；无整改时限而销号的计为按期"
    ),
    "on_time_rate": _("按期办结率 = 按期办结数 ÷ 应办结数"),
    "should_disclose": _(
        "应公开数：列入督察轮次、已销号的问题件（含核查不属实后销号的），不含重复件"
    ),
    "disclosed": _("已公开数：应公开件中办理结果已经生态委办审核公开的件数"),
    "published": _("当前公开的全部件数（含尚未销号、阶段性公开的）"),
    "disclosure_rate": _("信息公开率 = 已公开数 ÷ 应公开数"),
    "by_state": _("按当前状态统计的问题件数，含重复件"),
    "by_source": _("按问题来源统计的件数，含重复件"),
    "by_category": _("按污染类型统计的件数，含重复件"),
    "by_region": _("按问题所在行政区域统计，区域含其全部下级"),
    "by_unit": _("按牵头单位统计；尚未交办的问题计入“未交办”"),
    "by_round": _("按问题所属督察轮次统计"),
    "by_batch": _("按信访件的交办批次统计"),
    "by_aspect": _("督察反馈问题按共性问题、个性问题分组统计"),
    "stage_days": _(
        "各环节平均用时（天）：按办理记录，从进入该状态到离开该状态的时长取平均；尚未离开的不计"
    ),
    "days_to_close": _("登记至销号平均用时（天）：从登记到每次销号的时长取平均"),
    "review_total": _("列入回头看的已销号问题件数"),
    "reviewed": _("已复查数：已记录复查结果的件数"),
    "consolidated": _("整改成效巩固的件数"),
    "relapsed": _("问题反弹、已重新整改的件数"),
    "review_pending": _("待复查的件数"),
    "relapse_rate": _("反弹率 = 问题反弹件数 ÷ 已复查数"),
    "accountability_records": _("问责记录条数（一人受多种问责的计多条）"),
    "accountability_people": _("被问责人数：按姓名和单位去重"),
}


def get_definitions() -> dict[str, str]:
    """:data:`DEFINITIONS` in the active language."""
    return {key: gettext(text) for key, text in DEFINITIONS.items()}


# --- the case summary ------------------------------------------------------


class Summary(TypedDict):
    total: int
    problems: int
    key: int
    duplicates: int
    unfounded: int
    to_rectify: int
    done: int
    in_progress: int
    overdue: int
    due: int
    closed_on_time: int
    on_time_rate: float | None
    completion_rate: float | None


class GroupSummary(Summary):
    """A summary of one group (region, unit, round, batch…), with the
    disclosure figures. ``group`` identifies it (a region code, an id, an
    aspect code; "" for none), ``name`` labels it."""

    group: str
    name: str
    should_disclose: int
    disclosed: int
    disclosure_rate: float | None


_NOT_DUPLICATE = ~Q(state=CaseState.DUPLICATE)
_TO_RECTIFY = _NOT_DUPLICATE & Q(is_unfounded=False)
_CLOSED = Q(state=CaseState.CLOSED)
# Closed cases of an inspection round are disclosed (信息公开); duplicates
# are never closed, so they are out by the state alone.
_SHOULD_DISCLOSE = _CLOSED & Q(inspection_round__isnull=False)
_DISCLOSED = _SHOULD_DISCLOSE & Q(disclosure__status=DisclosureStatus.PUBLISHED)


def _disclosure_aggregates() -> dict[str, Any]:
    return {
        "should_disclose": Count("pk", filter=_SHOULD_DISCLOSE),
        "disclosed": Count("pk", filter=_DISCLOSED),
        "published": Count("pk", filter=Q(disclosure__status=DisclosureStatus.PUBLISHED)),
    }


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _aggregates(today: dt.date) -> dict[str, Any]:
    # closed_at__date is the date in the current time zone (Asia/Shanghai).
    on_time = _CLOSED & (Q(due_date__isnull=True) | Q(closed_at__date__lte=F("due_date")))
    return {
        "total": Count("pk"),
        "problems": Sum("problem_count", default=0),
        "key": Count("pk", filter=_NOT_DUPLICATE & Q(is_key=True)),
        "duplicates": Count("pk", filter=~_NOT_DUPLICATE),
        "unfounded": Count("pk", filter=Q(is_unfounded=True)),
        "to_rectify": Count("pk", filter=_TO_RECTIFY),
        "done": Count("pk", filter=_TO_RECTIFY & _CLOSED),
        "overdue": Count("pk", filter=Q(state__in=OPEN_STATES, next_due_date__lt=today)),
        "due": Count("pk", filter=_NOT_DUPLICATE & (_CLOSED | Q(due_date__lt=today))),
        "closed_on_time": Count("pk", filter=on_time),
    }


def _summary(row: dict[str, Any]) -> Summary:
    return Summary(
        total=row["total"],
        problems=row["problems"] or 0,
        key=row["key"],
        duplicates=row["duplicates"],
        unfounded=row["unfounded"],
        to_rectify=row["to_rectify"],
        done=row["done"],
        in_progress=row["to_rectify"] - row["done"],
        overdue=row["overdue"],
        due=row["due"],
        closed_on_time=row["closed_on_time"],
        on_time_rate=_rate(row["closed_on_time"], row["due"]),
        completion_rate=_rate(row["done"], row["to_rectify"]),
    )


def summarize(cases: CaseQuerySet, today: dt.date) -> Summary:
    """All the figures in one query."""
    return _summary(cases.order_by().aggregate(**_aggregates(today)))


def _group_summary(key: Any, name: str, row: dict[str, Any] | None) -> GroupSummary:
    row = row or _EMPTY_ROW
    return GroupSummary(
        group="" if key is None else str(key),
        name=name,
        **_summary(row),
        should_disclose=row["should_disclose"],
        disclosed=row["disclosed"],
        disclosure_rate=_rate(row["disclosed"], row["should_disclose"]),
    )


_EMPTY_ROW: dict[str, Any] = dict.fromkeys(
    (
        "total",
        "problems",
        "key",
        "duplicates",
        "unfounded",
        "to_rectify",
        "done",
        "overdue",
        "due",
        "closed_on_time",
        "should_disclose",
        "disclosed",
        "published",
    ),
    0,
)


def _grouped_rows(cases: QuerySet[Any], today: dt.date, *fields: Any) -> list[dict[str, Any]]:
    return list(
        cases.order_by()
        .values(*fields)
        .annotate(
            **_aggregates(today),
            **_disclosure_aggregates(),
        )
    )


def _groups(
    rows: dict[Any, dict[str, Any]], names: dict[Any, str], keys: Iterable[Any] = ()
) -> list[GroupSummary]:
    """Group summaries of ``rows`` (figures per key), in the order of
    ``keys``, then by name."""
    order = list(dict.fromkeys([*keys, *sorted(rows, key=lambda k: (names.get(k, ""), str(k)))]))
    return [
        _group_summary(k, names.get(k, "" if k is None else str(k)), rows.get(k)) for k in order
    ]


def summarize_by(
    cases: QuerySet[Any],
    today: dt.date,
    field: str,
    names: dict[Any, str] | None = None,
    keys: Iterable[Any] = (),
) -> list[GroupSummary]:
    """One summary per value of ``field`` (``"batch"``, ``"lead_unit"``,
    ``"inspection_round"``, ``"feedback_aspect"``…), in one query.

    ``names`` labels the keys; ``keys`` lists groups to show even when no
    case falls in them (a batch whose cases the user does not see). Groups
    come in the order of ``keys``, then by name.
    """
    rows = {r[field]: r for r in _grouped_rows(cases, today, field)}
    return _groups(rows, names or {}, keys)


def _region_width(parent: Region) -> int:
    # A region path is each ancestor's 12-digit code followed by "/", so the
    # first len(parent.path) + 13 characters name the child a case lies
    # under (or the parent itself, for a case registered there).
    return len(parent.path) + 13


def _region_groups(by_path: dict[str, dict[str, Any]], parent: Region) -> list[GroupSummary]:
    regions = {r.path: r for r in Region.objects.filter(path__in=list(by_path))}
    regions[parent.path] = parent
    return [
        _group_summary(
            regions.get(path, parent).code, regions.get(path, parent).name, by_path[path]
        )
        for path in sorted(by_path)
    ]


def summarize_by_region(cases: QuerySet[Any], parent: Region, today: dt.date) -> list[GroupSummary]:
    """One summary per child region of ``parent`` (cases registered at
    ``parent`` itself count under its own name)."""
    rows = _grouped_rows(
        cases.filter(region__path__startswith=parent.path).annotate(
            bucket=Substr(F("region__path"), 1, _region_width(parent))
        ),
        today,
        "bucket",
    )
    return _region_groups({r["bucket"]: r for r in rows}, parent)


# --- counts by a choice field ----------------------------------------------


class LabelledCount(TypedDict):
    key: str
    label: str
    count: int


_CHOICES: dict[str, Any] = {
    "state": CaseState,
    "source": CaseSource,
    "category": CaseCategory,
    "feedback_aspect": FeedbackAspect,
}


def count_by(cases: QuerySet[Any], field: str) -> list[LabelledCount]:
    """Cases per value of a choice field (``state``, ``source``,
    ``category``), every choice listed in its own order, zeros included."""
    choices = _CHOICES[field]
    found = dict(
        cases.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")
    )
    return [
        LabelledCount(key=value, label=gettext(label), count=found.get(value, 0))
        for value, label in choices.choices
    ]


def count_states_by(cases: QuerySet[Any], field: str) -> dict[Any, dict[str, int]]:
    """Cases per state within each value of ``field``: ``{key: {state: n}}``."""
    result: dict[Any, dict[str, int]] = defaultdict(dict)
    for key, state, n in (
        cases.order_by()
        .values_list(field, "state")
        .annotate(n=Count("pk"))
        .values_list(field, "state", "n")
    ):
        result[key][state] = n
    return dict(result)


# --- disclosure --------------------------------------------------------------


class DisclosureFigures(TypedDict):
    should_disclose: int
    disclosed: int
    published: int
    disclosure_rate: float | None


def disclosure_figures(cases: QuerySet[Any]) -> DisclosureFigures:
    """信息公开率: of the closed cases of inspection rounds, how many carry a
    published text."""
    return _disclosure(cases.order_by().aggregate(**_disclosure_aggregates()))


def _disclosure(row: dict[str, Any]) -> DisclosureFigures:
    return DisclosureFigures(
        should_disclose=row["should_disclose"],
        disclosed=row["disclosed"],
        published=row["published"],
        disclosure_rate=_rate(row["disclosed"], row["should_disclose"]),
    )


# --- days per stage ----------------------------------------------------------

# The stages a case waits in, in the order of the loop.
STAGES: tuple[str, ...] = STAGE_STATES
STAGE_LABELS: dict[str, str] = {
    CaseState.REGISTERED: _("待交办（登记至交办）"),
    CaseState.ASSIGNED: _("待签收（交办至签收）"),
    CaseState.RECTIFYING: _("整改（签收至申请验收）"),
    CaseState.ACCEPTANCE_REQUESTED: _("验收（申请至验收结论）"),
    CaseState.ACCEPTED: _("复核（验收至复核结论）"),
    CaseState.RECHECKED: _("待销号（复核至销号）"),
    CaseState.UNFOUNDED: _("不属实待销号"),
}
_DAY = 86400.0


class StageFigure(TypedDict):
    state: str
    label: str
    stays: int
    average_days: float | None


class StageDurations(TypedDict):
    stages: list[StageFigure]
    closures: int
    days_to_close: float | None


def stage_durations(cases: QuerySet[Any]) -> StageDurations:
    """Average days per stage, from the timeline, in one query.

    1. Each transition records the stay it ends (``CaseStageSpan``): from
       the state-changing entry that moved the case into the state it
       leaves (in order of ``at``, then id) to its own entry; migration
       ``cases.0007`` did the same for older timelines.
    2. Each finished stay counts once (a case sent back twice rectifies
       three times: three stays); stays not yet finished have no row, and
       time spent closed (until a 回头看 reopens the case) or merged is left
       out here.
    3. Registration to closure: recorded on the stay each closure ends,
       from the case's earliest ``registered`` entry.

    The reference for the per-case totals the statistics add up
    (:func:`case_statistics`; ``CaseStageTotals``).
    """
    spans = CaseStageSpan.objects.filter(case__in=cases.order_by().values("pk"))
    rows = (
        spans.order_by()
        .values_list("state")
        .annotate(
            stays=Count("pk"),
            total=Sum("seconds"),
            closures=Count("seconds_since_registration"),
            to_close=Sum("seconds_since_registration"),
        )
    )
    seconds: dict[str, float] = {}
    stays: dict[str, int] = {}
    closures = 0
    to_close = 0.0
    for state, n, total, closed, since in rows:
        closures += closed
        to_close += since or 0.0
        if state in STAGE_LABELS:
            stays[state], seconds[state] = n, total or 0.0
    return StageDurations(
        stages=[
            StageFigure(
                state=state,
                label=gettext(STAGE_LABELS[state]),
                stays=stays.get(state, 0),
                average_days=round(seconds[state] / stays[state] / _DAY, 1)
                if stays.get(state)
                else None,
            )
            for state in STAGES
        ],
        closures=closures,
        days_to_close=round(to_close / closures / _DAY, 1) if closures else None,
    )


def _stage_sums() -> dict[str, Any]:
    """The per-case stage totals (``CaseStageTotals``: ``stays_…``,
    ``stay_micros_…``, ``closures``, ``close_micros``) added up:
    :func:`stage_durations` of the cases summed, without reading their
    stays. (A case that has finished no stay has no row: nothing to add.)"""
    return {name: Sum(f"stage_totals__{name}", default=0) for name in STAGE_TOTAL_FIELDS}


def _stages(row: dict[str, Any]) -> StageDurations:
    """:func:`stage_durations` from the sums of :func:`_stage_sums`."""
    closures = row["closures"]
    stages = []
    for state in STAGES:
        stays = row[stays_field(state)]
        micros = row[stay_micros_field(state)]
        stages.append(
            StageFigure(
                state=state,
                label=gettext(STAGE_LABELS[state]),
                stays=stays,
                average_days=round(micros / 1e6 / stays / _DAY, 1) if stays else None,
            )
        )
    return StageDurations(
        stages=stages,
        closures=closures,
        days_to_close=(round(row["close_micros"] / 1e6 / closures / _DAY, 1) if closures else None),
    )


# --- 回头看 --------------------------------------------------------------------


class ReviewFigures(TypedDict):
    total: int
    reviewed: int
    consolidated: int
    relapsed: int
    pending: int
    relapse_rate: float | None


def _review_aggregates() -> dict[str, Any]:
    return {
        "total": Count("pk"),
        "consolidated": Count("pk", filter=Q(outcome=ReviewOutcome.CONSOLIDATED)),
        "relapsed": Count("pk", filter=Q(outcome=ReviewOutcome.RELAPSED)),
        "pending": Count("pk", filter=Q(outcome=ReviewOutcome.PENDING)),
    }


def _review(row: dict[str, Any]) -> ReviewFigures:
    reviewed = row["consolidated"] + row["relapsed"]
    return ReviewFigures(
        total=row["total"],
        reviewed=reviewed,
        consolidated=row["consolidated"],
        relapsed=row["relapsed"],
        pending=row["pending"],
        relapse_rate=_rate(row["relapsed"], reviewed),
    )


def review_figures(items: QuerySet[Any]) -> ReviewFigures:
    """Reviewed, consolidated, relapsed and pending items of a campaign
    (``ReviewItem`` queryset, already scoped)."""
    return _review(items.order_by().aggregate(**_review_aggregates()))


def review_figures_by(items: QuerySet[Any], field: str) -> dict[Any, ReviewFigures]:
    """:func:`review_figures` per value of ``field`` (``"group"``,
    ``"campaign"``), in one query."""
    rows = items.order_by().values(field).annotate(**_review_aggregates())
    return {r[field]: _review(r) for r in rows}


# --- accountability ------------------------------------------------------------


class AccountabilityCount(TypedDict):
    key: str
    name: str
    records: int
    people: int


def accountability_counts(records: QuerySet[Any], by: str) -> list[AccountabilityCount]:
    """Records and distinct people (name and unit) per ``inspection_round``
    or per ``form`` (``AccountabilityRecord`` queryset, already scoped)."""
    people = Count(Concat("person_name", Value("|"), "unit_name"), distinct=True)
    if by == "form":
        found = {
            r["form"]: r
            for r in records.order_by().values("form").annotate(records=Count("pk"), people=people)
        }
        return [
            AccountabilityCount(
                key=value,
                name=gettext(label),
                records=found[value]["records"],
                people=found[value]["people"],
            )
            for value, label in AccountabilityForm.choices
            if value in found
        ]
    if by != "inspection_round":
        raise ValueError(by)
    rows = (
        records.order_by()
        .values("inspection_round", "inspection_round__name")
        .annotate(records=Count("pk"), people=people)
        .order_by("inspection_round__name", "inspection_round")
    )
    return [
        AccountabilityCount(
            key=str(r["inspection_round"] or ""),
            name=r["inspection_round__name"] or gettext("未关联督察轮次"),
            records=r["records"],
            people=r["people"],
        )
        for r in rows
    ]


def accountability_totals(records: QuerySet[Any]) -> dict[str, int]:
    row = records.order_by().aggregate(
        records=Count("pk"),
        people=Count(Concat("person_name", Value("|"), "unit_name"), distinct=True),
    )
    return {"records": row["records"], "people": row["people"]}


# --- composed views: one round, the statistics page --------------------------


class BatchProgress(GroupSummary):
    number: int
    received_date: dt.date
    states: dict[str, int]


class RoundProgress(TypedDict):
    summary: GroupSummary
    states: list[LabelledCount]
    batches: list[BatchProgress]
    unbatched: GroupSummary | None
    aspects: list[GroupSummary]


def round_progress(cases: QuerySet[Any], batches: Iterable[Any], today: dt.date) -> RoundProgress:
    """Progress of one round over ``cases`` (its cases the user sees): the
    whole, per batch (every batch listed, with counts by state) and per
    feedback aspect (共性/个性)."""
    batches = list(batches)
    overall = cases.order_by().aggregate(**_aggregates(today), **_disclosure_aggregates())
    per_batch = {
        g["group"]: g for g in summarize_by(cases, today, "batch", keys=[b.pk for b in batches])
    }
    states = count_states_by(cases, "batch")
    unbatched = per_batch.get("")
    feedback = cases.exclude(feedback_aspect="")
    aspect_names = {v: gettext(label) for v, label in FeedbackAspect.choices}
    return RoundProgress(
        summary=_group_summary("", "", overall),
        states=count_by(cases, "state"),
        batches=[
            BatchProgress(
                **per_batch[str(b.pk)],
                number=b.number,
                received_date=b.received_date,
                states=states.get(b.pk, {}),
            )
            for b in batches
        ],
        unbatched=unbatched if unbatched is not None and unbatched["total"] else None,
        aspects=[
            g
            for g in summarize_by(feedback, today, "feedback_aspect", aspect_names, aspect_names)
            if g["group"]
        ],
    )


class CaseStatistics(TypedDict):
    summary: Summary
    disclosure: DisclosureFigures
    by_state: list[LabelledCount]
    by_source: list[LabelledCount]
    by_category: list[LabelledCount]
    by_region: list[GroupSummary]
    by_unit: list[GroupSummary]
    by_round: list[GroupSummary]
    by_batch: list[GroupSummary]
    stages: StageDurations


# Cases per value of each choice field, as extra counts of the one pass of
# case_statistics: "n_state_CLOSED", "n_source_PATROL"…
_CHOICE_FIELDS = ("state", "source", "category")


def _choice_count_name(field: str, value: str) -> str:
    return f"n_{field}_{value}"


def _choice_counts() -> dict[str, Any]:
    return {
        _choice_count_name(field, value): Count("pk", filter=Q(**{field: value}))
        for field in _CHOICE_FIELDS
        for value in _CHOICES[field].values
    }


# The figures that depend on the day: computed at each request, also when
# the rest comes from the tally.
_DAILY = ("overdue", "due")


def kept_aggregates() -> dict[str, Any]:
    """Every figure of :func:`case_statistics` that does not depend on the
    day, as aggregates over cases: what ``CaseTally`` keeps per group
    (:mod:`greenloop.cases.tally`). ``due`` is then the closed cases
    (``n_state_CLOSED``: duplicates are never closed) plus those neither
    closed nor merged whose deadline has passed, counted on the day."""
    every = {**_aggregates(dt.date.min), **_disclosure_aggregates(), **_choice_counts()}
    return {
        **{k: v for k, v in every.items() if k not in _DAILY},
        **_stage_sums(),
    }


def day_aggregates(today: dt.date) -> dict[str, Any]:
    """The figures that depend on the day, over :func:`passed_deadlines`:
    ``overdue`` and ``due_pending`` — with the closed cases, ``due``."""
    return {
        "overdue": Count("pk", filter=Q(state__in=OPEN_STATES, next_due_date__lt=today)),
        "due_pending": Count("pk", filter=Q(due_date__lt=today)),
    }


def passed_deadlines(cases: QuerySet[Any], today: dt.date) -> QuerySet[Any]:
    """The only cases :func:`day_aggregates` can count: open ones whose
    next deadline has passed, and those neither closed nor merged whose
    deadline has (the two partial indexes of ``Case`` find them)."""
    return cases.filter(
        Q(state__in=OPEN_STATES, next_due_date__lt=today)
        | Q(state__in=OPEN_STATES | {CaseState.UNFOUNDED}, due_date__lt=today)
    )


def _rollup(
    rows: Iterable[dict[str, Any]], field: str | None, names: Iterable[str] = _EMPTY_ROW
) -> dict[Any, dict[str, Any]]:
    """Add up the figures ``names`` of finer groups per value of ``field``
    (all of them under ``None`` when ``field`` is None). Every figure is a
    count or a sum, so the totals equal a query grouped by ``field``
    alone."""
    names = tuple(names)
    totals: dict[Any, dict[str, Any]] = {}
    for row in rows:
        into = totals.setdefault(None if field is None else row[field], dict.fromkeys(names, 0))
        for name in names:
            into[name] += row[name] or 0
    return totals


def _labelled(overall: dict[str, Any], field: str) -> list[LabelledCount]:
    """:func:`count_by` from the extra counts of the one pass."""
    return [
        LabelledCount(
            key=value,
            label=gettext(label),
            count=overall.get(_choice_count_name(field, value), 0),
        )
        for value, label in _CHOICES[field].choices
    ]


def _scanned_rows(
    cases: QuerySet[Any], today: dt.date, parent: Region | None, batches: bool
) -> list[dict[str, Any]]:
    """The one pass over ``cases``: every figure per lead unit, round,
    child region of ``parent`` (and batch)."""
    keys = ["lead_unit", "inspection_round"]
    grouped = cases
    if batches:
        keys.append("batch")
    if parent is not None:
        grouped = grouped.annotate(bucket=Substr(F("region__path"), 1, _region_width(parent)))
        keys.append("bucket")
    return list(
        grouped.order_by()
        .values(*keys)
        .annotate(
            **_aggregates(today), **_disclosure_aggregates(), **_choice_counts(), **_stage_sums()
        )
    )


def case_statistics(
    cases: QuerySet[Any],
    today: dt.date,
    *,
    parent: Region | None,
    rounds: dict[Any, str],
    batches: dict[Any, str] | None = None,
    units: dict[Any, str] | None = None,
    beyond: Q | None = None,
) -> CaseStatistics:
    """Everything the statistics page and endpoint show, over ``cases``.

    ``parent`` is the region whose children the region table lists;
    ``rounds``, ``batches`` and ``units`` name the groups (``batches`` only
    when one round is chosen; ``units`` defaults to the lead units' names).

    1. Figures per lead unit, round, child region of ``parent`` (and
       batch, when a round is chosen) — a few hundred rows — with counts
       per state, source and category and the stage totals alongside:
       * ``beyond`` says the caller knows ``cases`` to be the cases of
         ``parent``'s subtree plus those of ``beyond``, unfiltered (a
         reader's territory and ``access_rules.beyond_territory_q``). For
         the city or a county, without batches, the rows are those of
         :func:`greenloop.cases.tally.rows`: the figures the services keep
         per group in the transaction of every change, and, in the same
         statement, those that depend on the day and those of ``beyond``,
         counted;
       * otherwise one pass over ``cases`` (one evaluation of the reader's
         visibility).
    2. Those rows added up give the summary, the disclosure figures, the
       counts by state, source and category, the unit, region, round and
       batch tables and the days per stage: each the same as
       :func:`summarize`, :func:`count_by`, :func:`summarize_by` or
       :func:`stage_durations` over ``cases``.
    """
    rows = None
    if beyond is not None and batches is None and parent is not None:
        from greenloop.cases import tally

        rows = tally.rows(today, cases=cases, parent=parent, beyond=beyond)
    if rows is None:
        rows = _scanned_rows(cases, today, parent, batches is not None)
    everything = [*_EMPTY_ROW, *_choice_counts(), *STAGE_TOTAL_FIELDS]
    overall = _rollup(rows, None, everything).get(None, dict.fromkeys(everything, 0))
    by_unit = _rollup(rows, "lead_unit")

    if units is None:
        from greenloop.org.models import Unit

        ids = [pk for pk in by_unit if pk is not None]
        units = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    units = {**units, None: gettext("未交办")}
    return CaseStatistics(
        summary=_summary(overall),
        disclosure=_disclosure(overall),
        by_state=_labelled(overall, "state"),
        by_source=_labelled(overall, "source"),
        by_category=_labelled(overall, "category"),
        by_region=(
            _region_groups(
                _rollup((r for r in rows if r["bucket"].startswith(parent.path)), "bucket"),
                parent,
            )
            if parent is not None
            else []
        ),
        by_unit=_groups(by_unit, units),
        by_round=[g for g in _groups(_rollup(rows, "inspection_round"), rounds) if g["group"]],
        by_batch=(
            [g for g in _groups(_rollup(rows, "batch"), batches, batches) if g["group"]]
            if batches is not None
            else []
        ),
        stages=_stages(overall),
    )
