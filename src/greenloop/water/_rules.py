"""Evaluation rules where the reference leaves a choice (⚠) or bureaus differ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from greenloop.water._classes import WaterClass
from greenloop.water._numeric import Rounding

__all__ = ["CLASS_ITEMS", "CWQI_ITEMS", "DEFAULT_RULES", "REFERENCE_ITEMS", "WaterRules"]

# Reference §2.1: the 21 Table-1 items used for the class, in table order
# (all but water temperature, total nitrogen and fecal coliform).
CLASS_ITEMS: tuple[str, ...] = (
    "ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "cu", "zn", "f", "se",
    "as", "hg", "cd", "cr6", "pb", "cn", "phenol", "oil", "las", "sulfide",
)  # fmt: skip
# Reference §2.1: evaluated separately ("参考指标单独评价（河流总氮除外）").
REFERENCE_ITEMS: tuple[str, ...] = ("wt", "tn", "fc")
# Reference §3.1: CWQI uses the same 21 items, whatever a bureau uses for the class.
CWQI_ITEMS: tuple[str, ...] = CLASS_ITEMS


@dataclass(frozen=True)
class WaterRules:
    """Choices of an evaluation, defaulting to the decisions recorded for ⚠ points.

    Attributes
    ----------
    class_items
        Items whose class determines a sample's or section's class
        (reference §2.1: the 21 items).
    lake_tn_in_class
        Whether total nitrogen also determines the class of lake and reservoir
        points. The 2011 method evaluates it separately (default ``False``);
        GB 3838-2002 §5.1 alone would include it. Rivers never use TN.
    ph_outside_class
        Class of a pH outside 6–9 (reference §2 ⚠: 劣Ⅴ).
    do_saturation_class_i
        DO saturation (%) at or above which DO meets class Ⅰ even below
        7.5 mg/L (Table 1, "7.5 (or saturation 90 %)" ⚠). Used only where a
        saturation is supplied; ``None`` disables it.
    below_dl_fraction
        Share of the detection limit substituted for a value reported below
        it, for averaging and CWQI (reference §2 ⚠: half).
    below_dl_class_i
        Whether a value (or a period whose every value) below the detection
        limit counts as class Ⅰ for the class (reference §2 ⚠: yes).
    min_samples
        Fewest samples a section needs in a period to be classified (⚠ the
        2011 minimum counts were not verified; default 1 = no minimum).
    mean_decimals
        Optional 修约 of period means per item (decimal places, GB/T 8170
        round-half-even) before classification and CWQI. The reference
        prescribes none; empty by default.
    exceedance_reference
        Limit behind exceedance multiples: the row's ``target`` class (Ⅲ
        where there is none), or always class Ⅲ as in the 2011 method §2.4.
    heavy_pollution_good_share_below
        Multi-section 重度污染 condition on the Ⅰ–Ⅲ share, percent
        (reference §2.3 ⚠: 75 per Shenzhen MEEB, 60 by recollection).
    city_weighting
        City CWQI from river and lake CWQI: ``count`` weights by the number of
        sections (M, N) as in reference §3.3 ⚠; ``equal`` averages the two.
    city_averaging
        ``concentrations`` (reference §3.3: average each item over the
        sections, then index) or ``sections`` (average section CWQI values,
        a non-equivalent method seen on some local platforms).
    rounding
        修约 of reported figures (CWQI, ΔCWQI, multiples, rounded means):
        ``half_even`` per GB/T 8170, or ``half_up`` as the reference's
        example-2 table (0.78125 → 0.7813).
    cwqi_decimals
        Decimal places of CWQI as reported and ranked (reference §4: 4).
    change_decimals
        Decimal places of ΔCWQI (%) as reported and ranked.
    """

    class_items: tuple[str, ...] = CLASS_ITEMS
    lake_tn_in_class: bool = False
    ph_outside_class: WaterClass = WaterClass.WORSE_THAN_V
    do_saturation_class_i: float | None = 90.0
    below_dl_fraction: float = 0.5
    below_dl_class_i: bool = True
    min_samples: int = 1
    mean_decimals: Mapping[str, int] = field(default_factory=dict)
    exceedance_reference: Literal["target", "III"] = "target"
    heavy_pollution_good_share_below: int = 75
    city_weighting: Literal["count", "equal"] = "count"
    city_averaging: Literal["concentrations", "sections"] = "concentrations"
    rounding: Rounding = "half_even"
    cwqi_decimals: int = 4
    change_decimals: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.below_dl_fraction <= 1.0:
            raise ValueError("below_dl_fraction must lie in [0, 1]")
        if self.min_samples < 1:
            raise ValueError("min_samples must be at least 1")
        if not 0 <= self.heavy_pollution_good_share_below <= 100:
            raise ValueError("heavy_pollution_good_share_below is a percentage")
        if self.exceedance_reference not in ("target", "III"):
            raise ValueError("exceedance_reference must be 'target' or 'III'")
        if self.city_weighting not in ("count", "equal"):
            raise ValueError("city_weighting must be 'count' or 'equal'")
        if self.rounding not in ("half_even", "half_up"):
            raise ValueError("rounding must be 'half_even' or 'half_up'")
        if self.city_averaging not in ("concentrations", "sections"):
            raise ValueError("city_averaging must be 'concentrations' or 'sections'")

    def determining_items(self, *, lake: bool) -> frozenset[str]:
        """Items that determine the class of a river or a lake point."""
        items = set(self.class_items)
        if lake and self.lake_tn_in_class:
            items.add("tn")
        if not lake:
            items.discard("tn")  # "河流总氮除外"
        return frozenset(items)


DEFAULT_RULES = WaterRules()
