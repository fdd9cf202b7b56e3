"""Rivers, basins and regions with several sections (reference §2.3)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.water._classes import NOT_EVALUATED, BodyLike, WaterClass, class_statuses, lake_mask
from greenloop.water._classify import exceedances, water_class
from greenloop.water._rules import DEFAULT_RULES, WaterRules
from greenloop.water._standards import GB3838_2002, WaterStandard

__all__ = [
    "FEW_SECTIONS",
    "basin_status",
    "exceedance_rates",
    "main_pollutants",
    "share_status",
]

# Reference §2.3: below this many sections, classify the averaged items.
FEW_SECTIONS = 5


def share_status(
    classes: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Status of each group by the share of sections per class (§2.3).

    Rows of reference §2.3 evaluated top-down, with integer arithmetic on
    counts so that 75 % is exactly 75 %:

    ========  =====================================================
    优        Ⅰ–Ⅲ ≥ 90 %
    良好      75 % ≤ Ⅰ–Ⅲ < 90 %
    重度污染  Ⅰ–Ⅲ < ``rules.heavy_pollution_good_share_below`` and
              劣Ⅴ ≥ 40 %
    中度污染  劣Ⅴ ≥ 20 % (Ⅰ–Ⅲ < 75 %)
    轻度污染  otherwise
    ========  =====================================================

    With the threshold at 60 % (⚠ alternative reading) the one case it
    changes, exactly 60 % Ⅰ–Ⅲ and 40 % 劣Ⅴ, falls to 中度污染.
    Sections without a class (0) are not counted.

    Examples
    --------
    Reference §4, example 3 (12 sections):

    >>> nine_good = [3] * 9 + [4, 4, 6]
    >>> eight_good = [2] * 8 + [6, 6, 6, 5]
    >>> share_status(nine_good + eight_good, ["a"] * 12 + ["b"] * 12)["status"].tolist()
    ['良好', '中度污染']
    """
    codes = np.asarray(classes, dtype=np.int64)
    key = np.zeros(len(codes), dtype=object) if groups is None else np.asarray(groups, object)
    frame = (
        pd.DataFrame(
            {
                "sections": codes != NOT_EVALUATED,
                "good": (codes >= WaterClass.I) & (codes <= WaterClass.III),
                "worse_than_v": codes == WaterClass.WORSE_THAN_V,
            }
        )
        .groupby(pd.Index(key, name="group"), sort=False)
        .sum()
    )
    n, good, worst = frame["sections"], frame["good"], frame["worse_than_v"]
    heavy_below = rules.heavy_pollution_good_share_below
    status = np.select(
        [
            n == 0,
            good * 100 >= 90 * n,
            good * 100 >= 75 * n,
            (good * 100 < heavy_below * n) & (worst * 100 >= 40 * n),
            worst * 100 >= 20 * n,
        ],
        ["", "优", "良好", "重度污染", "中度污染"],
        default="轻度污染",
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["good_share"] = good / n * 100
        frame["worse_than_v_share"] = worst / n * 100
    frame["status"] = status
    return frame


def basin_status(
    section_values: pd.DataFrame,
    body: BodyLike,
    groups: npt.ArrayLike | None = None,
    *,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Status of rivers or basins from their sections' period means (§2.3).

    Groups with fewer than five sections: average each item over the
    sections, classify the averages and describe the class (§2.2); the
    group's sections must share one water-body type. Five or more: the
    share method, :func:`share_status`.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``sections``, ``method`` (``average`` or
        ``share``), ``class`` (code, 0 for the share method) and ``status``.

    Raises
    ------
    ValueError
        If a group with fewer than five sections mixes rivers and lakes.

    Examples
    --------
    Three sections averaging NH3-N 1.2: class Ⅳ, 轻度污染.

    >>> v = pd.DataFrame({"nh3n": [0.6, 1.2, 1.8], "do": [6.0, 6.0, 6.0]})
    >>> basin_status(v, "river").iloc[0].astype(str).tolist()
    ['3', 'average', '4', '轻度污染']
    """
    n = len(section_values)
    lake = lake_mask(body, n)
    key = np.zeros(n, dtype=object) if groups is None else np.asarray(groups, dtype=object)
    index = pd.Index(key, name="group")
    values = section_values.set_axis(index)
    sizes = values.groupby(level=0, sort=False).size()
    mixed = pd.Series(lake, index=index).groupby(level=0, sort=False).nunique() > 1
    few = sizes < FEW_SECTIONS
    if (mixed & few).any():
        raise ValueError(f"“{mixed[mixed & few].index[0]}”同时含河流与湖库断面，不能平均评价")
    means = values.groupby(level=0, sort=False).mean()
    group_lake = pd.Series(lake, index=index).groupby(level=0, sort=False).first()
    averaged = water_class(means, group_lake.to_numpy(dtype=bool), standard=standard, rules=rules)
    per_section = water_class(section_values, lake, standard=standard, rules=rules)
    shares = share_status(per_section, key, rules=rules).reindex(sizes.index)
    water = np.where(few, averaged, NOT_EVALUATED).astype(np.int8)
    return pd.DataFrame(
        {
            "sections": sizes.to_numpy(),
            "method": np.where(few, "average", "share"),
            "class": water,
            "status": np.where(few, class_statuses(water), shares["status"].to_numpy()),
        },
        index=sizes.index,
    )


def exceedance_rates(
    section_values: pd.DataFrame,
    body: BodyLike,
    groups: npt.ArrayLike | None = None,
    *,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Share of sections (%) where each item is worse than class Ⅲ (§2.4 ⚠).

    The 断面超标率 of a river, basin or region: for each determining item,
    the percentage of the group's sections with a value for that item whose
    class is worse than Ⅲ.

    Examples
    --------
    >>> v = pd.DataFrame({"nh3n": [1.6, 0.4, 1.2, 0.2], "tp": [0.3, 0.1, 0.1, 0.1]})
    >>> exceedance_rates(v, "river").iloc[0].tolist()
    [50.0, 25.0]
    """
    n = len(section_values)
    key = np.zeros(n, dtype=object) if groups is None else np.asarray(groups, dtype=object)
    found = exceedances(section_values, body, 3, standard=standard, rules=rules)
    measured = section_values[found.exceeding.columns].notna()
    index = pd.Index(key, name="group")
    exceeding = found.exceeding.set_axis(index).groupby(level=0, sort=False).sum()
    counted = measured.set_axis(index).groupby(level=0, sort=False).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (exceeding / counted * 100).astype(float)


def main_pollutants(
    rates: pd.DataFrame, *, limit: int = 3, standard: WaterStandard = GB3838_2002
) -> pd.Series:
    """Items with the highest exceedance rates, e.g. ``总磷;氨氮`` (§2.4 ⚠).

    Items that never exceed are left out; equal rates keep table order.

    Examples
    --------
    >>> rates = pd.DataFrame({"nh3n": [50.0], "tp": [25.0], "cod": [0.0]})
    >>> main_pollutants(rates).tolist()
    ['氨氮;总磷']
    """
    values = rates.to_numpy(dtype=float)
    positive = np.nan_to_num(values, nan=0.0) > 0
    order = np.argsort(np.where(positive, -values, np.inf), axis=1, kind="stable")[:, :limit]
    names = np.array([standard.items[c].name for c in rates.columns], dtype=object)
    picked = np.take_along_axis(positive, order, axis=1)
    text = np.full(len(rates), "", dtype=object)
    for j in range(order.shape[1]):  # at most ``limit`` columns, not rows
        piece = np.where(picked[:, j], names[order[:, j]], "")
        text = np.where(piece == "", text, np.where(text == "", piece, text + ";" + piece))
    return pd.Series(text, index=rates.index, name="main_pollutants")
