"""/api/v1/cases: scoped like the pages, transitions by POST, refusals as
JSON with a Chinese ``detail``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from greenloop.cases.models import Case, CaseEvent, CaseState
from tests.cases.conftest import Loop, exe, png


@pytest.fixture
def live(loop_city):
    """Cases built at the real time: the API reads the clock."""
    return Loop(loop_city, timezone.now())


@pytest.fixture
def due():
    return timezone.localdate() + dt.timedelta(days=60)


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _act(client, case, action, **data):
    data.setdefault("version", Case.objects.get(pk=case.pk).version)
    return _post(client, f"/api/v1/cases/{case.pk}/actions/{action}", data)


@pytest.fixture
def two_counties(live, due):
    city = live.city
    return (
        live.assign(live.register(title="铁西区问题"), due=due),
        live.assign(
            live.register(region=city.other_township, title="东山县问题"),
            lead=city.other_gov,
            due=due,
        ),
    )


def test_each_county_lists_only_its_own_cases(live, login, two_counties):
    tiexi, dongshan = two_counties

    mine = login(live.user("county_user")).get("/api/v1/cases").json()
    theirs = login(live.user("other_county")).get("/api/v1/cases").json()

    assert [c["number"] for c in mine["items"]] == [tiexi.number]
    assert [c["number"] for c in theirs["items"]] == [dongshan.number]


@pytest.mark.parametrize(("persona", "hidden"), [("county_user", 1), ("other_county", 0)])
def test_the_other_countys_case_is_404_to_read_and_to_act_on(
    live, login, two_counties, persona, hidden
):
    case = two_counties[hidden]
    client = login(live.user(persona))

    read = client.get(f"/api/v1/cases/{case.pk}")
    acted = _act(client, case, "start")
    commented = _post(client, f"/api/v1/cases/{case.pk}/comments", {"text": "看看"})

    assert read.status_code == acted.status_code == commented.status_code == 404
    assert read.json()["detail"] == "对象不存在或不在您的管辖范围内"
    assert Case.objects.get(pk=case.pk).state == CaseState.ASSIGNED


def test_administrators_get_403_from_the_case_list(live, login):
    response = login(live.user("auditor")).get("/api/v1/cases")

    assert response.status_code == 403


def test_the_whole_loop_through_the_api_by_four_people(live, login, due):
    city = live.city
    office = login(live.user("dispatcher"))
    created = _post(
        office,
        "/api/v1/cases",
        {
            "source": "CENTRAL_FEEDBACK",
            "title": "饮用水水源地保护区内违规建设",
            "category": "WATER",
            "region": city.township.code,
            "is_key": True,
            "tags": ["水源地"],
        },
    )
    assert created.status_code == 201, created.content
    case = Case.objects.get(pk=created.json()["id"])
    assert created.json()["number"].startswith("中督-")

    assert (
        _act(
            office,
            case,
            "assign",
            lead_unit_id=city.county_gov.pk,
            due_date=due.isoformat(),
            cooperating_unit_ids=[city.dept_branch.pk],
        ).status_code
        == 200
    )
    unit = login(live.user("county_user"))
    assert _act(unit, case, "start").status_code == 200
    progress = unit.post(
        f"/api/v1/cases/{case.pk}/progress", {"text": "违建已拆除", "files": [png("拆除后.png")]}
    )
    assert progress.status_code == 201, progress.content
    assert progress.json()["attachments"][0]["purpose"] == "EVIDENCE"
    assert _act(unit, case, "request_acceptance").status_code == 200
    assert _act(login(live.user("acceptance")), case, "accept").status_code == 200
    assert _act(login(live.user("recheck")), case, "recheck").status_code == 200
    closed = _act(login(live.user("dispatcher")), case, "close")

    assert closed.status_code == 200
    body = closed.json()
    assert body["state"] == "CLOSED" and body["state_label"] == "已销号"
    assert [e["label"] for e in body["timeline"]] == [
        "登记",
        "交办",
        "签收整改",
        "报送整改进展",
        "申请验收",
        "验收通过",
        "复核通过",
        "销号",
    ]
    assert body["cooperating_units"] == [
        {"id": city.dept_branch.pk, "name": "示范市住建局铁西分局"}
    ]


def test_the_detail_lists_the_actions_this_user_may_take_now(live, login, due):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED, case=live.assign(live.register(), due=due))

    acceptance = login(live.user("acceptance")).get(f"/api/v1/cases/{case.pk}").json()
    county = login(live.user("county_user")).get(f"/api/v1/cases/{case.pk}").json()

    assert [(a["action"], a["needs_comment"]) for a in acceptance["actions"]] == [
        ("accept", False),
        ("send_back", True),
    ]
    assert county["actions"] == []


def test_refusals_map_to_status_codes_with_chinese_messages(live, login, due):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED, case=live.assign(live.register(), due=due))
    stale = case.version - 1

    wrong_role = _act(login(live.user("county_user")), case, "accept")
    no_comment = _act(login(live.user("acceptance")), case, "send_back")
    wrong_state = _act(login(live.user("dispatcher")), case, "close")
    old_page = _act(login(live.user("acceptance")), case, "accept", version=stale)
    unknown = _act(login(live.user("acceptance")), case, "approve")

    assert (wrong_role.status_code, wrong_role.json()["reason"]) == (403, "FORBIDDEN")
    assert wrong_role.json()["detail"] == "您的角色不能办理“验收通过”"
    assert (no_comment.status_code, no_comment.json()["detail"]) == (
        400,
        "“验收退回”必须填写意见或理由",
    )
    assert (wrong_state.status_code, wrong_state.json()["reason"]) == (409, "CONFLICT")
    assert (old_page.status_code, old_page.json()["reason"]) == (409, "STALE")
    assert old_page.json()["detail"].startswith("该问题已被他人更新")
    assert unknown.status_code == 400
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTANCE_REQUESTED


def test_the_same_page_submitted_twice_succeeds_once(live, login, due):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED, case=live.assign(live.register(), due=due))
    client = login(live.user("acceptance"))
    version = case.version

    first = _act(client, case, "accept", version=version)
    second = _act(client, case, "accept", version=version)

    assert (first.status_code, second.status_code) == (200, 409)
    assert CaseEvent.objects.filter(case=case, action="greenloop.cases.case.accepted").count() == 1


def test_list_filters(live, login, two_counties, due):
    city = live.city
    tiexi, dongshan = two_counties
    key = live.register(
        title="重点件：钢铁企业超标排放",
        is_key=True,
        category="AIR",
        enterprise_name="示范钢铁有限公司",
    )
    client = login(live.user("dispatcher"))

    def numbers(query):
        response = client.get(f"/api/v1/cases?{query}")
        assert response.status_code == 200, response.content
        return {c["number"] for c in response.json()["items"]}

    assert numbers("state=ASSIGNED") == {tiexi.number, dongshan.number}
    assert numbers("state=ASSIGNED&state=REGISTERED") == {tiexi.number, dongshan.number, key.number}
    assert numbers(f"region={city.other.code}") == {dongshan.number}
    assert numbers(f"unit={city.other_gov.pk}") == {dongshan.number}
    assert numbers("key=true") == {key.number}
    assert numbers("q=钢铁") == {key.number}
    assert numbers("source=INSPECTION_PETITION&category=AIR") == {
        tiexi.number,
        dongshan.number,
        key.number,
    }
    assert numbers("overdue=true") == set()
    assert numbers("inbox=true") == {key.number}


def test_the_list_runs_the_same_number_of_queries_for_more_rows(live, login, due):
    client = login(live.user("dispatcher"))
    live.assign(live.register(), due=due)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/cases")
    for _ in range(5):
        live.assign(live.register(), due=due)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/cases")

    assert response.json()["count"] == 6
    assert len(many) == len(few)


def test_registering_outside_ones_role_is_403(live, login):
    response = _post(
        login(live.user("county_user")),
        "/api/v1/cases",
        {
            "source": "PATROL",
            "title": "巡查发现",
            "category": "AIR",
            "region": live.city.township.code,
        },
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色不能登记问题"


def test_attachments_upload_refuses_an_exe_and_downloads_with_the_detected_type(
    live, login, two_counties
):
    case = two_counties[0]
    client = login(live.user("county_user"))

    refused = client.post(f"/api/v1/cases/{case.pk}/attachments", {"files": [exe("照片.jpg")]})
    uploaded = client.post(
        f"/api/v1/cases/{case.pk}/attachments",
        {"files": [png("检测报告.pdf")], "comment": "现场照片"},
    )

    assert refused.status_code == 400
    assert "类型不受支持" in refused.json()["detail"]
    assert uploaded.status_code == 201
    url = uploaded.json()["attachments"][0]["url"]
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert "%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.png" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert login(live.user("other_county")).get(url).status_code == 404


def test_comments_and_instructions(live, login, two_counties):
    case = two_counties[0]

    comment = _post(
        login(live.user("county_user")),
        f"/api/v1/cases/{case.pk}/comments",
        {"text": "已安排专人对接"},
    )
    refused = _post(
        login(live.user("county_user")), f"/api/v1/cases/{case.pk}/instructions", {"text": "同意"}
    )
    instruction = _post(
        login(live.user("leader")),
        f"/api/v1/cases/{case.pk}/instructions",
        {"text": "请铁西区主要领导亲自督办"},
    )

    assert comment.status_code == 201 and comment.json()["label"] == "发表意见"
    assert refused.status_code == 403
    assert instruction.status_code == 201 and instruction.json()["label"] == "领导批示"


def test_patch_changes_fields_and_records_them(live, login, two_counties, due):
    case = two_counties[0]
    new_due = due + dt.timedelta(days=30)
    client = login(live.user("dispatcher"))

    response = client.patch(
        f"/api/v1/cases/{case.pk}",
        {"version": case.version, "due_date": new_due.isoformat(), "comment": "同意延期"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    latest = response.json()["timeline"][-1]
    assert latest["label"] == "修改信息"
    assert latest["data"]["changes"]["due_date"] == {
        "old": due.isoformat(),
        "new": new_due.isoformat(),
    }


def test_milestones_through_the_api(live, login, two_counties, due):
    case = two_counties[0]

    added = _post(
        login(live.user("dispatcher")),
        f"/api/v1/cases/{case.pk}/milestones",
        {"version": case.version, "title": "完成方案编制", "due_date": due.isoformat()},
    )
    done = _post(
        login(live.user("county_user")),
        f"/api/v1/cases/{case.pk}/milestones/{added.json()['id']}/done",
        {},
    )

    assert added.status_code == 201
    assert done.status_code == 200 and done.json()["done_at"] is not None


def test_card_counts_per_unit_and_region(live, login, two_counties):
    client = login(live.user("dispatcher"))

    by_unit = client.get("/api/v1/cases/counts?by=unit").json()
    by_region = client.get(f"/api/v1/cases/counts?by=region&region={live.city.city.code}").json()

    assert {r["name"]: r["open"] for r in by_unit} == {"铁西区人民政府": 1, "东山县人民政府": 1}
    assert {r["name"]: r["open"] for r in by_region} == {"铁西区": 1, "东山县": 1}


def test_the_openapi_schema_documents_the_case_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/cases/{case_id}/actions/{action}" in paths
    assert "/api/v1/cases" in paths


def test_the_summary_is_scoped_to_the_user(live, login, two_counties):
    office = login(live.user("dispatcher")).get("/api/v1/cases/summary").json()
    county = login(live.user("county_user")).get("/api/v1/cases/summary").json()

    assert (office["total"], office["to_rectify"], office["done"]) == (2, 2, 0)
    assert county["total"] == 1
