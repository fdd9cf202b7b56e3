"""Single-factor classification (GB 3838-2002 §5.1, reference §2).

Inputs are frames whose columns are canonical item codes (``ph``, ``do``,
``nh3n``, ``tp`` … see ``GB3838_2002.items``) holding non-negative numbers,
NaN where an item was not measured. Other columns are ignored. A value
reported below the detection limit is passed as the substitute used for
arithmetic (see :func:`substitute_below_detection_limit`) together with a
``below_dl`` flag frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.water._classes import (
    NOT_EVALUATED,
    BodyLike,
    WaterClass,
    class_statuses,
    lake_mask,
)
from greenloop.water._cwqi import cwqi
from greenloop.water._numeric import Rounding, format_fixed, round_to, snap
from greenloop.water._rules import DEFAULT_RULES, WaterRules
from greenloop.water._standards import GB3838_2002, WaterStandard

__all__ = [
    "Exceedances",
    "PeriodMeans",
    "describe_exceedances",
    "evaluate_samples",
    "evaluate_sections",
    "exceedances",
    "item_classes",
    "meets_target",
    "period_means",
    "substitute_below_detection_limit",
    "water_class",
]

ClassLike = int | WaterClass | npt.ArrayLike


def _item_columns(values: pd.DataFrame, standard: WaterStandard) -> list[str]:
    """Item columns of ``values`` in the standard's table order."""
    present = set(values.columns)
    return [code for code in standard.items if code in present]


def _flags(frame: pd.DataFrame | None, code: str, n: int) -> npt.NDArray[np.bool_]:
    if frame is None or code not in frame.columns:
        return np.zeros(n, dtype=bool)
    return np.asarray(frame[code].fillna(False), dtype=bool)


def _class_array(value: ClassLike | None, n: int) -> npt.NDArray[np.int64]:
    if value is None:
        return np.zeros(n, dtype=np.int64)
    arr = np.asarray(value, dtype=np.int64)
    if arr.ndim == 0:
        return np.full(n, int(arr), dtype=np.int64)
    if arr.shape != (n,):
        raise ValueError(f"类别个数 {arr.shape} 与行数 {n} 不一致")
    return arr


