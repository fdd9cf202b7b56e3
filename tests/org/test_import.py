"""Importing regions, units and people from .xlsx: checks and commit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from greenloop.audit.models import AuditEvent
from greenloop.org.importing import (
    ImportRejected,
    Problem,
    WorkbookRejected,
    commit_import,
    preview_import,
)
from greenloop.org.importing.template import build_template
from greenloop.org.models import Person, Region, RoleGrant, Unit
from greenloop.org.roles import Role

MB = 1024 * 1024
REGION_HEAD = ["区划代码", "名称", "类型", "上级区划代码"]
UNIT_HEAD = [
    "单位编码",
    "单位名称",
    "单位类型",
    "所在区划代码",
    "上级单位编码",
    "属地管辖（是/否）",
]
PERSON_HEAD = ["姓名", "单位编码", "职务", "联系电话", "角色", "登录账号（选填）"]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def valid_sheets() -> dict[str, list[list[object]]]:
    """New regions, units and people under the ``city`` fixture, children first."""
    return {
        "区划": [
            REGION_HEAD,
            ["210303002002", "新华二社区", "社区", "210303002000"],
            ["210303002000", "新华街道", "街道", "210303000000"],
            [210321101000, "西山乡", "乡镇", "210321000000"],
        ],
        "单位": [
            UNIT_HEAD,
            ["U-XH2", "新华二社区两委", "村（社区）两委", "210303002002", "U-XH", "是"],
            ["U-XH", "新华街道党工委", "乡镇（街道）党委政府", "210303002000", "U-TXGOV", "是"],
        ],
        "人员": [
            PERSON_HEAD,
            ["陈新华", "U-XH", "主任", "13912345678", "单位负责人、调度员", "chenxh"],
            ["林社区", "U-XH2", "书记", "024-23456789", "网格员", None],
        ],
    }


def counts() -> tuple[int, int, int, int]:
    return (
        Region.objects.count(),
        Unit.objects.count(),
        Person.objects.count(),
        RoleGrant.objects.count(),
    )


def rejected(path: Path) -> list[Problem]:
    before = counts()

    with pytest.raises(ImportRejected) as exc:
        commit_import(path)

    assert counts() == before
    return exc.value.problems


def test_it_imports_every_row_of_a_valid_workbook(city, tmp_path):
    path = write_xlsx(tmp_path / "org.xlsx", valid_sheets())
    regions, units, people, _ = counts()

    plan = commit_import(path, actor_name="命令行 greenloop import", source="org.xlsx")

    assert plan.summary()["regions"] == {"new": 3, "updated": 0, "unchanged": 0}
    assert counts()[:3] == (regions + 3, units + 2, people + 2)
    street = Region.objects.get(code="210303002000")
    assert street.path == "210300000000/210303000000/210303002000/"
    assert Region.objects.get(code="210303002002").path.startswith(street.path)
    assert Unit.objects.get(code="U-XH2").parent.code == "U-XH"
    chen = Person.objects.get(name="陈新华")
    assert set(chen.role_grants.values_list("role", flat=True)) == {
        Role.UNIT_LEADER,
        Role.DISPATCHER,
    }
    assert chen.user.username == "chenxh"
    assert not chen.user.has_usable_password()
    assert Person.objects.get(name="林社区").user is None
    event = AuditEvent.objects.get(action="greenloop.org.import.committed")
    assert event.actor_name == "命令行 greenloop import"
    assert event.data["people"]["new"] == 2
    assert event.data["accounts"] == 1


def test_a_second_run_updates_rather_than_duplicates(city, tmp_path):
    sheets = valid_sheets()
    commit_import(write_xlsx(tmp_path / "a.xlsx", sheets))
    before = counts()
    sheets["区划"][2][1] = "新华街道办事处"
    sheets["人员"][2][2] = "党委书记"

    plan = commit_import(write_xlsx(tmp_path / "b.xlsx", sheets))

    assert counts() == before
    assert {t: (c.new, c.updated, c.unchanged) for t, c in plan.counts().items()} == {
        "区划": (0, 1, 2),
        "单位": (0, 0, 2),
        "人员": (0, 1, 1),
    }
    assert Region.objects.get(code="210303002000").name == "新华街道办事处"
    assert Person.objects.get(name="林社区").posts == "党委书记"


def test_the_preview_shows_rows_with_existing_codes_as_updates(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {"区划": [REGION_HEAD, ["210303000000", "铁西新区", "市辖区", "210300000000"]]},
    )

    plan = preview_import(path)

    assert plan.ok
    assert plan.counts()["区划"].updated == 1
    assert plan.updates == [("区划", 2, "铁西新区（210303000000）", ["名称"])]
    assert Region.objects.get(code="210303000000").name == "铁西区"


def test_a_region_cannot_move_under_a_parent_whose_code_it_does_not_extend(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {"区划": [REGION_HEAD, ["210303001000", "兴盛街道", "街道", "210321000000"]]},
    )

    assert rejected(path) == [
        Problem(
            "区划",
            2,
            "区划代码",
            "区划代码“210303001000”的前6位应与上级区划代码“210321000000”的前6位“210321”一致",
        )
    ]


def test_moving_a_region_repairs_the_paths_below_it(city, tmp_path):
    # A stored zone whose code shares the county's six digits: legal to move under.
    zone = Region.objects.create(
        code="210303990000", name="铁西园区", kind="ZONE", parent=city.city
    )
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {"区划": [REGION_HEAD, ["210303001000", "兴盛街道", "街道", "210303990000"]]},
    )

    plan = commit_import(path)

    assert plan.updates == [("区划", 2, "兴盛街道（210303001000）", ["上级区划代码"])]
    city.village.refresh_from_db()
    assert city.village.path == zone.path + "210303001000/210303001001/"


def test_missing_columns_are_named(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "区划": [
                ["区划代码", "名称", "上级区划代码"],
                ["210303002000", "新华街道", "210303000000"],
            ],
            "人员": [["姓名", "单位编码", "职务", "角色"], ["陈新华", "U-TXGOV", "主任", "调度员"]],
        },
    )

    assert rejected(path) == [
        Problem("区划", 1, "类型", "缺少必填列“类型”"),
        Problem("人员", 1, "联系电话", "缺少必填列“联系电话”"),
    ]


def test_a_workbook_without_any_import_sheet_is_refused(city, tmp_path):
    path = write_xlsx(tmp_path / "org.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})

    assert rejected(path) == [
        Problem(
            "", None, "", "工作簿中没有“区划”“单位”“人员”中的任何一个工作表（现有工作表：“Sheet1”）"
        ),
    ]


def test_duplicate_codes_in_the_file_are_reported_on_the_later_row(city, tmp_path):
    sheets = valid_sheets()
    sheets["区划"].append(["210303002000", "新华街道", "街道", "210303000000"])
    sheets["单位"].append(
        ["U-XH", "新华街道办事处", "乡镇（街道）党委政府", "210303002000", "", "是"]
    )

    assert rejected(write_xlsx(tmp_path / "org.xlsx", sheets)) == [
        Problem("区划", 5, "区划代码", "区划代码“210303002000”与第3行重复"),
        Problem("单位", 4, "单位编码", "单位编码“U-XH”与第3行重复"),
    ]


def test_unknown_parents_are_reported(city, tmp_path):
    sheets = valid_sheets()
    sheets["区划"].append(["210399001000", "无名街道", "街道", "210399000000"])
    sheets["单位"].append(["U-X", "某单位", "职能部门", "210303000000", "U-NOPE", "否"])
    sheets["人员"].append(["某人", "U-NOPE", "", "", "", ""])

    assert rejected(write_xlsx(tmp_path / "org.xlsx", sheets)) == [
        Problem("区划", 5, "上级区划代码", "上级区划代码“210399000000”在本文件和系统中都不存在"),
        Problem("单位", 4, "上级单位编码", "上级单位编码“U-NOPE”在本文件和系统中都不存在"),
        Problem("人员", 4, "单位编码", "单位编码“U-NOPE”在本文件和系统中都不存在"),
    ]


def test_bad_codes_are_reported(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "区划": [
                REGION_HEAD,
                ["21030300200", "少一位", "街道", "210303000000"],
                ["210303002001", "尾数非零", "街道", "210303000000"],
                ["210304002000", "前缀不符", "街道", "210303000000"],
                ["210303003001", "村挂县", "行政村", "210303000000"],
                ["210303000000", "铁西区", "市辖区", ""],
            ]
        },
    )

    assert rejected(path) == [
        Problem("区划", 2, "区划代码", "区划代码必须是12位数字，实际为“21030300200”"),
        Problem("区划", 3, "区划代码", "乡级区划代码的第10–12位应全为0，实际为“210303002001”"),
        Problem(
            "区划",
            4,
            "区划代码",
            "区划代码“210304002000”的前6位应与上级区划代码“210303000000”的前6位“210303”一致",
        ),
        Problem(
            "区划",
            5,
            "上级区划代码",
            "行政村属于村级，上级应为乡级区划（乡镇、街道），而“210303000000”是市辖区（县级）",
        ),
        Problem(
            "区划", 6, "上级区划代码", "“上级区划代码”不能为空：市辖区的上级应为市级区划（市）"
        ),
    ]


def test_a_level_change_that_strands_stored_children_is_refused(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {"区划": [REGION_HEAD, ["210303001000", "兴盛社区", "社区", "210303000000"]]},
    )

    problems = rejected(path)

    assert (
        Problem(
            "区划",
            2,
            "类型",
            "“210303001000”在系统中已有下级区划“和平社区（210303001001）”（社区），改为社区后层级不一致",
        )
        in problems
    )


def test_unknown_types_and_roles_are_reported(city, tmp_path):
    sheets = valid_sheets()
    sheets["区划"][1][2] = "小区"
    sheets["人员"][1][4] = "调度员;超级管理员"

    problems = rejected(write_xlsx(tmp_path / "org.xlsx", sheets))

    assert problems[0] == Problem(
        "区划",
        2,
        "类型",
        "未知的区划类型“小区”，应为：市、市辖区、县、开发区、乡镇、街道、行政村、社区",
    )
    assert (
        Problem(
            "人员",
            2,
            "角色",
            "未知角色“超级管理员”，应为：调度员、单位经办人、单位负责人、验收组成员、复核组成员、领导、网格员、"
            "执法人员、系统管理员、安全管理员、安全审计员（多个角色用“、”或“;”分隔）",
        )
        in problems
    )


def test_roles_that_break_the_separation_of_the_three_administrators_are_refused(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "人员": [
                PERSON_HEAD,
                ["吴系统", "U-OFFICE", "科员", "13812345678", "安全审计员", "sysadmin"],
                ["新管理", "U-OFFICE", "", "", "安全管理员、安全审计员", "newadmin"],
            ]
        },
    )

    assert rejected(path) == [
        Problem("人员", 2, "角色", "三员分立：吴系统已是系统管理员，不能再授予安全审计员"),
        Problem(
            "人员",
            3,
            "角色",
            "三员分立：安全管理员、安全审计员必须由不同的人担任，新管理只能担任其中一个",
        ),
    ]


def test_unit_cycles_and_bad_cells_are_reported(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "单位": [
                UNIT_HEAD,
                ["U-A", "甲", "工作组", "210300000000", "U-B", "否"],
                ["U-B", "乙", "工作组", "210300000000", "U-A", "否"],
                ["U-C", "丙", "职能部门", "210303000000", "U-DSGOV", "也许"],
            ],
            "人员": [PERSON_HEAD, ["", "U-A", "", "12345", "", "bad name!"]],
        },
    )

    assert rejected(path) == [
        Problem("单位", 2, "上级单位编码", "上级单位关系形成循环：U-A → U-B → U-A"),
        Problem("单位", 3, "上级单位编码", "上级单位关系形成循环：U-B → U-A → U-B"),
        Problem("单位", 4, "属地管辖", "属地管辖应填“是”或“否”，实际为“也许”"),
        Problem("人员", 2, "姓名", "“姓名”不能为空"),
        Problem(
            "人员",
            2,
            "联系电话",
            "联系电话“12345”格式不正确：应为11位手机号，或带区号的固定电话（如 024-12345678）",
        ),
        Problem(
            "人员",
            2,
            "登录账号",
            "登录账号“bad name!”不合规：只能包含字母、数字、汉字和 @ . + - _，最长150位",
        ),
    ]


def test_a_unit_whose_parent_sits_in_another_county_is_refused(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "单位": [
                UNIT_HEAD,
                ["U-C", "丙", "职能部门", "210303000000", "U-DSGOV", "否"],
            ]
        },
    )

    assert rejected(path) == [
        Problem(
            "单位",
            2,
            "上级单位编码",
            "上级单位“U-DSGOV”位于“东山县（210321000000）”，不是本单位所在区划“铁西区（210303000000）”或其上级区划",
        )
    ]


def test_boundaries_must_be_geojson_polygons(city, tmp_path):
    polygon = '{"type": "Polygon", "coordinates": [[[123.3, 41.8], [123.4, 41.8], [123.4, 41.9], [123.3, 41.8]]]}'
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "区划": [
                [*REGION_HEAD, "边界GeoJSON(optional)"],
                ["210303002000", "新华街道", "街道", "210303000000", polygon],
                [
                    "210303003000",
                    "光明街道",
                    "街道",
                    "210303000000",
                    '{"type": "Point", "coordinates": [1, 2]}',
                ],
                ["210303004000", "红旗街道", "街道", "210303000000", "{not json"],
            ]
        },
    )

    assert rejected(path) == [
        Problem(
            "区划",
            3,
            "边界GeoJSON",
            "边界GeoJSON的type必须是Polygon、MultiPolygon、Feature、FeatureCollection之一",
        ),
        Problem("区划", 4, "边界GeoJSON", "边界GeoJSON不是有效的JSON（第2个字符附近有误）"),
    ]


def test_people_are_matched_by_account_then_by_unit_and_name(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "人员": [
                PERSON_HEAD,
                ["李铁西", "U-TXGOV", "副主任", "", "单位负责人", "county_user"],
                ["赵东山", "U-DSGOV", "", "13900001111", "", None],
            ]
        },
    )
    before = counts()

    plan = commit_import(path)

    assert counts()[:3] == before[:3]
    assert plan.counts()["人员"].updated == 2
    li = city.people["county_user"]
    li.refresh_from_db()
    assert li.posts == "副主任"
    assert li.phone == "13812345678"  # empty cell: unchanged
    assert set(li.role_grants.values_list("role", flat=True)) == {
        Role.UNIT_HANDLER,
        Role.UNIT_LEADER,
    }


def test_a_new_account_name_for_a_person_with_an_account_is_refused(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "人员": [
                PERSON_HEAD,
                ["李铁西", "U-TXGOV", "", "", "", "lityexi"],
            ]
        },
    )

    assert rejected(path) == [
        Problem(
            "人员",
            2,
            "登录账号",
            "系统中单位“U-TXGOV”的“李铁西”已有登录账号“county_user”，与表中的“lityexi”不一致；导入不能修改登录账号",
        )
    ]


def test_an_existing_account_without_a_person_is_not_taken_over(city, tmp_path, django_user_model):
    django_user_model.objects.create_superuser(username="root", password="x")
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {"人员": [PERSON_HEAD, ["某人", "U-OFFICE", "", "", "调度员", "root"]]},
    )

    assert rejected(path) == [
        Problem(
            "人员",
            2,
            "登录账号",
            "登录账号“root”已存在但未关联人员，导入不能把人员绑定到已有账号，请联系系统管理员处理",
        )
    ]


def test_headers_below_a_title_row_and_unknown_sheets_are_accepted(city, tmp_path):
    path = write_xlsx(
        tmp_path / "org.xlsx",
        {
            "区划": [
                ["示范市新增区划"],
                REGION_HEAD + ["备注"],
                ["210303002000", "新华街道", "街道", "210303000000", "新设"],
            ],
            "Sheet2": [["随便"]],
        },
    )

    plan = preview_import(path)

    assert plan.ok
    assert plan.regions[0].row == 3
    assert [n.reason for n in plan.notes] == [
        "“区划”表的列“备注”不是导入列，已忽略",
        "工作表“Sheet2”不是导入表（应为“区划”“单位”“人员”），已忽略",
    ]


def test_the_sample_workbook_imports_cleanly(db, tmp_path):
    path = tmp_path / "sample.xlsx"
    path.write_bytes(build_template(sample=True))

    plan = commit_import(path)

    assert {t: c.new for t, c in plan.counts().items()} == {"区划": 6, "单位": 6, "人员": 5}
    assert preview_import(path).counts()["人员"].unchanged == 5


def test_the_empty_template_previews_without_problems(db, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template())

    plan = preview_import(path)

    assert plan.ok
    assert plan.notes == []
    assert sum(c.total for c in plan.counts().values()) == 0


# --- files that are not what they claim -------------------------------------


def test_a_50_mb_file_is_refused_before_it_is_opened(db, tmp_path):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as f:
        f.truncate(50 * MB)  # sparse: nothing is written

    with pytest.raises(
        WorkbookRejected, match="文件大小为 50.0 MB，超过 10.0 MB 的上限，未读取文件内容"
    ):
        preview_import(path)


def _zip(path: Path, members: dict[str, bytes | int]) -> Path:
    """A zip; an int member is that many zeros, streamed in 1 MB pieces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            if isinstance(content, bytes):
                zf.writestr(name, content)
                continue
            with zf.open(name, "w", force_zip64=True) as member:
                for _ in range(content // MB):
                    member.write(bytes(MB))
    return path


def test_a_zip_bomb_is_refused_from_its_declared_sizes(db, tmp_path):
    path = _zip(
        tmp_path / "bomb.xlsx",
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": 200 * MB,
        },
    )
    assert path.stat().st_size < 1 * MB

    with pytest.raises(
        WorkbookRejected, match="文件解压后将达到 200.0 MB，超过 100.0 MB 的上限，疑似压缩炸弹"
    ):
        preview_import(path)


