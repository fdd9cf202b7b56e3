"""The air and water quality pages show the figures of the rows behind them.

Rows are built by hand (tests/quality/factories.py); the water figures come
from ``greenloop.quality.water``, replaced here by fixed section months.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import types
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from greenloop.cases import services as case_services
from greenloop.cases.models import CaseCategory, CaseSource
from greenloop.monitoring.models import SiteKind
from greenloop.quality.models import Scope
from tests.quality import factories as f

pytestmark = pytest.mark.django_db

ORANGE = "#ff7e00"  # HJ 633 level 3 (101–150)
GREEN = "#00e400"  # level 1 (0–50): 0,228,0, not 0,255,0
YELLOW = "#ffff00"
PURPLE = "#99004c"


@pytest.fixture
def air(city: Any) -> Any:
    """Three stations of 铁西区 (national, provincial, micro), the district
    and the city at the latest hour, and the 48 hours of the national one."""
    national = f.site("ST-N1", "铁西国控站", city.county, lon=123.35, lat=41.80)
    provincial = f.site(
        "ST-P1", "兴盛省控站", city.county, kind=SiteKind.PROVINCIAL_AIR, lon=123.40, lat=41.82
    )
    micro = f.site(
        "ST-M1", "和平微站", city.village, kind=SiteKind.MICRO_AIR, lon=123.42, lat=41.83
    )
    for i in range(1, 48):
        f.air_hour("ST-N1", 40, hour=f.LATEST - dt.timedelta(hours=i), name="铁西国控站")
    f.air_hour("ST-N1", 128, name="铁西国控站", primary="pm25", values={"pm25": 97.0})
    f.air_hour("ST-P1", 45, name="兴盛省控站")
    f.air_hour("ST-M1", 240, name="和平微站", primary="pm10")
    f.air_hour(city.county.code, 88, scope=Scope.DISTRICT, name="铁西区")
    f.air_hour(city.city.code, 76, scope=Scope.CITY, name="示范市")
    return types.SimpleNamespace(national=national, provincial=provincial, micro=micro)


def _markers(response: Any) -> list[dict[str, Any]]:
    match = re.search(
        r'<script id="aqi-markers" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    assert match, "the page carries the markers as JSON"
    return json.loads(match.group(1))


def _sheet(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


# --- live map ----------------------------------------------------------------


def test_the_map_colours_each_station_by_its_hj633_level(city: Any, air: Any, login: Any) -> None:
    client = login(city.users["county_user"])

    response = client.get(reverse("quality:air_map"))

    assert response.status_code == 200
    markers = {m["code"]: m for m in _markers(response)}
    assert markers["ST-N1"]["aqi"] == 128
    assert markers["ST-N1"]["colour"] == ORANGE
    assert markers["ST-N1"]["category"] == "轻度污染"
    assert markers["ST-P1"]["colour"] == GREEN
    assert markers["ST-M1"]["colour"] == PURPLE
    assert markers["ST-M1"]["kind"] == "微站"
    assert markers["ST-M1"]["district"] == "铁西区"  # the county of its village
    html = response.content.decode()
    assert "2026-03-02 09:00" in html  # the hour, in Beijing time


def test_a_micro_station_measuring_only_pm_is_coloured_by_its_pm_index_not_as_aqi(
    city: Any, login: Any
) -> None:
    f.site("ST-M2", "东风微站", city.county, kind=SiteKind.MICRO_AIR)
    f.site("ST-M3", "停电微站", city.county, kind=SiteKind.MICRO_AIR)
    # PM only: HJ 633 publishes no AQI; IAQI PM2.5 80 (良), PM10 120 (轻度污染).
    f.air_hour("ST-M2", None, name="东风微站", iaqi={"pm25": 80, "pm10": 120})
    f.air_hour("ST-M3", None, name="停电微站", iaqi={})

    response = login(city.users["dispatcher"]).get(reverse("quality:air_map"))

    markers = {m["code"]: m for m in _markers(response)}
    assert markers["ST-M2"]["aqi"] is None
    assert markers["ST-M2"]["pm_index"] == 120
    assert markers["ST-M2"]["colour"] == ORANGE
    assert markers["ST-M3"]["pm_index"] is None
    assert markers["ST-M3"]["colour"] == "#9ca3af"  # no data: grey
    assert "不是AQI" in response.content.decode()


def test_the_legend_shows_the_six_colours_of_the_standard(city: Any, air: Any, login: Any) -> None:
    response = login(city.users["dispatcher"]).get(reverse("quality:air_map"))

    legend = re.search(r'<ul class="aqi-legend".*?</ul>', response.content.decode(), re.S).group(0)
    colours = re.findall(r"background:(#[0-9a-f]{6})", legend)
    assert colours == [GREEN, YELLOW, ORANGE, "#ff0000", PURPLE, "#7e0023"]
    for category in ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"):
        assert category in legend


def test_the_side_table_shows_city_and_district_aqi(city: Any, air: Any, login: Any) -> None:
    response = login(city.users["dispatcher"]).get(reverse("quality:air_map"))

    table = re.search(
        r'<div class="card" id="area-aqi">.*?</table>', response.content.decode(), re.S
    ).group(0)
    assert re.search(
        r"示范市</td><td><span class=\"aqi-badge\"[^>]*background:#ffff00[^>]*>76<", table
    )
    assert re.search(r"铁西区</td><td><span class=\"aqi-badge\"[^>]*>88<", table)
    assert (
        "示范市当前良</b><br>建议：极少数异常敏感人群应减少户外活动。" in response.content.decode()
    )


def test_filtering_by_kind_keeps_only_those_stations(city: Any, air: Any, login: Any) -> None:
    client = login(city.users["dispatcher"])

    response = client.get(reverse("quality:air_map"), {"kind": SiteKind.MICRO_AIR})

    assert [m["code"] for m in _markers(response)] == ["ST-M1"]
    assert "铁西国控站" not in response.content.decode().split('id="station-table"')[1]


def test_a_station_chart_shows_48_hours_of_aqi_bars_coloured_by_level(
    city: Any, air: Any, login: Any
) -> None:
    client = login(city.users["county_user"])

    response = client.get(
        reverse("quality:station_chart", args=["ST-N1"]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for htmx
    assert html.count("<svg") == 3  # AQI bars, pollutants, CO
    assert f"fill: {ORANGE}" in html  # the latest hour, level 3
    assert f"fill: {GREEN}" in html  # the 47 hours before, level 1
    assert "近48小时：2026-02-28 10:00 至 2026-03-02 09:00" in html
    for label in ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO"):
        assert label in html
    assert "<td>97</td>" in html  # the latest PM2.5


def test_a_station_s_48_hours_export_to_excel(city: Any, air: Any, login: Any) -> None:
    response = login(city.users["county_user"]).get(
        reverse("quality:station_chart", args=["ST-N1"]), {"format": "xlsx"}
    )

    head, *rows = _rows(_sheet(response).active)
    assert head[:4] == ["时段", "AQI", "类别", "首要污染物"]
    assert len(rows) == 48
    assert rows[0][:3] == ["2026-02-28 10:00", 40, "优"]
    assert rows[-1][:5] == ["2026-03-02 09:00", 128, "轻度污染", "PM2.5", 97]


def test_a_station_chart_without_htmx_is_a_whole_page(city: Any, air: Any, login: Any) -> None:
    response = login(city.users["county_user"]).get(
        reverse("quality:station_chart", args=["ST-N1"])
    )

    assert "<html" in response.content.decode()
    assert "铁西国控站" in response.content.decode()


def test_the_live_export_has_the_areas_and_the_stations(city: Any, air: Any, login: Any) -> None:
    response = login(city.users["dispatcher"]).get(reverse("quality:air_map"), {"format": "xlsx"})

    wb = _sheet(response)
    areas, stations = wb.worksheets
    assert _rows(areas)[0][:5] == ["名称", "编码", "AQI", "类别", "首要污染物"]
    assert ["示范市", city.city.code, 76, "良"] == _rows(areas)[1][:4]
    head, *rows = _rows(stations)
    assert head[:4] == ["站点", "编码", "类型", "所在区县"]
    assert "PM2.5（µg/m³）" in head
    national = next(r for r in rows if r[1] == "ST-N1")
    assert national[:8] == ["铁西国控站", "ST-N1", "国控", "铁西区", 128, "轻度污染", "PM2.5", 97.0]


# --- calendar ------------------------------------------------------------------


@pytest.fixture
def days(city: Any) -> None:
    f.air_day(city.city.code, dt.date(2026, 2, 1), 35, name="示范市")
    f.air_day(city.city.code, dt.date(2026, 2, 2), 135, name="示范市", primary="pm25")
    f.air_day(city.city.code, dt.date(2026, 3, 1), 260, name="示范市", primary="o3_8h")
    f.air_day(city.county.code, dt.date(2026, 2, 2), 99, scope=Scope.DISTRICT, name="铁西区")


def test_the_calendar_colours_each_day_by_level_with_aqi_and_primary_pollutant(
    city: Any, days: None, login: Any
) -> None:
    client = login(city.users["county_user"])

    response = client.get(reverse("quality:calendar"), {"year": 2026, "month": 2})

    html = response.content.decode()
    assert "示范市 日空气质量" in html
    day1 = re.search(r'<td class="day" data-date="2026-02-01"[^>]*>.*?</td>', html, re.S).group(0)
    assert f"background:{GREEN}" in day1 and '<b class="aqi">35</b>' in day1
    day2 = re.search(r'<td class="day" data-date="2026-02-02"[^>]*>.*?</td>', html, re.S).group(0)
    assert f"background:{ORANGE}" in day2 and ">135<" in day2 and "PM2.5" in day2
    assert 'data-date="2026-02-03"' in html and 'class="day empty" data-date="2026-02-03"' in html


def test_the_calendar_opens_on_the_latest_month_and_shows_a_whole_year(
    city: Any, days: None, login: Any
) -> None:
    client = login(city.users["county_user"])

    latest = client.get(reverse("quality:calendar")).content.decode()
    year = client.get(reverse("quality:calendar"), {"year": 2026, "view": "year"}).content.decode()

    assert "2026年3月" in latest and f"background:{PURPLE}" in latest and "O3(8h)" in latest
    assert year.count('<table class="aqi-calendar"') == 12
    assert year.count('class="day" data-date=') == 3


def test_an_invalid_day_is_marked_and_not_coloured(city: Any, login: Any) -> None:
    f.air_day(city.city.code, dt.date(2026, 2, 5), 180, name="示范市", valid=False)

    response = login(city.users["county_user"]).get(
        reverse("quality:calendar"), {"year": 2026, "month": 2}
    )

    cell = re.search(
        r'<td class="day empty" data-date="2026-02-05">.*?</td>', response.content.decode(), re.S
    )
    assert cell and "无效" in cell.group(0) and "180" not in cell.group(0)


def test_the_calendar_of_a_district(city: Any, days: None, login: Any) -> None:
    client = login(city.users["county_user"])

    response = client.get(
        reverse("quality:calendar"),
        {"scope": "district", "code": city.county.code, "year": 2026, "month": 2},
    )

    html = response.content.decode()
    assert "铁西区 日空气质量" in html
    assert re.search(r'data-date="2026-02-02" data-level="2" style="background:#ffff00', html)


def test_the_calendar_export_lists_the_days_shown(city: Any, days: None, login: Any) -> None:
    response = login(city.users["county_user"]).get(
        reverse("quality:calendar"), {"year": 2026, "month": 2, "format": "xlsx"}
    )

    head, *rows = _rows(_sheet(response).active)
    assert head[:5] == ["日期", "AQI", "级别", "类别", "首要污染物"]
    assert [r[:5] for r in rows] == [
        ["2026-02-01", 35, "一级", "优", None],
        ["2026-02-02", 135, "三级", "轻度污染", "PM2.5"],
    ]


# --- evaluation and ranking -------------------------------------------------------


@pytest.fixture
def evaluations(city: Any) -> None:
    f.evaluation(
        city.county.code,
        "铁西区",
        rank_composite=2,
        rank_pm25=1,
        pm25_mean=38,
        pm25_mean_previous=42,
        pm25_mean_change_pct=-9.5,
        pm10_mean=70,
        so2_mean=9,
        no2_mean=31,
        co_p95=1.3,
        o3_8h_p90=120,
        good_ratio=82.1,
        good_ratio_previous=78.6,
        good_ratio_change=3.5,
        composite_index=4.512,
        composite_index_previous=4.2,
        composite_index_change_pct=7.4,
        days_valid=28,
        main_pollutant="pm25",
        period_previous="2025-02-01~2025-02-28",
    )
    f.evaluation(
        city.other.code,
        "东山县",
        rank_composite=1,
        rank_pm25=2,
        pm25_mean=41,
        composite_index=3.905,
        days_valid=28,
    )
    f.evaluation(city.city.code, "示范市", scope=Scope.CITY, pm25_mean=39, composite_index=4.2)
    f.evaluation(
        city.county.code,
        "铁西区",
        kind="year",
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        pm25_mean=44,
        composite_index=4.9,
    )


def test_the_evaluation_shows_the_figures_and_their_year_on_year_change(
    city: Any, evaluations: None, login: Any
) -> None:
    response = login(city.users["leader"]).get(reverse("quality:evaluation"))

    html = response.content.decode()
    assert "2026年2月空气质量评价（区县）" in html
    row = re.search(rf'<tr data-code="{city.county.code}">.*?</tr>', html, re.S).group(0)
    assert '<td data-key="pm25_mean">38<br><small class="yoy better"' in row
    assert "同比 -9.5%" in row
    assert "同比 +3.5个百分点" in row  # good-day ratio in percentage points
    assert '<td data-key="composite_index">4.512<br><small class="yoy worse"' in row
    assert "同比 +7.4%" in row
    rules = html.split('id="evaluation-rules"')[1].split("</p>")[0]
    assert "本期：HJ 633-2026；GB 3095-2026 (过渡期限值)" in rules
    assert "同期：HJ 633-2012；GB 3095-2012" in rules
    assert '<td class="rank-composite">2</td><td class="rank-pm25">1</td>' in row
    assert "同期：2025-02-01~2025-02-28" in html


def test_rows_evaluated_under_different_rules_each_show_theirs(city: Any, login: Any) -> None:
    f.evaluation("A", "甲区", pm25_mean=40)
    f.evaluation("B", "乙区", pm25_mean=41, rules={"current": {"standards": "HJ 633-2012"}})

    html = login(city.users["leader"]).get(reverse("quality:evaluation")).content.decode()

    assert 'id="evaluation-rules"' not in html
    b_row = re.search(r'<tr data-code="B">.*?</tr>', html, re.S).group(0)
    assert "本期：HJ 633-2012" in b_row


def test_the_evaluation_by_city_and_annual(city: Any, evaluations: None, login: Any) -> None:
    client = login(city.users["leader"])

    by_city = client.get(reverse("quality:evaluation"), {"scope": "city"}).content.decode()
    annual = client.get(
        reverse("quality:evaluation"), {"kind": "year", "scope": "district"}
    ).content.decode()

    assert (
        "示范市" in by_city.split('id="evaluation-table"')[1]
        and "东山县" not in by_city.split('id="evaluation-table"')[1]
    )
    assert "2025年空气质量评价（区县）" in annual
    assert '<td data-key="pm25_mean">44' in annual


def test_the_evaluation_by_station_names_each_station_s_district(city: Any, login: Any) -> None:
    f.evaluation(
        "ST-N1", "铁西国控站", scope=Scope.STATION, district=city.county.code, pm25_mean=37
    )

    response = login(city.users["leader"]).get(reverse("quality:evaluation"), {"scope": "station"})
    export = login(city.users["leader"]).get(
        reverse("quality:evaluation"), {"scope": "station", "format": "xlsx"}
    )

    assert '<td class="district">铁西区</td>' in response.content.decode()
    head, row = _rows(_sheet(export).active)
    assert head[:4] == ["名称", "编码", "所在区县", "有效天数"]
    assert row[:3] == ["铁西国控站", "ST-N1", "铁西区"]
    assert "综合指数排名" not in head  # ranks are of districts


def test_the_evaluation_export_has_values_changes_and_rules(
    city: Any, evaluations: None, login: Any
) -> None:
    response = login(city.users["leader"]).get(reverse("quality:evaluation"), {"format": "xlsx"})

    head, *rows = _rows(_sheet(response).active)
    assert head[:5] == ["名称", "编码", "有效天数", "PM2.5（µg/m³）", "PM2.5同比"]
    assert "综合指数排名" in head and "本期依据" in head and "同期依据" in head
    tiexi = next(r for r in rows if r[0] == "铁西区")
    assert tiexi[2:5] == [28, 38, "-9.5%"]
    assert tiexi[head.index("综合指数")] == 4.512
    assert tiexi[head.index("综合指数排名")] == 2
    assert tiexi[head.index("同期依据")] == "HJ 633-2012；GB 3095-2012"


def test_the_ranking_orders_districts_by_composite_index_and_by_pm25(
    city: Any, evaluations: None, login: Any
) -> None:
    response = login(city.users["county_user"]).get(reverse("quality:ranking"))

    html = response.content.decode()
    composite = html.split('id="rank-by-composite"')[1].split("</table>")[0]
    pm25 = html.split('id="rank-by-pm25"')[1].split("</table>")[0]
    assert re.findall(r'<td class="rank">(\d+)</td><td>(\S+?)</td>', composite) == [
        ("1", "东山县"),
        ("2", "铁西区"),
    ]
    assert re.findall(r'<td class="rank">(\d+)</td><td>(\S+?)</td>', pm25) == [
        ("1", "铁西区"),
        ("2", "东山县"),
    ]


def test_the_ranking_without_stored_ranks_ranks_by_the_figure(city: Any, login: Any) -> None:
    f.evaluation("A", "甲区", composite_index=4.1, pm25_mean=40)
    f.evaluation("B", "乙区", composite_index=3.2, pm25_mean=40)
    f.evaluation("C", "丙区", composite_index=5.0, pm25_mean=33)

    response = login(city.users["county_user"]).get(reverse("quality:ranking"), {"format": "xlsx"})

    wb = _sheet(response)
    composite, pm25 = wb.worksheets
    assert [r[:2] for r in _rows(composite)[1:]] == [[1, "乙区"], [2, "甲区"], [3, "丙区"]]
    assert [r[:2] for r in _rows(pm25)[1:]] == [[1, "丙区"], [2, "甲区"], [2, "乙区"]]  # ties share


# --- water -------------------------------------------------------------------------


@dataclass(frozen=True)
class _SectionMonth:
    site_code: str
    name: str
    river: str
    body: str
    control: str
    month: dt.date
    water_class: int | None
    target_class: int
    meets: bool | None
    exceeding: list[tuple[str, float]]
    cwqi: float | None


@dataclass(frozen=True)
class _CityIndex:
    month: dt.date
    cwqi: float | None
    sections: int
    change: float | None


@pytest.fixture
def water(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``greenloop.quality.water`` answering fixed months; records the range asked."""
    asked: dict[str, Any] = {}
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    sections = [
        _SectionMonth("W1", "浑河大桥", "浑河", "river", "国控", jan, 2, 3, True, [], 3.1),
        _SectionMonth(
            "W1",
            "浑河大桥",
            "浑河",
            "river",
            "国控",
            feb,
            4,
            3,
            False,
            [("总磷", 0.35), ("氨氮", 0.1)],
            5.72,
        ),
        _SectionMonth(
            "W2",
            "细河入口",
            "细河",
            "river",
            "省控",
            feb,
            6,
            4,
            False,
            [("化学需氧量", 1.25), ("溶解氧", float("nan"))],
            9.0,
        ),
    ]
    index = [_CityIndex(jan, 4.1, 2, None), _CityIndex(feb, 5.0, 2, 0.125)]

    def section_months(start: dt.date, end: dt.date, *, lake_dir: Any = None) -> list[Any]:
        asked["range"] = (start, end)
        return [s for s in sections if start <= s.month <= end]

    def city_index(start: dt.date, end: dt.date, *, lake_dir: Any = None) -> list[Any]:
        return [c for c in index if start <= c.month <= end]

    from greenloop.quality import water as module

    monkeypatch.setattr(module, "section_months", section_months, raising=False)
    monkeypatch.setattr(module, "city_index", city_index, raising=False)
    return asked


