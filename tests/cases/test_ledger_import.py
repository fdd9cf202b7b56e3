"""Importing a ledger (台账) of transferred petitions or feedback tasks:
preview, then all-or-nothing commit through the case services."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from greenloop.audit.models import AuditEvent
from greenloop.cases.ledger import (
    LedgerOptions,
    LedgerRejected,
    SourceKind,
    commit_ledger,
    preview_ledger,
)
from greenloop.cases.ledger.columns import parse_batch, parse_category, parse_date
from greenloop.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseState,
    CaseUnit,
    FeedbackAspect,
    InspectionBatch,
    InspectionRound,
    RoundKind,
    UnitRole,
)
from greenloop.org.importing.workbook import WorkbookRejected

MB = 1024 * 1024
HEAD = [
    "序号",
    "受理编号",
    "交办批次",
    "反映对象",
    "反映问题",
    "行政区域",
    "污染类型",
    "是否重点",
    "责任单位",
    "配合单位",
    "整改时限",
]


def good_row(i: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {
        "序号": i,
        "受理编号": f"D2026{i:05d}",
        "交办批次": "第1批",
        "反映对象": f"示范市第{i}建材有限公司",
        "反映问题": f"第{i}号工地夜间施工扬尘严重。周边居民反映多次。",
        "行政区域": "兴盛街道",
        "污染类型": "大气",
        "是否重点": "否",
        "责任单位": "铁西区人民政府",
        "配合单位": "示范市住房和城乡建设局",
        "整改时限": dt.date(2026, 4, 30),
    }
    values.update(overrides)
    return [values[h] for h in HEAD]


def write_sheet(path: Path, rows: list[list[object]], *, title: str = "台账") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    out = io.BytesIO()
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def inspection_round(db):
    return InspectionRound.objects.create(
        kind=RoundKind.CENTRAL,
        name="第三轮中央生态环境保护督察",
        stationed_start_date=dt.date(2026, 2, 20),
        stationed_end_date=dt.date(2026, 4, 5),
    )


def petitions(inspection_round: InspectionRound, **extra: object) -> LedgerOptions:
    return LedgerOptions(kind=SourceKind.PETITION, round_id=inspection_round.pk, **extra)  # type: ignore[arg-type]


def test_a_good_sheet_registers_and_assigns_every_row(city, inspection_round, now, tmp_path):
    path = write_sheet(
        tmp_path / "ledger.xlsx",
        [
            ["第三轮中央生态环境保护督察交办信访件台账"],
            HEAD,
            good_row(1, 是否重点="是"),
            good_row(
                2, 交办批次="第2批", 行政区域="东山县", 责任单位="东山县人民政府", 配合单位=""
            ),
        ],
    )
    dispatcher = city.users["dispatcher"]

    plan = commit_ledger(
        path, options=petitions(inspection_round), by=dispatcher, now=now, source_name="x.xlsx"
    )

    assert plan.numbers == ["督信-2026-0001", "督信-2026-0002"]
    first = Case.objects.get(number="督信-2026-0001")
    assert first.state == CaseState.ASSIGNED
    assert first.source == CaseSource.INSPECTION_PETITION
    assert first.external_number == "D202600001"
    assert first.title == "第1号工地夜间施工扬尘严重"
    assert first.region == city.township
    assert first.category == CaseCategory.AIR
    assert first.is_key is True
    assert first.lead_unit == city.county_gov
    assert first.due_date == dt.date(2026, 4, 30)
    assert first.inspection_round == inspection_round
    assert first.batch.number == 1
    assert list(CaseUnit.objects.filter(case=first).values_list("unit__code", "role")) == [
        ("U-ZJJ", UnitRole.COOPERATING)
    ]
    second = Case.objects.get(number="督信-2026-0002")
    assert (second.region, second.lead_unit, second.batch.number) == (
        city.other,
        city.other_gov,
        2,
    )
    assert sorted(
        InspectionBatch.objects.filter(inspection_round=inspection_round).values_list(
            "number", flat=True
        )
    ) == [1, 2]
    assert list(
        CaseEvent.objects.filter(case=first).order_by("pk").values_list("action", "comment")
    ) == [
        ("greenloop.cases.case.registered", ""),
        ("greenloop.cases.case.assigned", "导入台账《x.xlsx》第3行"),
    ]
    audit = AuditEvent.objects.get(action="greenloop.cases.ledger.imported")
    assert audit.actor == dispatcher
    assert audit.data["cases"] == 2 and audit.data["new_batches"] == [1, 2]


def test_the_required_sheet_of_1000_rows_with_10_bad_rows_imports_nothing_and_names_all_10(
    city, inspection_round, now, tmp_path
):
    """The issue's test: each bad row reported with its row, column and reason."""
    bad = {
        41: ({"行政区域": "西山区"}, "行政区域", "未找到行政区域“西山区”"),
        102: ({"污染类型": "光"}, "污染类型", "未知的污染类型“光”"),
        203: ({"整改时限": "尽快"}, "整改时限", "“尽快”不是日期"),
        304: ({"整改时限": dt.date(2026, 1, 5)}, "整改时限", "早于今天"),
        405: ({"责任单位": "示范市水务局"}, "责任单位", "未找到单位“示范市水务局”"),
        506: ({"受理编号": "D202600007"}, "受理编号", "与第8行重复"),
        607: ({"是否重点": "也许"}, "是否重点", "应为“是”或“否”"),
        708: ({"交办批次": "第1000批"}, "交办批次", "应在1到999之间"),
        809: ({"反映问题": "", "反映对象": ""}, "反映问题", "问题标题和反映问题不能都为空"),
        910: ({"行政区域": ""}, "行政区域", "行政区域不能为空"),
    }
    rows: list[list[object]] = [HEAD]
    for i in range(1, 1001):
        excel_row = i + 1
        overrides = bad[excel_row][0] if excel_row in bad else {}
        rows.append(good_row(i, **overrides))
    path = write_sheet(tmp_path / "big.xlsx", rows)
    dispatcher = city.users["dispatcher"]

    plan = preview_ledger(path, options=petitions(inspection_round), by=dispatcher, now=now)
    with pytest.raises(LedgerRejected) as rejected:
        commit_ledger(path, options=petitions(inspection_round), by=dispatcher, now=now)

    assert plan.data_rows == 1000
    assert len(plan.rows) == 990
    for problems in (plan.problems, rejected.value.problems):
        assert len(problems) == 10
        found = {(p.sheet, p.row, p.column): p.reason for p in problems}
        assert set(found) == {("台账", row, column) for row, (_, column, _) in bad.items()}
        for row, (_, column, reason) in bad.items():
            assert reason in found["台账", row, column]
    assert not Case.objects.exists()
    assert not InspectionBatch.objects.exists()
    assert not CaseEvent.objects.exists()


