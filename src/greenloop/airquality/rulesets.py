"""Versioned rule sets of the air-quality standards, held as data.

Three families change together on 2026-03-01 and are selected by the date of
the data, so that old and new figures are computed side by side:

* HJ 633 (AQI): :data:`HJ633_2012`, :data:`HJ633_2026`;
* GB 3095 (limits): :data:`GB3095_2012`, :data:`GB3095_2026_TRANSITIONAL`
  (2026-03-01 … 2030-12-31), :data:`GB3095_2026` (from 2031-01-01);
* HJ 663 (validity and statistics): :data:`HJ663_2013`, :data:`HJ663_2026`.

The differences between versions are values in these tables (breakpoints,
which indicators enter which report, the rule above the top breakpoint),
never ``if year >= 2026`` in the computing code. Bureau conventions where the
texts are silent or practice differs live in :class:`AqiOptions`.

Sources: ``shared/reference/aqi-hj633.md`` and
``shared/reference/air-evaluation-hj663.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt

from greenloop.airquality._fixed import SCALE, IntArray

#: The six basic pollutants, in the order of the CLI output columns.
POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "co", "o3", "pm25")

#: Decimals of a reported concentration (HJ 633-2026 §4.2.2; HJ 663
#: reporting practice): integers in µg/m³, CO to 0.1 mg/m³.
REPORTING_DECIMALS: Mapping[str, int] = MappingProxyType(
    {"so2": 0, "no2": 0, "pm10": 0, "co": 1, "o3": 0, "pm25": 0}
)

#: IAQI values of the breakpoint rows (HJ 633-2012 Table 1, HJ 633-2026 Table 3).
IAQI_STEPS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)


def quantum(pollutant: str) -> int:
    """Return the scaled step of a reported concentration of ``pollutant``.

    Examples
    --------
    >>> quantum("pm25"), quantum("co")
    (1000000, 100000)
    """
    return SCALE // int(10 ** REPORTING_DECIMALS[pollutant])


@dataclass(frozen=True)
class BreakpointColumn:
    """One column of the IAQI table: concentration breakpoints and their IAQI.

    Breakpoints are decimal strings so that the scaled integers are exact.
    """

    key: str
    pollutant: str
    concentrations: tuple[str, ...]

    @property
    def iaqi(self) -> tuple[int, ...]:
        """IAQI of each breakpoint (the first ``len(concentrations)`` steps)."""
        return IAQI_STEPS[: len(self.concentrations)]

    @cached_property
    def scaled(self) -> IntArray:
        """Breakpoints as scaled integers (exact, via :class:`~decimal.Decimal`)."""
        return np.array([int(Decimal(c) * SCALE) for c in self.concentrations], dtype=np.int64)

    @cached_property
    def iaqi_array(self) -> IntArray:
        """IAQI of each breakpoint as an ``int64`` array."""
        return np.array(self.iaqi, dtype=np.int64)

    def lut(self, step: int) -> IntArray:
        """IAQI of every concentration ``0, step, 2·step, … top`` (scaled step).

        Reported concentrations are integers (CO 0.1 mg/m³), so after the
        GB/T 8170 rounding the IAQI is a table lookup; the table itself is
        filled by the exact integer formula of
        :func:`~greenloop.airquality.iaqi.iaqi_scaled`.
        """
        key = (step,)
        cache: dict[tuple[int], IntArray] = self.__dict__.setdefault("_luts", {})
        if key not in cache:
            from greenloop.airquality.iaqi import iaqi_scaled

            top_units = int(self.scaled[-1]) // step
            values, _ = iaqi_scaled(np.arange(top_units + 1, dtype=np.int64) * step, self)
            cache[key] = values.astype(np.int16)
        return cache[key]

    @property
    def top(self) -> Decimal:
        """Highest breakpoint; above it the table gives no value."""
        return Decimal(self.concentrations[-1])


@dataclass(frozen=True)
class Substitute:
    """Above the top breakpoint, report the sub-index of another value instead.

    HJ 633-2012 Table 1 notes 2 and 3: SO2 1-h above 800 µg/m³ is reported
    by the IAQI of the 24-h average; O3 8-h above 800 by the IAQI of the
    1-h average.
    """

    column: str
    table: str


@dataclass(frozen=True)
class FixedIaqi:
    """Above the top breakpoint, the sub-index is a fixed value.

    HJ 633-2026 Table 3 notes b and c: SO2 1-h above 800 → 200, O3 8-h
    above 800 → 300.
    """

    iaqi: int


@dataclass(frozen=True)
class Indicator:
    """One sub-index of a report: which value, which table, which pollutant.

    ``column`` is the input column supplying the value and the name used for
    it as a primary pollutant (``"o3_8h"`` vs ``"o3"``, reference §5).
    ``pollutant`` is the output ``iaqi_<pollutant>`` column it feeds (the
    larger sub-index wins when two indicators feed one pollutant, e.g. O3
    1-h and 8-h in HJ 633-2012).
    """

    column: str
    pollutant: str
    table: str
    #: Used only when the input supplies the column (2012 daily O3 1-h max).
    optional: bool = False


Convention = Literal["published", "text"]


@dataclass(frozen=True)
class AqiRuleSet:
    """An HJ 633 version: tables, special rules and report definitions."""

    code: str
    effective_from: dt.date
    tables: Mapping[str, BreakpointColumn]
    #: Rule above the top breakpoint of a table; tables not listed follow
    #: :attr:`AqiOptions.above_top` (neither version defines them, ⚠ §7).
    over_top: Mapping[str, Substitute | FixedIaqi]
    #: Real-time report indicators by convention (``"published"``: what the
    #: national platform published; ``"text"``: the letter of the standard).
    hourly: Mapping[Convention, tuple[Indicator, ...]]
    daily: tuple[Indicator, ...]
    #: Whether the version defines non-attainment pollutants (IAQI > 100).
    #: HJ 633-2026 deleted the definition (foreword).
    defines_non_attainment: bool
    #: AQI at or below this is withheld when an indicator is missing
    #: (HJ 633-2026 §5.3.1); ``None``: the version says nothing (⚠ §6).
    withhold_incomplete_at_or_below: int | None
    clauses: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.code

    def hourly_indicators(self, convention: Convention) -> tuple[Indicator, ...]:
        """Indicators of the real-time report under ``convention``."""
        return self.hourly[convention]

    def derived_columns(self, convention: Convention) -> tuple[str, ...]:
        """Moving-average columns the real-time report may need.

        Examples
        --------
        >>> HJ633_2012.derived_columns("published")
        ('so2_24h',)
        >>> HJ633_2012.derived_columns("text")
        ('so2_24h', 'o3_8h', 'pm10_24h', 'pm25_24h')
        >>> HJ633_2026.derived_columns("published")
        ()
        """
        needed = [ind.column for ind in self.hourly[convention]]
        for ind in self.hourly[convention]:
            rule = self.over_top.get(ind.table)
            if isinstance(rule, Substitute):
                needed.append(rule.column)
        order = ("so2_24h", "o3_8h", "pm10_24h", "pm25_24h")
        return tuple(c for c in order if c in needed)


def _columns(
    table: Mapping[str, tuple[str, tuple[str, ...]]],
) -> Mapping[str, BreakpointColumn]:
    return MappingProxyType(
        {k: BreakpointColumn(k, pollutant, bps) for k, (pollutant, bps) in table.items()}
    )


# HJ 633-2012 Table 1. Rows are IAQI 0, 50, 100, 150, 200, 300, 400, 500.
# SO2 1-h stops at 800 (note 2) and O3 8-h at 800 (note 3).
_TABLE_2012 = {
    "so2_24h": ("so2", ("0", "50", "150", "475", "800", "1600", "2100", "2620")),
    "so2_1h": ("so2", ("0", "150", "500", "650", "800")),
    "no2_24h": ("no2", ("0", "40", "80", "180", "280", "565", "750", "940")),
    "no2_1h": ("no2", ("0", "100", "200", "700", "1200", "2340", "3090", "3840")),
    "pm10_24h": ("pm10", ("0", "50", "150", "250", "350", "420", "500", "600")),
    "co_24h": ("co", ("0", "2", "4", "14", "24", "36", "48", "60")),
    "co_1h": ("co", ("0", "5", "10", "35", "60", "90", "120", "150")),
    "o3_1h": ("o3", ("0", "160", "200", "300", "400", "800", "1000", "1200")),
    "o3_8h": ("o3", ("0", "100", "160", "215", "265", "800")),
    "pm25_24h": ("pm25", ("0", "35", "75", "115", "150", "250", "350", "500")),
}

# HJ 633-2026 Table 3: identical except the IAQI-100 row of PM10 (120, was
# 150) and PM2.5 (60, was 75).
_TABLE_2026 = dict(_TABLE_2012)
_TABLE_2026["pm10_24h"] = ("pm10", ("0", "50", "120", "250", "350", "420", "500", "600"))
_TABLE_2026["pm25_24h"] = ("pm25", ("0", "35", "60", "115", "150", "250", "350", "500"))

# Real-time report, HJ 633-2012 published practice (reference §4.3): 1-h
# values of all six, PM on the 24-h breakpoints, no O3 8-h sub-index.
_HOURLY_PUBLISHED = (
    Indicator("so2", "so2", "so2_1h"),
    Indicator("no2", "no2", "no2_1h"),
    Indicator("pm10", "pm10", "pm10_24h"),
    Indicator("co", "co", "co_1h"),
    Indicator("o3", "o3", "o3_1h"),
    Indicator("pm25", "pm25", "pm25_24h"),
)
# Real-time report by the letter of HJ 633-2012 Table 4: PM by their 24-h
# moving averages, O3 by both the 1-h value and the 8-h moving average.
_HOURLY_2012_TEXT = (
    Indicator("so2", "so2", "so2_1h"),
    Indicator("no2", "no2", "no2_1h"),
    Indicator("pm10_24h", "pm10", "pm10_24h"),
    Indicator("co", "co", "co_1h"),
    Indicator("o3", "o3", "o3_1h"),
    Indicator("o3_8h", "o3", "o3_8h"),
    Indicator("pm25_24h", "pm25", "pm25_24h"),
)
# Daily report: 24-h means, O3 daily max 8-h; HJ 633-2012 §5.1 and
# Table 3 also give the O3 daily max 1-h a sub-index (⚠ §4.3: on by default,
# AqiOptions.daily_o3_1h turns it off).
_DAILY_2026 = (
    Indicator("so2", "so2", "so2_24h"),
    Indicator("no2", "no2", "no2_24h"),
    Indicator("pm10", "pm10", "pm10_24h"),
    Indicator("co", "co", "co_24h"),
    Indicator("o3_8h", "o3", "o3_8h"),
    Indicator("pm25", "pm25", "pm25_24h"),
)
_DAILY_2012 = (*_DAILY_2026, Indicator("o3_1h", "o3", "o3_1h", optional=True))

HJ633_2012 = AqiRuleSet(
    code="HJ 633-2012",
    effective_from=dt.date(2016, 1, 1),
    tables=_columns(_TABLE_2012),
    over_top=MappingProxyType(
        {
            # Note 2: "reported by the 24-hour average". In a real-time report
            # that is the 24-h moving average ending at the hour (⚠ §4.1).
            "so2_1h": Substitute("so2_24h", "so2_24h"),
            # Note 3: reported by the IAQI of the O3 1-h average.
            "o3_8h": Substitute("o3_1h", "o3_1h"),
        }
    ),
    hourly=MappingProxyType({"published": _HOURLY_PUBLISHED, "text": _HOURLY_2012_TEXT}),
    daily=_DAILY_2012,
    defines_non_attainment=True,
    withhold_incomplete_at_or_below=None,
    clauses=MappingProxyType(
        {"rounding": "§6.2", "table": "Table 1", "daily": "§5.1", "hourly": "§5.2"}
    ),
)

HJ633_2026 = AqiRuleSet(
    code="HJ 633-2026",
    effective_from=dt.date(2026, 3, 1),
    tables=_columns(_TABLE_2026),
    over_top=MappingProxyType({"so2_1h": FixedIaqi(200), "o3_8h": FixedIaqi(300)}),
    # 2026 §4.2.3 wrote the published practice into the text: both
    # conventions are the same report.
    hourly=MappingProxyType({"published": _HOURLY_PUBLISHED, "text": _HOURLY_PUBLISHED}),
    daily=_DAILY_2026,
    defines_non_attainment=False,
    withhold_incomplete_at_or_below=100,
    clauses=MappingProxyType(
        {"rounding": "§4.2.6", "table": "Table 3", "daily": "§4.2.2", "hourly": "§4.2.3"}
    ),
)

AQI_RULESETS: tuple[AqiRuleSet, ...] = (HJ633_2012, HJ633_2026)

StandardChoice = Literal["auto", "2012", "2026"]


@dataclass(frozen=True)
class AqiOptions:
    """Bureau conventions where the standards are silent or practice differs.

    Every field is a decision recorded in ``docs/decisions/``; the defaults
    reproduce what the national platform published.

    Attributes
    ----------
    convention
        HJ 633-2012 real-time report. ``"published"`` (default): AQI over
        the 1-h SO2, NO2, CO, O3, PM10, PM2.5, PM on the 24-h breakpoints,
        no O3 8-h sub-index, as CNEMC published (reference §4.3).
        ``"text"``: the letter of Table 4 (PM 24-h moving averages, O3 8-h
        moving average). No effect on HJ 633-2026 data.
    daily_o3_1h
        HJ 633-2012 daily report: whether the O3 daily max 1-h enters the
        AQI when supplied (the text says yes; ⚠ §4.3).
    round_concentrations
        Round each concentration to its reporting precision (GB/T 8170,
        integers, CO 0.1 mg/m³) before the IAQI. HJ 633-2026 §4.2.2
        requires it; for 2012 data it is what was published.
    above_top
        Above the top breakpoint of a table without a special rule (e.g.
        PM2.5 > 500): ``"cap"`` reports IAQI 500, ``"missing"`` no IAQI.
        Neither version defines it (⚠ §7).
    incomplete
        AQI when an indicator is missing. ``"ruleset"``: as the version says
        (2026 §5.3.1 withholds AQI ≤ 100; 2012 is silent and publishes);
        ``"withhold"`` / ``"publish"`` force one behaviour for both.
    moving_24h_min_hours
        Valid hours needed for a 24-h moving average (⚠ not read; the
        daily minimum of GB 3095 Table 4 by analogy).
    hour_label
        ``"end"``: an hour labelled 13:00 covers 12:00–13:00 (CNEMC,
        HJ 663 "8 时的 8 小时滑动平均 = 1–8 时"); ``"start"``: 13:00–14:00.
    """

    convention: Convention = "published"
    daily_o3_1h: bool = True
    round_concentrations: bool = True
    above_top: Literal["cap", "missing"] = "cap"
    incomplete: Literal["ruleset", "withhold", "publish"] = "ruleset"
    moving_24h_min_hours: int = 20
    hour_label: Literal["end", "start"] = "end"


DEFAULT_OPTIONS = AqiOptions()


# --- GB 3095: concentration limits ------------------------------------------

Averaging = Literal["annual", "24h", "8h", "1h"]


@dataclass(frozen=True)
class LimitSet:
    """GB 3095 concentration limits (grade I, grade II) of one period."""

    code: str
    effective_from: dt.date
    #: (pollutant, averaging) → (grade I, grade II); ``"8h"`` is the daily
    #: maximum 8-hour average of O3.
    limits: Mapping[tuple[str, str], tuple[str, str]]

    def __str__(self) -> str:
        return self.code

    def limit(self, pollutant: str, averaging: Averaging, grade: int = 2) -> Decimal:
        """Return the limit of ``pollutant`` for ``averaging`` and ``grade``.

        Examples
        --------
        >>> GB3095_2012.limit("pm25", "annual")
        Decimal('35')
        >>> GB3095_2026_TRANSITIONAL.limit("pm25", "annual")
        Decimal('30')
        >>> GB3095_2026.limit("pm25", "24h", grade=1)
        Decimal('25')
        """
        return Decimal(self.limits[(pollutant, averaging)][grade - 1])


_LIMITS_2012 = {
    ("so2", "annual"): ("20", "60"),
    ("so2", "24h"): ("50", "150"),
    ("so2", "1h"): ("150", "500"),
    ("no2", "annual"): ("40", "40"),
    ("no2", "24h"): ("80", "80"),
    ("no2", "1h"): ("200", "200"),
    ("co", "24h"): ("4", "4"),
    ("co", "1h"): ("10", "10"),
    ("o3", "8h"): ("100", "160"),
    ("o3", "1h"): ("160", "200"),
    ("pm10", "annual"): ("40", "70"),
    ("pm10", "24h"): ("50", "150"),
    ("pm25", "annual"): ("15", "35"),
    ("pm25", "24h"): ("35", "75"),
}
_LIMITS_2026_TRANSITIONAL = {
    **_LIMITS_2012,
    ("pm10", "annual"): ("40", "60"),
    ("pm10", "24h"): ("50", "120"),
    ("pm25", "annual"): ("15", "30"),
    ("pm25", "24h"): ("35", "60"),
}
_LIMITS_2026_FINAL = {
    **_LIMITS_2012,
    ("so2", "annual"): ("20", "20"),
    ("so2", "24h"): ("50", "50"),
    ("so2", "1h"): ("150", "150"),
    ("no2", "annual"): ("30", "30"),
    ("no2", "24h"): ("50", "50"),
    ("pm10", "annual"): ("20", "50"),
    ("pm10", "24h"): ("50", "100"),
    ("pm25", "annual"): ("10", "25"),
    ("pm25", "24h"): ("25", "50"),
}

GB3095_2012 = LimitSet("GB 3095-2012", dt.date(2016, 1, 1), MappingProxyType(_LIMITS_2012))
#: GB 3095-2026 §4.4: transitional limits from 2026-03-01 to 2030-12-31.
GB3095_2026_TRANSITIONAL = LimitSet(
    "GB 3095-2026 (过渡期限值)", dt.date(2026, 3, 1), MappingProxyType(_LIMITS_2026_TRANSITIONAL)
)
GB3095_2026 = LimitSet("GB 3095-2026", dt.date(2031, 1, 1), MappingProxyType(_LIMITS_2026_FINAL))
LIMIT_SETS: tuple[LimitSet, ...] = (GB3095_2012, GB3095_2026_TRANSITIONAL, GB3095_2026)


# --- HJ 663: validity and statistics ----------------------------------------


@dataclass(frozen=True)
class EvaluationRules:
    """HJ 663 data validity (GB 3095 Table 4) and evaluation statistics."""

    code: str
    effective_from: dt.date
    min_hours_per_day: int = 20
    min_hours_per_8h: int = 6
    #: HJ 663 §6.1.2: valid 8-h windows (ending 08:00 … 24:00) for MDA8.
    min_windows_mda8: int = 14
    min_days_per_month: int = 27
    min_days_february: int = 25
    min_days_per_year: int = 324
    #: Percentile of the daily values compared with the 24-h limit
    #: (O3: of the daily max 8-h, compared with the 8-h limit).
    percentiles: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {"so2": 98, "no2": 98, "pm10": 95, "pm25": 95, "co": 95, "o3": 90}
        )
    )
    #: Pollutants with an annual-mean limit.
    annual_mean: tuple[str, ...] = ("so2", "no2", "pm10", "pm25")

    def __str__(self) -> str:
        return self.code


# The HJ 663-2026 text was not read (reference ⚠ 10.1); the numbers of
# GB 3095 Table 4 are identical in 2012 and 2026 and §6.1.2 is unchanged.
HJ663_2013 = EvaluationRules("HJ 663-2013", dt.date(2013, 10, 1))
HJ663_2026 = EvaluationRules("HJ 663-2026", dt.date(2026, 3, 1))
EVALUATION_RULES: tuple[EvaluationRules, ...] = (HJ663_2013, HJ663_2026)


@dataclass(frozen=True)
class CompositeIndexMethod:
    """Comprehensive air-quality index: Σ wᵢ · Cᵢ / Sᵢ (reference §7)."""

    code: str
    denominators: Mapping[str, str]
    weights: Mapping[str, int]
    verified: bool

    def __str__(self) -> str:
        return self.code


#: 城市环境空气质量排名技术规定 (环办〔2014〕64号): GB 3095-2012 grade II.
COMPOSITE_2014 = CompositeIndexMethod(
    "环办〔2014〕64号",
    MappingProxyType(
        {"so2": "60", "no2": "40", "pm10": "70", "pm25": "35", "co": "4", "o3": "160"}
    ),
    MappingProxyType(dict.fromkeys(POLLUTANTS, 1)),
    verified=True,
)
#: Post-2026 variant seen in public code, not confirmed (⚠ §7): transitional
#: denominators, PM2.5 × 3, NO2 × 2, O3 × 2.
COMPOSITE_2026_UNVERIFIED = CompositeIndexMethod(
    "HJ 663-2026 (未核实)",
    MappingProxyType(
        {"so2": "60", "no2": "40", "pm10": "60", "pm25": "30", "co": "4", "o3": "160"}
    ),
    MappingProxyType({"so2": 1, "no2": 2, "pm10": 1, "co": 1, "o3": 2, "pm25": 3}),
    verified=False,
)


# --- selection by date ------------------------------------------------------


def _starts(
    sets: tuple[AqiRuleSet, ...] | tuple[LimitSet, ...] | tuple[EvaluationRules, ...],
) -> npt.NDArray[np.datetime64]:
    return np.array([s.effective_from for s in sets], dtype="datetime64[D]")


def select_index(
    days: npt.NDArray[np.datetime64],
    sets: tuple[AqiRuleSet, ...] | tuple[LimitSet, ...] | tuple[EvaluationRules, ...],
) -> npt.NDArray[np.intp]:
    """Index into ``sets`` of the rule set in force on each day (vectorised).

    Days before the first set use the first set: historical data are still
    computed, with the oldest rules held here.

    Examples
    --------
    >>> days = np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[D]")
    >>> select_index(days, AQI_RULESETS).tolist()
    [0, 1]
    """
    idx = np.searchsorted(_starts(sets), days.astype("datetime64[D]"), side="right") - 1
    return np.maximum(idx, 0)


def aqi_ruleset_for(day: dt.date) -> AqiRuleSet:
    """HJ 633 version in force on ``day``.

    Examples
    --------
    >>> import datetime as dt
    >>> aqi_ruleset_for(dt.date(2026, 2, 28)).code, aqi_ruleset_for(dt.date(2026, 3, 1)).code
    ('HJ 633-2012', 'HJ 633-2026')
    """
    return AQI_RULESETS[int(select_index(np.array([day], dtype="datetime64[D]"), AQI_RULESETS)[0])]


def limit_set_for(day: dt.date) -> LimitSet:
    """GB 3095 limits in force on ``day`` (GB 3095-2026 §4.4).

    Examples
    --------
    >>> import datetime as dt
    >>> [limit_set_for(dt.date(y, 6, 1)).code for y in (2025, 2030, 2031)]
    ['GB 3095-2012', 'GB 3095-2026 (过渡期限值)', 'GB 3095-2026']
    """
    return LIMIT_SETS[int(select_index(np.array([day], dtype="datetime64[D]"), LIMIT_SETS)[0])]


def evaluation_rules_for(day: dt.date) -> EvaluationRules:
    """HJ 663 version in force on ``day``.

    Examples
    --------
    >>> import datetime as dt
    >>> evaluation_rules_for(dt.date(2026, 3, 1)).code
    'HJ 663-2026'
    """
    return EVALUATION_RULES[
        int(select_index(np.array([day], dtype="datetime64[D]"), EVALUATION_RULES)[0])
    ]


def resolve_standard(choice: StandardChoice | AqiRuleSet) -> AqiRuleSet | None:
    """Map a ``--standard`` choice to a fixed rule set, ``None`` for ``auto``.

    Examples
    --------
    >>> resolve_standard("2012").code, resolve_standard("auto")
    ('HJ 633-2012', None)
    """
    if isinstance(choice, AqiRuleSet):
        return choice
    if choice == "auto":
        return None
    if choice == "2012":
        return HJ633_2012
    if choice == "2026":
        return HJ633_2026
    raise ValueError(f"unknown standard {choice!r}; expected auto, 2012 or 2026")
