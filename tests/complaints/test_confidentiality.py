"""Who reported stays protected: masked by default, revealed only by the
explicit action of a role that may, and every reveal is audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from greenloop.audit.models import AuditEvent
from greenloop.cases.models import Case
from tests.complaints.conftest import public_report, route

NAME, PHONE = "张小明", "13812341234"


def _named(now: Any) -> Any:
    return public_report(
        now=now,
        is_anonymous=False,
        name=NAME,
        phone=PHONE,
        description="宏达化工厂冒黑烟，我的电话13812341234，可以联系我",
    ).petition


def test_a_county_user_sees_the_identity_masked_and_cannot_reveal_it(
    mapped_city: Any, login: Any, now: Any
) -> None:
    petition = _named(now)
    county = login(mapped_city.users["county_user"])

    page = county.get(reverse("complaints:detail", args=[petition.pk])).content.decode()
    reveal = county.post(reverse("complaints:reveal", args=[petition.pk]))

    assert "张**" in page
    assert "138****1234" in page
    assert NAME not in page
    assert PHONE not in page  # not even where the resident wrote it in the text
    assert "查看举报人信息" not in page
    assert reveal.status_code == 403
    assert NAME not in reveal.content.decode()
    assert not AuditEvent.objects.filter(action="greenloop.complaints.identity_viewed").exists()


def test_the_dispatcher_reveals_the_identity_and_the_auditor_reads_who_did(
    mapped_city: Any, login: Any, now: Any
) -> None:
    petition = _named(now)
    staff = login(mapped_city.users["dispatcher"])

    masked = staff.get(reverse("complaints:detail", args=[petition.pk])).content.decode()
    revealed = staff.post(
        reverse("complaints:reveal", args=[petition.pk]),
        {"reason": "回访核实"},
        REMOTE_ADDR="10.1.2.3",
    )

    assert NAME not in masked and "查看举报人信息" in masked
    assert revealed.status_code == 200
    assert NAME in revealed.content.decode() and PHONE in revealed.content.decode()
    event = AuditEvent.objects.get(action="greenloop.complaints.identity_viewed")
    assert event.actor == mapped_city.users["dispatcher"]
    assert event.target == petition.number
    assert event.ip == "10.1.2.3"
    assert event.data["petition"] == petition.pk
    audit_page = login(mapped_city.users["auditor"]).get(reverse("audit_log")).content.decode()
    assert "查看举报人信息" in audit_page
    assert petition.number in audit_page


def test_an_anonymous_report_shows_anonymous(mapped_city: Any, login: Any, now: Any) -> None:
    petition = public_report(now=now).petition

    page = login(mapped_city.users["dispatcher"]).get(
        reverse("complaints:detail", args=[petition.pk])
    )

    assert "匿名" in page.content.decode()
    assert not hasattr(petition, "complainant")


def test_the_case_carries_the_problem_and_nothing_about_who_reported(
    mapped_city: Any, now: Any
) -> None:
    route(_named(now), mapped_city)

    case = Case.objects.get()
    text = " ".join([case.title, case.description, case.address, case.enterprise_name])
    assert NAME not in text
    assert PHONE not in text
    assert "冒黑烟" in case.description