def test_a_number_already_registered_in_the_round_is_refused(city, inspection_round, now, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])
    dispatcher = city.users["dispatcher"]
    commit_ledger(path, options=petitions(inspection_round), by=dispatcher, now=now)
    again = write_sheet(tmp_path / "b.xlsx", [HEAD, good_row(2), good_row(1)])

    plan = preview_ledger(again, options=petitions(inspection_round), by=dispatcher, now=now)

    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (
            3,
            "受理编号",
            "受理编号“D202600001”已在“第三轮中央生态环境保护督察”中登记为 督信-2026-0001，不能重复导入",
        )
    ]


def test_the_same_object_as_an_earlier_case_is_noted_as_a_possible_repeat(
    city, inspection_round, now, tmp_path
):
    dispatcher = city.users["dispatcher"]
    commit_ledger(
        write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)]),
        options=petitions(inspection_round),
        by=dispatcher,
        now=now,
    )
    path = write_sheet(
        tmp_path / "b.xlsx",
        [
            HEAD,
            good_row(2, 反映对象="示范市第1建材有限公司"),
            good_row(3, 反映对象="示范市第1建材有限公司"),
        ],
    )

    plan = preview_ledger(path, options=petitions(inspection_round), by=dispatcher, now=now)

    assert plan.ok
    reasons = [(n.row, n.reason) for n in plan.notes]
    assert (
        3,
        "反映对象“示范市第1建材有限公司”与第2行相同，可能是重复件；导入后可在问题页面合并",
    ) in reasons
    assert any(row == 2 and "督信-2026-0001" in reason for row, reason in reasons)


def test_a_row_with_a_unit_but_no_deadline_is_registered_with_the_unit(
    city, inspection_round, now, tmp_path
):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1, 整改时限=None, 配合单位="")])

    commit_ledger(path, options=petitions(inspection_round), by=city.users["dispatcher"], now=now)

    case = Case.objects.get()
    assert (case.state, case.lead_unit, case.due_date) == (
        CaseState.REGISTERED,
        city.county_gov,
        None,
    )


