"""The demo city's units: committee office, Party committees, governments,
departments and their county branches, township and village bodies.

Unit codes are the seat's division code and a mnemonic suffix
(``219903000000-ZF`` is 铁西区人民政府), so they are stable across builds
and readable in imports and logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenloop.demo.regions import Place, RegionTree
from greenloop.org.models import RegionKind, Unit, UnitKind

# (code suffix, name after the city's name). 市生态环境局 supervises the whole
# city, so it governs territory although it is a department.
DEPARTMENTS = (
    ("STHJ", "生态环境局"),
    ("GA", "公安局"),
    ("JT", "交通运输局"),
    ("ZJ", "住房和城乡建设局"),
    ("SL", "水利局"),
    ("ZR", "自然资源局"),
    ("NY", "农业农村局"),
    ("FG", "发展和改革委员会"),
    ("YJ", "应急管理局"),
    ("XC", "委宣传部"),
    ("GX", "工业和信息化局"),
    ("CG", "城市管理综合行政执法局"),
    ("SW", "商务局"),
    ("WJ", "卫生健康委员会"),
    ("LC", "林业和草原局"),
    ("SJ", "市场监督管理局"),
    ("CZ", "财政局"),
    ("QX", "气象局"),
    ("JY", "教育局"),
    ("WL", "文化和旅游局"),
)
TERRITORIAL_DEPARTMENTS = frozenset({"STHJ"})
# Departments with a branch (分局) in every county-level region.
BRANCHED = ("STHJ", "GA", "ZR")


@dataclass(slots=True)
class UnitSet:
    office: Unit
    city_committee: Unit
    city_government: Unit
    departments: dict[str, Unit] = field(default_factory=dict)
    branches: dict[tuple[str, str], Unit] = field(default_factory=dict)
    county_committees: dict[str, Unit] = field(default_factory=dict)
    county_governments: dict[str, Unit] = field(default_factory=dict)
    township_bodies: dict[str, Unit] = field(default_factory=dict)
    village_bodies: dict[str, Unit] = field(default_factory=dict)


def _unit(
    place: Place, suffix: str, name: str, kind: str, *, governs: bool, parent: Unit | None = None
) -> Unit:
    return Unit(
        code=f"{place.code}-{suffix}",
        name=name,
        kind=kind,
        region=place.region,
        parent=parent,
        governs_territory=governs,
    )


def build_units(tree: RegionTree) -> UnitSet:
    """Create every unit, parents before children, one bulk insert a tier."""
    city = tree.city
    units = UnitSet(
        office=_unit(
            city,
            "STW",
            f"{city.name}生态环境保护委员会办公室",
            UnitKind.COMMITTEE_OFFICE,
            governs=True,
        ),
        city_committee=_unit(
            city, "DW", f"中共{city.name}委员会", UnitKind.PARTY_COMMITTEE, governs=True
        ),
        city_government=_unit(
            city, "ZF", f"{city.name}人民政府", UnitKind.GOVERNMENT, governs=True
        ),
    )
    for suffix, name in DEPARTMENTS:
        units.departments[suffix] = _unit(
            city,
            suffix,
            city.name + name,
            UnitKind.DEPARTMENT,
            governs=suffix in TERRITORIAL_DEPARTMENTS,
        )
    Unit.objects.bulk_create(
        [units.office, units.city_committee, units.city_government, *units.departments.values()]
    )

    for county in tree.counties:
        committee_name = "党工委" if county.kind == RegionKind.ZONE else "委员会"
        government_name = "管理委员会" if county.kind == RegionKind.ZONE else "人民政府"
        units.county_committees[county.code] = _unit(
            county,
            "DW",
            f"中共{county.name}{committee_name}",
            UnitKind.PARTY_COMMITTEE,
            governs=True,
            parent=units.city_committee,
        )
        units.county_governments[county.code] = _unit(
            county,
            "ZF",
            county.name + government_name,
            UnitKind.GOVERNMENT,
            governs=True,
            parent=units.city_government,
        )
        for suffix in BRANCHED:
            dept = units.departments[suffix]
            units.branches[suffix, county.code] = _unit(
                county,
                suffix,
                f"{dept.name}{county.short}分局",
                UnitKind.DEPARTMENT,
                governs=suffix in TERRITORIAL_DEPARTMENTS,
                parent=dept,
            )
    Unit.objects.bulk_create(
        [
            *units.county_committees.values(),
            *units.county_governments.values(),
            *units.branches.values(),
        ]
    )

    for township in tree.townships:
        body = "党工委、办事处" if township.kind == RegionKind.STREET else "党委、政府"
        units.township_bodies[township.code] = _unit(
            township,
            "XZ",
            township.name + body,
            UnitKind.TOWNSHIP_BODY,
            governs=True,
            parent=units.county_governments[township.parent_code],
        )
    Unit.objects.bulk_create(units.township_bodies.values())

    for village in tree.villages:
        body = "党委、居委会" if village.kind == RegionKind.COMMUNITY else "党支部、村委会"
        units.village_bodies[village.code] = _unit(
            village,
            "CW",
            village.name + body,
            UnitKind.VILLAGE_BODY,
            governs=True,
            parent=units.township_bodies[village.parent_code],
        )
    Unit.objects.bulk_create(units.village_bodies.values())
    return units
