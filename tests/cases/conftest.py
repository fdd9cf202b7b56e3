"""Fixtures for the case engine: the city of tests/conftest.py plus the
people the closed loop needs.

Added personas (password as in tests/conftest.py):
    acceptance        — 铁西区验收组 (territorial working group), ACCEPTANCE
    other_acceptance  — 东山县验收组, ACCEPTANCE
    recheck           — 示范市复核组 (city), RECHECK
    branch_user       — 市住建局铁西分局, UNIT_HANDLER
    unit_leader       — 铁西区人民政府, UNIT_LEADER

Time is fixed: ``now`` is 2026-03-02 09:00 in Beijing, ``today`` that date.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenloop.cases import services
from greenloop.cases.models import CaseCategory, CaseSource, CaseState

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 Asia/Shanghai
TODAY = dt.date(2026, 3, 2)
DUE = dt.date(2026, 4, 30)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def today() -> dt.date:
    return TODAY


def _add_persona(username: str, name: str, unit: Any, role: str) -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from greenloop.org.models import Person
    from greenloop.org.services import grant_role

    user = get_user_model().objects.create_user(username=username, password="Test-Passw0rd!x")
    person = Person.objects.create(name=name, unit=unit, posts="科员", user=user)
    grant_role(person=person, role=role)
    return user, person


@pytest.fixture
def loop_city(city: Any) -> Any:
    """The city with acceptance and re-check groups and more unit staff."""
    from greenloop.org.models import Unit, UnitKind
    from greenloop.org.roles import Role

    city.acceptance_group = Unit.objects.create(
        code="U-TX-YS",
        name="铁西区验收组",
        kind=UnitKind.WORKING_GROUP,
        region=city.county,
        governs_territory=True,
    )
    city.other_acceptance_group = Unit.objects.create(
        code="U-DS-YS",
        name="东山县验收组",
        kind=UnitKind.WORKING_GROUP,
        region=city.other,
        governs_territory=True,
    )
    city.recheck_group = Unit.objects.create(
        code="U-FH",
        name="示范市复核组",
        kind=UnitKind.WORKING_GROUP,
        region=city.city,
        governs_territory=True,
    )
    for key, name, unit, role in [
        ("acceptance", "陈验收", city.acceptance_group, Role.ACCEPTANCE),
        ("other_acceptance", "林验收", city.other_acceptance_group, Role.ACCEPTANCE),
        ("recheck", "何复核", city.recheck_group, Role.RECHECK),
        ("branch_user", "马分局", city.dept_branch, Role.UNIT_HANDLER),
        ("unit_leader", "高区长", city.county_gov, Role.UNIT_LEADER),
    ]:
        city.users[key], city.people[key] = _add_persona(key, name, unit, role)
    return city


# --- files -----------------------------------------------------------------

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def exe(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120, content_type="image/jpeg"
    )


def zip_package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


# --- building cases through the services -----------------------------------


@dataclass
class Loop:
    """Moves cases along the happy path with the right people."""

    city: Any
    now: dt.datetime

    def user(self, key: str) -> Any:
        return self.city.users[key]

    def register(
        self, *, region: Any = None, source: str = CaseSource.INSPECTION_PETITION, **extra: Any
    ) -> Any:
        return services.register_case(
            by=self.user("dispatcher"),
            now=self.now,
            source=source,
            title=extra.pop("title", "某小区附近餐馆油烟扰民"),
            category=extra.pop("category", CaseCategory.AIR),
            region=region or self.city.township,
            **extra,
        )

    def assign(self, case: Any, *, lead: Any = None, due: dt.date = DUE, **extra: Any) -> Any:
        return services.assign_case(
            case=case,
            by=self.user("dispatcher"),
            now=self.now,
            version=case.version,
            lead_unit=lead or self.city.county_gov,
            due_date=due,
            **extra,
        )

    def start(self, case: Any, by: str = "county_user") -> Any:
        return services.start_rectification(
            case=case, by=self.user(by), now=self.now, version=case.version
        )

    def evidence(self, case: Any, by: str = "county_user") -> Any:
        return services.report_progress(
            case=case, by=self.user(by), now=self.now, text="已安装油烟净化设备", files=[png()]
        )

    def request(self, case: Any, by: str = "county_user") -> Any:
        return services.request_acceptance(
            case=case, by=self.user(by), now=self.now, version=case.version
        )

    def accept(self, case: Any, by: str = "acceptance") -> Any:
        return services.accept_case(case=case, by=self.user(by), now=self.now, version=case.version)

    def recheck(self, case: Any, by: str = "recheck") -> Any:
        return services.recheck_case(
            case=case, by=self.user(by), now=self.now, version=case.version
        )

    def close(self, case: Any, by: str = "dispatcher") -> Any:
        return services.close_case(case=case, by=self.user(by), now=self.now, version=case.version)

    def _evidence_then_request(self, case: Any) -> Any:
        self.evidence(case)
        return self.request(case)

    def to(self, state: str, case: Any = None, **register: Any) -> Any:
        """A case walked along the happy path up to ``state``."""
        case = case or self.register(**register)
        steps = [
            (CaseState.ASSIGNED, self.assign),
            (CaseState.RECTIFYING, self.start),
            (CaseState.ACCEPTANCE_REQUESTED, self._evidence_then_request),
            (CaseState.ACCEPTED, self.accept),
            (CaseState.RECHECKED, self.recheck),
            (CaseState.CLOSED, self.close),
        ]
        order = [CaseState.REGISTERED] + [reached for reached, _step in steps]
        for reached, step in steps[order.index(case.state) :]:
            if case.state == state:
                break
            case = step(case)
            assert case.state == reached
        assert case.state == state
        return case


@pytest.fixture
def loop(loop_city: Any, now: dt.datetime) -> Loop:
    return Loop(loop_city, now)
