"""Inspection-transferred cases (督察转办) appear as petitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from greenloop.cases import services as case_services
from greenloop.cases.models import CaseCategory, CaseSource, CaseState
from greenloop.complaints import services
from greenloop.complaints.models import Channel, Petition, PetitionState


def _transferred(city: Any, now: Any, **extra: Any) -> Any:
    return case_services.register_case(
        by=city.users["dispatcher"],
        now=now,
        source=CaseSource.INSPECTION_PETITION,
        title="兴盛街道某厂夜间偷排废气",
        description="群众反映兴盛街道某厂夜间偷排废气",
        category=CaseCategory.AIR,
        region=city.township,
        external_number="D-2026-017",
        **extra,
    )


def test_a_transferred_case_becomes_a_petition_of_channel_inspection(
    mapped_city: Any, now: Any
) -> None:
    case = _transferred(mapped_city, now)

    petition = Petition.objects.get()
    assert petition.channel == Channel.INSPECTION
    assert petition.number.startswith("督转-2026-")
    assert petition.external_number == "D-2026-017"
    assert petition.problems.get().case == case
    assert petition.region == mapped_city.township
    assert petition.tracking_digest is None
    assert services.petition_for_case(case) == petition


def test_routing_a_transferred_petition_assigns_its_existing_case(
    mapped_city: Any, now: Any
) -> None:
    case = _transferred(mapped_city, now)
    petition = Petition.objects.get()

    services.route_petition(
        petition=petition,
        by=mapped_city.users["dispatcher"],
        now=now,
        region=mapped_city.township,
        lead_unit=mapped_city.county_gov,
        due_date=now.date() + dt.timedelta(days=15),
    )

    case.refresh_from_db()
    petition.refresh_from_db()
    assert case.state == CaseState.ASSIGNED
    assert petition.state == PetitionState.ROUTED
    assert Petition.objects.count() == 1


def test_other_sources_make_no_petition(mapped_city: Any, now: Any) -> None:
    case_services.register_case(
        by=mapped_city.users["dispatcher"],
        now=now,
        source=CaseSource.PATROL,
        title="巡查发现",
        category=CaseCategory.AIR,
        region=mapped_city.township,
    )

    assert not Petition.objects.exists()


def test_assigning_the_case_in_the_case_engine_routes_the_petition(
    mapped_city: Any, now: Any
) -> None:
    case = _transferred(mapped_city, now)

    case_services.assign_case(
        case=case,
        by=mapped_city.users["dispatcher"],
        now=now,
        version=case.version,
        lead_unit=mapped_city.county_gov,
        due_date=now.date() + dt.timedelta(days=10),
    )

    petition = Petition.objects.get()
    assert petition.state == PetitionState.ROUTED
    assert petition.lead_unit == mapped_city.county_gov
    assert petition.due_date == now.date() + dt.timedelta(days=10)
    assert petition.events.filter(action__endswith=".routed", public=True).exists()
