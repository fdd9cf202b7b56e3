"""How well the repeat detector tells repeats on the labelled set.

``tests/data/petition_pairs.jsonl`` holds labelled pairs of petitions (see
``tests/data/make_petition_pairs.py`` and docs/complaints-duplicates.md).
These tests compute precision and recall of ``compare(a, b).is_likely`` and
fail when they drop below the figures measured when the decision rule was
set. Raise the floors when the detector gets better; never lower them
without saying why in docs/complaints-duplicates.md.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from greenloop.complaints.similarity import Report, compare

PAIRS_FILE = Path(__file__).parent.parent / "data" / "petition_pairs.jsonl"

DUPLICATE_KINDS = ("rephrase", "traditional", "address_variant")
DISTINCT_KINDS = (
    "same_place_different_problem",
    "same_problem_different_place",
    "same_enterprise_new_problem",
    "unrelated",
)

# Measured on 2026-11-24 with THRESHOLD = 0.5 (317 pairs, 172 repeats):
# precision 0.977 (4 false alarms), recall 1.000.
PRECISION_FLOOR = 0.97
RECALL_FLOOR = 1.0
# The 48 held-out pairs, written after the weights were set: measured
# 0.913 / 0.875 at first, 0.960 / 1.000 after the general fixes described in
# the docs (place names of 3–4 characters, category as a stand-in, noise
# words); floors at the latter.
HELD_OUT_PRECISION_FLOOR = 0.96
HELD_OUT_RECALL_FLOOR = 1.0
# Share of repeats found, per kind of repeat (all measured at 1.000).
RECALL_FLOOR_BY_KIND = {"rephrase": 1.0, "traditional": 1.0, "address_variant": 1.0}
# Share of distinct pairs *not* flagged, per kind (measured 0.974, 0.963,
# 0.971, 1.000).
REJECTION_FLOOR_BY_KIND = {
    "same_place_different_problem": 0.97,
    "same_problem_different_place": 0.96,
    "same_enterprise_new_problem": 0.97,
    "unrelated": 1.0,
}


@dataclass(frozen=True)
class Judged:
    kind: str
    source: str
    duplicate: bool
    flagged: bool


def _report(side: dict[str, Any]) -> Report:
    received = side.get("received")
    return Report(
        key=side["key"],
        text=side["text"],
        lon=side.get("lon"),
        lat=side.get("lat"),
        address=side.get("address", ""),
        enterprise=side.get("enterprise", ""),
        category=side.get("category", ""),
        received=datetime.fromisoformat(received) if received else None,
    )


def _load() -> list[dict[str, Any]]:
    with PAIRS_FILE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return _load()


@pytest.fixture(scope="module")
def judged(rows: list[dict[str, Any]]) -> list[Judged]:
    return [
        Judged(
            kind=row["kind"],
            source=row["source"],
            duplicate=row["duplicate"],
            flagged=compare(_report(row["a"]), _report(row["b"])).is_likely,
        )
        for row in rows
    ]


def _precision_recall(items: list[Judged]) -> tuple[float, float]:
    tp = sum(j.flagged and j.duplicate for j in items)
    fp = sum(j.flagged and not j.duplicate for j in items)
    fn = sum(not j.flagged and j.duplicate for j in items)
    return tp / (tp + fp), tp / (tp + fn)


def test_the_labelled_set_is_large_balanced_and_covers_every_kind(
    rows: list[dict[str, Any]],
) -> None:
    kinds = Counter(row["kind"] for row in rows)
    duplicates = sum(row["duplicate"] for row in rows)

    assert len(rows) >= 240
    assert 0.4 <= duplicates / len(rows) <= 0.6
    assert set(kinds) == {*DUPLICATE_KINDS, *DISTINCT_KINDS}
    assert all(kinds[k] >= 15 for k in kinds)
    assert all(row["duplicate"] == (row["kind"] in DUPLICATE_KINDS) for row in rows)
    assert len({row["id"] for row in rows}) == len(rows)


def test_the_labelled_set_is_not_one_template(rows: list[dict[str, Any]]) -> None:
    texts = [side["text"] for row in rows for side in (row["a"], row["b"])]

    assert len(set(texts)) >= 0.6 * len(texts)
    assert sum(row["source"] == "hand" for row in rows) >= 40
    assert sum(row["source"] == "held_out" for row in rows) >= 40


def test_it_finds_repeats_with_the_measured_precision_and_recall(
    judged: list[Judged],
) -> None:
    precision, recall = _precision_recall(judged)

    assert precision >= PRECISION_FLOOR, f"precision {precision:.3f}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.3f}"


def test_it_holds_up_on_pairs_written_after_the_weights_were_set(
    judged: list[Judged],
) -> None:
    precision, recall = _precision_recall([j for j in judged if j.source == "held_out"])

    assert precision >= HELD_OUT_PRECISION_FLOOR, f"precision {precision:.3f}"
    assert recall >= HELD_OUT_RECALL_FLOOR, f"recall {recall:.3f}"


@pytest.mark.parametrize("kind", DUPLICATE_KINDS)
def test_it_finds_each_kind_of_repeat(judged: list[Judged], kind: str) -> None:
    of_kind = [j for j in judged if j.kind == kind]

    recall = sum(j.flagged for j in of_kind) / len(of_kind)

    assert recall >= RECALL_FLOOR_BY_KIND[kind], f"{kind}: recall {recall:.3f}"


@pytest.mark.parametrize("kind", DISTINCT_KINDS)
def test_it_leaves_distinct_complaints_apart(judged: list[Judged], kind: str) -> None:
    of_kind = [j for j in judged if j.kind == kind]

    rejected = sum(not j.flagged for j in of_kind) / len(of_kind)

    assert rejected >= REJECTION_FLOOR_BY_KIND[kind], f"{kind}: rejected {rejected:.3f}"
