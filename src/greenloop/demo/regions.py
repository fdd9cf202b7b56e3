"""The region tree of the demo city: plan it, then write it in bulk.

Division codes follow the statistical scheme (GB/T 2260 plus the township
and village digits of 统计用区划代码): digits 1-4 the city (2199, not a
real prefecture), 5-6 the county-level division (01-20 districts, 21-
counties, 71- development zones), 7-9 the township (001- streets, 101-
towns, 201- 乡), 10-12 the village (001- communities, 201- villages).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from greenloop.demo.geometry import Box, split
from greenloop.demo.names import NameBook
from greenloop.org.models import KIND_LEVEL, Region, RegionKind

CITY_CODE = "219900000000"
CITY_NAME = "辽东市"
CITY_BOX = Box(122.6, 40.7, 123.6, 41.4)
VILLAGE_TOTAL = 600

# (county digits, name, kind, townships)
COUNTY_LEVEL = (
    ("02", "铁东区", RegionKind.DISTRICT, 8),
    ("03", "铁西区", RegionKind.DISTRICT, 8),
    ("04", "立山区", RegionKind.DISTRICT, 7),
    ("05", "汤河区", RegionKind.DISTRICT, 7),
    ("21", "清源县", RegionKind.COUNTY, 9),
    ("22", "青峰县", RegionKind.COUNTY, 9),
    ("23", "安平县", RegionKind.COUNTY, 9),
    ("71", "辽东高新技术产业开发区", RegionKind.ZONE, 3),
)

# Villages or communities per township, by the township's suffix.
_VILLAGE_RANGE = {"街道": (6, 10), "镇": (9, 15), "乡": (7, 12)}


@dataclass(slots=True)
class Place:
    """One planned region and its box, before it is written."""

    code: str
    name: str
    kind: str
    box: Box
    parent: Place | None = None
    children: list[Place] = field(default_factory=list)
    row: Region | None = None

    @property
    def region(self) -> Region:
        if self.row is None:
            raise LookupError(f"{self.name} has not been written yet")
        return self.row

    @property
    def parent_code(self) -> str:
        return self.parent.code if self.parent else ""

    @property
    def short(self) -> str:
        """The name without its 区/县/街道/镇/乡/村/社区 suffix."""
        if self.kind == RegionKind.ZONE:
            return "高新区"
        for suffix in ("街道", "社区", "满族乡", "区", "县", "镇", "乡", "村"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


@dataclass(slots=True)
class RegionTree:
    city: Place
    counties: list[Place]
    townships: list[Place]
    villages: list[Place]
    by_code: dict[str, Place]

    def county(self, name: str) -> Place:
        return next(c for c in self.counties if c.name == name)

    def locate(self, lon: float, lat: float) -> list[Place]:
        """The county, township and village that hold a point, top down."""
        found: list[Place] = []
        level = self.counties
        while level:
            here = next((p for p in level if p.box.contains(lon, lat)), None)
            if here is None:
                break
            found.append(here)
            level = here.children
        return found


def plan_regions(rng: random.Random, names: NameBook) -> RegionTree:
    """Lay out the whole tree in memory: names, codes, kinds and boxes."""
    city = Place(CITY_CODE, CITY_NAME, RegionKind.CITY, CITY_BOX)
    boxes = split(city.box, len(COUNTY_LEVEL), rng, jitter=0.3)
    for (digits, name, kind, _), box in zip(COUNTY_LEVEL, boxes, strict=True):
        city.children.append(Place(CITY_CODE[:4] + digits + "000000", name, kind, box, city))
    for county, (_, _, _, n_townships) in zip(city.children, COUNTY_LEVEL, strict=True):
        _plan_townships(county, n_townships, rng, names)
    townships = [t for c in city.children for t in c.children]
    counts = _village_counts(townships, rng)
    for township, n in zip(townships, counts, strict=True):
        _plan_villages(township, n, rng, names)
    villages = [v for t in townships for v in t.children]
    by_code = {p.code: p for p in [city, *city.children, *townships, *villages]}
    return RegionTree(city, city.children, townships, villages, by_code)


def _plan_townships(county: Place, n: int, rng: random.Random, names: NameBook) -> None:
    if county.kind == RegionKind.ZONE:
        suffixes = ["街道"] * n
    elif county.kind == RegionKind.DISTRICT:
        towns = rng.randint(1, 2)
        suffixes = ["街道"] * (n - towns) + ["镇"] * towns
    else:
        xiang = rng.randint(2, 3)
        suffixes = ["街道"] * 2 + ["镇"] * (n - 2 - xiang) + ["乡"] * xiang
    serial = {"街道": 0, "镇": 100, "乡": 200}
    boxes = split(county.box, n, rng)
    for suffix, box in zip(suffixes, boxes, strict=True):
        serial[suffix] += 1
        code = county.code[:6] + f"{serial[suffix]:03d}000"
        if suffix == "街道":
            name, kind = names.street(CITY_CODE) + suffix, RegionKind.STREET
        else:
            ethnic = "满族" if suffix == "乡" and rng.random() < 0.3 else ""
            name, kind = names.rural(CITY_CODE) + ethnic + suffix, RegionKind.TOWNSHIP
        county.children.append(Place(code, name, kind, box, county))


def _village_counts(townships: list[Place], rng: random.Random) -> list[int]:
    """Villages per township, drawn per suffix, then nudged to the total."""
    ranges = [
        _VILLAGE_RANGE["街道" if t.kind == RegionKind.STREET else t.name[-1]] for t in townships
    ]
    counts = [rng.randint(low, high) for low, high in ranges]
    while sum(counts) != VILLAGE_TOTAL:
        i = rng.randrange(len(counts))
        low, high = ranges[i]
        if sum(counts) < VILLAGE_TOTAL and counts[i] < high + 2:
            counts[i] += 1
        elif sum(counts) > VILLAGE_TOTAL and counts[i] > low - 2:
            counts[i] -= 1
    return counts


def _plan_villages(township: Place, n: int, rng: random.Random, names: NameBook) -> None:
    communities = n if township.kind == RegionKind.STREET else rng.randint(1, 2)
    boxes = split(township.box, n, rng)
    village_serial = 200
    for i, box in enumerate(boxes):
        if i < communities:
            code = township.code[:9] + f"{i + 1:03d}"
            name = names.community(township.code) + "社区"
            kind = RegionKind.COMMUNITY
        else:
            village_serial += 1
            code = township.code[:9] + f"{village_serial:03d}"
            name = names.rural(township.code) + "村"
            kind = RegionKind.VILLAGE
        township.children.append(Place(code, name, kind, box, township))


def write_regions(tree: RegionTree) -> None:
    """Insert every region, one bulk insert per level.

    ``bulk_create`` skips ``Region.save``, so level and path are set here
    the same way ``save`` would set them.
    """
    levels = [[tree.city], tree.counties, tree.townships, tree.villages]
    for places in levels:
        rows = []
        for place in places:
            parent = place.parent.region if place.parent else None
            center_lon, center_lat = place.box.center
            place.row = Region(
                code=place.code,
                name=place.name,
                kind=place.kind,
                level=KIND_LEVEL[place.kind],
                parent=parent,
                path=(parent.path if parent else "") + place.code + "/",
                boundary=place.box.polygon(),
                center_lon=center_lon,
                center_lat=center_lat,
            )
            rows.append(place.row)
        Region.objects.bulk_create(rows)
