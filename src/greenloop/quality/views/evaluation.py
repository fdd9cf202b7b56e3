"""Air evaluation tables (HJ 663, monthly and annual) with the comparison
with the same period of the previous year, and the district rankings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from greenloop.org.models import Region
from greenloop.quality.exports import Sheet, filename
from greenloop.quality.models import AirEvaluation, Scope
from greenloop.quality.views._common import (
    POLLUTANT_LABELS,
    choice,
    fmt,
    number,
    staff,
    wants_xlsx,
    xlsx_response,
)


@dataclass(frozen=True)
class Metric:
    key: str
    label: Any
    unit: str
    decimals: int
    #: how the change is read: "pct" (change rate, %) or "points" (percentage points)
    change: str = "pct"


#: The figures of an evaluation row, as the columns of
#: ``greenloop evaluate air`` (``analytics.evaluate.output_columns``) name them.
METRICS: tuple[Metric, ...] = (
    Metric("pm25_mean", "PM2.5", "µg/m³", 0),
    Metric("pm10_mean", "PM10", "µg/m³", 0),
    Metric("so2_mean", "SO2", "µg/m³", 0),
    Metric("no2_mean", "NO2", "µg/m³", 0),
    Metric("co_p95", gettext_lazy("CO第95百分位数"), "mg/m³", 1),
    Metric("o3_8h_p90", gettext_lazy("O3日最大8小时第90百分位数"), "µg/m³", 0),
    Metric("good_ratio", gettext_lazy("优良天数比例"), "%", 1, change="points"),
    Metric("composite_index", gettext_lazy("综合指数"), "", 3),
)

PERIOD_KINDS = ("month", "year")


def period_kind_labels() -> dict[str, str]:
    return {"month": _("月度"), "year": _("年度")}


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None
    text: str
    previous: float | None
    change: float | None
    #: the change as shown: "+5.2%", "−1.3个百分点"
    change_text: str
    #: "worse" | "better" | "" — for good_ratio a rise is better
    trend: str


def _figure(figures: dict[str, Any], m: Metric) -> Figure:
    value = number(figures.get(m.key))
    previous = number(figures.get(f"{m.key}_previous"))
    if m.change == "points":
        change = number(figures.get(f"{m.key}_change"))
        if change is None and value is not None and previous is not None:
            change = value - previous
        change_text = (
            (
                _("%(sign)s%(value)s个百分点")
                % {"sign": "+" if change > 0 else "", "value": f"{change:.1f}"}
            )
            if change is not None
            else ""
        )
        worse = change is not None and change < 0
    else:
        change = number(figures.get(f"{m.key}_change_pct"))
        if change is None and value is not None and previous:
            change = (value - previous) / previous * 100
        change_text = f"{'+' if change > 0 else ''}{change:.1f}%" if change is not None else ""
        worse = change is not None and change > 0
    trend = "" if not change else ("worse" if worse else "better")
    return Figure(m.key, value, fmt(value, m.decimals), previous, change, change_text, trend)


def rules_text(rules: Any) -> str:
    """A rule-set record (text, list or {label: code}) as one line."""
    if rules is None or rules == "":
        return ""
    if isinstance(rules, str):
        return rules
    values = rules.values() if isinstance(rules, dict) else rules
    seen: list[str] = []
    for v in values:
        text = rules_text(v)
        if text and text not in seen:
            seen.append(text)
    # PostgreSQL's jsonb does not keep key order: a fixed order instead, the
    # AQI standard (HJ) before the limits (GB), then by name.
    seen.sort(key=lambda t: (not t.startswith("HJ"), t))
    return _("；").join(seen)


def sides(rules: dict[str, Any]) -> tuple[str, str]:
    """(current, previous) rule sets of an evaluation row.

    Accepts ``{"current": …, "previous": …}`` or the flat columns of the
    evaluation output (``standards``, …, ``standards_previous``, …)."""
    if not isinstance(rules, dict):
        return rules_text(rules), ""
    if "current" in rules or "previous" in rules:
        return rules_text(rules.get("current")), rules_text(rules.get("previous"))
    current = {k: v for k, v in rules.items() if not k.endswith("_previous")}
    previous = {k: v for k, v in rules.items() if k.endswith("_previous")}
    return rules_text(current), rules_text(previous)


@dataclass(frozen=True)
class Row:
    evaluation: AirEvaluation
    figures: list[Figure]
    by_key: dict[str, Figure]
    days_valid: str
    main_pollutant: str
    previous_period: str
    rules_current: str
    rules_previous: str
    rank_composite: int | None
    rank_pm25: int | None
    #: the station's district (station rows)
    district: str = ""


def _main(text: Any) -> str:
    keys = [k for k in str(text or "").replace(",", ";").split(";") if k]
    return _("、").join(POLLUTANT_LABELS.get(k, k) for k in keys)


def _row(e: AirEvaluation, districts: dict[str, str] | None = None) -> Row:
    f = e.figures or {}
    district = str(f.get("district") or "")
    figures = [_figure(f, m) for m in METRICS]
    current, previous = sides(e.rules or {})
    days = number(f.get("days_valid"))
    return Row(
        evaluation=e,
        figures=figures,
        by_key={m.key: fig for m, fig in zip(METRICS, figures, strict=True)},
        days_valid=fmt(days),
        main_pollutant=_main(f.get("main_pollutant")),
        previous_period=str(f.get("period_previous") or ""),
        rules_current=current,
        rules_previous=previous,
        rank_composite=e.rank_composite,
        rank_pm25=e.rank_pm25,
        district=(districts or {}).get(district, district),
    )


def _district_names(evaluations: list[AirEvaluation]) -> dict[str, str]:
    codes = {str((e.figures or {}).get("district") or "") for e in evaluations} - {""}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _period_label(kind: str, start: dt.date, end: dt.date) -> str:
    if kind == "year":
        return _("%(year)s年") % {"year": start.year}
    if start.day == 1 and end.month == start.month:
        return _("%(year)s年%(month)s月") % {"year": start.year, "month": start.month}
    return f"{start:%Y-%m-%d}–{end:%Y-%m-%d}"


def _periods(kind: str) -> list[tuple[str, str]]:
    pairs = (
        AirEvaluation.objects.filter(period_kind=kind)
        .values_list("period_start", "period_end")
        .order_by("-period_start", "-period_end")
        .distinct()
    )
    seen: dict[str, str] = {}
    for start, end in pairs:
        seen.setdefault(start.isoformat(), _period_label(kind, start, end))
    return list(seen.items())


def _selection(request: HttpRequest) -> tuple[str, list[tuple[str, str]], str]:
    kind = choice(request, "kind", PERIOD_KINDS, "month")
    periods = _periods(kind)
    period = choice(
        request, "period", [p for p, _label in periods], periods[0][0] if periods else ""
    )
    return kind, periods, period


def _headers(with_rank: bool, with_district: bool = False) -> list[str]:
    head = [_("名称"), _("编码")]
    if with_district:
        head.append(_("所在区县"))
    head.append(_("有效天数"))
    for m in METRICS:
        unit = f"（{m.unit}）" if m.unit else ""
        head += [f"{m.label}{unit}", _("%(item)s同比") % {"item": m.label}]
    head += [_("主要污染物")]
    if with_rank:
        head += [_("综合指数排名"), _("PM2.5排名")]
    head += [_("本期依据"), _("同期依据")]
    return head


def _cells(r: Row, with_rank: bool, with_district: bool = False) -> list[Any]:
    out: list[Any] = [r.evaluation.name or r.evaluation.code, r.evaluation.code]
    if with_district:
        out.append(r.district)
    out.append(number(r.days_valid))
    for m, fig in zip(METRICS, r.figures, strict=True):
        out += [round(fig.value, m.decimals) if fig.value is not None else None, fig.change_text]
    out.append(r.main_pollutant)
    if with_rank:
        out += [r.rank_composite, r.rank_pm25]
    out += [r.rules_current, r.rules_previous]
    return out


@login_required
@require_GET
def evaluation(request: HttpRequest) -> HttpResponse:
    staff(request)
    kind, periods, period = _selection(request)
    scope = choice(request, "scope", [Scope.DISTRICT, Scope.STATION, Scope.CITY], Scope.DISTRICT)
    qs = AirEvaluation.objects.filter(period_kind=kind, scope=scope)
    qs = qs.filter(period_start=period) if period else qs.none()
    evaluations = list(qs.order_by("code"))
    with_district = scope == Scope.STATION
    districts = _district_names(evaluations) if with_district else {}
    rows = [_row(e, districts) for e in evaluations]
    sides_used = {(r.rules_current, r.rules_previous) for r in rows}
    with_rank = scope == Scope.DISTRICT
    period_label = dict(periods).get(period, "")
    title = _("%(period)s空气质量评价（%(scope)s）") % {
        "period": period_label,
        "scope": Scope(scope).label,
    }
    if wants_xlsx(request):
        return xlsx_response(
            filename(title),
            [
                Sheet(
                    title,
                    _headers(with_rank, with_district),
                    [_cells(r, with_rank, with_district) for r in rows],
                )
            ],
        )
    return render(
        request,
        "quality/evaluation.html",
        {
            "kind": kind,
            "kinds": list(period_kind_labels().items()),
            "periods": periods,
            "period": period,
            "scope": scope,
            "scopes": [(s, Scope(s).label) for s in (Scope.DISTRICT, Scope.STATION, Scope.CITY)],
            "rows": rows,
            "metrics": METRICS,
            "with_rank": with_rank,
            "with_district": with_district,
            # One rule-set line above the table when every row used the same.
            "shared_rules": (next(iter(sides_used)) if len(sides_used) == 1 else None),
            "title": title,
            "previous_period": next((r.previous_period for r in rows if r.previous_period), ""),
        },
    )


# --- rankings ----------------------------------------------------------------


def ranked(
    rows: Sequence[Row], stored: Callable[[Row], int | None], key: str
) -> list[tuple[int | None, Row]]:
    """Rows in rank order: the stored rank; where none is stored, the
    rank of the figure ascending (ties share a rank, as the ranking rules
    say); rows without a figure last."""
    if rows and all(stored(r) is not None for r in rows):
        return sorted(((stored(r), r) for r in rows), key=lambda p: (p[0], p[1].evaluation.code))
    values = [(r.by_key[key].value, r) for r in rows]
    present = sorted(
        ((v, r) for v, r in values if v is not None), key=lambda p: (p[0], p[1].evaluation.code)
    )
    out: list[tuple[int | None, Row]] = []
    for i, (v, r) in enumerate(present):
        rank = i + 1 if i == 0 or v != present[i - 1][0] else out[-1][0]
        out.append((rank, r))
    out += [(None, r) for v, r in values if v is None]
    return out


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """Districts ranked by composite index and by PM2.5 (smaller = better)."""
    staff(request)
    kind, periods, period = _selection(request)
    qs = AirEvaluation.objects.filter(period_kind=kind, scope=Scope.DISTRICT)
    qs = qs.filter(period_start=period) if period else qs.none()
    rows = [_row(e) for e in qs.order_by("code")]
    by_composite = ranked(rows, lambda r: r.rank_composite, "composite_index")
    by_pm25 = ranked(rows, lambda r: r.rank_pm25, "pm25_mean")
    period_label = dict(periods).get(period, "")
    title = _("%(period)s区县空气质量排名") % {"period": period_label}
    if wants_xlsx(request):

        def sheet(name: str, ranking: list[tuple[int | None, Row]], key: str, unit: str) -> Sheet:
            decimals = 3 if key == "composite_index" else 0
            return Sheet(
                name,
                [_("排名"), _("区县"), _("编码"), f"{name}{unit}", _("同比"), _("主要污染物")],
                [
                    [
                        rank,
                        r.evaluation.name or r.evaluation.code,
                        r.evaluation.code,
                        round(r.by_key[key].value, decimals)
                        if r.by_key[key].value is not None
                        else None,
                        r.by_key[key].change_text,
                        r.main_pollutant,
                    ]
                    for rank, r in ranking
                ],
            )

        return xlsx_response(
            filename(title),
            [
                sheet(_("综合指数"), by_composite, "composite_index", ""),
                sheet("PM2.5", by_pm25, "pm25_mean", "（µg/m³）"),
            ],
        )
    return render(
        request,
        "quality/ranking.html",
        {
            "kind": kind,
            "kinds": list(period_kind_labels().items()),
            "periods": periods,
            "period": period,
            "title": title,
            "tables": [
                (
                    "rank-by-composite",
                    _("综合指数"),
                    [(rank, r, r.by_key["composite_index"]) for rank, r in by_composite],
                ),
                (
                    "rank-by-pm25",
                    _("PM2.5浓度（µg/m³）"),
                    [(rank, r, r.by_key["pm25_mean"]) for rank, r in by_pm25],
                ),
            ],
        },
    )
