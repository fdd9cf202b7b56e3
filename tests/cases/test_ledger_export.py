"""Exporting the case ledger (台账): the import's layout, scoped to the user,
filtered as on the case list, reading back as it was imported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.http import QueryDict
from openpyxl import load_workbook

from greenloop.audit.models import AuditEvent
from greenloop.cases.ledger import (
    LedgerOptions,
    SourceKind,
    commit_ledger,
    export_ledger,
    filtered_cases,
    preview_ledger,
)
from greenloop.cases.models import CaseSource, InspectionRound, RoundKind
from tests.cases.test_ledger_import import write_sheet

URL = "/cases/ledger.xlsx"
FULL_HEAD = [
    "受理编号",
    "交办批次",
    "问题标题",
    "反映对象",
    "反映问题",
    "行政区域",
    "地址",
    "污染类型",
    "反映问题数",
    "是否重点",
    "责任单位",
    "配合单位",
    "整改时限",
    "整改目标",
    "整改措施",
]
FULL_ROWS = [
    [
        "D2026-0101",
        "第1批",
        "兴盛街道某建材厂粉尘污染",
        "示范市兴盛建材有限公司",
        "该厂露天堆放砂石，粉尘污染严重。夜间生产噪声扰民。",
        "兴盛街道",
        "兴盛街道和平路88号",
        "大气污染",
        2,
        "是",
        "铁西区人民政府、示范市住建局铁西分局",
        "示范市住房和城乡建设局",
        dt.date(2026, 4, 30),
        "物料全部入棚，粉尘达标排放",
        "一、建设封闭料棚；二、安装喷淋设施",
    ],
    [
        "D2026-0102",
        "第2批",
        "东山镇养殖场粪污直排",
        "东山镇某养殖场",
        "养殖场粪污直排河道，气味难闻。",
        "东山镇",
        "",
        "水污染",
        1,
        "否",
        "东山县人民政府",
        "",
        dt.date(2026, 5, 31),
        "",
        "",
    ],
    [
        "D2026-0103",
        "第2批",
        "和平社区餐饮油烟扰民",
        "",
        "小区底商烧烤店油烟扰民。",
        "和平社区",
        "",
        "大气污染",
        1,
        "否",
        "",
        "",
        None,
        "",
        "",
    ],
]


@pytest.fixture
def rounds(db):
    first = InspectionRound.objects.create(
        kind=RoundKind.CENTRAL, name="第三轮中央生态环境保护督察"
    )
    second = InspectionRound.objects.create(
        kind=RoundKind.PROVINCIAL, name="第二轮省级生态环境保护督察"
    )
    return first, second


def _read(data: bytes, sheet: str = "台账") -> list[list[object]]:
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def _export(user, now, **params: str | list[str]) -> bytes:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    from django.utils import timezone

    return export_ledger(filtered_cases(user, query, today=timezone.localdate(now)), now=now)


def test_an_imported_sheet_exports_and_reads_back_with_the_same_values(city, rounds, now, tmp_path):
    first, second = rounds
    dispatcher = city.users["dispatcher"]
    source = write_sheet(tmp_path / "in.xlsx", [FULL_HEAD, *FULL_ROWS])
    imported = commit_ledger(
        source,
        options=LedgerOptions(kind=SourceKind.PETITION, round_id=first.pk),
        by=dispatcher,
        now=now,
    )

    data = _export(dispatcher, now, inspection_round=str(first.pk))
    exported = tmp_path / "out.xlsx"
    exported.write_bytes(data)
    again = preview_ledger(
        exported,
        options=LedgerOptions(kind=SourceKind.PETITION, round_id=second.pk),
        by=dispatcher,
        now=now,
    )

    rows = _read(data)
    header = rows[1]
    by_header = [dict(zip(header, r, strict=True)) for r in rows[2:]]
    for original, written in zip(FULL_ROWS, by_header, strict=True):
        for column, value in zip(FULL_HEAD, original, strict=True):
            got = written[column]
            if isinstance(value, dt.date):
                got = got.date()
            assert (got if got is not None else "") == (value if value is not None else ""), column
    assert again.ok, again.problems
    assert {n.reason for n in again.notes} >= {
        "“序号”列仅用于导出（序号），导入时不读取",
        "“当前状态”列仅用于导出（当前状态），导入时不读取",
    }

    assert _fields(again) == _fields(imported)


def _fields(plan):
    """The rows as the import read them, without their row numbers."""
    return [
        {name: getattr(r, name) for name in r.__dataclass_fields__ if name != "row"}
        for r in plan.rows
    ]


def test_the_ledger_has_a_title_a_frozen_header_widths_and_the_state_of_each_case(loop, now):
    case = loop.to("CLOSED", external_number="D-1", is_key=True)

    data = _export(loop.user("dispatcher"), now)

    wb = load_workbook(io.BytesIO(data))
    ws = wb["台账"]
    assert ws.freeze_panes == "D3"
    assert ws["A1"].value.startswith("问题台账（导出时间：2026-03-02 09:00）")
    assert ws.column_dimensions["G"].width == 50  # 反映问题
    header = [c.value for c in ws[2]]
    row = dict(zip(header, [c.value for c in ws[3]], strict=True))
    assert row["问题编号"] == case.number
    assert row["当前状态"] == "已销号"
    assert row["办结情况"] == "已办结"
    assert row["是否属实"] == "属实"
    assert row["销号日期"].date() == dt.date(2026, 3, 2)
    assert row["是否按期办结"] == "是"
    assert row["办理情况"] == "已安装油烟净化设备"
    assert row["来源"] == "督察交办信访件"
    assert "说明" in wb.sheetnames


def test_an_open_case_past_its_deadline_is_flagged_overdue(loop):
    loop.to("RECTIFYING")
    later = dt.datetime(2026, 5, 6, 1, 0, tzinfo=dt.UTC)

    rows = _read(_export(loop.user("dispatcher"), later))

    row = dict(zip(rows[1], rows[2], strict=True))
    assert (row["当前状态"], row["办结情况"], row["是否按期办结"]) == (
        "整改中",
        "未办结",
        "否（逾期）",
    )


def test_a_county_users_export_holds_only_its_county(loop, login):
    loop.register(region=loop.city.township, title="铁西区的问题")
    loop.register(region=loop.city.other_township, title="东山县的问题")

    response = login(loop.user("county_user")).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    titles = [r[4] for r in _read(response.content)[2:]]
    assert titles == ["铁西区的问题"]


def test_the_export_takes_the_case_lists_filters(loop, login):
    loop.register(title="交办信访件")
    loop.register(title="群众举报", source=CaseSource.PUBLIC_REPORT)
    loop.to("ASSIGNED", title="已交办的举报", source=CaseSource.PUBLIC_REPORT)
    client = login(loop.user("dispatcher"))

    by_source = client.get(URL, {"source": CaseSource.PUBLIC_REPORT})
    by_state = client.get(URL, {"source": CaseSource.PUBLIC_REPORT, "state": "ASSIGNED"})
    searched = client.get(URL, {"q": "信访"})

    assert sorted(r[4] for r in _read(by_source.content)[2:]) == ["已交办的举报", "群众举报"]
    assert [r[4] for r in _read(by_state.content)[2:]] == ["已交办的举报"]
    assert [r[4] for r in _read(searched.content)[2:]] == ["交办信访件"]
    event = AuditEvent.objects.filter(action="greenloop.cases.ledger.exported").latest("pk")
    assert event.actor == loop.user("dispatcher")
    assert event.data == {"filters": {"q": ["信访"]}, "rows": 1}


def test_people_without_case_access_get_403(city, login):
    assert login(city.users["sysadmin"]).get(URL).status_code == 403


def test_the_export_asks_the_same_number_of_queries_for_more_cases(
    loop, now, django_assert_max_num_queries
):
    dispatcher = loop.user("dispatcher")
    for i in range(3):
        loop.assign(loop.register(title=f"问题{i}"), cooperating_units=[loop.city.dept])
    _export(dispatcher, now)  # warm the user's scope
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        _export(dispatcher, now)
    for i in range(6):
        loop.assign(loop.register(title=f"更多问题{i}"), cooperating_units=[loop.city.dept])
    with django_assert_max_num_queries(len(few)):
        _export(dispatcher, now)
