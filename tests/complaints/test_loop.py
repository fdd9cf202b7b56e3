"""The whole loop through the pages: a resident reports (anonymously, with
a photo), gets a code; the dispatcher routes it (a case is registered and
assigned through the case engine), records the finding and replies; the
resident reads the reply by code and evaluates it."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from greenloop.cases.models import Case, CaseSource, CaseState
from greenloop.complaints.models import Petition, PetitionState, Satisfaction
from tests.complaints.conftest import SMOKE, TIANXI_POINT, photo


def _report_form(**extra: Any) -> dict[str, Any]:
    data = {
        "category": "AIR",
        "description": SMOKE,
        "address": "兴盛街道和平路8号",
        "longitude": str(TIANXI_POINT[0]),
        "latitude": str(TIANXI_POINT[1]),
        "is_anonymous": "1",
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    data.update(extra)
    return data


def submit(client: Any, **extra: Any) -> Any:
    return client.post(reverse("public_report"), {**_report_form(**extra), "photos": [photo()]})


def code_on(response: Any) -> str:
    found = re.search(r'id="tracking-code">([0-9A-Z-]+)<', response.content.decode())
    assert found, "the tracking code is shown"
    return found.group(1)


def test_a_public_report_is_routed_handled_replied_and_evaluated(
    mapped_city: Any, client: Any, login: Any
) -> None:
    response = submit(client)

    assert response.status_code == 200
    code = code_on(response)
    assert "no-store" in response["Cache-Control"]
    petition = Petition.objects.get()
    assert petition.state == PetitionState.RECEIVED
    assert petition.suggested_region == mapped_city.village
    assert petition.suggested_unit == mapped_city.county_gov
    assert petition.photos.count() == 1

    staff = login(mapped_city.users["dispatcher"])
    page = staff.get(reverse("complaints:detail", args=[petition.pk]))
    assert page.status_code == 200
    assert "和平社区" in page.content.decode()
    due = petition.due_date.isoformat()
    response = staff.post(
        reverse("complaints:route", args=[petition.pk]),
        {
            "region": mapped_city.township.pk,
            "lead_unit": mapped_city.county_gov.pk,
            "due_date": due,
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.state == PetitionState.ROUTED
    case = Case.objects.get()
    assert case.source == CaseSource.PUBLIC_REPORT
    assert case.state == CaseState.ASSIGNED
    assert case.lead_unit == mapped_city.county_gov
    assert case.region == mapped_city.township
    assert case.external_number == petition.number
    assert case.attachments.count() == 1

    staff.post(
        reverse("complaints:finding", args=[petition.pk]),
        {"finding": "TRUE", "text": "现场核查，该厂锅炉除尘设施未运行"},
    )
    staff.post(
        reverse("complaints:reply", args=[petition.pk]),
        {"text": "经核查情况属实，已责令该厂停产整改并立案处罚。"},
    )
    petition.refresh_from_db()
    assert petition.state == PetitionState.REPLIED

    client.logout()
    tracked = client.post(reverse("public_track"), {"code": code.lower().replace("-", " ")})
    body = tracked.content.decode()
    assert tracked.status_code == 200
    assert "已责令该厂停产整改" in body
    assert "已答复" in body
    assert "属实" in body
    assert "王调度" not in body  # no staff names on the public page

    evaluated = client.post(
        reverse("public_track_feedback"),
        {"code": code, "satisfaction": Satisfaction.SATISFIED, "comment": "处理及时"},
    )
    assert evaluated.status_code == 200
    assert "感谢您的评价" in evaluated.content.decode()
    petition.refresh_from_db()
    assert petition.satisfaction == Satisfaction.SATISFIED
    again = client.post(
        reverse("public_track_feedback"), {"code": code, "satisfaction": Satisfaction.UNSATISFIED}
    )
    assert again.status_code == 400
    petition.refresh_from_db()
    assert petition.satisfaction == Satisfaction.SATISFIED


def test_a_caller_is_entered_by_the_office_and_told_a_code(mapped_city: Any, login: Any) -> None:
    staff = login(mapped_city.users["dispatcher"])

    response = staff.post(
        reverse("complaints:new"),
        {
            "channel": "HOTLINE",
            "received_at": "2026-03-01T10:30",
            "external_number": "12369-0001",
            "category": "NOISE",
            "description": "东山镇某石料厂夜间施工噪声扰民",
            "address": "东山县东山镇石料厂",
            "name": "张三",
            "phone": "13812341234",
        },
    )

    assert response.status_code == 200
    assert re.search(r'id="tracking-code">[0-9A-Z-]{24}<', response.content.decode())
    petition = Petition.objects.get()
    assert petition.channel == "HOTLINE"
    assert petition.number.startswith("热线-2026-")
    assert petition.suggested_region == mapped_city.other_township
    assert petition.complainant.name == "张三"
    assert (petition.due_date - petition.received_at.date()).days == 30


def test_the_disclosure_page_shows_approved_texts_only(
    mapped_city: Any, client: Any, now: Any
) -> None:
    from greenloop.complaints import services
    from tests.complaints.conftest import public_report, route

    dispatcher = mapped_city.users["dispatcher"]
    petition = public_report(is_anonymous=False, name="李四", phone="13900001111").petition
    petition = route(petition, mapped_city)
    petition = services.record_finding(
        petition=petition, by=dispatcher, now=now, finding="TRUE", text="属实"
    )
    petition = services.reply_to_petition(petition=petition, by=dispatcher, now=now, text="已整改")
    before = client.get(reverse("public_petitions")).content.decode()
    assert petition.number not in before

    refused = None
    try:
        services.approve_public_text(
            petition=petition, by=dispatcher, now=now, text="举报人电话13900001111，已整改"
        )
    except services.UnableToActOnPetition as exc:
        refused = str(exc)
    services.approve_public_text(
        petition=petition, by=dispatcher, now=now, text="宏达化工厂除尘设施已修复，已立案处罚。"
    )

    assert refused and "个人信息" in refused
    after = client.get(reverse("public_petitions")).content.decode()
    assert "除尘设施已修复" in after
    assert "李四" not in after and "13900001111" not in after
