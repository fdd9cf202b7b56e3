"""Petition statistics on hand-built data with known answers, scoped like
the pages, each figure defined in docs/complaints.md."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from greenloop.cases.models import CaseCategory
from greenloop.complaints import services, statistics
from greenloop.complaints.models import Channel, DuplicateCandidate, Finding, Petition
from greenloop.org.models import Grid, RegionLevel
from tests.complaints.conftest import DONGSHAN_POINT, NOW, box, public_report, route

DAY = dt.timedelta(days=1)
TODAY = dt.date(2026, 5, 1)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "complaints.md"


def _handle(petition: Petition, city: Any, *, finding: str, reply_after: int | None) -> Petition:
    office = city.users["dispatcher"]
    petition = route(petition, city, now=NOW + DAY)
    petition = services.record_finding(
        petition=petition, by=office, now=NOW + 2 * DAY, finding=finding, text="现场核查情况"
    )
    if reply_after is not None:
        petition = services.reply_to_petition(
            petition=petition, by=office, now=NOW + reply_after * DAY, text="已处理"
        )
    return petition


@pytest.fixture
def known(mapped_city: Any) -> dict[str, Petition]:
    """Five petitions received on 2 March (Beijing):

    * on_time — web, 属实, replied on day 10 of 30;
    * late — web, 不属实, replied on day 40 of 30;
    * overdue — 12369 call, 部分属实, no reply, its 30 days over by 1 May;
    * repeat — web, merged into on_time;
    * waiting — a letter (60 days), received, not yet due on 1 May.
    """
    city = mapped_city
    office = city.users["dispatcher"]
    on_time = public_report(enterprise_name="宏达化工厂").petition
    late = public_report(
        description="铁西区物流园夜间装卸噪声扰民",
        category=CaseCategory.NOISE,
        enterprise_name="顺通物流",
        address="兴盛街道物流园",
    ).petition
    overdue = services.register_petition(
        by=office,
        now=NOW,
        channel=Channel.HOTLINE,
        category=CaseCategory.WATER,
        description="和平社区排水沟有黑臭污水",
        address="兴盛街道和平社区",
        longitude=123.16,
        latitude=41.16,
    ).petition
    repeat = public_report(
        now=NOW + dt.timedelta(hours=3), description="宏达化工厂烟囱晚上又冒黑烟了"
    ).petition
    waiting = services.register_petition(
        by=office,
        now=NOW,
        channel=Channel.LETTER,
        category=CaseCategory.AIR,
        description="东山镇石材厂粉尘大",
        address="东山县东山镇",
        longitude=DONGSHAN_POINT[0],
        latitude=DONGSHAN_POINT[1],
        enterprise_name="宏达化工厂",
    ).petition
    on_time = _handle(on_time, city, finding=Finding.TRUE, reply_after=10)
    candidate = DuplicateCandidate.objects.get(petition=repeat, earlier=on_time)
    repeat = services.merge_duplicate(candidate=candidate, by=office, now=NOW + 3 * DAY)
    late = _handle(late, city, finding=Finding.FALSE, reply_after=40)
    overdue = _handle(overdue, city, finding=Finding.PARTLY, reply_after=None)
    return {
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "repeat": repeat,
        "waiting": waiting,
    }


def test_the_headline_figures_have_the_known_answers(known: Any) -> None:
    figures = statistics.summarize(Petition.objects.all(), TODAY)

    assert figures["total"] == 5
    assert figures["repeats"] == 1
    assert figures["repeat_ratio"] == pytest.approx(1 / 5)
    assert figures["due"] == 3  # two replied, one overdue; the letter is not due yet
    assert figures["on_time"] == 1
    assert figures["on_time_rate"] == pytest.approx(1 / 3)
    assert figures["overdue"] == 1
    assert figures["verified"] == 3
    assert figures["founded"] == 2
    assert figures["verified_share"] == pytest.approx(2 / 3)


def test_figures_per_channel(known: Any) -> None:
    rows = {
        g["group"]: g
        for g in statistics.summarize_by_choice(Petition.objects.all(), TODAY, "channel")
    }

    assert (rows["WEB"]["total"], rows["WEB"]["repeats"], rows["WEB"]["due"]) == (3, 1, 2)
    assert rows["WEB"]["on_time_rate"] == pytest.approx(1 / 2)
    assert (rows["HOTLINE"]["total"], rows["HOTLINE"]["overdue"]) == (1, 1)
    assert rows["HOTLINE"]["on_time_rate"] == 0
    assert (rows["LETTER"]["total"], rows["LETTER"]["due"]) == (1, 0)
    assert rows["LETTER"]["on_time_rate"] is None  # nothing due: shown "—"
    assert rows["VISIT"]["total"] == 0


def test_a_reply_after_midnight_beijing_on_the_deadline_day_is_on_time(mapped_city: Any) -> None:
    petition = public_report().petition  # due 1 April (30 days from 2 March)
    office = mapped_city.users["dispatcher"]
    petition = route(petition, mapped_city, now=NOW + DAY)
    services.record_finding(
        petition=petition, by=office, now=NOW + 2 * DAY, finding=Finding.TRUE, text="属实"
    )
    # 1 April 00:30 in Beijing is still 31 March in UTC.
    services.reply_to_petition(
        petition=petition,
        by=office,
        now=dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC),
        text="已处理",
    )

    figures = statistics.summarize(Petition.objects.all(), TODAY)

    assert petition.due_date == dt.date(2026, 4, 1)
    assert figures["on_time"] == 1


def test_a_county_user_sees_its_countys_figures(known: Any, mapped_city: Any) -> None:
    county = statistics.statistics_for(
        mapped_city.users["county_user"], statistics.Filters(), TODAY
    )
    other = statistics.statistics_for(
        mapped_city.users["other_county"], statistics.Filters(), TODAY
    )

    assert county["summary"]["total"] == 4
    assert other["summary"]["total"] == 1
    assert county["region"] == "铁西区"
    assert [g["name"] for g in county["by_region"] if g["total"]] == ["兴盛街道"]


def test_the_city_sees_figures_per_county(known: Any, mapped_city: Any) -> None:
    city = statistics.statistics_for(mapped_city.users["dispatcher"], statistics.Filters(), TODAY)

    rows = {g["name"]: g["total"] for g in city["by_region"]}
    assert rows == {"铁西区": 4, "东山县": 1}


def test_filters_narrow_the_figures(known: Any, mapped_city: Any) -> None:
    user = mapped_city.users["dispatcher"]

    web = statistics.statistics_for(user, statistics.Filters(channel=Channel.WEB), TODAY)
    later = statistics.statistics_for(
        user, statistics.Filters(received_from=dt.date(2026, 3, 3)), TODAY
    )

    assert web["summary"]["total"] == 3
    assert later["summary"]["total"] == 0


def test_top_enterprises_count_repeats_and_distinct_ones(known: Any) -> None:
    top = statistics.top_enterprises(Petition.objects.all())

    assert top[0] == {"name": "宏达化工厂", "count": 3, "distinct": 2, "founded": 1}


def test_density_counts_petitions_in_the_grid_that_holds_them(known: Any, mapped_city: Any) -> None:
    for code, region, shape in [
        ("G-XS", mapped_city.township, box(123.1, 41.1, 123.3, 41.3)),
        ("G-DS", mapped_city.other_township, box(123.6, 41.4, 123.9, 41.6)),
    ]:
        Grid.objects.create(
            code=code,
            name=region.name + "网格",
            level=RegionLevel.TOWNSHIP,
            region=region,
            boundary=shape,
        )

    pairs, outside = statistics.density_for(
        mapped_city.users["dispatcher"], statistics.Filters(), RegionLevel.TOWNSHIP
    )
    county_pairs, _ = statistics.density_for(
        mapped_city.users["county_user"], statistics.Filters(), RegionLevel.TOWNSHIP
    )

    assert {g.code: n for g, n in pairs} == {"G-XS": 4, "G-DS": 1}
    assert outside == 0
    assert [g.code for g, _n in county_pairs] == ["G-XS"]


def test_the_page_shows_the_figures_with_their_definitions(
    known: Any, mapped_city: Any, login: Any
) -> None:
    page = login(mapped_city.users["county_user"]).get("/complaints/stats/").content.decode()

    assert 'id="fig-total">4<' in page
    assert f'title="{statistics.get_definitions()["repeat_ratio"]}"' in page
    assert "按期办结率" in page and "属实率" in page
    assert "导出含举报人信息的台账" not in page


def test_the_density_map_data_is_scoped(known: Any, mapped_city: Any, login: Any) -> None:
    Grid.objects.create(
        code="G-DS",
        name="东山镇网格",
        level=RegionLevel.TOWNSHIP,
        region=mapped_city.other_township,
        boundary=box(123.6, 41.4, 123.9, 41.6),
    )

    mine = login(mapped_city.users["county_user"]).get("/complaints/stats/density/?level=3").json()

    assert mine["features"] == []


def test_the_administrators_and_the_auditor_get_no_statistics(mapped_city: Any, login: Any) -> None:
    for persona in ("auditor", "sysadmin"):
        assert login(mapped_city.users[persona]).get("/complaints/stats/").status_code == 403


def test_every_figure_is_defined_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## 统计口径") :]

    documented = set(re.findall(r"^### `([a-z_]+)`", section, flags=re.MULTILINE))
    assert set(statistics.DEFINITIONS) <= documented