def test_water_sections_show_class_against_target_and_exceeding_items(
    city: Any, water: Any, login: Any
) -> None:
    client = login(city.users["county_user"])

    response = client.get(reverse("quality:water"), {"start": "2026-01", "end": "2026-02"})

    html = response.content.decode()
    assert water["range"] == (dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    month = html.split('id="section-table"')[1].split("</table>")[0]
    assert "2026-02 断面水质" in html and "达标 0 / 2" in html
    w1 = re.search(r'<tr data-site="W1">.*?</tr>', month, re.S).group(0)
    assert "<td>Ⅳ类</td><td>Ⅲ类</td>" in w1 and 'class="fails">不达标' in w1
    assert "总磷(0.35倍)、氨氮(0.10倍)" in w1 and "5.72" in w1
    assert "劣Ⅴ类" in month and "化学需氧量(1.25倍)、溶解氧<" in month


def test_water_trend_shows_the_class_of_each_month_and_the_city_cwqi(
    city: Any, water: Any, login: Any
) -> None:
    response = login(city.users["county_user"]).get(
        reverse("quality:water"), {"start": "2026-01", "end": "2026-02"}
    )

    html = response.content.decode()
    trend = re.search(
        r'<tr data-site="W1">.*?</tr>', html.split('id="water-trend"')[1], re.S
    ).group(0)
    assert re.findall(r'class="wq (\w+)" data-month="([\d-]+)"[^>]*>([^<]+)<', trend) == [
        ("meets", "2026-01", "Ⅱ类"),
        ("fails", "2026-02", "Ⅳ类"),
    ]
    cwqi = html.split('id="cwqi-table"')[1].split("</table>")[0]
    assert re.search(
        r"2026-02</td><td>5.00</td><td>2</td><td><span class=\"yoy worse\">\+12.5%", cwqi
    )
    assert "<svg" in html.split('id="city-cwqi"')[1]


def test_water_export_has_both_tables(city: Any, water: Any, login: Any) -> None:
    response = login(city.users["county_user"]).get(
        reverse("quality:water"), {"start": "2026-01", "end": "2026-02", "format": "xlsx"}
    )

    sections, index = _sheet(response).worksheets
    head, *rows = _rows(sections)
    assert head == [
        "月份",
        "断面编码",
        "断面名称",
        "所在水体",
        "水体类型",
        "控制级别",
        "水质类别",
        "水质目标",
        "是否达标",
        "超标项目（超标倍数）",
        "CWQI",
    ]
    assert rows[1] == [
        "2026-02",
        "W1",
        "浑河大桥",
        "浑河",
        "河流",
        "国控",
        "Ⅳ类",
        "Ⅲ类",
        "不达标",
        "总磷(0.35倍)、氨氮(0.10倍)",
        5.72,
    ]
    assert _rows(index)[1:] == [["2026-01", 4.1, 2, None], ["2026-02", 5.0, 2, 12.5]]


# --- hotspot alerts --------------------------------------------------------------


@pytest.fixture
def alerts(city: Any) -> Any:
    """An open alert in 东山县 with its case, and a closed one in 铁西区."""
    from greenloop.org.models import Grid

    ds = f.site("MS-DS1", "东山镇微站", city.other_township, kind=SiteKind.MICRO_AIR)
    tx = f.site("MS-TX1", "兴盛微站", city.township, kind=SiteKind.MICRO_AIR)
    grid = Grid.objects.create(
        code="G-DS-HOT", name="东山镇热点网格", level=3, region=city.other_township
    )
    case = case_services.register_case(
        by=city.users["dispatcher"],
        now=f.LATEST,
        source=CaseSource.MONITORING_ALERT,
        title="东山镇微站PM2.5持续偏高",
        category=CaseCategory.AIR,
        region=city.other_township,
    )
    open_alert = f.hotspot(ds, district_code=city.other.code, case=case, grid=grid)
    closed = f.hotspot(
        tx,
        district_code=city.county.code,
        pollutant="pm10",
        opened_at=f.LATEST - dt.timedelta(days=1),
        closed_at=f.LATEST - dt.timedelta(hours=12),
    )
    return types.SimpleNamespace(case=case, open=open_alert, closed=closed)


def test_hotspot_alerts_link_to_their_case_for_who_may_see_it(
    city: Any, alerts: Any, login: Any
) -> None:
    response = login(city.users["dispatcher"]).get(reverse("quality:hotspots"))

    html = response.content.decode()
    row = re.search(rf'<tr data-alert="{alerts.open.pk}">.*?</tr>', html, re.S).group(0)
    assert "东山镇微站" in row and "东山镇热点网格" in row and "东山县" in row and "PM2.5" in row
    assert "62%" in row and "<td>3</td>" in row and "未解除" in row
    assert f'href="{reverse("cases:detail", args=[alerts.case.pk])}"' in row
    assert alerts.case.number in row
    assert f'data-alert="{alerts.closed.pk}"' not in html  # closed: not in the open list


def test_hotspot_alerts_hide_the_case_from_who_may_not_see_it(
    city: Any, alerts: Any, login: Any
) -> None:
    response = login(city.users["county_user"]).get(reverse("quality:hotspots"))

    html = response.content.decode()
    row = re.search(rf'<tr data-alert="{alerts.open.pk}">.*?</tr>', html, re.S).group(0)
    assert "东山镇微站" in row and "已立案" in row
    assert reverse("cases:detail", args=[alerts.case.pk]) not in html
    assert alerts.case.number not in html


def test_hotspot_alerts_filter_and_export(city: Any, alerts: Any, login: Any) -> None:
    client = login(city.users["county_user"])

    closed = client.get(reverse("quality:hotspots"), {"state": "closed"}).content.decode()
    export = client.get(reverse("quality:hotspots"), {"state": "all", "format": "xlsx"})

    assert (
        f'data-alert="{alerts.closed.pk}"' in closed
        and f'data-alert="{alerts.open.pk}"' not in closed
    )
    head, *rows = _rows(_sheet(export).active)
    assert head[:5] == ["站点", "站点编码", "网格", "区县", "污染物"]
    assert head[-1] == "问题编号"
    assert [r[1] for r in rows] == ["MS-DS1", "MS-TX1"]
    assert rows[0][-1] is None  # the county user may not see the case: no number
    assert rows[0][8] == 62.0


# --- who may open what -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "quality:air_map",
        "quality:calendar",
        "quality:evaluation",
        "quality:ranking",
        "quality:hotspots",
    ],
)
def test_staff_pages_need_a_login_and_a_staff_role(
    city: Any, login: Any, client: Any, name: str
) -> None:
    anonymous = client.get(reverse(name))
    auditor = login(city.users["auditor"]).get(reverse(name))

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert auditor.status_code == 403


