"""The demo city's people, their posts and their roles.

About 800 people: leaders, dispatchers, department staff, acceptance and
re-check groups, enforcement officers, township staff and grid officers.
Roles go through ``greenloop.org.services.grant_role``, so 三员分立 and the
audit log apply exactly as they do for real grants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from greenloop.demo.names import NameBook
from greenloop.demo.regions import RegionTree
from greenloop.demo.units import DEPARTMENTS, UnitSet
from greenloop.org.models import Person, RegionKind, Unit
from greenloop.org.roles import Role
from greenloop.org.services import grant_role

PEOPLE_TARGET = 800
RECHECK_GROUPS = 5  # 回头看: 32 staff in 5 resident groups


@dataclass(slots=True)
class CityLeaders:
    secretary: Person  # 市委书记
    deputy_secretary: Person
    mayor: Person
    executive: Person  # 常务副市长, the demo "leader" account
    vice_mayors: list[Person]

    @property
    def all(self) -> list[Person]:
        return [
            self.secretary,
            self.deputy_secretary,
            self.mayor,
            self.executive,
            *self.vice_mayors,
        ]


@dataclass(slots=True)
class CountyStaff:
    secretary: Person
    head: Person
    deputies: list[Person]
    handlers: list[Person]
    acceptance: list[Person]

    @property
    def leaders(self) -> list[Person]:
        """The county-level leaders who take on 包保 and chief posts."""
        return [self.head, *self.deputies]


@dataclass(slots=True)
class TownshipStaff:
    leader: Person
    handler: Person


@dataclass(slots=True)
class Staff:
    people: list[Person] = field(default_factory=list)
    grants: list[tuple[Person, str]] = field(default_factory=list)
    city: CityLeaders = field(init=False)
    counties: dict[str, CountyStaff] = field(default_factory=dict)
    townships: dict[str, TownshipStaff] = field(default_factory=dict)
    # The grid officer answering for each village (one may cover two).
    officers: dict[str, Person] = field(default_factory=dict)
    # One person per demo account key of greenloop.demo.accounts.DEMO_ACCOUNTS.
    demo: dict[str, Person] = field(default_factory=dict)


class _Roster:
    def __init__(self, names: NameBook) -> None:
        self.names = names
        self.staff = Staff()

    def add(self, unit: Unit, posts: str, *roles: str) -> Person:
        person = Person(name=self.names.person(), unit=unit, posts=posts, phone=self.names.phone())
        self.staff.people.append(person)
        self.staff.grants.extend((person, role) for role in roles)
        return person


def _titles(name: str) -> tuple[str, str]:
    if name.endswith("委员会"):
        return "主任", "副主任"
    if name.endswith("部"):
        return "部长", "副部长"
    return "局长", "副局长"


def _county_titles(kind: str) -> tuple[str, str, str, str]:
    """Secretary, head, deputy head and the short level word of a county."""
    if kind == RegionKind.ZONE:
        return "党工委书记", "管委会主任", "管委会副主任", "高新区"
    word = "区" if kind == RegionKind.DISTRICT else "县"
    return f"{word}委书记", f"{word}长", f"副{word}长", word


def build_people(tree: RegionTree, units: UnitSet, names: NameBook) -> Staff:
    """Create every person in one bulk insert, then grant their roles."""
    roster = _Roster(names)
    recheck: list[Person] = []
    _city(roster, units, recheck)
    _counties(roster, tree, units)
    _townships(roster, tree, units)
    _grid_officers(roster, tree, units)
    for i, person in enumerate(recheck):
        person.posts += f"，市级回头看第{i % RECHECK_GROUPS + 1}驻点组成员"
        roster.staff.grants.append((person, Role.RECHECK))

    staff = roster.staff
    Person.objects.bulk_create(staff.people)
    for person, role in staff.grants:
        grant_role(person=person, role=role)
    return staff


def _city(roster: _Roster, units: UnitSet, recheck: list[Person]) -> None:
    staff, office = roster.staff, units.office
    roster.add(office, "主任", Role.UNIT_LEADER)
    recheck += [roster.add(office, "副主任", Role.UNIT_LEADER) for _ in range(2)]
    dispatchers = [roster.add(office, "综合调度科调度员", Role.DISPATCHER) for _ in range(4)]
    recheck += [roster.add(office, "综合调度科科员", Role.UNIT_HANDLER) for _ in range(2)]
    for _ in range(3):
        roster.add(office, "督察整改科科员，市级验收组成员", Role.ACCEPTANCE)
    staff.demo["dispatcher"] = dispatchers[0]
    staff.demo["sysadmin"] = roster.add(office, "信息中心系统管理员", Role.SYSADMIN)
    staff.demo["secadmin"] = roster.add(office, "信息中心安全管理员", Role.SECADMIN)
    staff.demo["auditor"] = roster.add(office, "信息中心安全审计员", Role.AUDITOR)

    committee, government = units.city_committee, units.city_government
    staff.city = CityLeaders(
        secretary=roster.add(committee, "市委书记、市总河长、市总林长", Role.LEADER),
        deputy_secretary=roster.add(committee, "市委副书记", Role.LEADER),
        mayor=roster.add(government, "市长、市总河长、市总林长", Role.LEADER),
        executive=roster.add(government, "市委常委、常务副市长", Role.LEADER),
        vice_mayors=[
            roster.add(government, f"副市长（分管{portfolio}）", Role.LEADER)
            for portfolio in ("生态环境", "住房城乡建设", "农业农村")
        ],
    )
    staff.demo["leader"] = staff.city.executive
    roster.add(committee, "市委办公室科员", Role.UNIT_HANDLER)
    roster.add(government, "市政府副秘书长", Role.UNIT_LEADER)
    roster.add(government, "市政府办公室综合科科员", Role.UNIT_HANDLER)

    for suffix, name in DEPARTMENTS:
        dept = units.departments[suffix]
        head, deputy = _titles(name)
        roster.add(dept, head, Role.UNIT_LEADER)
        recheck.append(roster.add(dept, f"{deputy}（分管生态环境保护工作）", Role.UNIT_LEADER))
        handler = roster.add(dept, "科员（生态环境保护工作联络员）", Role.UNIT_HANDLER)
        if suffix == "ZJ":
            staff.demo["department"] = handler
    bureau = units.departments["STHJ"]
    recheck.append(roster.add(bureau, "生态环境保护综合行政执法支队支队长", Role.ENFORCEMENT))
    enforcers = [
        roster.add(bureau, "生态环境保护综合行政执法支队执法人员", Role.ENFORCEMENT)
        for _ in range(7)
    ]
    recheck += enforcers[:3]
    recheck += [roster.add(bureau, "生态环境监测站工程师", Role.UNIT_HANDLER) for _ in range(2)]
    recheck += [
        roster.add(bureau, "生态环境督察科科员，市级验收组成员", Role.ACCEPTANCE) for _ in range(2)
    ]


def _counties(roster: _Roster, tree: RegionTree, units: UnitSet) -> None:
    staff = roster.staff
    for county in tree.counties:
        secretary, head, deputy, word = _county_titles(county.kind)
        committee = units.county_committees[county.code]
        government = units.county_governments[county.code]
        cs = CountyStaff(
            secretary=roster.add(committee, f"{secretary}、{word}总河长", Role.LEADER),
            head=roster.add(government, f"{head}、{word}总河长", Role.LEADER),
            deputies=[roster.add(government, deputy, Role.LEADER) for _ in range(2)],
            handlers=[
                roster.add(
                    government, f"{word}政府办公室科员（生态环境保护工作）", Role.UNIT_HANDLER
                )
                for _ in range(2)
            ],
            acceptance=[
                roster.add(government, f"{word}督察整改验收组成员", Role.ACCEPTANCE)
                for _ in range(2)
            ],
        )
        roster.add(committee, f"{word}委办公室科员", Role.UNIT_HANDLER)
        roster.add(government, f"{word}督察整改复核组成员", Role.RECHECK)
        staff.counties[county.code] = cs
        if county.name == "铁西区":
            staff.demo["county"] = cs.handlers[0]
            staff.demo["acceptance"] = cs.acceptance[0]

        eco = units.branches["STHJ", county.code]
        roster.add(eco, "分局局长", Role.UNIT_LEADER)
        roster.add(eco, "科员", Role.UNIT_HANDLER)
        for _ in range(2):
            roster.add(eco, "生态环境保护综合行政执法大队执法人员", Role.ENFORCEMENT)
        roster.add(
            units.branches["GA", county.code], "环境食品药品犯罪侦查大队民警", Role.UNIT_HANDLER
        )
        roster.add(units.branches["ZR", county.code], "执法监察科科员", Role.UNIT_HANDLER)


def _townships(roster: _Roster, tree: RegionTree, units: UnitSet) -> None:
    for township in tree.townships:
        body = units.township_bodies[township.code]
        street = township.kind == RegionKind.STREET
        roster.staff.townships[township.code] = TownshipStaff(
            leader=roster.add(
                body, ("党工委书记" if street else "党委书记") + "、三级网格长", Role.UNIT_LEADER
            ),
            handler=roster.add(body, "生态环境保护工作专干", Role.UNIT_HANDLER),
        )


def _grid_officers(roster: _Roster, tree: RegionTree, units: UnitSet) -> None:
    """Spread what is left of the head count over the villages: each
    township gets between half as many officers as villages and one each;
    an officer covering two villages sits in the first of them."""
    ratio = (PEOPLE_TARGET - len(roster.staff.people)) / len(tree.villages)
    share = min(max(ratio, 0.5), 1.0)
    for township in tree.townships:
        villages = township.children
        n = len(villages)
        officers = min(n, max(math.ceil(n / 2), round(n * share)))
        doubles = n - officers
        i = 0
        for k in range(officers):
            covered = villages[i : i + (2 if k < doubles else 1)]
            i += len(covered)
            first = covered[0]
            community = first.kind == RegionKind.COMMUNITY
            if k == 0:
                posts = "社区党委书记、四级网格长" if community else "村党支部书记、四级网格长"
                roles: tuple[str, ...] = (Role.UNIT_LEADER, Role.GRID_OFFICER)
            else:
                posts = "社区专职网格员" if community else "村专职网格员"
                roles = (Role.GRID_OFFICER,)
            officer = roster.add(units.village_bodies[first.code], posts, *roles)
            for village in covered:
                roster.staff.officers[village.code] = officer
