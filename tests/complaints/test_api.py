"""/api/v1/complaints: scoped like the pages, identity only through the
audited endpoint, and the public endpoints validated and rate-limited
like the public pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from greenloop.audit.models import AuditEvent
from greenloop.complaints.models import Petition, PetitionState
from tests.complaints.conftest import DONGSHAN_POINT, photo, public_report

NAME, PHONE = "测试甲", "13900001111"


def _json(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def two_reports(mapped_city: Any, now: Any) -> tuple[Petition, Petition]:
    tiexi = public_report(now=now, is_anonymous=False, name=NAME, phone=PHONE).petition
    dongshan = public_report(
        now=now,
        longitude=DONGSHAN_POINT[0],
        latitude=DONGSHAN_POINT[1],
        address="东山镇北街",
        enterprise_name="东山石材厂",
        description="东山石材厂切割石材粉尘很大",
    ).petition
    return tiexi, dongshan


# --- scope ---------------------------------------------------------------------


def test_each_county_lists_only_its_own_petitions(mapped_city, login, two_reports) -> None:
    tiexi, dongshan = two_reports

    mine = login(mapped_city.users["county_user"]).get("/api/v1/complaints/petitions").json()
    theirs = login(mapped_city.users["other_county"]).get("/api/v1/complaints/petitions").json()

    assert [p["number"] for p in mine["items"]] == [tiexi.number]
    assert [p["number"] for p in theirs["items"]] == [dongshan.number]


def test_another_countys_petition_answers_404_like_a_missing_one(
    mapped_city, login, two_reports
) -> None:
    _tiexi, dongshan = two_reports
    client = login(mapped_city.users["county_user"])

    other = client.get(f"/api/v1/complaints/petitions/{dongshan.pk}")
    missing = client.get("/api/v1/complaints/petitions/999999")
    identity = client.get(f"/api/v1/complaints/petitions/{dongshan.pk}/complainant")

    assert other.status_code == missing.status_code == identity.status_code == 404
    assert other.json() == missing.json()


def test_the_auditor_and_administrators_see_no_petitions(mapped_city, login, two_reports) -> None:
    for persona in ("auditor", "sysadmin", "secadmin"):
        response = login(mapped_city.users[persona]).get("/api/v1/complaints/petitions")

        assert response.status_code == 403


def test_the_detail_masks_who_reported(mapped_city, login, two_reports) -> None:
    tiexi, _ = two_reports

    body = login(mapped_city.users["county_user"]).get(f"/api/v1/complaints/petitions/{tiexi.pk}")

    text = body.content.decode()
    assert body.status_code == 200
    assert body.json()["complainant"] == {
        "anonymous": False,
        "name": "测**",
        "phone": "139****1111",
    }
    assert NAME not in text and PHONE not in text
    assert body.json()["may_view_identity"] is False


# --- identity --------------------------------------------------------------------


def test_identity_is_refused_without_the_permission_and_nothing_is_logged(
    mapped_city, login, two_reports
) -> None:
    tiexi, _ = two_reports

    response = login(mapped_city.users["county_user"]).get(
        f"/api/v1/complaints/petitions/{tiexi.pk}/complainant"
    )

    assert response.status_code == 403
    assert NAME not in response.content.decode()
    assert not AuditEvent.objects.filter(action="greenloop.complaints.identity_viewed").exists()


def test_the_dispatcher_reads_the_identity_and_the_reading_is_audited(
    mapped_city, login, two_reports
) -> None:
    tiexi, _ = two_reports

    response = login(mapped_city.users["dispatcher"]).get(
        f"/api/v1/complaints/petitions/{tiexi.pk}/complainant",
        {"reason": "回访核实"},
        REMOTE_ADDR="10.9.8.7",
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json()["name"] == NAME and response.json()["phone"] == PHONE
    event = AuditEvent.objects.get(action="greenloop.complaints.identity_viewed")
    assert event.actor == mapped_city.users["dispatcher"]
    assert event.target == tiexi.number
    assert event.ip == "10.9.8.7"
    assert event.data["reason"] == "回访核实"
    assert tiexi.events.filter(action__endswith=".identity_viewed").count() == 1


# --- handling through the API ----------------------------------------------------------


def test_the_dispatcher_takes_a_call_routes_verifies_replies_and_approves_the_text(
    mapped_city, login
) -> None:
    client = login(mapped_city.users["dispatcher"])
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()

    intake = _json(
        client,
        "/api/v1/complaints/petitions",
        {
            "channel": "HOTLINE",
            "category": "AIR",
            "description": "兴盛街道宏达化工厂夜间冒黑烟",
            "address": "兴盛街道和平路8号",
            "external_number": "12369-0001",
        },
    )
    pid = intake.json()["petition"]["id"]
    routed = _json(
        client,
        f"/api/v1/complaints/petitions/{pid}/route",
        {
            "region": mapped_city.township.code,
            "lead_unit_id": mapped_city.county_gov.pk,
            "due_date": due,
        },
    )
    verified = client.post(
        f"/api/v1/complaints/petitions/{pid}/finding",
        {"finding": "TRUE", "text": "现场核实，确有冒黑烟"},
    )
    replied = _json(client, f"/api/v1/complaints/petitions/{pid}/reply", {"text": "已责令停产整改"})
    published = _json(
        client, f"/api/v1/complaints/petitions/{pid}/public-text", {"text": "已责令停产整改。"}
    )

    assert intake.status_code == 201
    assert len(intake.json()["tracking_code"]) == 24
    assert routed.status_code == 200 and routed.json()["state"] == PetitionState.ROUTED
    assert routed.json()["problems"][0]["case_number"]
    assert verified.json()["finding"] == "TRUE"
    assert replied.json()["state"] == PetitionState.REPLIED
    assert published.json()["public_text"] == "已责令停产整改。"


def test_a_county_handler_may_not_route_and_gets_a_json_refusal(
    mapped_city, login, two_reports
) -> None:
    tiexi, _ = two_reports

    response = _json(
        login(mapped_city.users["county_user"]),
        f"/api/v1/complaints/petitions/{tiexi.pk}/route",
        {"region": mapped_city.township.code, "lead_unit_id": mapped_city.county_gov.pk},
    )

    assert response.status_code == 403
    assert response.json()["detail"]
    tiexi.refresh_from_db()
    assert tiexi.state == PetitionState.RECEIVED


def test_duplicates_are_listed_and_merged(mapped_city, login, now) -> None:
    first = public_report(now=now).petition
    again = public_report(
        now=now + dt.timedelta(days=2), description="宏达化工厂烟囱晚上又冒黑烟了，味道很大"
    ).petition
    client = login(mapped_city.users["dispatcher"])

    listed = client.get(f"/api/v1/complaints/petitions/{again.pk}/duplicates").json()
    merged = client.post(
        f"/api/v1/complaints/petitions/{again.pk}/duplicates/{listed[0]['id']}/merge"
    )

    assert listed[0]["earlier_number"] == first.number
    assert merged.status_code == 200
    assert merged.json()["state"] == PetitionState.MERGED
    assert merged.json()["duplicate_of"] == first.number


def test_statistics_are_scoped_and_carry_their_definitions(mapped_city, login, two_reports) -> None:
    county = login(mapped_city.users["county_user"]).get("/api/v1/complaints/statistics").json()

    assert county["summary"]["total"] == 1
    assert "repeat_ratio" in county["definitions"]
    assert county["region"] == "铁西区"


# --- public ------------------------------------------------------------------------


def _report(**extra: Any) -> dict[str, Any]:
    data = {
        "category": "AIR",
        "description": "兴盛街道宏达化工厂烟囱冒黑烟",
        "address": "兴盛街道和平路8号",
        "captcha_key": "any",
        "captcha_value": "PASSED",
    }
    data.update(extra)
    return data


def test_a_resident_reports_through_the_api_and_tracks_it_by_code(mapped_city, client) -> None:
    submitted = client.post("/api/v1/complaints/public/reports", _report(photos=[photo()]))
    code = submitted.json()["tracking_code"]

    tracked = _json(client, "/api/v1/complaints/public/track", {"code": code.lower()})

    assert submitted.status_code == 201
    petition = Petition.objects.get()
    assert petition.channel == "WEB" and petition.photos.count() == 1
    assert tracked.status_code == 200
    assert tracked.json()["number"] == petition.number
    assert tracked.json()["milestones"][0]["label"] == "受理"


def test_a_wrong_code_and_a_malformed_code_answer_alike(mapped_city, client) -> None:
    wrong = _json(client, "/api/v1/complaints/public/track", {"code": "0" * 20})
    malformed = _json(client, "/api/v1/complaints/public/track", {"code": "<script>"})

    assert wrong.status_code == malformed.status_code == 404
    assert wrong.json() == malformed.json()


def test_script_in_the_text_is_refused(mapped_city, client) -> None:
    response = client.post(
        "/api/v1/complaints/public/reports", _report(description="黑烟<script>alert(1)</script>")
    )

    assert response.status_code == 400
    assert "不能包含HTML标签或脚本" in response.json()["detail"]
    assert not Petition.objects.exists()


def test_a_program_named_jpg_is_refused(mapped_city, client) -> None:
    program = SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00" + b"\0" * 200, content_type="image/jpeg"
    )

    response = client.post("/api/v1/complaints/public/reports", _report(photos=[program]))

    assert response.status_code == 400
    assert "不是图片" in response.json()["detail"]
    assert not Petition.objects.exists()


def test_a_wrong_captcha_is_refused(mapped_city, client) -> None:
    key = client.get("/api/v1/complaints/public/captcha").json()["key"]

    response = client.post(
        "/api/v1/complaints/public/reports", _report(captcha_key=key, captcha_value="nope")
    )

    assert response.status_code == 400
    assert "验证码" in response.json()["detail"]
    assert not Petition.objects.exists()


def test_reports_are_rate_limited_together_with_the_page(mapped_city, client, settings) -> None:
    settings.GREENLOOP_COMPLAINT_REPORT_RATE = "2/h"

    answers = [
        client.post("/api/v1/complaints/public/reports", _report()).status_code for _ in range(3)
    ]
    page = client.post("/public/report/", {"category": "AIR"})

    assert answers == [201, 201, 429]
    assert "频繁" in client.post("/api/v1/complaints/public/reports", _report()).json()["detail"]
    assert page.status_code == 429
    assert Petition.objects.count() == 2


def test_tracking_is_rate_limited(mapped_city, client, settings) -> None:
    settings.GREENLOOP_COMPLAINT_TRACK_RATE = "2/h"

    answers = [
        _json(client, "/api/v1/complaints/public/track", {"code": "0" * 20}).status_code
        for _ in range(3)
    ]

    assert answers == [404, 404, 429]