def test_the_nav_links_to_the_quality_pages_for_staff(city: Any, login: Any) -> None:
    html = login(city.users["county_user"]).get(reverse("quality:calendar")).content.decode()

    assert f'href="{reverse("quality:air_map")}" id="nav-air"' in html
    assert f'href="{reverse("quality:water")}" id="nav-water"' in html


def test_the_public_page_needs_no_login_and_shows_only_the_official_stations(
    city: Any, air: Any, alerts: Any, client: Any
) -> None:
    response = client.get("/public/air/")

    html = response.content.decode()
    assert response.status_code == 200
    assert sorted(m["code"] for m in _markers(response)) == ["ST-N1", "ST-P1"]
    assert "和平微站" not in html and "微站" not in html
    assert "示范市" in html and ">76<" in html and ">88<" in html
    assert 'id="main-nav"' not in html and 'id="quality-nav"' not in html
    assert "热点" not in html and 'href="/quality/' not in html and "/cases/" not in html
    assert "/public/air/stations/ST-N1/" in html


def test_the_public_chart_of_an_official_station_and_never_of_a_micro_station(
    city: Any, air: Any, client: Any
) -> None:
    chart = client.get("/public/air/stations/ST-N1/", headers={"HX-Request": "true"})
    micro = client.get("/public/air/stations/ST-M1/", headers={"HX-Request": "true"})
    export = client.get("/public/air/", {"format": "xlsx"})

    assert chart.status_code == 200 and "<svg" in chart.content.decode()
    assert micro.status_code == 404
    _areas, stations = _sheet(export).worksheets
    assert [r[1] for r in _rows(stations)[1:]] == ["ST-N1", "ST-P1"]


