"""The queue is scoped like every list: a county sees its county."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.complaints.conftest import DONGSHAN_POINT, public_report


def test_a_county_user_sees_only_the_petitions_of_the_county(
    mapped_city: Any, login: Any, now: Any
) -> None:
    tiexi = public_report(now=now).petition
    dongshan = public_report(
        now=now,
        description="东山镇养殖场污水直排河道",
        category="WATER",
        longitude=DONGSHAN_POINT[0],
        latitude=DONGSHAN_POINT[1],
        address="东山镇",
        enterprise_name="",
    ).petition
    county = login(mapped_city.users["county_user"])

    queue = county.get(reverse("complaints:queue")).content.decode()
    own = county.get(reverse("complaints:detail", args=[tiexi.pk]))
    other = county.get(reverse("complaints:detail", args=[dongshan.pk]))

    assert tiexi.number in queue
    assert dongshan.number not in queue
    assert own.status_code == 200
    assert other.status_code == 404


def test_the_city_office_sees_every_petition(mapped_city: Any, login: Any, now: Any) -> None:
    tiexi = public_report(now=now).petition
    nowhere = public_report(
        now=now, longitude=None, latitude=None, address="某地方", description="有人焚烧垃圾"
    ).petition
    office = login(mapped_city.users["dispatcher"])

    queue = office.get(reverse("complaints:queue")).content.decode()

    assert tiexi.number in queue
    assert nowhere.number in queue
    assert nowhere.suggested_region is None


def test_the_administrators_see_no_petitions(mapped_city: Any, login: Any, now: Any) -> None:
    petition = public_report(now=now).petition

    for key in ("auditor", "sysadmin", "secadmin"):
        client = login(mapped_city.users[key])
        assert client.get(reverse("complaints:queue")).status_code == 403
        assert client.get(reverse("complaints:detail", args=[petition.pk])).status_code == 403


def test_the_unit_leading_the_case_sees_the_petition_but_the_other_county_does_not(
    mapped_city: Any, login: Any, now: Any
) -> None:
    from tests.complaints.conftest import route

    petition = route(public_report(now=now).petition, mapped_city, lead_unit=mapped_city.dept)

    dept = login(mapped_city.users["dept_user"]).get(
        reverse("complaints:detail", args=[petition.pk])
    )
    other = login(mapped_city.users["other_county"]).get(
        reverse("complaints:detail", args=[petition.pk])
    )

    assert dept.status_code == 200
    assert other.status_code == 404