def substitute_below_detection_limit(
    detection_limits: pd.DataFrame,
    below_dl: pd.DataFrame,
    *,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Replace values reported below the detection limit by their substitute.

    Where ``below_dl`` is true the cell of ``detection_limits`` is taken as
    the detection limit and replaced by ``rules.below_dl_fraction`` of it
    (reference §2 ⚠: half the detection limit for averaging).

    Examples
    --------
    >>> v = pd.DataFrame({"nh3n": [0.025, 0.4]})
    >>> substitute_below_detection_limit(v, pd.DataFrame({"nh3n": [True, False]}))["nh3n"].tolist()
    [0.0125, 0.4]
    """
    flags = below_dl.reindex(index=detection_limits.index, columns=detection_limits.columns)
    flags = flags.fillna(False).astype(bool)
    return detection_limits.mask(flags, detection_limits * rules.below_dl_fraction)


def _classify_item(
    spec_code: str,
    x: npt.NDArray[np.float64],
    lake: npt.NDArray[np.bool_],
    below_dl: npt.NDArray[np.bool_],
    saturation: npt.NDArray[np.float64] | None,
    standard: WaterStandard,
    rules: WaterRules,
) -> npt.NDArray[np.int8]:
    spec = standard.items[spec_code]
    v = snap(x)
    missing = np.isnan(v)
    if spec.kind == "range":
        # Reference §2 ⚠: pH inside 6–9 never degrades the class.
        low, high = spec.river or spec.lake or (np.nan, np.nan)
        inside = (v >= low) & (v <= high)
        cls = np.where(inside, int(WaterClass.I), int(rules.ph_outside_class))
    else:
        limits = spec.limit_matrix(lake)
        # Limits are monotone across classes, so the best class met is one
        # more than the number of classes failed (repeated limits such as
        # COD 15/15 therefore give the better class).
        failed = v[:, None] > limits if spec.kind == "max" else v[:, None] < limits
        cls = 1 + failed.sum(axis=1)
        missing |= np.isnan(limits[:, 0])
        if spec.kind == "min" and saturation is not None and rules.do_saturation_class_i:
            # Table 1: DO class Ⅰ is "7.5 (or saturation 90 %)".
            by_saturation = snap(saturation) >= rules.do_saturation_class_i
            cls = np.where(by_saturation, int(WaterClass.I), cls)
        if spec.kind == "max" and rules.below_dl_class_i:
            cls = np.where(below_dl, int(WaterClass.I), cls)
    return np.where(missing, NOT_EVALUATED, cls).astype(np.int8)


def item_classes(
    values: pd.DataFrame,
    body: BodyLike,
    *,
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Class code of every item with class limits (reference §2).

    Each value gets the best class whose limit it meets (≤ the limit; ≥ for
    DO); a value meeting no class is 劣Ⅴ (6). pH inside 6–9 is class Ⅰ,
    outside it ``rules.ph_outside_class``. TP uses the lake/reservoir column
    for lake rows; TN has limits for lakes only (0 for rivers). Missing
    values give 0. Water temperature has no classes and no column.

    Parameters
    ----------
    values
        Concentrations, columns named by item code.
    body
        ``"river"`` or ``"lake"`` (also 河流/湖库 …), one per row or one for all.
    below_dl
        Cells reported below the detection limit (class Ⅰ when
        ``rules.below_dl_class_i``).
    do_saturation
        DO saturation in percent per row, NaN where not measured.
    standard, rules
        Limit table and evaluation choices.

    Returns
    -------
    pandas.DataFrame
        ``int8`` class codes, same index, one column per item present.

    Examples
    --------
    Reference §4, example 1 (river section, annual means):

    >>> v = pd.DataFrame({"do": [6.4], "codmn": [4.6], "cod": [17.0], "tp": [0.16]})
    >>> item_classes(v, "river").iloc[0].tolist()
    [2, 3, 3, 3]
    >>> int(item_classes(v, "lake")["tp"].iloc[0])
    5
    """
    n = len(values)
    lake = lake_mask(body, n)
    saturation = None if do_saturation is None else np.asarray(do_saturation, dtype=float)
    columns: dict[str, npt.NDArray[np.int8]] = {}
    for code in _item_columns(values, standard):
        if standard.items[code].kind == "none":
            continue
        x = np.asarray(values[code], dtype=float)
        columns[code] = _classify_item(
            code, x, lake, _flags(below_dl, code, n), saturation, standard, rules
        )
    return pd.DataFrame(columns, index=values.index, dtype=np.int8)


def _determining_mask(
    columns: pd.Index, lake: npt.NDArray[np.bool_], rules: WaterRules
) -> npt.NDArray[np.bool_]:
    river_items = rules.determining_items(lake=False)
    lake_items = rules.determining_items(lake=True)
    in_river = np.array([c in river_items for c in columns], dtype=bool)
    in_lake = np.array([c in lake_items for c in columns], dtype=bool)
    return np.where(lake[:, None], in_lake[None, :], in_river[None, :])


def water_class(
    values: pd.DataFrame,
    body: BodyLike,
    *,
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> npt.NDArray[np.int8]:
    """Class of each sample: the worst class of its determining items.

    Reference §2: section class = worst class over the evaluated items; §2.1:
    the 21 items without water temperature, TN and fecal coliform (see
    ``rules.class_items`` and ``rules.lake_tn_in_class``). 0 where no
    determining item has a value.

    Examples
    --------
    Reference §4, example 1: class Ⅲ as a river, Ⅴ as a lake point.

    >>> v = pd.DataFrame({"ph": [7.8], "do": [6.4], "codmn": [4.6], "cod": [17.0],
    ...                   "bod5": [3.1], "nh3n": [0.82], "tp": [0.16], "tn": [9.0]})
    >>> water_class(v, "river").tolist(), water_class(v, "lake").tolist()
    ([3], [5])
    """
    classes = item_classes(
        values,
        body,
        below_dl=below_dl,
        do_saturation=do_saturation,
        standard=standard,
        rules=rules,
    )
    return _worst(classes, lake_mask(body, len(values)), rules)


def _worst(
    classes: pd.DataFrame, lake: npt.NDArray[np.bool_], rules: WaterRules
) -> npt.NDArray[np.int8]:
    determining = _determining_mask(classes.columns, lake, rules)
    codes = np.where(determining, classes.to_numpy(dtype=np.int8), NOT_EVALUATED)
    return codes.max(axis=1, initial=NOT_EVALUATED).astype(np.int8)


class Exceedances(NamedTuple):
    """Items worse than a reference class, and their exceedance multiples.

    ``multiples`` is ``(C − S) / S`` with ``S`` the reference class limit
    (GB 3838-2002 §5.1, reference §2.4), NaN where the item does not exceed
    and for DO and pH, which have no multiple.
    """

    exceeding: pd.DataFrame
    multiples: pd.DataFrame


def exceedances(
    values: pd.DataFrame,
    body: BodyLike,
    reference: ClassLike,
    *,
    items: Literal["class", "reference"] = "class",
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> Exceedances:
    """Items whose class is worse than ``reference``, with multiples.

    Parameters
    ----------
    reference
        Class code per row (or one for all) whose limit is the yardstick:
        the target class, or Ⅲ as in the 2011 method. 0 = none.
    items
        ``"class"``: the items that determine the row's class; ``"reference"``:
        the other items with limits, evaluated separately (TN at lake
        points, fecal coliform; never TN in rivers).

    Examples
    --------
    NH3-N 1.6 against a class-Ⅲ target (limit 1.0) exceeds by 0.6 times;
    DO 4 fails class Ⅲ but has no multiple (reference §2.4):

    >>> v = pd.DataFrame({"do": [4.0], "nh3n": [1.6], "tp": [0.1]})
    >>> e = exceedances(v, "river", 3)
    >>> e.exceeding.iloc[0].tolist(), round(float(e.multiples["nh3n"].iloc[0]), 4)
    ([True, True, False], 0.6)
    """
    n = len(values)
    lake = lake_mask(body, n)
    classes = item_classes(
        values,
        lake,
        below_dl=below_dl,
        do_saturation=do_saturation,
        standard=standard,
        rules=rules,
    )
    return _exceedances(values, classes, lake, _class_array(reference, n), items, standard, rules)


def _exceedances(
    values: pd.DataFrame,
    classes: pd.DataFrame,
    lake: npt.NDArray[np.bool_],
    ref: npt.NDArray[np.int64],
    items: Literal["class", "reference"],
    standard: WaterStandard,
    rules: WaterRules,
) -> Exceedances:
    n = len(values)
    determining = _determining_mask(classes.columns, lake, rules)
    selected = determining if items == "class" else ~determining
    codes = classes.to_numpy(dtype=np.int64)
    exceeding = selected & (codes > ref[:, None]) & (ref[:, None] > 0) & (codes > 0)
    multiples = np.full(codes.shape, np.nan)
    rows = np.arange(n)
    usable = np.clip(ref, 1, 5) - 1
    for j, code in enumerate(classes.columns):
        spec = standard.items[code]
        if spec.kind != "max":
            continue  # DO and pH: no exceedance multiple (reference §2.4)
        limit = spec.limit_matrix(lake)[rows, usable]
        x = snap(np.asarray(values[code], dtype=float))
        with np.errstate(invalid="ignore", divide="ignore"):
            multiples[:, j] = np.where(exceeding[:, j], (x - limit) / limit, np.nan)
    return Exceedances(
        exceeding=pd.DataFrame(exceeding, index=values.index, columns=classes.columns),
        multiples=pd.DataFrame(multiples, index=values.index, columns=classes.columns),
    )


def describe_exceedances(
    found: Exceedances,
    *,
    decimals: int = 2,
    rounding: Rounding = "half_even",
    limit: int | None = None,
    standard: WaterStandard = GB3838_2002,
) -> npt.NDArray[np.object_]:
    """Text such as ``总磷(1.2);氨氮(0.6);溶解氧`` per row.

    Items are sorted by multiple, largest first (reference §2.4; the first
    three are the main pollution indicators), then DO and pH, which have no
    multiple, in table order. Multiples are rounded (``rounding``) to
    ``decimals`` places with trailing zeros dropped. ``limit=3`` against
    class Ⅲ gives a section's main pollution indicators (reference §2.4 ⚠).

    Examples
    --------
    >>> v = pd.DataFrame({"do": [4.0], "nh3n": [1.6], "tp": [0.44]})
    >>> describe_exceedances(exceedances(v, "river", 3)).tolist()
    ['总磷(1.2);氨氮(0.6);溶解氧']
    >>> describe_exceedances(exceedances(v, "river", 3), limit=2).tolist()
    ['总磷(1.2);氨氮(0.6)']
    """
    exceeding = found.exceeding.to_numpy(dtype=bool)
    multiples = found.multiples.to_numpy(dtype=float)
    text = np.full(exceeding.shape[0], "", dtype=object)
    # Work on the exceeding cells only, sorted by row, then by multiple
    # (largest first, none last), then by table order.
    rows, cols = np.nonzero(exceeding)
    if len(rows) == 0:
        return text
    values = multiples[rows, cols]
    has_multiple = ~np.isnan(values)
    order = np.lexsort((cols, np.where(has_multiple, -values, np.inf), rows))
    rows, cols, values, has_multiple = rows[order], cols[order], values[order], has_multiple[order]
    if limit is not None:
        first = np.r_[True, rows[1:] != rows[:-1]]
        starts = np.flatnonzero(first)
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        keep = rank < limit
        rows, cols, values, has_multiple = rows[keep], cols[keep], values[keep], has_multiple[keep]
        if len(rows) == 0:
            return text
    names = np.array([standard.items[c].name for c in found.exceeding.columns], dtype=object)
    shown = format_fixed(values, decimals, strip=True, mode=rounding)
    cells = names[cols] + np.where(has_multiple, "(" + shown + ")", "")
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    cells[1:] = np.where(rows[1:] == rows[:-1], ";", "").astype(object) + cells[1:]
    text[rows[starts]] = np.add.reduceat(cells, starts)
    return text


def meets_target(classes: npt.ArrayLike, target: ClassLike | None) -> pd.arrays.BooleanArray:
    """Whether each class meets its target class (class ≤ target).

    NA where there is no target (0) or no class (0).

    Examples
    --------
    >>> meets_target([3, 4, 3, 0], [3, 3, 0, 3]).tolist()
    [True, False, <NA>, <NA>]
    """
    codes = np.asarray(classes, dtype=np.int64)
    goal = _class_array(target, len(codes))
    unknown = (codes == NOT_EVALUATED) | (goal == 0)
    return pd.arrays.BooleanArray(np.where(unknown, False, codes <= goal), unknown)


def _reference_classes(target: npt.NDArray[np.int64], rules: WaterRules) -> npt.NDArray[np.int64]:
    if rules.exceedance_reference == "III":
        return np.full(len(target), int(WaterClass.III), dtype=np.int64)
    # Without a target the 2011 method's class Ⅲ is the yardstick (ref. §2.4).
    return np.where(target > 0, target, int(WaterClass.III))


def _evaluate(
    values: pd.DataFrame,
    lake: npt.NDArray[np.bool_],
    target: npt.NDArray[np.int64],
    below_dl: pd.DataFrame | None,
    do_saturation: npt.ArrayLike | None,
    standard: WaterStandard,
    rules: WaterRules,
) -> pd.DataFrame:
    classes = item_classes(
        values,
        lake,
        below_dl=below_dl,
        do_saturation=do_saturation,
        standard=standard,
        rules=rules,
    )
    water = _worst(classes, lake, rules)
    reference = _reference_classes(target, rules)
    found = _exceedances(values, classes, lake, reference, "class", standard, rules)
    extra = _exceedances(values, classes, lake, reference, "reference", standard, rules)
    return pd.DataFrame(
        {
            "class": pd.array(water, dtype="Int8"),
            "status": class_statuses(water),
            "exceeding": describe_exceedances(found, rounding=rules.rounding, standard=standard),
            "reference_exceeding": describe_exceedances(
                extra, rounding=rules.rounding, standard=standard
            ),
            "meets_target": meets_target(water, target),
            "cwqi": cwqi(values, lake, standard=standard),
        },
        index=values.index,
    )


def evaluate_samples(
    values: pd.DataFrame,
    body: BodyLike,
    target: ClassLike | None = None,
    *,
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Class, status, exceeding items, target compliance and CWQI per sample.

    Returns a frame with columns ``class`` (``Int8`` code, 0 = no
    determining item measured), ``status`` (reference §2.2), ``exceeding``
    (determining items worse than the target, with multiples of the target
    limit, see :func:`describe_exceedances`), ``reference_exceeding`` (the
    same for TN at lake points and fecal coliform), ``meets_target``
    (nullable boolean) and ``cwqi`` (sum of the single-item indices,
    reference §3.2).

    Examples
    --------
    >>> v = pd.DataFrame({"do": [6.4, 4.0], "nh3n": [0.82, 1.6], "tp": [0.16, 0.44]})
    >>> out = evaluate_samples(v, "river", target=[3, 3])
    >>> out[["class", "exceeding", "meets_target"]].to_numpy().tolist()
    [[3, '', True], [6, '总磷(1.2);氨氮(0.6);溶解氧', False]]
    """
    n = len(values)
    lake = lake_mask(body, n)
    goal = _class_array(target, n)
    return _evaluate(values, lake, goal, below_dl, do_saturation, standard, rules)


@dataclass(frozen=True)
class PeriodMeans:
    """Per-section arithmetic means of a period (2011 method §1.2).

    ``below_dl`` marks items whose every value in the period was below the
    detection limit; ``samples`` counts rows per section.
    """

    values: pd.DataFrame
    below_dl: pd.DataFrame
    do_saturation: pd.Series | None
    samples: pd.Series


def period_means(
    values: pd.DataFrame,
    sections: npt.ArrayLike,
    *,
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> PeriodMeans:
    """Arithmetic mean of each item per section, over all rows given.

    Reference §2.1: quarterly and annual evaluation classify the arithmetic
    mean of the period's measurements per item. Missing values are skipped.
    Means are rounded per ``rules.mean_decimals`` (empty by default).
    Sections keep their order of first appearance.

    Examples
    --------
    >>> v = pd.DataFrame({"tp": [0.1, 0.2, 0.3, 0.05]})
    >>> means = period_means(v, ["A", "A", "A", "B"])
    >>> means.values["tp"].round(6).tolist(), means.samples.tolist()
    ([0.2, 0.05], [3, 1])
    """
    keys = pd.Index(np.asarray(sections, dtype=object), name="section")
    items = values[_item_columns(values, standard)].astype(float)
    items.index = keys
    grouped = items.groupby(level=0, sort=False)
    means = grouped.mean()
    for code, decimals in rules.mean_decimals.items():
        if code in means.columns:
            means[code] = round_to(means[code].to_numpy(), decimals, mode=rules.rounding)
    present = items.notna()
    if below_dl is None:
        flagged = pd.DataFrame(False, index=keys, columns=items.columns)
    else:
        flagged = below_dl.reindex(columns=items.columns).fillna(False).astype(bool)
        flagged.index = keys
    flagged = flagged & present
    present_count = present.groupby(level=0, sort=False).sum()
    flagged_count = flagged.groupby(level=0, sort=False).sum()
    all_below = (present_count > 0) & (flagged_count == present_count)
    saturation = None
    if do_saturation is not None:
        saturation = (
            pd.Series(np.asarray(do_saturation, dtype=float), index=keys)
            .groupby(level=0, sort=False)
            .mean()
        )
    samples = pd.Series(keys, index=keys).groupby(level=0, sort=False).size()
    return PeriodMeans(means, all_below, saturation, samples.rename("samples"))


def _one_per_section(
    column: npt.ArrayLike, sections: pd.Index, what: str
) -> npt.NDArray[np.object_]:
    series = pd.Series(np.asarray(column, dtype=object), index=sections)
    counts = series.groupby(level=0, sort=False).nunique(dropna=False)
    if (counts > 1).any():
        bad = counts.index[counts > 1][0]
        raise ValueError(f"断面“{bad}”的{what}前后不一致")
    return series.groupby(level=0, sort=False).first().to_numpy()


def evaluate_sections(
    values: pd.DataFrame,
    sections: npt.ArrayLike,
    body: BodyLike,
    target: ClassLike | None = None,
    *,
    below_dl: pd.DataFrame | None = None,
    do_saturation: npt.ArrayLike | None = None,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Class of each section over the period of the rows given.

    1. Average each item per section (:func:`period_means`).
    2. Classify the means by the single-factor method; an item whose every
       value was below the detection limit is class Ⅰ (⚠ rule).
    3. Sections with fewer than ``rules.min_samples`` rows get no class,
       exceedances, compliance or CWQI (``sufficient`` is false).

    Returns a frame indexed by section with ``body``, ``target`` (code),
    ``samples``, ``sufficient``, one column of means per item, then the
    columns of :func:`evaluate_samples`.

    Raises
    ------
    ValueError
        If a section changes water-body type or target within the rows.

    Examples
    --------
    >>> v = pd.DataFrame({"nh3n": [0.8, 1.4], "tp": [0.1, 0.3]})
    >>> out = evaluate_sections(v, ["A", "A"], "river", target=3)
    >>> out.loc["A", ["nh3n", "tp", "class", "exceeding"]].astype(str).tolist()
    ['1.1', '0.2', '4', '氨氮(0.1)']
    """
    n = len(values)
    lake_rows = lake_mask(body, n)
    goal_rows = _class_array(target, n)
    keys = pd.Index(np.asarray(sections, dtype=object), name="section")
    lake = _one_per_section(lake_rows, keys, "水体类型").astype(bool)
    goal = _one_per_section(goal_rows, keys, "水质目标").astype(np.int64)
    means = period_means(
        values,
        keys,
        below_dl=below_dl,
        do_saturation=do_saturation,
        standard=standard,
        rules=rules,
    )
    saturation = None if means.do_saturation is None else means.do_saturation.to_numpy()
    result = _evaluate(means.values, lake, goal, means.below_dl, saturation, standard, rules)
    sufficient = means.samples.to_numpy() >= rules.min_samples
    result.loc[~sufficient, "class"] = NOT_EVALUATED
    result.loc[~sufficient, ["status", "exceeding", "reference_exceeding"]] = ""
    result.loc[~sufficient, "meets_target"] = pd.NA
    result.loc[~sufficient, "cwqi"] = np.nan
    head = pd.DataFrame(
        {
            "body": np.where(lake, "lake", "river"),
            "target": goal.astype(np.int8),
            "samples": means.samples.to_numpy(),
            "sufficient": sufficient,
        },
        index=means.values.index,
    )
    return pd.concat([head, means.values, result], axis=1)