def test_pages_without_data_say_so(city: Any, login: Any) -> None:
    client = login(city.users["county_user"])

    assert "暂无实时数据" in client.get(reverse("quality:air_map")).content.decode()
    assert "暂无评价结果" in client.get(reverse("quality:evaluation")).content.decode()
    assert "暂无告警" in client.get(reverse("quality:hotspots")).content.decode()
    assert client.get(reverse("quality:station_chart", args=["NOPE"])).status_code == 404


def _queries(client: Any, url: str, params: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_list_pages_query_the_same_for_more_rows(
    city: Any, air: Any, alerts: Any, login: Any
) -> None:
    client = login(city.users["dispatcher"])
    before = {
        "map": _queries(client, reverse("quality:air_map")),
        "hotspots": _queries(client, reverse("quality:hotspots"), {"state": "all"}),
    }
    for i in range(4):
        site = f.site(f"MS-X{i}", f"新增微站{i}", city.other_township, kind=SiteKind.MICRO_AIR)
        f.air_hour(site.code, 60 + i)
        f.hotspot(site, district_code=city.other.code, case=alerts.case)

    after = {
        "map": _queries(client, reverse("quality:air_map")),
        "hotspots": _queries(client, reverse("quality:hotspots"), {"state": "all"}),
    }

    assert after == before


def test_a_chart_asked_for_after_the_session_ended_sends_the_page_to_the_login(
    city: Any, air: Any, client: Any
) -> None:
    response = client.get(
        reverse("quality:station_chart", args=["ST-N1"]),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/quality/air/"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