def test_regions_and_units_resolve_by_code_qualified_name_and_short_name(
    city, inspection_round, now, tmp_path
):
    from greenloop.org.models import Region, RegionKind

    Region.objects.create(
        code="210321101000", name="兴盛街道", kind=RegionKind.STREET, parent=city.other
    )
    path = write_sheet(
        tmp_path / "a.xlsx",
        [
            HEAD,
            good_row(1, 行政区域="兴盛街道"),
            good_row(2, 行政区域="铁西区兴盛街道", 责任单位="U-TXGOV", 配合单位="住房和城乡建设局"),
            good_row(
                3, 行政区域="210321000000", 责任单位="东山县人民政府", 配合单位="市住房和城乡建设局"
            ),
        ],
    )

    plan = preview_ledger(
        path, options=petitions(inspection_round), by=city.users["dispatcher"], now=now
    )

    assert [(p.row, p.reason) for p in plan.problems] == [
        (2, "“兴盛街道”有2个同名区划（东山县兴盛街道、铁西区兴盛街道），请写上级区划名称或12位代码")
    ]
    assert [(r.row, r.region_id, r.lead_unit_id, r.cooperating_unit_ids) for r in plan.rows] == [
        (3, city.township.pk, city.county_gov.pk, [city.dept.pk]),
        (4, city.other.pk, city.other_gov.pk, [city.dept.pk]),
    ]


def test_a_county_dispatcher_cannot_import_into_another_county(
    city, inspection_round, now, tmp_path
):
    from greenloop.org.roles import Role
    from greenloop.org.services import grant_role

    grant_role(person=city.people["county_user"], role=Role.DISPATCHER)
    path = write_sheet(
        tmp_path / "a.xlsx",
        [
            HEAD,
            good_row(1, 配合单位="示范市住建局铁西分局"),
            good_row(2, 行政区域="东山县", 责任单位="东山县人民政府", 配合单位=""),
        ],
    )

    plan = preview_ledger(
        path, options=petitions(inspection_round), by=city.users["county_user"], now=now
    )

    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (3, "行政区域", "未找到行政区域“东山县”，或该区域不在您的管辖范围内"),
        (3, "责任单位", "未找到单位“东山县人民政府”，或该单位不在您的管辖范围内"),
    ]


def test_only_roles_that_register_cases_may_import(city, inspection_round, now, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])

    plan = preview_ledger(
        path, options=petitions(inspection_round), by=city.users["county_user"], now=now
    )

    assert [p.reason for p in plan.problems] == [
        "您的角色不能登记问题，不能导入台账（需要调度员角色）"
    ]


def test_missing_columns_are_named_on_the_header_row(city, inspection_round, now, tmp_path):
    path = write_sheet(
        tmp_path / "a.xlsx", [["标题"], ["受理编号", "反映问题", "备注"], ["1", "x", "y"]]
    )

    plan = preview_ledger(
        path, options=petitions(inspection_round), by=city.users["dispatcher"], now=now
    )

    assert [(p.row, p.reason) for p in plan.problems] == [
        (2, "缺少“行政区域”列：请在对应关系中指定对应的列"),
        (2, "缺少“污染类型”列：请在对应关系中指定对应的列"),
    ]
    assert "“备注”列（第C列）未对应任何字段，不导入" in [n.reason for n in plan.notes]


def test_feedback_tasks_take_the_rounds_source_and_their_aspect(
    city, inspection_round, now, tmp_path
):
    path = write_sheet(
        tmp_path / "a.xlsx",
        [
            [
                "问题类别",
                "反馈问题",
                "行政区域",
                "污染类型",
                "牵头单位",
                "责任单位",
                "整改时限",
                "整改目标",
                "整改措施",
            ],
            [
                "个性问题",
                "城区建筑施工扬尘管控不严，渣土车抛洒滴漏问题突出",
                "示范市",
                "大气污染",
                "示范市住房和城乡建设局",
                "铁西区人民政府、东山县人民政府",
                "2027-01-31",
                "建筑工地扬尘防治“六个百分之百”全面落实",
                "一、开展专项整治；二、建立长效机制",
            ],
        ],
    )
    options = LedgerOptions(kind=SourceKind.FEEDBACK, round_id=inspection_round.pk)

    plan = commit_ledger(path, options=options, by=city.users["dispatcher"], now=now)

    case = Case.objects.get(number=plan.numbers[0])
    assert case.number.startswith("中督-2026-")
    assert (case.source, case.feedback_aspect) == (
        CaseSource.CENTRAL_FEEDBACK,
        FeedbackAspect.SPECIFIC,
    )
    assert case.lead_unit == city.dept
    assert list(
        CaseUnit.objects.filter(case=case).order_by("pk").values_list("unit__code", "role")
    ) == [("U-TXGOV", UnitRole.RESPONSIBLE), ("U-DSGOV", UnitRole.RESPONSIBLE)]
    assert case.rectification_measures == "一、开展专项整治；二、建立长效机制"


