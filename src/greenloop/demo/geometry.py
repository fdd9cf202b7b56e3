"""Synthetic boundaries: boxes that tile their parent, rivers, points.

Plain Python, no Django. Coordinates are WGS 84 longitude/latitude in
degrees, GeoJSON order (lon, lat), rounded to six decimals (about 0.1 m).
A parent box is cut by straight split lines whose position is jittered;
both sides of a cut share the same rounded coordinate, so children tile
their parent exactly, with no gaps or overlaps.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

_PLACES = 6


@dataclass(frozen=True, slots=True)
class Box:
    west: float
    south: float
    east: float
    north: float

    @property
    def center(self) -> tuple[float, float]:
        return (
            round((self.west + self.east) / 2, _PLACES),
            round((self.south + self.north) / 2, _PLACES),
        )

    @property
    def area(self) -> float:
        return (self.east - self.west) * (self.north - self.south)

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def polygon(self) -> dict[str, Any]:
        """The box as a GeoJSON Polygon, exterior ring counter-clockwise
        (RFC 7946 §3.1.6)."""
        w, s, e, n = self.west, self.south, self.east, self.north
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}

    def _aspect(self) -> float:
        """Width over height in ground distance, not in degrees."""
        mid_lat = math.radians((self.south + self.north) / 2)
        return (self.east - self.west) * math.cos(mid_lat) / (self.north - self.south)


def split(box: Box, n: int, rng: random.Random, *, jitter: float = 0.25) -> list[Box]:
    """Cut ``box`` into ``n`` boxes that tile it exactly.

    1. Halve the count (``a`` and ``n - a``).
    2. Cut across the longer side at ``a / n`` of its length, moved by up to
       ``jitter`` of that fraction, so children differ in size.
    3. Recurse into both halves; the list runs west to east, or north to
       south, half by half.
    """
    if n < 1:
        raise ValueError("a box splits into at least one part")
    if n == 1:
        return [box]
    a = n // 2
    fraction = a / n * (1 + rng.uniform(-jitter, jitter))
    fraction = min(max(fraction, 0.15), 0.85)
    if box._aspect() >= 1:
        cut = round(box.west + fraction * (box.east - box.west), _PLACES)
        first = Box(box.west, box.south, cut, box.north)
        second = Box(cut, box.south, box.east, box.north)
    else:
        cut = round(box.north - fraction * (box.north - box.south), _PLACES)
        first = Box(box.west, cut, box.east, box.north)
        second = Box(box.west, box.south, box.east, cut)
    return split(first, a, rng, jitter=jitter) + split(second, n - a, rng, jitter=jitter)


def inner_box(box: Box, rng: random.Random, *, size: float = 0.3) -> Box:
    """A smaller square-ish box somewhere inside ``box``; ``size`` is its
    side as a fraction of the shorter side of ``box``."""
    mid_lat = math.radians((box.south + box.north) / 2)
    height = min(box.north - box.south, (box.east - box.west) * math.cos(mid_lat)) * size
    width = height / math.cos(mid_lat)
    west = rng.uniform(box.west, box.east - width)
    south = rng.uniform(box.south, box.north - height)
    return Box(
        round(west, _PLACES),
        round(south, _PLACES),
        round(west + width, _PLACES),
        round(south + height, _PLACES),
    )


def random_point(box: Box, rng: random.Random, *, margin: float = 0.1) -> tuple[float, float]:
    """A point inside ``box``, at least ``margin`` of its size from an edge."""
    dx = (box.east - box.west) * margin
    dy = (box.north - box.south) * margin
    return (
        round(rng.uniform(box.west + dx, box.east - dx), _PLACES),
        round(rng.uniform(box.south + dy, box.north - dy), _PLACES),
    )


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def line(points: list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[lon, lat] for lon, lat in points]}


def meander(box: Box, rng: random.Random, *, step: float = 0.01) -> list[tuple[float, float]]:
    """A river across ``box`` from west to east: a random walk in latitude
    with a gentle wave, sampled every ``step`` degrees of longitude and kept
    clear of the edges."""
    height = box.north - box.south
    low, high = box.south + 0.05 * height, box.north - 0.05 * height
    lat = rng.uniform(box.south + 0.2 * height, box.north - 0.2 * height)
    phase = rng.uniform(0, 2 * math.pi)
    steps = int(round((box.east - box.west) / step))
    points: list[tuple[float, float]] = []
    for i in range(steps + 1):
        lon = box.west + i * step if i < steps else box.east
        lat += rng.uniform(-0.3, 0.3) * step + 0.4 * step * math.sin(phase + i / 9)
        lat = min(max(lat, low), high)
        points.append((round(lon, _PLACES), round(lat, _PLACES)))
    return points
