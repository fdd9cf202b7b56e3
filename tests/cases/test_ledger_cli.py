"""``greenloop cases import FILE.xlsx --by USER [--commit]`` and
``greenloop cases export --out FILE.xlsx --by USER``."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from greenloop.cases.ledger_cli import cases
from greenloop.cases.models import Case, InspectionRound, RoundKind
from tests.cases.test_ledger_import import HEAD, good_row, write_sheet


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The command reads the clock; the rows' deadlines must not be past."""
    from django.utils import timezone

    fixed = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)


@pytest.fixture
def inspection_round(db):
    return InspectionRound.objects.create(kind=RoundKind.CENTRAL, name="第三轮中央生态环境保护督察")


def run(*args: str):
    return CliRunner().invoke(cases, list(args))


def test_without_commit_it_previews_and_writes_nothing(city, inspection_round, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])

    result = run("import", str(path), "--by", "dispatcher", "--round", str(inspection_round.pk))

    assert result.exit_code == 0, result.output
    assert "B列 受理编号 → 受理编号（自动识别）" in result.output
    assert "将登记 1 件（其中交办 1 件）" in result.output
    assert "检查通过。加 --commit 执行导入。" in result.output
    assert not Case.objects.exists()


def test_with_commit_it_registers_the_cases(city, inspection_round, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1), good_row(2)])

    result = run(
        "import", str(path), "--by", "dispatcher", "--round", str(inspection_round.pk), "--commit"
    )

    assert result.exit_code == 0, result.output
    assert (
        "导入完成：登记 2 件（督信-2026-0001 至 督信-2026-0002），其中交办 2 件。" in result.output
    )
    assert Case.objects.count() == 2


def test_problems_are_printed_as_sheet_row_column_reason_and_exit_1(
    city, inspection_round, tmp_path
):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1, 行政区域="西山区")])

    result = run("import", str(path), "--by", "dispatcher", "--round", str(inspection_round.pk))

    assert result.exit_code == 1
    assert "表\t行\t列\t原因" in result.output
    assert "台账\t2\t行政区域\t未找到行政区域“西山区”" in result.output


def test_map_names_the_field_of_an_unknown_header(city, inspection_round, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [["信访件号", *HEAD[2:]], good_row(1)[1:]])

    result = run(
        "import",
        str(path),
        "--by",
        "dispatcher",
        "--round",
        str(inspection_round.pk),
        "--map",
        "信访件号=受理编号",
        "--commit",
    )

    assert result.exit_code == 0, result.output
    assert Case.objects.get().external_number == "D202600001"


def test_a_file_that_is_not_a_workbook_is_refused(city, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"%PDF-1.7 fake")

    result = run("import", str(path), "--by", "dispatcher")

    assert result.exit_code == 1
    assert "文件被拒绝：文件是 PDF 文档" in result.output


def test_an_unknown_account_is_refused(city, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [HEAD, good_row(1)])

    result = run("import", str(path), "--by", "nobody")

    assert result.exit_code == 2
    assert "没有启用中的登录账号“nobody”" in result.output


def test_export_writes_the_cases_the_account_sees(city, inspection_round, tmp_path):
    path = write_sheet(
        tmp_path / "a.xlsx",
        [HEAD, good_row(1), good_row(2, 行政区域="东山县", 责任单位="东山县人民政府", 配合单位="")],
    )
    run("import", str(path), "--by", "dispatcher", "--round", str(inspection_round.pk), "--commit")
    out = tmp_path / "ledger.xlsx"

    result = run(
        "export", "--out", str(out), "--by", "county_user", "--round", str(inspection_round.pk)
    )

    assert result.exit_code == 0, result.output
    assert f"已导出 1 件问题到 {out}" in result.output
    rows = list(load_workbook(out)["台账"].iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == ["D202600001"]
