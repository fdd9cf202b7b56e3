"""Shared fixtures: a small city and the named personas of STYLE.md §11.

The city: 示范市 with two counties (铁西区, 东山县), one township and one
village under each, a committee office, a county government per county, and
the city housing department (市住建局, a functional department) with a
county branch.

Personas (all with password ``PASSWORD``):
    dispatcher   — city committee office, DISPATCHER (whole city)
    county_user  — 铁西区 government, UNIT_HANDLER (铁西区 only)
    other_county — 东山县 government, UNIT_HANDLER (东山县 only)
    dept_user    — 市住建局, UNIT_HANDLER (its department world)
    leader       — city government, LEADER
    sysadmin / secadmin / auditor — 三员分立
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "Test-Passw0rd!x"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic in unit tests: plain storage resolves {% static %}.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class City:
    city: Any
    county: Any  # 铁西区
    other: Any  # 东山县
    township: Any
    village: Any
    other_township: Any
    office: Any
    county_gov: Any
    other_gov: Any
    city_gov: Any
    dept: Any
    dept_branch: Any
    users: dict[str, Any]
    people: dict[str, Any]


def _region(code: str, name: str, kind: str, parent: Any = None) -> Any:
    from greenloop.org.models import Region

    return Region.objects.create(code=code, name=name, kind=kind, parent=parent)


def _unit(code: str, name: str, kind: str, region: Any, governs: bool, parent: Any = None) -> Any:
    from greenloop.org.models import Unit

    return Unit.objects.create(code=code, name=name, kind=kind, region=region, governs_territory=governs, parent=parent)


def _persona(username: str, name: str, unit: Any, role: str | None) -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from greenloop.org.models import Person
    from greenloop.org.services import grant_role

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    person = Person.objects.create(name=name, unit=unit, posts="科员", phone="13812345678", user=user)
    if role:
        grant_role(person=person, role=role)
    return user, person


@pytest.fixture
def city(db: Any) -> City:
    from greenloop.org.models import RegionKind as K
    from greenloop.org.models import UnitKind as U
    from greenloop.org.roles import Role

    city = _region("210300000000", "示范市", K.CITY)
    county = _region("210303000000", "铁西区", K.DISTRICT, city)
    other = _region("210321000000", "东山县", K.COUNTY, city)
    township = _region("210303001000", "兴盛街道", K.STREET, county)
    village = _region("210303001001", "和平社区", K.COMMUNITY, township)
    other_township = _region("210321100000", "东山镇", K.TOWNSHIP, other)
    office = _unit("U-OFFICE", "示范市生态环境保护委员会办公室", U.COMMITTEE_OFFICE, city, True)
    city_gov = _unit("U-CITYGOV", "示范市人民政府", U.GOVERNMENT, city, True)
    county_gov = _unit("U-TXGOV", "铁西区人民政府", U.GOVERNMENT, county, True)
    other_gov = _unit("U-DSGOV", "东山县人民政府", U.GOVERNMENT, other, True)
    dept = _unit("U-ZJJ", "示范市住房和城乡建设局", U.DEPARTMENT, city, False)
    dept_branch = _unit("U-ZJJ-TX", "示范市住建局铁西分局", U.DEPARTMENT, county, False, parent=dept)
    users: dict[str, Any] = {}
    people: dict[str, Any] = {}
    for key, name, unit, role in [
        ("dispatcher", "王调度", office, Role.DISPATCHER),
        ("county_user", "李铁西", county_gov, Role.UNIT_HANDLER),
        ("other_county", "赵东山", other_gov, Role.UNIT_HANDLER),
        ("dept_user", "孙住建", dept, Role.UNIT_HANDLER),
        ("leader", "周市长", city_gov, Role.LEADER),
        ("sysadmin", "吴系统", office, Role.SYSADMIN),
        ("secadmin", "郑安全", office, Role.SECADMIN),
        ("auditor", "钱审计", office, Role.AUDITOR),
    ]:
        users[key], people[key] = _persona(key, name, unit, role)
    return City(city, county, other, township, village, other_township, office, county_gov, other_gov,
                city_gov, dept, dept_branch, users, people)


@pytest.fixture
def login(client: Any) -> Any:
    """``login(user)`` logs the test client in as that user and returns it."""

    def _login(user: Any) -> Any:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
