"""Air quality kernel: HJ 633 AQI, HJ 663 validity and evaluation, GB 3095 limits.

Pure and vectorised (numpy/pandas, no Django, no I/O, no clock). Rule sets
are versioned data selected by the date of the data (``rulesets``); bureau
conventions where the standards are silent are :class:`AqiOptions`.

Examples
--------
>>> import pandas as pd
>>> from greenloop.airquality import daily_aqi
>>> day = pd.DataFrame([{"station": "A", "date": pd.Timestamp("2026-03-02"), "so2": 12,
...     "no2": 45, "pm10": 160, "co": 1.3, "o3_8h": 150, "pm25": 75}])
>>> daily_aqi(day)[["aqi", "primary", "category"]].values.tolist()
[[116, 'pm10', '轻度污染']]
"""

from __future__ import annotations

from greenloop.airquality._fixed import SCALE, InvalidConcentration
from greenloop.airquality.aqi import (
    CATEGORIES,
    COLOURS,
    AqiArrays,
    MissingColumns,
    category_of,
    colour_of,
    daily_aqi,
    daily_arrays,
    hourly_aqi,
    hourly_arrays,
    level_of,
    names_of,
)
from greenloop.airquality.evaluation import (
    attainment,
    composite_index,
    good_day_ratio,
    percentile,
    period_statistics,
    rank,
    station_mean,
    year_on_year,
)
from greenloop.airquality.iaqi import MISSING, iaqi
from greenloop.airquality.rulesets import (
    AQI_RULESETS,
    COMPOSITE_2014,
    COMPOSITE_2026_UNVERIFIED,
    DEFAULT_OPTIONS,
    GB3095_2012,
    GB3095_2026,
    GB3095_2026_TRANSITIONAL,
    HJ633_2012,
    HJ633_2026,
    HJ663_2013,
    HJ663_2026,
    AqiOptions,
    AqiRuleSet,
    aqi_ruleset_for,
    evaluation_rules_for,
    limit_set_for,
)
from greenloop.airquality.validity import (
    DuplicateHour,
    NotOnTheHour,
    daily_statistics,
    moving_average,
)

__all__ = [
    "AQI_RULESETS",
    "CATEGORIES",
    "COLOURS",
    "COMPOSITE_2014",
    "COMPOSITE_2026_UNVERIFIED",
    "DEFAULT_OPTIONS",
    "GB3095_2012",
    "GB3095_2026",
    "GB3095_2026_TRANSITIONAL",
    "HJ633_2012",
    "HJ633_2026",
    "HJ663_2013",
    "HJ663_2026",
    "MISSING",
    "SCALE",
    "AqiArrays",
    "AqiOptions",
    "AqiRuleSet",
    "DuplicateHour",
    "InvalidConcentration",
    "MissingColumns",
    "NotOnTheHour",
    "aqi_ruleset_for",
    "attainment",
    "category_of",
    "colour_of",
    "composite_index",
    "daily_aqi",
    "daily_arrays",
    "daily_statistics",
    "evaluation_rules_for",
    "good_day_ratio",
    "hourly_aqi",
    "hourly_arrays",
    "iaqi",
    "level_of",
    "limit_set_for",
    "moving_average",
    "names_of",
    "percentile",
    "period_statistics",
    "rank",
    "station_mean",
    "year_on_year",
]
