"""The import page /org/import/: upload, preview, confirm."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from greenloop.audit.models import AuditEvent
from greenloop.org.models import Person, Region, Unit

URL = "/org/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    "区划": [
        ["区划代码", "名称", "类型", "上级区划代码"],
        ["210303002000", "新华街道", "街道", "210303000000"],
    ],
    "单位": [
        ["单位编码", "单位名称", "单位类型", "所在区划代码", "上级单位编码", "属地管辖"],
        ["U-XH", "新华街道党工委", "乡镇（街道）党委政府", "210303002000", "U-TXGOV", "是"],
    ],
    "人员": [
        ["姓名", "单位编码", "职务", "联系电话", "角色", "登录账号"],
        ["陈新华", "U-XH", "主任", "13912345678", "", "chenxh"],
    ],
}


def upload(client, content: bytes, name: str = "org.xlsx"):
    return client.post(URL, {"action": "upload", "file": SimpleUploadedFile(name, content, XLSX)})


def pending_files() -> list[Path]:
    folder = Path(settings.DATA_DIR) / "imports"
    return sorted(folder.glob("*.xlsx")) if folder.exists() else []


@pytest.fixture(autouse=True)
def _no_leftovers():
    for path in pending_files():
        path.unlink()


def test_the_url_is_named_import_in_the_org_namespace():
    assert reverse("org:import") == URL


def test_the_sysadmin_previews_then_commits(city, login):
    client = login(city.users["sysadmin"])
    assert "下载导入模板" in client.get(URL).content.decode()

    response = upload(client, xlsx(GOOD))

    assert response.status_code == 302
    assert len(pending_files()) == 1
    page = client.get(URL).content.decode()
    assert "确认导入" in page
    assert 'id="import-counts"' in page
    assert not Region.objects.filter(code="210303002000").exists()

    response = client.post(URL, {"action": "commit"})

    assert response.status_code == 302
    assert Region.objects.filter(code="210303002000").exists()
    assert Unit.objects.get(code="U-XH").region.code == "210303002000"
    assert Person.objects.get(name="陈新华").user.username == "chenxh"
    assert AuditEvent.objects.filter(
        action="greenloop.org.import.committed", actor=city.users["sysadmin"]
    ).exists()
    assert pending_files() == []
    assert "导入完成" in client.get(URL).content.decode()


def test_a_preview_with_errors_lists_them_and_offers_no_commit(city, login):
    client = login(city.users["sysadmin"])
    bad = {"区划": [GOOD["区划"][0], ["210303002000", "新华街道", "街道", "210399000000"]]}
    upload(client, xlsx(bad))

    page = client.get(URL).content.decode()

    assert 'id="import-errors"' in page
    assert (
        "<td>区划</td><td>2</td><td>上级区划代码</td><td>上级区划代码“210399000000”在本文件和系统中都不存在</td>"
        in page
    )
    assert "确认导入" not in page

    response = client.post(URL, {"action": "commit"})

    assert response.status_code == 400
    assert not Region.objects.filter(code="210303002000").exists()


def test_cancel_deletes_the_uploaded_file(city, login):
    client = login(city.users["sysadmin"])
    upload(client, xlsx(GOOD))

    client.post(URL, {"action": "cancel"})

    assert pending_files() == []
    assert "上传并预览" in client.get(URL).content.decode()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(city, login):
    client = login(city.users["sysadmin"])
    limit = settings.GREENLOOP_MAX_UPLOAD_BYTES

    response = upload(client, b"PK\x03\x04" + bytes(limit - 3), "big.xlsx")

    assert response.status_code == 413
    assert "超过 10.0 MB 的上限，未读取文件内容" in response.content.decode()
    assert pending_files() == []


def test_a_text_file_renamed_xlsx_is_refused(city, login):
    client = login(city.users["sysadmin"])

    response = upload(client, "姓名,单位编码\n陈新华,U-XH\n".encode(), "people.xlsx")

    assert response.status_code == 400
    assert "文件内容不是 Excel 工作簿（.xlsx）" in response.content.decode()
    assert pending_files() == []


def test_the_template_downloads_as_a_workbook(city, login):
    client = login(city.users["sysadmin"])

    response = client.get(reverse("org:import_template"))

    assert response["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(response.content)).sheetnames == [
        "区划",
        "单位",
        "人员",
        "说明",
    ]


@pytest.mark.parametrize("persona", ["county_user", "dispatcher", "secadmin", "auditor"])
def test_users_without_org_management_get_403(city, login, persona):
    client = login(city.users[persona])

    assert client.get(URL).status_code == 403
    assert upload(client, xlsx(GOOD)).status_code == 403
    assert client.get(reverse("org:import_template")).status_code == 403
    assert pending_files() == []


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_commit_checks_the_file_again_against_the_database(city, login, django_user_model):
    client = login(city.users["sysadmin"])
    upload(client, xlsx(GOOD))
    assert "确认导入" in client.get(URL).content.decode()
    django_user_model.objects.create_user(username="chenxh")  # meanwhile, elsewhere

    response = client.post(URL, {"action": "commit"})

    assert response.status_code == 400
    assert "登录账号“chenxh”已存在但未关联人员" in response.content.decode()
    assert not Region.objects.filter(code="210303002000").exists()
    assert not AuditEvent.objects.filter(action="greenloop.org.import.committed").exists()


def test_a_new_upload_replaces_the_pending_one(city, login):
    client = login(city.users["sysadmin"])
    upload(client, xlsx(GOOD))
    first = pending_files()

    upload(client, xlsx(GOOD))

    assert len(pending_files()) == 1
    assert pending_files() != first


def test_the_sysadmins_import_cannot_grant_roles(city, login):
    client = login(city.users["sysadmin"])
    with_roles = {**GOOD, "人员": [GOOD["人员"][0], ["陈新华", "U-XH", "主任", "13912345678", "单位负责人", "chenxh"]]}

    upload(client, xlsx(with_roles))
    page = client.get(URL).content.decode()

    assert "角色须由安全管理员授予（三员分立）" in page
    assert "确认导入" not in page
    assert not Person.objects.filter(name="陈新华").exists()
