"""The case page: what it shows, who reaches it, and every action form —
done by the right persona, refused (with the service's message, nothing
changed) for the wrong one, and refused when the page is stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from greenloop.cases import services
from greenloop.cases.models import AttachmentPurpose, Case, CaseEvent, CaseState
from tests.cases.conftest import PNG_BYTES, png
from tests.cases.test_pages_list import LiveLoop, live_loop

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def live(loop_city: Any) -> LiveLoop:
    return live_loop(loop_city)


def _detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _act(client: Any, case: Case, action: str, version: int | None = None, **data: Any) -> Any:
    payload = {"version": case.version if version is None else version, **data}
    return client.post(reverse("cases:act", args=[case.pk, action]), payload, follow=True)


def _later(days: int = 30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _unchanged(case: Case, before: tuple[str, int]) -> bool:
    case.refresh_from_db()
    return (case.state, case.version) == before


# --- what the page shows ---------------------------------------------------------


def test_the_page_shows_the_case_its_units_files_and_timeline(live, login):
    city = live.city
    case = live.register(
        title="某小区附近餐馆油烟扰民",
        description="夜间油烟直排",
        enterprise_name="好味道餐馆",
        external_number="X-2026-001",
        tags=["油烟", "餐饮"],
    )
    case = live.assign(case, cooperating_units=[city.dept_branch])
    case = live.start(case)
    live.evidence(case)

    page = login(live.user("county_user")).get(_detail(case)).content.decode()

    assert case.number in page and "夜间油烟直排" in page and "好味道餐馆" in page
    assert '<span class="state state-rectifying" id="case-state">整改中</span>' in page
    assert '<dd id="case-lead-unit">铁西区人民政府</dd>' in page
    assert "示范市住建局铁西分局" in page.split('id="case-cooperating-units"')[1]
    assert "油烟" in page and "X-2026-001" in page
    assert "现场照片.png" in page and "整改佐证材料" in page
    assert "已安装油烟净化设备" in page
    # Newest first: the progress report above the assignment above the registration.
    assert page.index("报送整改进展</b>") < page.index("交办</b>") < page.index("登记</b>")
    assert 'id="action-request_acceptance"' in page and 'id="action-progress"' in page
    assert "/media/" not in page


def test_the_page_offers_only_what_the_user_may_do_now(live, login):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED)

    handler = login(live.user("county_user")).get(_detail(case)).content.decode()
    acceptance = login(live.user("acceptance")).get(_detail(case)).content.decode()
    leader = login(live.user("leader")).get(_detail(case)).content.decode()

    assert 'id="action-accept"' not in handler and 'id="action-progress"' not in handler
    assert 'id="action-accept"' in acceptance and 'id="action-send_back"' in acceptance
    assert "验收退回" in acceptance
    assert 'id="action-instruct"' in leader and 'id="action-accept"' not in leader


def test_a_case_out_of_reach_answers_404_like_a_missing_one(live, login):
    theirs = live.register(region=live.city.other_township)
    client = login(live.user("county_user"))

    assert client.get(_detail(theirs)).status_code == 404
    assert client.get(reverse("cases:detail", args=[987654])).status_code == 404
    assert _act(client, theirs, "assign").status_code == 404
    assert client.post(reverse("cases:comment", args=[theirs.pk]), {"text": "x"}).status_code == 404


def test_attachments_download_for_those_who_see_the_case_only(live, login):
    case = live.to(CaseState.RECTIFYING)
    live.evidence(case)
    attachment = case.attachments.get()
    url = reverse("cases:attachment", args=[case.pk, attachment.pk])

    mine = login(live.user("county_user")).get(url)
    body = b"".join(mine.streaming_content)
    theirs = login(live.user("other_county")).get(url)
    wrong_case = login(live.user("county_user")).get(
        reverse("cases:attachment", args=[live.register().pk, attachment.pk])
    )

    assert mine.status_code == 200 and body == PNG_BYTES
    assert mine["Content-Type"] == "image/png"
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert theirs.status_code == 404
    assert wrong_case.status_code == 404


# --- the loop, form by form ----------------------------------------------------------


def test_a_dispatcher_assigns_and_a_county_user_cannot(live, login):
    city = live.city
    case = live.register()
    before = (case.state, case.version)
    data = {
        "lead_unit": city.county_gov.pk,
        "cooperating_units": [city.dept_branch.pk],
        "due_date": _later(),
        "comment": "请按期整改",
    }

    refused = _act(login(live.user("county_user")), case, "assign", **data)
    assert _unchanged(case, before)
    done = _act(login(live.user("dispatcher")), case, "assign", **data)

    case.refresh_from_db()
    assert "您的角色不能办理“交办”" in refused.content.decode()
    assert "已办理：交办" in done.content.decode()
    assert done.redirect_chain[-1][0] == _detail(case)
    assert case.state == CaseState.ASSIGNED and case.lead_unit == city.county_gov
    assert list(case.units.all()) == [city.dept_branch]


def test_assigning_without_a_lead_unit_is_refused_by_the_service(live, login):
    case = live.register()
    before = (case.state, case.version)

    response = _act(login(live.user("dispatcher")), case, "assign", due_date=_later())

    assert "交办须指定牵头单位" in response.content.decode()
    assert _unchanged(case, before)


def test_the_lead_unit_signs_for_the_case_and_the_dispatcher_cannot(live, login):
    case = live.to(CaseState.ASSIGNED)
    before = (case.state, case.version)

    refused = _act(login(live.user("dispatcher")), case, "start")
    assert _unchanged(case, before)
    _act(login(live.user("county_user")), case, "start")

    case.refresh_from_db()
    assert "您的角色不能办理“签收整改”" in refused.content.decode()
    assert case.state == CaseState.RECTIFYING


def test_a_unit_reports_progress_with_a_photo_as_evidence(live, login):
    case = live.to(CaseState.RECTIFYING)

    response = login(live.user("county_user")).post(
        reverse("cases:progress", args=[case.pk]),
        {"version": case.version, "text": "已拆除违规排放口", "files": [png("整改后.png")]},
        follow=True,
    )

    event = CaseEvent.objects.get(case=case, action="greenloop.cases.case.progress_reported")
    assert "已报送整改进展" in response.content.decode()
    assert event.comment == "已拆除违规排放口"
    assert [(a.original_name, a.purpose) for a in event.attachments.all()] == [
        ("整改后.png", AttachmentPurpose.EVIDENCE)
    ]


def test_progress_from_outside_the_case_is_refused(live, login):
    case = live.to(CaseState.RECTIFYING)

    response = login(live.user("acceptance")).post(
        reverse("cases:progress", args=[case.pk]),
        {"version": case.version, "text": "代为报送"},
        follow=True,
    )

    assert "只有牵头、责任或配合单位可以报送整改进展" in response.content.decode()
    assert not CaseEvent.objects.filter(case=case, action__endswith="progress_reported").exists()


def test_asking_for_acceptance_needs_evidence(live, login):
    case = live.to(CaseState.RECTIFYING)
    before = (case.state, case.version)
    client = login(live.user("county_user"))

    refused = _act(client, case, "request_acceptance")
    assert _unchanged(case, before)
    done = _act(client, case, "request_acceptance", files=[png()], comment="已整改完毕")

    case.refresh_from_db()
    assert "申请验收前须上传整改佐证材料" in refused.content.decode()
    assert "已办理：申请验收" in done.content.decode()
    assert case.state == CaseState.ACCEPTANCE_REQUESTED
    assert case.attachments.get().purpose == AttachmentPurpose.EVIDENCE


def test_acceptance_accepts_and_the_unit_cannot_accept_its_own(live, login):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED)
    before = (case.state, case.version)

    refused = _act(login(live.user("county_user")), case, "accept")
    assert _unchanged(case, before)
    _act(login(live.user("acceptance")), case, "accept")

    case.refresh_from_db()
    assert "您的角色不能办理“验收通过”" in refused.content.decode()
    assert case.state == CaseState.ACCEPTED


def test_sending_back_needs_a_comment(live, login):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED)
    before = (case.state, case.version)
    client = login(live.user("acceptance"))

    refused = _act(client, case, "send_back", comment="  ")
    assert _unchanged(case, before)
    _act(client, case, "send_back", comment="油烟净化器未通电")

    case.refresh_from_db()
    assert "“验收退回”必须填写意见或理由" in refused.content.decode()
    assert case.state == CaseState.RECTIFYING
    assert case.events.get(action__endswith="acceptance_sent_back").comment == "油烟净化器未通电"


def test_recheck_by_the_recheck_group_only(live, login):
    case = live.to(CaseState.ACCEPTED)
    before = (case.state, case.version)

    refused = _act(login(live.user("acceptance")), case, "recheck")
    assert _unchanged(case, before)
    _act(login(live.user("recheck")), case, "recheck")

    case.refresh_from_db()
    assert "您的角色不能办理“复核通过”" in refused.content.decode()
    assert case.state == CaseState.RECHECKED


def test_the_recheck_group_sends_back_to_rectification(live, login):
    case = live.to(CaseState.ACCEPTED)

    _act(login(live.user("recheck")), case, "send_back", comment="复核发现仍有异味")

    case.refresh_from_db()
    assert case.state == CaseState.RECTIFYING
    assert case.events.filter(action__endswith="recheck_sent_back").exists()


def test_the_dispatcher_closes_and_the_recheck_group_cannot(live, login):
    case = live.to(CaseState.RECHECKED)
    before = (case.state, case.version)

    refused = _act(login(live.user("recheck")), case, "close")
    assert _unchanged(case, before)
    _act(login(live.user("dispatcher")), case, "close")

    case.refresh_from_db()
    assert "您的角色不能办理“销号”" in refused.content.decode()
    assert case.state == CaseState.CLOSED and case.closed_at is not None


def test_a_closed_case_is_reopened_with_a_reason_and_a_new_deadline(live, login):
    case = live.to(CaseState.CLOSED)
    before = (case.state, case.version)
    due = _later(45)

    refused = _act(login(live.user("county_user")), case, "reopen", comment="反弹", due_date=due)
    assert _unchanged(case, before)
    no_reason = _act(login(live.user("recheck")), case, "reopen", due_date=due)
    assert _unchanged(case, before)
    _act(
        login(live.user("recheck")), case, "reopen", comment="回头看发现油烟直排反弹", due_date=due
    )

    case.refresh_from_db()
    assert "您的角色不能办理“重新整改（回头看反弹）”" in refused.content.decode()
    assert "必须填写意见或理由" in no_reason.content.decode()
    assert case.state == CaseState.RECTIFYING
    assert case.due_date.isoformat() == due
    assert case.rectification_cycle == 2


def test_a_dispatcher_verifies_a_report_as_unfounded(live, login):
    case = live.register()

    _act(login(live.user("dispatcher")), case, "verify_unfounded", comment="现场核查无油烟排放")

    case.refresh_from_db()
    assert case.state == CaseState.UNFOUNDED
    assert case.verification_finding == "现场核查无油烟排放"


@pytest.mark.parametrize(
    ("action", "label", "data"),
    [
        ("verify_unfounded", "核实不属实", {"comment": "不属实"}),
        ("merge", "合并重复件", {"into": "督信-2026-0001"}),
    ],
)
def test_a_unit_handler_cannot_settle_a_report(live, login, action, label, data):
    live.register()
    case = live.register()
    before = (case.state, case.version)

    response = _act(login(live.user("county_user")), case, action, **data)

    assert f"您的角色不能办理“{label}”" in response.content.decode()
    assert _unchanged(case, before)


def test_a_dispatcher_merges_a_repeat_into_its_original_by_number(live, login):
    original = live.register()
    repeat = live.register()
    client = login(live.user("dispatcher"))

    unknown = _act(client, repeat, "merge", into="督信-1999-9999")
    assert _unchanged(repeat, (CaseState.REGISTERED, repeat.version))
    page = _act(client, repeat, "merge", into=original.number).content.decode()

    repeat.refresh_from_db()
    assert "请指定要并入的问题" in unknown.content.decode()
    assert repeat.state == CaseState.DUPLICATE and repeat.duplicate_of == original
    assert f'id="case-duplicate-of">{original.number}</a>' in page


def test_a_leader_instructs_and_a_unit_handler_cannot(live, login):
    case = live.to(CaseState.RECTIFYING)
    url = reverse("cases:instruct", args=[case.pk])

    refused = login(live.user("county_user")).post(url, {"text": "抓紧办"}, follow=True)
    done = login(live.user("leader")).post(url, {"text": "请铁西区本周内整改到位"}, follow=True)

    assert "只有领导可以作出批示" in refused.content.decode()
    assert "已作出批示" in done.content.decode()
    assert list(
        case.events.filter(action__endswith="instructed").values_list("comment", flat=True)
    ) == ["请铁西区本周内整改到位"]


def test_anyone_who_sees_the_case_may_comment_with_files(live, login):
    case = live.register()

    response = login(live.user("county_user")).post(
        reverse("cases:comment", args=[case.pk]),
        {"text": "该餐馆已停业", "files": [png("门头.png")]},
        follow=True,
    )
    empty = login(live.user("county_user")).post(
        reverse("cases:comment", args=[case.pk]), {"text": ""}, follow=True
    )

    event = case.events.get(action__endswith="commented")
    assert "已发表意见" in response.content.decode()
    assert event.attachments.get().purpose == AttachmentPurpose.OTHER
    assert (
        "意见" in empty.content.decode()
        and case.events.filter(action__endswith="commented").count() == 1
    )


def test_a_refused_file_type_is_named_and_nothing_is_stored(live, login):
    case = live.to(CaseState.RECTIFYING)
    from tests.cases.conftest import exe

    response = login(live.user("county_user")).post(
        reverse("cases:progress", args=[case.pk]),
        {"text": "见附件", "files": [exe("photo.jpg")]},
        follow=True,
    )

    assert "文件“photo.jpg”的类型不受支持" in response.content.decode()
    assert not case.attachments.exists()


# --- stale pages, htmx ---------------------------------------------------------------


def test_a_stale_page_is_refused_with_the_services_message(live, login):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED)
    seen = case.version
    client = login(live.user("acceptance"))
    _act(client, case, "accept", version=seen)
    case.refresh_from_db()
    before = (case.state, case.version)

    again = _act(client, case, "accept", version=seen)

    assert "该问题已被他人更新（当前状态：已验收），请刷新页面后重试" in again.content.decode()
    assert _unchanged(case, before)
    assert case.events.filter(action__endswith=".accepted").count() == 1


def test_htmx_actions_answer_with_the_live_part_of_the_page(live, login):
    case = live.to(CaseState.ASSIGNED)
    client = login(live.user("county_user"))

    response = client.post(
        reverse("cases:act", args=[case.pk, "start"]), {"version": case.version}, **HTMX
    )

    page = response.content.decode()
    case.refresh_from_db()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="case-live"')
    assert "<html" not in page
    assert "已办理：签收整改" in page
    assert 'id="case-state">整改中<' in page
    assert f'name="version" value="{case.version}"' in page
    assert 'id="action-progress"' in page


def test_htmx_refusals_keep_what_was_typed_and_show_the_current_case(live, login):
    case = live.to(CaseState.ACCEPTANCE_REQUESTED)
    seen = case.version
    services.accept_case(case=case, by=live.user("acceptance"), now=timezone.now(), version=seen)
    client = login(live.user("acceptance"))

    response = client.post(
        reverse("cases:act", args=[case.pk, "send_back"]),
        {"version": seen, "comment": "照片不清晰"},
        **HTMX,
    )

    page = response.content.decode()
    assert "该问题已被他人更新（当前状态：已验收）" in page
    assert 'id="case-state">已验收<' in page
    assert CaseEvent.objects.filter(case=case, action__endswith="sent_back").count() == 0


def test_a_department_returning_its_assignment_goes_back_to_the_list(live, login):
    case = live.assign(live.register(), lead=live.city.dept)
    client = login(live.user("dept_user"))

    plain = client.post(
        reverse("cases:act", args=[case.pk, "return_assignment"]),
        {"version": case.version, "comment": "不属于本局职责"},
    )

    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert plain.status_code == 302 and plain["Location"] == reverse("cases:list")


def test_an_unknown_action_is_not_found(live, login):
    case = live.register()

    response = login(live.user("dispatcher")).post(
        reverse("cases:act", args=[case.pk, "explode"]), {"version": case.version}
    )

    assert response.status_code == 404


def test_milestones_are_added_by_the_dispatcher_and_completed_by_the_lead_unit(live, login):
    case = live.to(CaseState.RECTIFYING)

    login(live.user("dispatcher")).post(
        reverse("cases:milestone_add", args=[case.pk]),
        {"version": case.version, "title": "完成设备采购", "due_date": _later(5)},
    )
    milestone = case.milestones.get()
    page = login(live.user("county_user")).get(_detail(case)).content.decode()
    login(live.user("county_user")).post(
        reverse("cases:milestone_done", args=[case.pk, milestone.pk]), {"version": 1}
    )

    milestone.refresh_from_db()
    assert "完成设备采购" in page and 'id="milestone-form"' not in page
    assert milestone.done_at is not None
