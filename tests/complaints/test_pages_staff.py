"""Staff pages beyond the happy path: the queue's filters and query count,
refusals shown as messages, rewards through the page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from greenloop.complaints import services
from greenloop.complaints.models import Petition, PetitionState, RewardStatus
from tests.complaints.conftest import public_report, route


def test_the_queue_filters_and_does_not_grow_in_queries(
    mapped_city: Any, login: Any, now: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        public_report(now=now, description=f"第{i}处河道有死鱼和异味", category="WATER")
    routed = route(public_report(now=now).petition, mapped_city)
    staff = login(mapped_city.users["dispatcher"])

    with django_assert_max_num_queries(16):
        page = staff.get(reverse("complaints:queue"))
    filtered = staff.get(reverse("complaints:queue"), {"state": "ROUTED"}).content.decode()

    assert page.status_code == 200
    assert page.content.decode().count('<tr id="petition-') == 7
    assert routed.number in filtered
    assert filtered.count('<tr id="petition-') == 1


def test_routing_in_the_past_is_refused_with_a_message(
    mapped_city: Any, login: Any, now: Any
) -> None:
    petition = public_report(now=now).petition
    staff = login(mapped_city.users["dispatcher"])

    response = staff.post(
        reverse("complaints:route", args=[petition.pk]),
        {
            "region": mapped_city.township.pk,
            "lead_unit": mapped_city.county_gov.pk,
            "due_date": "2020-01-01",
        },
        follow=True,
    )

    assert "已过" in response.content.decode()
    petition.refresh_from_db()
    assert petition.state == PetitionState.RECEIVED


def test_a_county_user_cannot_route(mapped_city: Any, login: Any, now: Any) -> None:
    petition = public_report(now=now).petition
    county = login(mapped_city.users["county_user"])

    page = county.get(reverse("complaints:detail", args=[petition.pk])).content.decode()
    response = county.post(
        reverse("complaints:route", args=[petition.pk]),
        {
            "region": mapped_city.township.pk,
            "lead_unit": mapped_city.county_gov.pk,
            "due_date": "2030-01-01",
        },
    )

    assert 'id="route-submit"' not in page
    assert response.status_code == 403
    assert Petition.objects.get().state == PetitionState.RECEIVED


def test_the_reward_steps_through_the_page(
    mapped_city: Any, login: Any, client: Any, now: Any
) -> None:
    users = mapped_city.users
    petition = route(
        public_report(now=now, is_anonymous=False, name="李四", phone="13900001111").petition,
        mapped_city,
    )
    services.record_finding(
        petition=petition, by=users["dispatcher"], now=now, finding="TRUE", text="属实"
    )
    url = lambda step: reverse("complaints:reward", args=[petition.pk, step])  # noqa: E731

    login(users["dispatcher"]).post(url("propose"), {"is_eligible": "on", "amount": "300"})
    login(users["dispatcher2"]).post(url("review"), {"text": "同意"})
    leader = login(users["leader"])
    page = leader.get(reverse("complaints:detail", args=[petition.pk])).content.decode()
    leader.post(url("decide"), {"approve": "1", "comment": "同意奖励"})
    login(users["dispatcher"]).post(url("pay"), {"text": "已发放"})

    assert "审批" in page
    petition.reward.refresh_from_db()
    assert petition.reward.status == RewardStatus.PAID
    assert petition.reward.decided_by == users["leader"]


def test_photos_open_for_staff_in_reach_only(mapped_city: Any, login: Any, now: Any) -> None:
    from tests.complaints.conftest import photo

    petition = public_report(now=now, photos=[photo()]).petition
    shot = petition.photos.get()
    url = reverse("complaints:photo", args=[petition.pk, shot.pk])

    mine = login(mapped_city.users["county_user"]).get(url)
    body = b"".join(mine.streaming_content)
    # Close the file only: response.close() would fire request_finished,
    # which closes the database connection inside the test's transaction.
    for close in mine._resource_closers:
        close()
    theirs = login(mapped_city.users["other_county"]).get(url)

    assert mine.status_code == 200 and mine["Content-Type"] == "image/jpeg"
    assert body.startswith(b"\xff\xd8")
    assert theirs.status_code == 404


def test_the_queue_links_its_export_with_the_same_filters(
    mapped_city: Any, login: Any, now: Any
) -> None:
    public_report(now=now, description="河道有死鱼和异味", category="WATER")
    staff = login(mapped_city.users["dispatcher"])

    page = staff.get(reverse("complaints:queue"), {"category": "WATER"}).content.decode()

    assert f'href="{reverse("complaints:export")}?category=WATER"' in page
    assert f'href="{reverse("complaints:stats")}"' in page
