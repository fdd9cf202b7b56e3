"""City Water Quality Index, 环办监测〔2017〕51号 (reference §3)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from greenloop.water._classes import BodyLike, WaterClass, lake_mask
from greenloop.water._numeric import Rounding, round_to
from greenloop.water._rules import CWQI_ITEMS, DEFAULT_RULES, WaterRules
from greenloop.water._standards import GB3838_2002, WaterStandard

__all__ = [
    "change_exempt",
    "city_cwqi",
    "cwqi",
    "cwqi_change",
    "cwqi_indices",
    "rank_cwqi",
    "rank_cwqi_change",
]

_NEUTRAL_PH = 7.0  # reference §3.2


def cwqi_indices(
    values: pd.DataFrame,
    body: BodyLike,
    *,
    standard: WaterStandard = GB3838_2002,
) -> pd.DataFrame:
    """Single-item indices CWQI(i) of the 21 items present (reference §3.2).

    ``C / Cs`` with ``Cs`` the class-Ⅲ limit (TP by water body); DO
    ``Cs / C``; pH ``(7 − pH) / (7 − 6)`` up to 7, ``(pH − 7) / (9 − 7)``
    above. DO of 0 gives an infinite index. Missing values give NaN.

    Examples
    --------
    Reference §4, example 2:

    >>> v = pd.DataFrame({"ph": [7.8], "do": [6.4], "codmn": [4.6], "tp": [0.16]})
    >>> cwqi_indices(v, "river").round(4).iloc[0].tolist()
    [0.4, 0.7812, 0.7667, 0.8]
    """
    lake = lake_mask(body, len(values))
    present = set(values.columns)
    columns: dict[str, npt.NDArray[np.float64]] = {}
    for code in CWQI_ITEMS:
        if code not in present:
            continue
        spec = standard.items[code]
        x = np.asarray(values[code], dtype=float)
        if spec.kind == "range":
            low, high = spec.river or spec.lake or (np.nan, np.nan)
            index = np.where(
                x <= _NEUTRAL_PH,
                (_NEUTRAL_PH - x) / (_NEUTRAL_PH - low),
                (x - _NEUTRAL_PH) / (high - _NEUTRAL_PH),
            )
        else:
            limit = spec.limit_matrix(lake)[:, WaterClass.III - 1]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                index = x / limit if spec.kind == "max" else limit / x
        columns[code] = index
    return pd.DataFrame(columns, index=values.index, dtype=float)


def cwqi(
    values: pd.DataFrame,
    body: BodyLike,
    *,
    standard: WaterStandard = GB3838_2002,
) -> npt.NDArray[np.float64]:
    """CWQI of each row: the sum of its single-item indices (reference §3.2).

    Items not measured are left out of the sum; a row with none is NaN.
    Water temperature, TN and fecal coliform never count (§3.1).

    Examples
    --------
    Reference §4, example 2 (section CWQI 6.9119):

    >>> v = pd.DataFrame({
    ...     "ph": [7.8], "do": [6.4], "codmn": [4.6], "cod": [17.0], "bod5": [3.1],
    ...     "nh3n": [0.82], "tp": [0.16], "cu": [0.004], "zn": [0.02], "f": [0.45],
    ...     "se": [0.0004], "as": [0.002], "hg": [0.00002], "cd": [0.0001],
    ...     "cr6": [0.004], "pb": [0.001], "cn": [0.002], "phenol": [0.0008],
    ...     "oil": [0.02], "las": [0.05], "sulfide": [0.005], "tn": [5.0]})
    >>> round(float(cwqi(v, "river")[0]), 4)
    6.9119
    """
    indices = cwqi_indices(values, body, standard=standard)
    return indices.sum(axis=1, min_count=1).to_numpy(dtype=float)


def city_cwqi(
    section_values: pd.DataFrame,
    body: BodyLike,
    cities: npt.ArrayLike | None = None,
    *,
    standard: WaterStandard = GB3838_2002,
    rules: WaterRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """CWQI of each city from its sections' period means (reference §3.3).

    1. With ``rules.city_averaging == "concentrations"`` (default), average
       each item over the city's river sections and, apart, over its lake
       and reservoir points, then index and sum (``CWQI_river``,
       ``CWQI_lake``). With ``"sections"``, average section CWQI values.
    2. Combine: ``(CWQI_river × M + CWQI_lake × N) / (M + N)`` with M, N the
       numbers of river sections and lake points (``rules.city_weighting ==
       "count"``, ⚠), or the plain mean of the two (``"equal"``).

    Parameters
    ----------
    section_values
        One row per section: period mean concentrations by item code.
    body
        Water body of each section.
    cities
        City of each section; ``None`` for one city labelled ``全市``.

    Returns
    -------
    pandas.DataFrame
        Indexed by city: ``river``, ``lake``, ``city`` (NaN where a part has
        no section), ``river_sections`` and ``lake_sections``.

    Examples
    --------
    Two river sections (NH3-N 0.5 and 1.5 average to 1.0) and one lake point:

    >>> v = pd.DataFrame({"nh3n": [0.5, 1.5, 0.5], "tp": [0.1, 0.1, 0.05]})
    >>> city_cwqi(v, ["river", "river", "lake"]).round(4).iloc[0].tolist()
    [1.5, 1.5, 1.5, 2.0, 1.0]
    """
    n = len(section_values)
    lake = lake_mask(body, n)
    city = np.full(n, "全市", dtype=object) if cities is None else np.asarray(cities, object)
    keys = [pd.Index(city, name="city"), pd.Index(lake, name="lake")]
    if rules.city_averaging == "concentrations":
        items = [c for c in CWQI_ITEMS if c in section_values.columns]
        means = section_values[items].astype(float).groupby(keys, sort=False).mean()
        part_lake = means.index.get_level_values("lake").to_numpy(dtype=bool)
        parts = pd.Series(cwqi(means, part_lake, standard=standard), index=means.index)
    else:
        each = pd.Series(cwqi(section_values, lake, standard=standard))
        parts = each.groupby(keys, sort=False).mean()
    counts = pd.Series(np.ones(n, dtype=np.int64)).groupby(keys, sort=False).sum()
    table = pd.DataFrame({"cwqi": parts, "count": counts}).unstack("lake")
    order = pd.unique(city)
    table = table.reindex(order)

    def part(column: str, is_lake: bool) -> pd.Series:
        if (column, is_lake) in table.columns:
            return table[(column, is_lake)]
        return pd.Series(np.nan, index=table.index)

    river, lake_cwqi = part("cwqi", False), part("cwqi", True)
    m = part("count", False).fillna(0).astype(np.int64)
    k = part("count", True).fillna(0).astype(np.int64)
    if rules.city_weighting == "count":
        weighted = (river.fillna(0) * m + lake_cwqi.fillna(0) * k) / (m + k)
        combined = weighted.where((m + k) > 0)
    else:
        combined = pd.concat([river, lake_cwqi], axis=1).mean(axis=1)
    return pd.DataFrame(
        {
            "river": river,
            "lake": lake_cwqi,
            "city": combined,
            "river_sections": m,
            "lake_sections": k,
        },
        index=pd.Index(order, name="city"),
    )


def rank_cwqi(
    values: pd.Series, *, decimals: int = 4, rounding: Rounding = "half_even"
) -> pd.Series:
    """Status ranking: 1 for the smallest CWQI (reference §3.3).

    Ranks the values as reported (rounded to ``decimals``); equal
    reported values share the better rank (1, 2, 2, 4). NaN is not ranked.

    Examples
    --------
    >>> rank_cwqi(pd.Series([4.2, 3.1, 4.20001, float("nan")], index=list("abcd"))).tolist()
    [2, 1, 2, <NA>]
    """
    reported = pd.Series(
        round_to(values.to_numpy(dtype=float), decimals, mode=rounding), index=values.index
    )
    return reported.rank(method="min", ascending=True).astype("Int64")


def cwqi_change(current: npt.ArrayLike, base: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """ΔCWQI in percent: ``(current − base) / base × 100`` (reference §3.3 ⚠).

    Negative means improvement.

    Examples
    --------
    >>> cwqi_change([3.82], [5.0]).round(2).tolist()
    [-23.6]
    """
    now = np.asarray(current, dtype=float)
    then = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (now - then) / then * 100.0


def rank_cwqi_change(
    current: pd.Series,
    base: pd.Series,
    *,
    exempt: pd.Series | None = None,
    decimals: int = 2,
    rounding: Rounding = "half_even",
) -> pd.Series:
    """Change ranking: 1 for the largest improvement (smallest ΔCWQI).

    ΔCWQI is rounded to ``decimals`` places before ranking; ties
    share the better rank. Cities marked in ``exempt`` (see
    :func:`change_exempt`) take no part and get NA.

    Examples
    --------
    >>> now = pd.Series([4.0, 3.0, 2.0], index=["a", "b", "c"])
    >>> then = pd.Series([5.0, 3.0, 2.1], index=["a", "b", "c"])
    >>> rank_cwqi_change(now, then, exempt=pd.Series([False, False, True], index=now.index)).tolist()
    [1, 2, <NA>]
    """
    base = base.reindex(current.index)
    change = pd.Series(
        round_to(cwqi_change(current.to_numpy(), base.to_numpy()), decimals, mode=rounding),
        index=current.index,
    )
    if exempt is not None:
        change = change.mask(exempt.reindex(current.index).fillna(False).astype(bool))
    return change.rank(method="min", ascending=True).astype("Int64")


def change_exempt(
    current_classes: npt.ArrayLike,
    base_classes: npt.ArrayLike,
    current_meets: npt.ArrayLike,
    base_meets: npt.ArrayLike,
    cities: npt.ArrayLike,
) -> pd.Series:
    """Cities left out of the change ranking (reference §3.3).

    A city is left out when every one of its sections is class Ⅱ or better
    in both the base and the current period and meets its target in both.
    A section without a class or a target (NA compliance) keeps its city in.

    Examples
    --------
    >>> change_exempt([1, 2, 3], [2, 2, 2], [True, True, True],
    ...               [True, True, True], ["a", "a", "b"]).to_dict()
    {'a': True, 'b': False}
    """
    now = np.asarray(current_classes, dtype=np.int64)
    then = np.asarray(base_classes, dtype=np.int64)
    met_now = pd.array(current_meets, dtype="boolean").fillna(False).to_numpy(dtype=bool)
    met_then = pd.array(base_meets, dtype="boolean").fillna(False).to_numpy(dtype=bool)
    good = (
        (now >= WaterClass.I)
        & (now <= WaterClass.II)
        & (then >= WaterClass.I)
        & (then <= WaterClass.II)
        & met_now
        & met_then
    )
    city = pd.Index(np.asarray(cities, dtype=object), name="city")
    return pd.Series(good, index=city).groupby(level=0, sort=False).all()
