"""The timeline is append-only; the state is written by transitions only;
comments, instructions, progress and field changes are all recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services
from greenloop.cases.errors import Refusal
from greenloop.cases.models import Case, CaseAttachment, CaseEvent, CaseState
from greenloop.cases.services import UnableToAddToTimeline, UnableToChangeCase
from tests.cases.conftest import _add_persona, png


def test_a_timeline_entry_cannot_be_changed_or_deleted(loop):
    case = loop.register()
    event = CaseEvent.objects.get(case=case)

    event.comment = "改写历史"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(comment="改写历史")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()

    assert CaseEvent.objects.get(case=case).comment == ""


def test_an_attachment_cannot_be_changed_or_deleted(loop):
    case = loop.to(CaseState.RECTIFYING)
    loop.evidence(case)
    attachment = CaseAttachment.objects.get(case=case)

    with pytest.raises(TypeError):
        attachment.save()
    with pytest.raises(TypeError):
        attachment.delete()
    with pytest.raises(TypeError):
        CaseAttachment.objects.filter(case=case).delete()


def test_a_case_cannot_be_deleted_while_it_has_a_timeline(loop):
    from django.db.models import ProtectedError

    case = loop.register()

    with pytest.raises(ProtectedError):
        case.delete()


def test_saving_a_case_refuses_a_changed_state(loop):
    case = loop.register()

    case.state = CaseState.CLOSED
    with pytest.raises(TypeError):
        case.save()

    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED


def test_queryset_update_refuses_to_touch_the_state(loop):
    case = loop.register()

    with pytest.raises(TypeError):
        Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)


def test_a_comment_is_recorded_with_its_author(loop):
    case = loop.to(CaseState.RECTIFYING)

    event = services.add_comment(
        case=case, by=loop.user("acceptance"), now=loop.now, text="请补充整改前后对比照片"
    )

    assert event.action == "greenloop.cases.case.commented"
    assert event.actor_name == "陈验收" and event.actor_unit == "铁西区验收组"


def test_an_empty_comment_is_refused(loop):
    case = loop.register()

    with pytest.raises(UnableToAddToTimeline):
        services.add_comment(case=case, by=loop.user("dispatcher"), now=loop.now, text="  ")


def test_a_leader_instructs_and_a_unit_handler_cannot(loop):
    case = loop.to(CaseState.RECTIFYING)

    event = services.instruct_case(
        case=case, by=loop.user("leader"), now=loop.now, text="请铁西区加快整改，月底前见成效"
    )
    with pytest.raises(UnableToAddToTimeline) as refused:
        services.instruct_case(case=case, by=loop.user("county_user"), now=loop.now, text="同意")

    assert event.action == "greenloop.cases.case.instructed"
    assert event.actor_roles == ["LEADER"]
    assert refused.value.reason == Refusal.FORBIDDEN
    assert CaseEvent.objects.filter(case=case, action__endswith="instructed").count() == 1


def test_a_unit_leader_instructs_on_their_units_case(loop):
    case = loop.to(CaseState.RECTIFYING)

    event = services.instruct_case(
        case=case, by=loop.user("unit_leader"), now=loop.now, text="抓紧办理"
    )

    assert event.actor_roles == ["UNIT_LEADER"]


def test_a_cooperating_unit_reports_progress_with_evidence(loop):
    case = loop.register()
    case = loop.assign(case, cooperating_units=[loop.city.dept_branch])
    case = loop.start(case)

    event = services.report_progress(
        case=case,
        by=loop.user("branch_user"),
        now=loop.now,
        text="已对施工工地开展扬尘执法检查",
        files=[png()],
    )

    attachment = event.attachments.get()
    assert attachment.purpose == "EVIDENCE" and attachment.cycle == 1
    assert event.actor_unit == "示范市住建局铁西分局"


def test_progress_cannot_be_reported_by_an_unrelated_unit_or_outside_rectification(loop):
    case = loop.to(CaseState.ASSIGNED)

    with pytest.raises(UnableToAddToTimeline) as outside:
        services.report_progress(case=case, by=loop.user("county_user"), now=loop.now, text="进展")
    case = loop.start(case)
    with pytest.raises(UnableToAddToTimeline) as unrelated:
        services.report_progress(case=case, by=loop.user("dept_user"), now=loop.now, text="进展")

    assert outside.value.reason == Refusal.CONFLICT
    assert unrelated.value.reason == Refusal.NOT_FOUND


def test_changing_fields_records_old_and_new_values_and_bumps_the_version(loop):
    case = loop.to(CaseState.RECTIFYING)

    case = services.change_case(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        changes={
            "due_date": dt.date(2026, 5, 31),
            "is_key": True,
            "title": "餐馆油烟扰民",
            "cooperating_units": [loop.city.dept],
            "tags": ["油烟", "重点区域"],
        },
        comment="经研究延期一个月",
    )

    assert case.due_date == dt.date(2026, 5, 31) and case.next_due_date == dt.date(2026, 5, 31)
    assert case.version == 4
    event = CaseEvent.objects.filter(case=case).order_by("-pk").first()
    assert event.action == "greenloop.cases.case.changed"
    assert event.comment == "经研究延期一个月"
    changes = event.data["changes"]
    assert changes["due_date"] == {"old": "2026-04-30", "new": "2026-05-31"}
    assert changes["is_key"] == {"old": False, "new": True}
    assert changes["cooperating_units"]["new"] == [
        {"id": loop.city.dept.pk, "name": "示范市住房和城乡建设局"}
    ]
    assert changes["tags"] == {"old": [], "new": ["油烟", "重点区域"]}


def test_a_change_to_nothing_records_nothing(loop):
    case = loop.register()
    events = CaseEvent.objects.filter(case=case).count()

    case = services.change_case(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        changes={"title": case.title},
    )

    assert case.version == 1
    assert CaseEvent.objects.filter(case=case).count() == events


def test_changing_a_case_is_refused_for_unit_staff_stale_versions_and_the_state_field(loop):
    case = loop.to(CaseState.RECTIFYING)
    change = services.change_case

    with pytest.raises(UnableToChangeCase) as staff:
        change(
            case=case,
            by=loop.user("county_user"),
            now=loop.now,
            version=case.version,
            changes={"is_key": True},
        )
    with pytest.raises(UnableToChangeCase) as stale:
        change(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version - 1,
            changes={"is_key": True},
        )
    with pytest.raises(UnableToChangeCase) as state:
        change(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            changes={"state": CaseState.CLOSED},
        )
    with pytest.raises(UnableToChangeCase) as no_lead:
        change(
            case=case,
            by=loop.user("dispatcher"),
            now=loop.now,
            version=case.version,
            changes={"lead_unit": None},
        )

    assert staff.value.reason == Refusal.FORBIDDEN
    assert stale.value.reason == Refusal.STALE
    assert str(state.value) == "以下字段不能修改：state"
    assert str(no_lead.value) == "办理中的问题必须有牵头单位和整改时限"
    case.refresh_from_db()
    assert not case.is_key and case.state == CaseState.RECTIFYING


def test_moving_a_case_out_of_ones_territory_is_refused(loop):
    county_dispatcher, _ = _add_persona(
        "tx_dispatcher", "铁西调度", loop.city.county_gov, "DISPATCHER"
    )
    case = loop.register()

    with pytest.raises(UnableToChangeCase) as refused:
        services.change_case(
            case=case,
            by=county_dispatcher,
            now=loop.now,
            version=case.version,
            changes={"region": loop.city.other_township},
        )

    assert refused.value.reason == Refusal.FORBIDDEN
    assert str(refused.value) == "行政区域不在您的管辖范围内"
    case.refresh_from_db()
    assert case.region == loop.city.township


def test_milestones_drive_the_next_deadline_and_are_recorded(loop):
    case = loop.to(CaseState.RECTIFYING)

    milestone = services.add_milestone(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        title="完成油烟净化设备安装",
        due_date=dt.date(2026, 3, 20),
    )
    case.refresh_from_db()
    assert case.next_due_date == dt.date(2026, 3, 20)

    services.complete_milestone(milestone=milestone, by=loop.user("county_user"), now=loop.now)
    case.refresh_from_db()
    assert case.next_due_date == dt.date(2026, 4, 30)
    actions = list(
        CaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True)
    )
    assert actions[-2:] == [
        "greenloop.cases.case.milestone_added",
        "greenloop.cases.case.milestone_done",
    ]


def test_a_milestone_is_completed_once(loop):
    case = loop.to(CaseState.RECTIFYING)
    milestone = services.add_milestone(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        title="阶段一",
        due_date=dt.date(2026, 3, 20),
    )
    services.complete_milestone(milestone=milestone, by=loop.user("county_user"), now=loop.now)

    with pytest.raises(UnableToChangeCase) as twice:
        services.complete_milestone(milestone=milestone, by=loop.user("county_user"), now=loop.now)

    assert twice.value.reason == Refusal.CONFLICT
