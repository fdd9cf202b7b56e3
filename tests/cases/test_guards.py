"""Refused transitions say why, in Chinese, and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services
from greenloop.cases.attachments import UnableToAttachFile
from greenloop.cases.errors import Refusal
from greenloop.cases.models import Case, CaseEvent, CaseState
from greenloop.cases.services import UnableToTransitionCase
from tests.cases.conftest import DUE, _add_persona, exe


def _snapshot(case):
    row = (
        Case.objects.filter(pk=case.pk)
        .values("state", "version", "lead_unit_id", "due_date", "rectification_cycle", "closed_at")
        .get()
    )
    return row, CaseEvent.objects.filter(case=case).count()


def _refused(case, call, reason):
    """Run ``call``; it must refuse with ``reason`` and leave the case as it was."""
    before = _snapshot(case)

    with pytest.raises(UnableToTransitionCase) as refused:
        call()

    assert refused.value.reason == reason
    assert _snapshot(case) == before
    return str(refused.value)


def test_unit_handler_cannot_assign(loop):
    case = loop.register()

    message = _refused(
        case,
        lambda: services.assign_case(
            case=case,
            by=loop.user("county_user"),
            now=loop.now,
            version=case.version,
            lead_unit=loop.city.county_gov,
            due_date=DUE,
        ),
        Refusal.FORBIDDEN,
    )

    assert message == "您的角色不能办理“交办”"


def test_other_countys_acceptance_group_cannot_accept(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)

    message = _refused(case, lambda: loop.accept(case, by="other_acceptance"), Refusal.NOT_FOUND)

    assert message == "问题不存在或不在您的管辖范围内"


def test_a_county_user_cannot_sign_for_a_case_led_by_a_department(loop):
    case = loop.to(CaseState.ASSIGNED, case=loop.register())
    case = services.change_case(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        changes={"lead_unit": loop.city.dept_branch},
    )

    message = _refused(case, lambda: loop.start(case, by="county_user"), Refusal.FORBIDDEN)

    assert message == "该问题不在您的办理范围内，不能办理“签收整改”"


def test_a_cooperating_unit_reports_progress_but_cannot_request_acceptance(loop):
    case = loop.register()
    case = loop.assign(case, cooperating_units=[loop.city.dept_branch])
    case = loop.start(case)
    loop.evidence(case, by="branch_user")

    _refused(case, lambda: loop.request(case, by="branch_user"), Refusal.FORBIDDEN)


def test_nobody_accepts_their_own_units_rectification(loop):
    from greenloop.org.services import grant_role

    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    # 高区长 of the lead unit is also made an acceptance-group member.
    grant_role(person=loop.city.people["unit_leader"], role="ACCEPTANCE")

    message = _refused(case, lambda: loop.accept(case, by="unit_leader"), Refusal.FORBIDDEN)

    assert message == "不能对本单位牵头整改的问题办理“验收通过”"


def test_requesting_acceptance_without_evidence_is_refused(loop):
    case = loop.to(CaseState.RECTIFYING)

    message = _refused(case, lambda: loop.request(case), Refusal.INVALID)

    assert message.startswith("申请验收前须上传整改佐证材料")


def test_evidence_of_an_earlier_cycle_does_not_count_after_a_send_back(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    case = services.send_back(
        case=case,
        by=loop.user("acceptance"),
        now=loop.now,
        version=case.version,
        comment="未整改到位",
    )

    _refused(case, lambda: loop.request(case), Refusal.INVALID)


def test_text_only_progress_is_not_evidence(loop):
    case = loop.to(CaseState.RECTIFYING)
    services.report_progress(case=case, by=loop.user("county_user"), now=loop.now, text="正在整改")

    _refused(case, lambda: loop.request(case), Refusal.INVALID)


@pytest.mark.parametrize("comment", ["", "   "])
def test_sending_back_needs_a_comment(loop, comment):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)

    message = _refused(
        case,
        lambda: services.send_back(
            case=case,
            by=loop.user("acceptance"),
            now=loop.now,
            version=case.version,
            comment=comment,
        ),
        Refusal.INVALID,
    )

    assert message == "“验收退回”必须填写意见或理由"


def test_verifying_unfounded_needs_a_finding(loop):
    case = loop.register()

    _refused(
        case,
        lambda: services.verify_unfounded(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            finding="",
        ),
        Refusal.INVALID,
    )


def test_reopening_needs_a_reason_and_a_new_deadline(loop):
    case = loop.to(CaseState.CLOSED)

    _refused(
        case,
        lambda: services.reopen_case(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            reason="",
            due_date=dt.date(2026, 6, 30),
        ),
        Refusal.INVALID,
    )
    message = _refused(
        case,
        lambda: services.reopen_case(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            reason="问题反弹",
            due_date=None,
        ),
        Refusal.INVALID,
    )
    assert message == "重新整改须指定新的整改时限"


def test_a_stale_page_submitted_again_is_refused(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    seen = case.version
    loop.accept(case)
    case.refresh_from_db()

    message = _refused(
        case,
        lambda: services.accept_case(
            case=case,
            by=loop.user("acceptance"),
            now=loop.now,
            version=seen,
        ),
        Refusal.STALE,
    )

    assert message == "该问题已被他人更新（当前状态：已验收），请刷新页面后重试"


def test_of_two_concurrent_actions_on_one_case_exactly_one_succeeds(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)
    # Two requests loaded the same row at the same version.
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)

    services.accept_case(
        case=first, by=loop.user("acceptance"), now=loop.now, version=first.version
    )
    with pytest.raises(UnableToTransitionCase) as refused:
        services.send_back(
            case=second,
            by=loop.user("acceptance"),
            now=loop.now,
            version=second.version,
            comment="未整改到位",
        )

    assert refused.value.reason == Refusal.STALE
    assert str(refused.value) == "该问题刚刚已被他人办理，请刷新页面后重试"
    final = Case.objects.get(pk=case.pk)
    assert final.state == CaseState.ACCEPTED and final.version == second.version + 1
    assert CaseEvent.objects.filter(case=case, action__endswith="sent_back").count() == 0


def test_an_action_the_state_does_not_allow_is_a_conflict(loop):
    case = loop.register()

    message = _refused(case, lambda: loop.close(case), Refusal.CONFLICT)

    assert message == "问题当前状态为“已登记”，不能办理“销号”"


def test_an_unknown_action_is_refused(loop):
    case = loop.register()

    message = _refused(
        case,
        lambda: services.act_on_case(
            case=case,
            action="approve",
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
        ),
        Refusal.INVALID,
    )

    assert message == "未知的操作“approve”"


def test_assigning_needs_a_lead_unit_and_a_deadline_not_in_the_past(loop):
    case = loop.register()
    assign = services.assign_case

    _refused(
        case,
        lambda: assign(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            lead_unit=None,
            due_date=DUE,
        ),
        Refusal.INVALID,
    )
    message = _refused(
        case,
        lambda: assign(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            lead_unit=loop.city.county_gov,
            due_date=dt.date(2026, 3, 1),
        ),
        Refusal.INVALID,
    )
    assert message == "整改时限不能早于今天"


def test_a_unit_cannot_be_both_lead_and_cooperating(loop):
    case = loop.register()

    message = _refused(
        case, lambda: loop.assign(case, cooperating_units=[loop.city.county_gov]), Refusal.INVALID
    )

    assert message == "同一单位只能担任一种职责（牵头、责任或配合）"


def test_merging_refuses_itself_a_duplicate_target_and_an_unseen_target(loop):
    case = loop.register()
    other = loop.register()
    dup = loop.register()
    services.merge_case(
        case=dup, into=other, by=loop.user("dispatcher"), now=loop.now, version=dup.version
    )
    dup.refresh_from_db()
    hidden = loop.register(region=loop.city.other_township)
    merge = services.merge_case
    county_dispatcher, _ = _add_persona(
        "tx_dispatcher", "铁西调度", loop.city.county_gov, "DISPATCHER"
    )

    assert (
        _refused(
            case,
            lambda: merge(
                case=case, into=case, by=loop.user("dispatcher"), now=loop.now, version=case.version
            ),
            Refusal.INVALID,
        )
        == "问题不能并入自身"
    )
    assert "本身是重复件" in _refused(
        case,
        lambda: merge(
            case=case,
            into=dup,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
        ),
        Refusal.INVALID,
    )
    assert (
        _refused(
            other,
            lambda: merge(
                case=other,
                into=case,
                by=loop.user("dispatcher"),
                now=loop.now,
                version=other.version,
            ),
            Refusal.INVALID,
        )
        == "已有重复件并入此问题，不能再将它并入其他问题"
    )
    assert (
        _refused(
            case,
            lambda: merge(
                case=case, into=hidden, by=county_dispatcher, now=loop.now, version=case.version
            ),
            Refusal.INVALID,
        )
        == "请指定要并入的问题（须在您的管辖范围内）"
    )


def test_a_refused_file_refuses_the_whole_transition(loop):
    case = loop.to(CaseState.RECTIFYING)
    before = _snapshot(case)

    with pytest.raises(UnableToAttachFile):
        services.request_acceptance(
            case=case,
            by=loop.user("county_user"),
            now=loop.now,
            version=case.version,
            files=[exe("整改照片.jpg")],
        )

    assert _snapshot(case) == before


@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_the_three_administrators_cannot_act_on_cases(loop, persona):
    case = loop.register()

    _refused(
        case,
        lambda: services.assign_case(
            case=case,
            by=loop.user(persona),
            now=loop.now,
            version=case.version,
            lead_unit=loop.city.county_gov,
            due_date=DUE,
        ),
        Refusal.NOT_FOUND,
    )
