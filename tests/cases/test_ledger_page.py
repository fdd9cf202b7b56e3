"""The ledger import page /cases/import/: upload, map columns, preview,
confirm; the mapping is remembered per user."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from greenloop.cases.ledger.mapping import remembered_headers
from greenloop.cases.models import Case, CaseState, InspectionRound, LedgerMapping, RoundKind
from tests.cases.test_ledger_import import HEAD, good_row, xlsx_bytes

URL = "/cases/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def inspection_round(db):
    return InspectionRound.objects.create(kind=RoundKind.CENTRAL, name="第三轮中央生态环境保护督察")


@pytest.fixture(autouse=True)
def _deadlines_in_the_future(monkeypatch):
    """The page reads the clock; the rows' deadlines must not be past."""
    import greenloop.cases.views.ledger as views

    fixed = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(views.timezone, "now", lambda: fixed)


def upload(client, content: bytes, name: str = "台账.xlsx", **fields: object):
    data = {"action": "upload", "kind": "PETITION", "file": SimpleUploadedFile(name, content, XLSX)}
    data.update(fields)
    return client.post(URL, data)


def pending_files() -> list[Path]:
    folder = Path(settings.DATA_DIR) / "imports"
    return sorted(folder.glob("*.xlsx")) if folder.exists() else []


@pytest.fixture(autouse=True)
def _no_leftovers():
    for path in pending_files():
        path.unlink()


def test_the_urls_are_named_in_the_cases_namespace():
    assert reverse("cases:ledger_import") == URL
    assert reverse("cases:ledger_export") == "/cases/ledger.xlsx"
    assert reverse("cases:ledger_template") == "/cases/import/template.xlsx"


def test_the_dispatcher_previews_then_commits(city, login, inspection_round):
    client = login(city.users["dispatcher"])
    assert "上传并预览" in client.get(URL).content.decode()

    response = upload(
        client,
        xlsx_bytes([HEAD, good_row(1), good_row(2, 交办批次="")]),
        inspection_round=inspection_round.pk,
        batch_number=7,
    )
    page = client.get(URL).content.decode()
    committed = client.post(URL, {"action": "commit"}, follow=True)

    assert response.status_code == 302
    assert 'id="import-counts"' in page and "确认导入" in page
    assert "将新建交办批次：第1批、第7批" in page
    assert Case.objects.filter(batch__number=7).count() == 1
    assert Case.objects.filter(state=CaseState.ASSIGNED).count() == 2
    assert "导入完成：登记问题2件（督信-2026-0001 至 督信-2026-0002），其中2件已交办" in (
        committed.content.decode()
    )
    assert pending_files() == []


def test_a_preview_with_errors_lists_every_one_and_offers_no_commit(city, login, inspection_round):
    client = login(city.users["dispatcher"])
    upload(
        client,
        xlsx_bytes([HEAD, good_row(1, 行政区域="西山区"), good_row(2, 污染类型="光")]),
        inspection_round=inspection_round.pk,
    )

    page = client.get(URL).content.decode()

    assert "发现 2 个问题，整个文件都不会导入" in page
    assert "未找到行政区域“西山区”" in page and "未知的污染类型“光”" in page
    assert 'id="import-commit"' not in page
    assert client.post(URL, {"action": "commit"}).status_code == 400
    assert not Case.objects.exists()


def test_an_unknown_header_is_mapped_by_hand_and_remembered_for_the_user(
    city, login, inspection_round
):
    head = ["信访件号", *HEAD[2:]]
    rows = [head, good_row(1)[1:]]
    client = login(city.users["dispatcher"])
    upload(client, xlsx_bytes(rows), inspection_round=inspection_round.pk)
    before = client.get(URL).content.decode()
    assert "缺少“受理编号”列" in before

    columns = {f"col-{i}": "" for i in range(len(head))}
    columns.update({"col-0": "external_number", "col-1": "batch", "col-2": "enterprise_name"})
    columns.update({f"col-{i}": "" for i in range(3, len(head))})
    from greenloop.cases.ledger.columns import builtin_field

    for i, header in enumerate(head[1:], start=1):
        columns[f"col-{i}"] = builtin_field(header)
    client.post(URL, {"action": "map", "sheet": "Sheet", **columns})
    after = client.get(URL).content.decode()
    client.post(URL, {"action": "cancel"})
    upload(client, xlsx_bytes([head, good_row(5)[1:]]), inspection_round=inspection_round.pk)
    next_time = client.get(URL).content.decode()

    assert "确认导入" in after
    assert remembered_headers(city.users["dispatcher"]) == {"信访件号": "external_number"}
    assert "已记住" in next_time and "确认导入" in next_time
    assert not LedgerMapping.objects.filter(user=city.users["leader"]).exists()


def test_choosing_the_built_in_field_again_forgets_the_choice(city, login, inspection_round):
    from greenloop.cases.ledger.columns import builtin_field

    client = login(city.users["dispatcher"])
    upload(client, xlsx_bytes([HEAD, good_row(1)]), inspection_round=inspection_round.pk)
    columns = {f"col-{i}": builtin_field(h) for i, h in enumerate(HEAD)}
    client.post(URL, {"action": "map", "sheet": "Sheet", **columns, "col-3": ""})
    assert remembered_headers(city.users["dispatcher"]) == {"反映对象": ""}

    client.post(URL, {"action": "map", "sheet": "Sheet", **columns})

    assert remembered_headers(city.users["dispatcher"]) == {}


def test_a_file_over_the_limit_is_refused_before_it_is_stored(city, login):
    client = login(city.users["dispatcher"])
    limit = settings.GREENLOOP_MAX_UPLOAD_BYTES

    response = upload(client, b"PK\x03\x04" + bytes(limit - 3), "big.xlsx")

    assert response.status_code == 413
    assert "超过 10.0 MB 的上限，未读取文件内容" in response.content.decode()
    assert pending_files() == []


def test_a_text_file_renamed_xlsx_is_refused(city, login):
    client = login(city.users["dispatcher"])

    response = upload(client, "受理编号,反映问题\nD1,扬尘\n".encode(), "ledger.xlsx")

    assert response.status_code == 400
    assert "文件内容不是 Excel 工作簿（.xlsx）" in response.content.decode()
    assert pending_files() == []


def test_feedback_without_a_round_is_refused_by_the_form(city, login):
    client = login(city.users["dispatcher"])

    response = upload(client, xlsx_bytes([HEAD, good_row(1)]), kind="FEEDBACK")

    assert response.status_code == 400
    assert "导入督察反馈问题须选择督察轮次" in response.content.decode()
    assert pending_files() == []


def test_the_template_downloads_as_a_workbook(city, login):
    response = login(city.users["dispatcher"]).get(reverse("cases:ledger_template"))

    assert response.status_code == 200
    wb = load_workbook(__import__("io").BytesIO(response.content))
    header = [c.value for c in wb["台账"][2]]
    assert header[:3] == ["受理编号", "交办批次", "问题标题"]
    assert "说明" in wb.sheetnames


@pytest.mark.parametrize("persona", ["county_user", "dept_user", "leader", "sysadmin"])
def test_users_who_do_not_register_cases_get_403(city, login, persona):
    assert login(city.users[persona]).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
