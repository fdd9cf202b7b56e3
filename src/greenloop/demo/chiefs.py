"""Chief systems: river reaches, forest areas and air monitoring points,
each with its chiefs at city, county, township and village level.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from greenloop.demo.geometry import Box, inner_box, line, meander, point, random_point
from greenloop.demo.grids import Hotspot
from greenloop.demo.people import Staff
from greenloop.demo.regions import CITY_BOX, Place, RegionTree
from greenloop.org.models import Chief, ChiefObject, ChiefSystem, Person, RegionKind, RegionLevel

# (name, share of the city's box it flows through: west, south, east, north)
RIVERS = (
    ("清水河", (0.0, 0.35, 1.0, 0.65)),
    ("沙河", (0.0, 0.05, 0.7, 0.35)),
    ("杨柳河", (0.25, 0.65, 1.0, 0.95)),
    ("运粮河", (0.4, 0.1, 1.0, 0.4)),
)
FORESTS = ("青云山林区", "大黑山林区", "药山林区", "白云岭林区")
NATIONAL_SITES = ("体育场", "实验中学", "人民公园", "自来水厂", "文化广场", "区政府")


@dataclass(slots=True)
class _Plan:
    objects: list[ChiefObject]
    chiefs: list[tuple[ChiefObject, Person, int]]

    def add(self, obj: ChiefObject, *chiefs: tuple[Person, int]) -> None:
        self.objects.append(obj)
        seen: set[int] = set()
        for person, level in chiefs:
            if id(person) not in seen:
                seen.add(id(person))
                self.chiefs.append((obj, person, level))


def build_chiefs(
    tree: RegionTree, staff: Staff, hotspots: list[Hotspot], rng: random.Random
) -> None:
    plan = _Plan([], [])
    _rivers(plan, tree, staff, rng)
    _forests(plan, tree, staff, rng)
    _air_points(plan, tree, staff, hotspots, rng)
    ChiefObject.objects.bulk_create(plan.objects)
    Chief.objects.bulk_create(
        Chief(obj=obj, person=p, level=level) for obj, p, level in plan.chiefs
    )


def _sub_box(shares: tuple[float, float, float, float]) -> Box:
    w, s, e, n = shares
    width, height = CITY_BOX.east - CITY_BOX.west, CITY_BOX.north - CITY_BOX.south
    return Box(
        round(CITY_BOX.west + w * width, 6),
        round(CITY_BOX.south + s * height, 6),
        round(CITY_BOX.west + e * width, 6),
        round(CITY_BOX.south + n * height, 6),
    )


def _rivers(plan: _Plan, tree: RegionTree, staff: Staff, rng: random.Random) -> None:
    """Each river is one city-level object; each stretch of it inside one
    county is a reach (河段) with county, township and village chiefs."""
    city = staff.city
    city_chiefs = [city.secretary, city.mayor, *city.vice_mayors]
    for i, (name, shares) in enumerate(RIVERS, start=1):
        points = meander(_sub_box(shares), rng)
        river = ChiefObject(
            system=ChiefSystem.RIVER,
            code=f"HL{i:02d}",
            name=name,
            region=tree.city.region,
            geometry=line(points),
        )
        plan.add(river, (city_chiefs[(i - 1) % len(city_chiefs)], RegionLevel.CITY))
        runs: list[tuple[Place, list[int]]] = []
        for j, (lon, lat) in enumerate(points):
            county = tree.locate(lon, lat)[0]
            if runs and runs[-1][0] is county:
                runs[-1][1].append(j)
            else:
                runs.append((county, [j]))
        seen: dict[str, int] = {}
        for county, indices in runs:
            seen[county.code] = seen.get(county.code, 0) + 1
            suffix = "" if seen[county.code] == 1 else f"（{seen[county.code]}）"
            stretch = points[indices[0] : indices[-1] + 2]  # overlap one point: no gaps
            cs = staff.counties[county.code]
            chiefs: list[tuple[Person, int]] = [(rng.choice(cs.leaders), RegionLevel.COUNTY)]
            for lon, lat in points[indices[0] : indices[-1] + 1]:
                _county, township, village = tree.locate(lon, lat)
                chiefs.append((staff.townships[township.code].leader, RegionLevel.TOWNSHIP))
                chiefs.append((staff.officers[village.code], RegionLevel.VILLAGE))
            reach = ChiefObject(
                system=ChiefSystem.RIVER,
                code=f"HL{i:02d}{county.code[4:6]}{seen[county.code]}",
                name=f"{name}{county.short}段{suffix}",
                region=county.region,
                geometry=line(stretch if len(stretch) > 1 else stretch * 2),
            )
            plan.add(reach, *chiefs)


def _forests(plan: _Plan, tree: RegionTree, staff: Staff, rng: random.Random) -> None:
    """Forest areas lie in the counties' rural townships, spread over the
    counties in turn."""
    counties = [c for c in tree.counties if c.kind == RegionKind.COUNTY]
    rural = {c.code: [t for t in c.children if t.kind == RegionKind.TOWNSHIP] for c in counties}
    for pool in rural.values():
        rng.shuffle(pool)
    chosen = [rural[counties[i % len(counties)].code].pop() for i in range(len(FORESTS))]
    for i, (name, township) in enumerate(zip(FORESTS, chosen, strict=True), start=1):
        box = inner_box(township.box, rng, size=0.6)
        lon, lat = box.center
        village = tree.locate(lon, lat)[2]
        county = staff.counties[township.parent_code]
        plan.add(
            ChiefObject(
                system=ChiefSystem.FOREST,
                code=f"LQ{i:02d}",
                name=name,
                region=township.region,
                geometry=box.polygon(),
            ),
            (county.head, RegionLevel.COUNTY),
            (staff.townships[township.code].leader, RegionLevel.TOWNSHIP),
            (staff.officers[village.code], RegionLevel.VILLAGE),
        )


def _air_points(
    plan: _Plan, tree: RegionTree, staff: Staff, hotspots: list[Hotspot], rng: random.Random
) -> None:
    """Ten national-control stations (two a district, one in the zone, one
    in the first county's seat) and one micro-station per hotspot grid."""
    city_chiefs = staff.city.all[1:]
    first_county = next(c for c in tree.counties if c.kind == RegionKind.COUNTY)
    sites: list[tuple[Place, Place, str]] = []
    for county in tree.counties:
        streets = [t for t in county.children if t.kind == RegionKind.STREET]
        wanted = {RegionKind.DISTRICT: 2, RegionKind.ZONE: 1}.get(county.kind, 0)
        if county is first_county:
            wanted = 1
        names = rng.sample(NATIONAL_SITES, wanted)
        if county.kind == RegionKind.ZONE:
            names = ["管委会"]
        elif county.kind == RegionKind.COUNTY:
            names = [n.replace("区政府", "县政府") for n in names]
        sites += zip([county] * wanted, rng.sample(streets, wanted), names, strict=True)
    for i, (county, township, site) in enumerate(sites, start=1):
        lon, lat = random_point(township.box, rng)
        cs = staff.counties[county.code]
        plan.add(
            ChiefObject(
                system=ChiefSystem.POINT,
                code=f"GK{i:02d}",
                name=f"{county.short}{site}国控站",
                region=township.region,
                geometry=point(lon, lat),
            ),
            (city_chiefs[(i - 1) % len(city_chiefs)], RegionLevel.CITY),
            (cs.head if i % 2 else cs.deputies[0], RegionLevel.COUNTY),
            (staff.townships[township.code].leader, RegionLevel.TOWNSHIP),
        )
    for i, hotspot in enumerate(hotspots, start=1):
        lon, lat = random_point(hotspot.box, rng, margin=0.3)
        plan.add(
            ChiefObject(
                system=ChiefSystem.POINT,
                code=f"WZ{i:03d}",
                name=f"{hotspot.short}微站",
                region=hotspot.township.region,
                geometry=point(lon, lat),
            ),
            (staff.townships[hotspot.township.code].leader, RegionLevel.TOWNSHIP),
        )
