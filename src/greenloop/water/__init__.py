"""Surface-water quality: GB 3838-2002 classes and the city water-quality index.

A pure, vectorised kernel (no Django, no I/O, no clock) implementing
``../shared/reference/water-gb3838.md``:

- single-factor class of samples and of sections over a period (GB 3838-2002
  §5.1; 2011 assessment method), rivers vs lakes/reservoirs for TP, the
  items excluded from the class (water temperature, TN, fecal coliform);
- exceeding items with multiples of the target class limit, compliance;
- status of rivers and basins with several sections;
- CWQI of sections and cities, ranking by status and by change
  (环办监测〔2017〕51号).

Limits are versioned data (``gb3838_2002.csv``); choices where the reference
is unverified (⚠) or bureaus differ are fields of :class:`WaterRules`.

Examples
--------
>>> import pandas as pd
>>> from greenloop import water
>>> v = pd.DataFrame({"do": [6.4], "nh3n": [1.6], "tp": [0.16]})
>>> out = water.evaluate_samples(v, "river", target=3)
>>> water.class_labels(out["class"]).tolist(), out["exceeding"].tolist()
(['Ⅴ'], ['氨氮(0.6)'])
"""

from __future__ import annotations

from greenloop.water._basin import (
    FEW_SECTIONS,
    basin_status,
    exceedance_rates,
    main_pollutants,
    share_status,
)
from greenloop.water._classes import (
    NOT_EVALUATED,
    Body,
    BodyLike,
    WaterClass,
    class_labels,
    class_statuses,
    lake_mask,
    parse_bodies,
    parse_classes,
)
from greenloop.water._classify import (
    Exceedances,
    PeriodMeans,
    describe_exceedances,
    evaluate_samples,
    evaluate_sections,
    exceedances,
    item_classes,
    meets_target,
    period_means,
    substitute_below_detection_limit,
    water_class,
)
from greenloop.water._cwqi import (
    change_exempt,
    city_cwqi,
    cwqi,
    cwqi_change,
    cwqi_indices,
    rank_cwqi,
    rank_cwqi_change,
)
from greenloop.water._numeric import Rounding, format_fixed, round_half_even, round_to, snap
from greenloop.water._rules import (
    CLASS_ITEMS,
    CWQI_ITEMS,
    DEFAULT_RULES,
    REFERENCE_ITEMS,
    WaterRules,
)
from greenloop.water._standards import (
    GB3838_2002,
    STANDARDS,
    ItemSpec,
    WaterStandard,
    get_standard,
    standards_for_dates,
)

__all__ = [
    "CLASS_ITEMS",
    "CWQI_ITEMS",
    "DEFAULT_RULES",
    "FEW_SECTIONS",
    "GB3838_2002",
    "NOT_EVALUATED",
    "REFERENCE_ITEMS",
    "STANDARDS",
    "Body",
    "BodyLike",
    "Exceedances",
    "ItemSpec",
    "PeriodMeans",
    "Rounding",
    "WaterClass",
    "WaterRules",
    "WaterStandard",
    "basin_status",
    "change_exempt",
    "city_cwqi",
    "class_labels",
    "class_statuses",
    "cwqi",
    "cwqi_change",
    "cwqi_indices",
    "describe_exceedances",
    "evaluate_samples",
    "evaluate_sections",
    "exceedance_rates",
    "exceedances",
    "format_fixed",
    "get_standard",
    "item_classes",
    "lake_mask",
    "main_pollutants",
    "meets_target",
    "parse_bodies",
    "parse_classes",
    "period_means",
    "rank_cwqi",
    "rank_cwqi_change",
    "round_half_even",
    "round_to",
    "share_status",
    "snap",
    "standards_for_dates",
    "substitute_below_detection_limit",
    "water_class",
]