def test_feedback_needs_a_round(city, now, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])

    plan = preview_ledger(
        path, options=LedgerOptions(kind=SourceKind.FEEDBACK), by=city.users["dispatcher"], now=now
    )

    assert [p.reason for p in plan.problems] == ["导入督察反馈问题须选择督察轮次"]


def test_a_batch_needs_a_round(city, now, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])

    plan = preview_ledger(path, options=LedgerOptions(), by=city.users["dispatcher"], now=now)

    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (1, "交办批次", "填写交办批次须先选择督察轮次")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-30", dt.date(2026, 6, 30)),
        ("2026/6/3", dt.date(2026, 6, 3)),
        ("2026.06.30", dt.date(2026, 6, 30)),
        ("2026年6月30日", dt.date(2026, 6, 30)),
        ("2026年6月30日前", dt.date(2026, 6, 30)),
        ("20260630", dt.date(2026, 6, 30)),
        (46203, dt.date(2026, 6, 30)),
        (dt.datetime(2026, 6, 30, 0, 0), dt.date(2026, 6, 30)),
        ("", None),
    ],
)
def test_deadlines_are_read_as_cities_write_them(text, expected):
    assert parse_date(text) == expected


def test_long_term_deadlines_are_refused_with_advice():
    with pytest.raises(ValueError, match="不是具体日期.*长期任务可在导入后添加阶段节点"):
        parse_date("长期坚持")


@pytest.mark.parametrize(
    ("text", "number"), [("第3批", 3), ("3", 3), (3, 3), ("第二十三批", 23), ("十批", 10)]
)
def test_batches_are_read_in_figures_and_words(text, number):
    assert parse_batch(text) == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("大气", CaseCategory.AIR),
        ("大气污染", CaseCategory.AIR),
        ("扬尘", CaseCategory.AIR),
        ("水", CaseCategory.WATER),
        ("固体废物（含危险废物）", CaseCategory.WASTE),
        ("生活垃圾", CaseCategory.WASTE),
        ("噪音", CaseCategory.NOISE),
        ("大气、噪声", CaseCategory.AIR),
        ("生态破坏", CaseCategory.ECOLOGY),
    ],
)
def test_categories_are_read_from_common_words(text, code):
    assert parse_category(text) == code


# --- files that are not what they claim (the org import's reader) -----------


def test_a_50_mb_file_is_refused_before_it_is_opened(city, now, tmp_path):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as f:
        f.truncate(50 * MB)  # sparse: nothing is written

    with pytest.raises(WorkbookRejected, match="文件大小为 50.0 MB，超过 10.0 MB 的上限"):
        preview_ledger(path, options=LedgerOptions(), by=city.users["dispatcher"], now=now)


def test_a_zip_bomb_is_refused_from_its_declared_sizes(city, now, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(bytes(MB))
    assert path.stat().st_size < MB

    with pytest.raises(WorkbookRejected, match="疑似压缩炸弹"):
        commit_ledger(path, options=LedgerOptions(), by=city.users["dispatcher"], now=now)
    assert not Case.objects.exists()


def test_a_text_file_renamed_xlsx_is_refused(city, now, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes("受理编号,反映问题\nD1,扬尘\n".encode())

    with pytest.raises(WorkbookRejected, match="文件内容不是 Excel 工作簿"):
        preview_ledger(path, options=LedgerOptions(), by=city.users["dispatcher"], now=now)


def test_a_sheet_whose_headers_are_all_unknown_can_be_mapped_by_hand(
    city, inspection_round, now, tmp_path
):
    from dataclasses import replace

    from greenloop.cases.ledger.columns import builtin_field

    head = ["件号", "批", "对象", "内容", "地方", "类", "重点否", "牵头", "协同", "期限"]
    path = write_sheet(tmp_path / "a.xlsx", [head, good_row(1)[1:]])
    options = petitions(inspection_round)
    dispatcher = city.users["dispatcher"]

    before = preview_ledger(path, options=options, by=dispatcher, now=now)
    chosen = {i: builtin_field(h) for i, h in enumerate(HEAD[1:])}
    after = preview_ledger(
        path, options=replace(options, sheet=before.sheet, chosen=chosen), by=dispatcher, now=now
    )

    assert [p.reason[:9] for p in before.problems] == ["没有找到台账表头："]
    assert [c.header for c in before.columns] == head
    assert after.ok and len(after.rows) == 1
    assert after.rows[0].external_number == "D202600001"
