"""Grids (网格化监管) at four levels, and the 29 air-pollution hotspot grids.

Standard grids mirror the region tree one to one, with the region's
boundary; village grids carry their grid officers. Hotspot grids are
smaller squares inside a township, under that township's grid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from greenloop.demo.geometry import Box, inner_box
from greenloop.demo.people import Staff
from greenloop.demo.regions import Place, RegionTree
from greenloop.org.models import Grid, GridKind, RegionKind

HOTSPOT_COUNT = 29
_LEVEL_WORD = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
_LANDMARKS = (
    "工业园",
    "物流园",
    "火车站",
    "建材市场",
    "货运站",
    "搅拌站",
    "汽修一条街",
    "农贸市场",
    "钢厂周边",
    "商砼站",
    "渣土消纳场",
    "铸造园区",
    "热电厂周边",
    "城乡结合部",
    "国道沿线",
    "批发市场",
    "高速出口",
    "旧城改造区",
    "再生资源市场",
    "煤场",
)


@dataclass(slots=True)
class Hotspot:
    grid: Grid
    township: Place
    box: Box
    short: str  # the name without 热点网格, for the micro-station in it


def build_grids(tree: RegionTree, staff: Staff, rng: random.Random) -> list[Hotspot]:
    """Create the standard grids, the hotspot grids and their officers."""
    by_region: dict[str, Grid] = {}
    for places in ([tree.city], tree.counties, tree.townships, tree.villages):
        rows = []
        for place in places:
            region = place.region
            grid = Grid(
                code=f"WG{place.code}",
                name=f"{place.name}{_LEVEL_WORD[region.level]}网格",
                level=region.level,
                kind=GridKind.STANDARD,
                region=region,
                parent=by_region[place.parent.code] if place.parent else None,
                boundary=region.boundary,
            )
            by_region[place.code] = grid
            rows.append(grid)
        Grid.objects.bulk_create(rows)

    hotspots = _hotspots(tree, by_region, rng)
    Grid.objects.bulk_create(h.grid for h in hotspots)

    through = Grid.officers.through
    links = [
        through(grid_id=by_region[code].pk, person_id=officer.pk)
        for code, officer in staff.officers.items()
    ]
    links += [
        through(grid_id=h.grid.pk, person_id=staff.townships[h.township.code].handler.pk)
        for h in hotspots
    ]
    through.objects.bulk_create(links)
    return hotspots


def _hotspots(tree: RegionTree, by_region: dict[str, Grid], rng: random.Random) -> list[Hotspot]:
    """Hotspots sit where the dust and smoke are: the districts, the zone,
    and the county seats' streets."""
    candidates = [
        t
        for t in tree.townships
        if t.parent is not None
        and (t.parent.kind != RegionKind.COUNTY or t.kind == RegionKind.STREET)
    ]
    chosen = sorted(rng.sample(candidates, HOTSPOT_COUNT), key=lambda t: t.code)
    hotspots = []
    for township in chosen:
        box = inner_box(township.box, rng, size=rng.uniform(0.2, 0.35))
        short = township.short + rng.choice(_LANDMARKS)
        grid = Grid(
            code=f"RD{township.code}",
            name=f"{short}热点网格",
            level=township.region.level,
            kind=GridKind.HOTSPOT,
            region=township.region,
            parent=by_region[township.code],
            boundary=box.polygon(),
        )
        hotspots.append(Hotspot(grid, township, box, short))
    return hotspots