def test_a_member_compressed_beyond_reason_is_refused(db, tmp_path):
    path = _zip(
        tmp_path / "bomb.xlsx",
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": 20 * MB,
        },
    )

    with pytest.raises(
        WorkbookRejected, match="部件“xl/sharedStrings.xml”压缩比达 \\d+:1，超过 100:1 的上限"
    ):
        preview_import(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "区划代码,名称\n210303002000,新华街道\n".encode(),
            "文件内容不是 Excel 工作簿（.xlsx），可能是改了扩展名的文本",
        ),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "文件是图片（PNG），不是 Excel 工作簿（.xlsx）"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "文件是旧版 Excel（.xls）或加密的 Office 文档",
        ),
        (b"PK\x03\x04 broken", "文件已损坏：不是完整的 .xlsx（zip）文件"),
        (b"", "文件是空的"),
    ],
)
def test_files_that_are_not_workbooks_are_named_for_what_they_are(db, tmp_path, content, message):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)

    with pytest.raises(WorkbookRejected, match=message):
        preview_import(path)


def test_a_word_document_renamed_to_xlsx_is_refused(db, tmp_path):
    path = _zip(
        tmp_path / "report.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
    )

    with pytest.raises(WorkbookRejected, match="文件是 Word 文档（.docx），不是 Excel 工作簿"):
        preview_import(path)


def test_a_zip_with_the_right_names_but_broken_parts_is_refused(db, tmp_path):
    path = _zip(
        tmp_path / "fake.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}
    )

    with pytest.raises(WorkbookRejected, match="无法读取工作簿：文件已损坏"):
        preview_import(path)


def test_xml_entity_expansion_is_refused(db, tmp_path):
    good = tmp_path / "good.xlsx"
    write_xlsx(good, {"区划": [REGION_HEAD]})
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = bomb if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data)

    with pytest.raises(WorkbookRejected, match="无法读取工作簿"):
        preview_import(evil)
