"""``greenloop import FILE.xlsx [--commit]``."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import Workbook

from greenloop.audit.models import AuditEvent
from greenloop.org.import_cli import import_
from greenloop.org.models import Region

HEAD = ["区划代码", "名称", "类型", "上级区划代码"]


def write(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "区划"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def test_without_commit_it_previews_and_writes_nothing(city, tmp_path):
    path = write(
        tmp_path / "org.xlsx", [HEAD, ["210303002000", "新华街道", "街道", "210303000000"]]
    )

    result = CliRunner().invoke(import_, [path])

    assert result.exit_code == 0, result.output
    assert "区划\t1\t0\t0" in result.output
    assert not Region.objects.filter(code="210303002000").exists()


def test_with_commit_it_imports_and_records_the_actor(city, tmp_path):
    path = write(
        tmp_path / "org.xlsx", [HEAD, ["210303002000", "新华街道", "街道", "210303000000"]]
    )

    result = CliRunner().invoke(import_, [path, "--commit", "--by", "sysadmin"])

    assert result.exit_code == 0, result.output
    assert "导入完成" in result.output
    assert Region.objects.get(code="210303002000").parent == city.county
    assert (
        AuditEvent.objects.get(action="greenloop.org.import.committed").actor
        == city.users["sysadmin"]
    )


def test_errors_are_printed_as_sheet_row_column_reason_and_exit_1(city, tmp_path):
    path = write(
        tmp_path / "org.xlsx",
        [
            HEAD,
            ["210303002000", "新华街道", "街道", "210303000000"],
            ["2103", "坏代码", "街道", "210303000000"],
        ],
    )

    for args in ([path], [path, "--commit"]):
        result = CliRunner().invoke(import_, args)

        assert result.exit_code == 1
        assert "表\t行\t列\t原因" in result.output
        assert "区划\t3\t区划代码\t区划代码必须是12位数字，实际为“2103”" in result.output
        assert not Region.objects.filter(code="210303002000").exists()


def test_a_file_that_is_not_a_workbook_exits_1(db, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello", encoding="utf-8")

    result = CliRunner().invoke(import_, [str(path), "--commit"])

    assert result.exit_code == 1
    assert "文件被拒绝：文件内容不是 Excel 工作簿（.xlsx）" in result.output
