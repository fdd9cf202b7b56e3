"""Word and Excel exports of published responsibility lists."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import docx
import openpyxl
from django.urls import reverse

from greenloop.org import services
from greenloop.org.models import DutyCategory

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 2026-03-02 09:00 in Shanghai


def _publish(unit, duties):
    draft = services.current_draft(unit=unit)
    for category, text, basis in duties:
        services.add_duty(rlist=draft, category=category, text=text, legal_basis=basis)
    return services.publish_list(rlist=draft, by=None, now=NOW)


DUTIES = [
    (
        DutyCategory.LEADERSHIP,
        "党政主要负责人是本行政区域生态环境保护第一责任人",
        "《党政领导干部生态环境损害责任追究办法》",
    ),
    (
        DutyCategory.AIR,
        "=组织开展秋冬季大气污染综合治理\n落实重污染天气应急减排",
        "《大气污染防治法》第三条",
    ),
]


def _export(client, unit, fmt):
    return client.get(reverse("org:duty_export", args=[unit.pk, fmt]))


def test_word_export_has_the_title_date_version_and_table(city, login):
    _publish(city.county_gov, DUTIES)
    client = login(city.users["county_user"])

    response = _export(client, city.county_gov, "docx")

    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[0] == "铁西区人民政府生态环境保护责任清单"
    assert paragraphs[1] == "（第1版　2026年3月2日发布）"
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "责任类别", "责任内容", "依据"]
    assert rows[1] == ["1", "领导责任", DUTIES[0][1], DUTIES[0][2]]
    assert rows[2][0:2] == ["2", "大气污染防治"]
    assert rows[2][2] == DUTIES[1][1]


def test_word_export_names_chinese_fonts_for_east_asian_text(city, login):
    _publish(city.county_gov, DUTIES)
    client = login(city.users["county_user"])

    document = docx.Document(io.BytesIO(_export(client, city.county_gov, "docx").content))

    xml = document.element.xml + document.styles.element.xml
    assert 'w:eastAsia="仿宋"' in xml
    assert 'w:eastAsia="宋体"' in xml
    title_run = document.paragraphs[0].runs[0]
    assert title_run.bold and title_run.font.size.pt == 22


def test_excel_export_has_a_frozen_header_and_the_rows(city, login):
    _publish(city.county_gov, DUTIES)
    client = login(city.users["county_user"])

    response = _export(client, city.county_gov, "xlsx")

    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "铁西区人民政府生态环境保护责任清单"
    assert ws["A2"].value == "（第1版　2026年3月2日发布）"
    assert [c.value for c in ws[3]] == ["序号", "责任类别", "责任内容", "依据"]
    assert [c.value for c in ws[4]] == [1, "领导责任", DUTIES[0][1], DUTIES[0][2]]
    assert ws["C5"].value == DUTIES[1][1]
    assert ws["C5"].data_type == "s"  # text starting with "=" stays text
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width


def test_exports_have_chinese_filenames(city, login):
    _publish(city.county_gov, DUTIES)
    client = login(city.users["county_user"])

    disposition = _export(client, city.county_gov, "xlsx")["Content-Disposition"]

    expected = quote("铁西区人民政府生态环境保护责任清单（第1版）.xlsx")
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{expected}" in disposition


def test_exports_show_the_published_version_not_the_draft(city, login):
    _publish(city.county_gov, DUTIES)
    draft = services.current_draft(unit=city.county_gov)
    services.add_duty(rlist=draft, category=DutyCategory.WASTE, text="草稿中的新条目")
    client = login(city.users["county_user"])

    ws = openpyxl.load_workbook(io.BytesIO(_export(client, city.county_gov, "xlsx").content)).active

    texts = [row[2] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert "草稿中的新条目" not in texts
    assert len(texts) == 2


def test_county_user_gets_404_exporting_another_countys_list(city, login):
    _publish(city.other_gov, DUTIES)
    client = login(city.users["county_user"])

    assert _export(client, city.other_gov, "docx").status_code == 404
    assert _export(client, city.other_gov, "xlsx").status_code == 404


def test_other_county_user_exports_their_own_list(city, login):
    _publish(city.other_gov, DUTIES)
    client = login(city.users["other_county"])

    assert _export(client, city.other_gov, "docx").status_code == 200


def test_export_without_a_published_list_is_404(city, login):
    services.add_duty(
        rlist=services.current_draft(unit=city.county_gov),
        category=DutyCategory.AIR,
        text="仅有草稿",
    )
    client = login(city.users["dispatcher"])

    assert _export(client, city.county_gov, "docx").status_code == 404


def test_unknown_export_format_is_404(city, login):
    _publish(city.county_gov, DUTIES)
    client = login(city.users["dispatcher"])

    assert _export(client, city.county_gov, "pdf").status_code == 404


def test_anonymous_export_goes_to_login(client, city):
    _publish(city.county_gov, DUTIES)

    response = _export(client, city.county_gov, "docx")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
