"""The pure parts of the demo city: boxes that tile, names that look real."""

from __future__ import annotations

import random
import re

import pytest

from greenloop.demo.geometry import Box, inner_box, meander, split
from greenloop.demo.names import SURNAMES, NameBook


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16])
def test_split_boxes_tile_their_parent_exactly(n):
    parent = Box(122.6, 40.7, 123.6, 41.4)

    parts = split(parent, n, random.Random(n))

    assert len(parts) == n
    assert sum(p.area for p in parts) == pytest.approx(parent.area, rel=1e-12)
    for p in parts:
        assert parent.west <= p.west < p.east <= parent.east
        assert parent.south <= p.south < p.north <= parent.north
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            overlap_w = min(a.east, b.east) - max(a.west, b.west)
            overlap_h = min(a.north, b.north) - max(a.south, b.south)
            assert overlap_w <= 0 or overlap_h <= 0


def test_a_box_polygon_is_a_closed_counter_clockwise_ring_in_lon_lat_order():
    ring = Box(122.0, 40.0, 123.0, 41.0).polygon()["coordinates"][0]

    assert ring[0] == ring[-1] == [122.0, 40.0]
    assert ring[1] == [123.0, 40.0]  # east first: counter-clockwise (RFC 7946)


def test_inner_boxes_and_rivers_stay_inside():
    box = Box(122.6, 40.7, 123.6, 41.4)
    rng = random.Random(7)

    inner = inner_box(box, rng, size=0.3)
    river = meander(box, rng)

    assert box.west <= inner.west < inner.east <= box.east
    assert box.south <= inner.south < inner.north <= box.north
    assert river[0][0] == box.west and river[-1][0] == box.east
    assert all(box.contains(lon, lat) for lon, lat in river)


def test_people_get_unique_chinese_names_and_mobile_numbers():
    book = NameBook(random.Random(1))

    names = [book.person() for _ in range(800)]
    phones = [book.phone() for _ in range(800)]

    assert len(set(names)) == len(names)
    assert all(n[0] in SURNAMES and 2 <= len(n) <= 3 for n in names)
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[358]\d{9}", p) for p in phones)


def test_place_names_are_unique_within_their_scope():
    book = NameBook(random.Random(2))

    villages = [book.rural("219903101000") for _ in range(40)]
    communities = [book.community("219903001000") for _ in range(40)]

    assert len(set(villages)) == 40 and len(set(communities)) == 40
