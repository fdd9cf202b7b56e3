"""Properties of classification and CWQI that hold for any data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.water import (
    CLASS_ITEMS,
    CWQI_ITEMS,
    DEFAULT_RULES,
    GB3838_2002,
    WaterRules,
    cwqi,
    evaluate_samples,
    item_classes,
    water_class,
)

CHECKS = settings(max_examples=50, deadline=None)
BODIES = st.sampled_from(["river", "lake"])
LIMITED = [c for c, s in GB3838_2002.items.items() if s.kind in ("max", "min")]


def concentration(code: str, lake: bool) -> st.SearchStrategy[float]:
    """Values on, near and far from the item's class limits."""
    limits = GB3838_2002.item(code).limits(lake) or (1.0,)
    top = float(max(limits)) * 3
    return st.one_of(
        st.sampled_from([float(v) for v in limits]),
        st.floats(0.0, top, allow_nan=False, allow_infinity=False),
        st.sampled_from([float(v) * f for v in limits for f in (0.999, 1.001)]),
    )


def ph_value() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from([6.0, 9.0, 7.0]), st.floats(0.0, 14.0))


@st.composite
def samples(draw: st.DrawFn, items: tuple[str, ...] = CLASS_ITEMS) -> tuple[pd.DataFrame, str]:
    body = draw(BODIES)
    lake = body == "lake"
    rows = draw(st.integers(1, 6))
    columns = {}
    for code in draw(st.lists(st.sampled_from(items), min_size=1, max_size=8, unique=True)):
        value = ph_value() if code == "ph" else concentration(code, lake)
        cells = st.one_of(value, st.just(np.nan))
        columns[code] = draw(st.lists(cells, min_size=rows, max_size=rows))
    return pd.DataFrame(columns, dtype=float), body


@CHECKS
@given(code=st.sampled_from(LIMITED), body=BODIES, data=st.data())
def test_an_item_class_never_improves_as_pollution_rises(
    code: str, body: str, data: st.DataObject
) -> None:
    lake = body == "lake" or code == "tn"
    values = data.draw(st.lists(concentration(code, lake), min_size=2, max_size=30))
    ordered = np.sort(np.asarray(values))

    classes = item_classes(pd.DataFrame({code: ordered}), "lake" if lake else body)[code]

    steps = np.diff(classes.to_numpy(dtype=int))
    if GB3838_2002.item(code).kind == "min":
        assert (steps <= 0).all()  # dissolved oxygen: more is better
    else:
        assert (steps >= 0).all()


@CHECKS
@given(sample=samples(CLASS_ITEMS + ("tn", "fc", "wt")))
def test_the_class_is_the_worst_class_among_determining_items(
    sample: tuple[pd.DataFrame, str],
) -> None:
    values, body = sample
    determining = DEFAULT_RULES.determining_items(lake=body == "lake")

    classes = item_classes(values, body)
    result = water_class(values, body)

    used = classes[[c for c in classes.columns if c in determining]]
    expected = used.max(axis=1).to_numpy() if len(used.columns) else np.zeros(len(values))
    assert result.tolist() == expected.tolist()


@CHECKS
@given(
    sample=samples(),
    excluded=st.fixed_dictionaries(
        {
            "tn": st.floats(0, 50),
            "fc": st.floats(0, 1e6),
            "wt": st.floats(0, 40),
        }
    ),
)
def test_excluded_items_never_change_the_class_or_the_cwqi(
    sample: tuple[pd.DataFrame, str], excluded: dict[str, float]
) -> None:
    values, body = sample
    with_excluded = values.assign(**excluded)

    assert water_class(with_excluded, body).tolist() == water_class(values, body).tolist()
    np.testing.assert_array_equal(cwqi(with_excluded, body), cwqi(values, body))


@CHECKS
@given(sample=samples(), tn=st.floats(0, 50))
def test_river_tn_never_changes_the_class_even_when_lakes_use_it(
    sample: tuple[pd.DataFrame, str], tn: float
) -> None:
    values, _ = sample
    rules = WaterRules(lake_tn_in_class=True)

    changed = water_class(values.assign(tn=tn), "river", rules=rules)

    assert changed.tolist() == water_class(values, "river", rules=rules).tolist()


@CHECKS
@given(
    body=BODIES,
    code=st.sampled_from([c for c in CWQI_ITEMS if c != "ph"]),
    base=st.floats(0.001, 100),
    step=st.floats(0, 100),
)
def test_cwqi_never_falls_as_an_item_gets_worse(
    body: str, code: str, base: float, step: float
) -> None:
    worse = base - step * base / 101 if code == "do" else base + step
    values = pd.DataFrame({code: [base, worse], "nh3n": [0.5, 0.5]})

    index = cwqi(values, body)

    assert index[1] >= index[0]


@CHECKS
@given(ph=st.floats(0, 14), away=st.floats(0, 7))
def test_cwqi_grows_as_ph_moves_away_from_seven(ph: float, away: float) -> None:
    further = min(ph + away, 14.0) if ph >= 7 else max(ph - away, 0.0)

    index = cwqi(pd.DataFrame({"ph": [ph, further]}), "river")

    assert index[1] >= index[0]


@CHECKS
@given(sample=samples(CLASS_ITEMS + ("tn", "fc")), target=st.integers(1, 5))
def test_a_sample_meets_its_target_exactly_when_nothing_exceeds_it(
    sample: tuple[pd.DataFrame, str], target: int
) -> None:
    values, body = sample

    result = evaluate_samples(values, body, target=target)

    classified = result["class"].to_numpy(dtype=int) > 0
    meets = result["meets_target"].to_numpy(dtype=bool, na_value=False)
    clean = (result["exceeding"] == "").to_numpy()
    assert (meets[classified] == clean[classified]).all()
