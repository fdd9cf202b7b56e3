"""Inspection rounds and batches: the services, the round pages with their
progress per batch and aspect, and the endpoints."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services
from greenloop.cases.errors import Refusal
from greenloop.cases.models import InspectionBatch, InspectionRound, RoundKind
from tests.cases.conftest import NOW
from tests.cases.test_statistics_figures import build_round


def _round(loop, **extra):
    values = {
        "by": loop.user("dispatcher"),
        "now": NOW,
        "kind": RoundKind.CENTRAL,
        "name": "第三轮中央生态环境保护督察",
        "stationed_start_date": dt.date(2026, 4, 25),
        "stationed_end_date": dt.date(2026, 6, 10),
    }
    return services.create_round(**{**values, **extra})


# --- services ----------------------------------------------------------------------


def test_the_office_creates_a_round_and_numbers_its_batches(loop):
    inspection_round = _round(loop)

    first = services.create_batch(
        by=loop.user("dispatcher"),
        now=NOW,
        inspection_round=inspection_round,
        received_date=dt.date(2026, 4, 28),
    )
    second = services.create_batch(
        by=loop.user("dispatcher"),
        now=NOW,
        inspection_round=inspection_round,
        received_date=dt.date(2026, 4, 29),
    )

    assert (first.number, second.number) == (1, 2)
    assert str(second) == "第三轮中央生态环境保护督察 第2批"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "请填写督察轮次名称"),
        ({"kind": "CITY"}, "督察类型无效"),
        ({"stationed_end_date": dt.date(2026, 4, 1)}, "撤离日期不能早于进驻日期"),
    ],
)
def test_bad_rounds_are_refused(loop, change, message):
    with pytest.raises(services.UnableToManageRound, match=message):
        _round(loop, **change)

    assert not InspectionRound.objects.exists()


def test_a_round_name_is_used_once(loop):
    _round(loop)

    with pytest.raises(services.UnableToManageRound, match="同名"):
        _round(loop)


def test_a_batch_number_is_used_once_and_not_before_the_team_arrived(loop):
    inspection_round = _round(loop)
    services.create_batch(
        by=loop.user("dispatcher"),
        now=NOW,
        inspection_round=inspection_round,
        received_date=dt.date(2026, 5, 1),
        number=4,
    )

    with pytest.raises(services.UnableToManageRound, match="第4批"):
        services.create_batch(
            by=loop.user("dispatcher"),
            now=NOW,
            inspection_round=inspection_round,
            received_date=dt.date(2026, 5, 2),
            number=4,
        )
    with pytest.raises(services.UnableToManageRound, match="早于督察组进驻"):
        services.create_batch(
            by=loop.user("dispatcher"),
            now=NOW,
            inspection_round=inspection_round,
            received_date=dt.date(2026, 4, 1),
        )

    assert InspectionBatch.objects.count() == 1


@pytest.mark.parametrize("persona", ["county_user", "leader", "recheck"])
def test_only_the_office_creates_rounds(loop, persona):
    with pytest.raises(services.UnableToManageRound) as refused:
        _round(loop, by=loop.user(persona))

    assert refused.value.reason is Refusal.FORBIDDEN


# --- pages ------------------------------------------------------------------------


@pytest.fixture
def central_round(loop_city):
    return build_round(loop_city)


def test_the_round_list_shows_each_reader_their_figures(central_round, loop_city, login):
    city = login(loop_city.users["dispatcher"]).get("/cases/rounds/").content.decode()
    county = login(loop_city.users["county_user"]).get("/cases/rounds/")

    assert "第二轮中央生态环境保护督察" in city
    assert f'href="/cases/?inspection_round={central_round.pk}"' in city
    assert 'id="round-form"' in city
    assert county.status_code == 200 and 'id="round-form"' not in county.content.decode()


def test_the_round_overview_has_per_batch_and_per_aspect_progress(
    central_round, loop_city, login, django_assert_max_num_queries
):
    client = login(loop_city.users["dispatcher"])

    with django_assert_max_num_queries(25):
        response = client.get(f"/cases/rounds/{central_round.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<tr id="batch-') == 31  # 30 batches and the unbatched feedback tasks
    batch = central_round.batches.get(number=1)
    assert f'href="/cases/?inspection_round={central_round.pk}&amp;batch={batch.pk}"' in page
    assert 'id="aspect-common"' in page and 'id="aspect-specific"' in page
    assert 'id="fig-total">100<' in page
    assert 'title="应整改数：登记件数减去重复件和不属实件"' in page


def test_a_county_user_sees_only_their_countys_progress(central_round, loop_city, login):
    page = (
        login(loop_city.users["county_user"])
        .get(f"/cases/rounds/{central_round.pk}/")
        .content.decode()
    )

    assert 'id="fig-total">100<' not in page
    assert 'id="batch-form"' not in page


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 403), ("sysadmin", 403), ("dispatcher", 404)]
)
def test_the_round_pages_refuse_the_administrators_and_unknown_rounds(
    loop_city, login, persona, status
):
    client = login(loop_city.users[persona])

    assert client.get("/cases/rounds/999999/").status_code == status


def test_the_dispatcher_adds_a_round_and_a_batch_through_the_pages(loop_city, login):
    client = login(loop_city.users["dispatcher"])

    created = client.post(
        "/cases/rounds/",
        {"kind": "PROVINCIAL", "name": "省级督察", "stationed_start_date": "2026-05-01"},
    )
    inspection_round = InspectionRound.objects.get()
    batch = client.post(f"/cases/rounds/{inspection_round.pk}/", {"received_date": "2026-05-03"})
    county = login(loop_city.users["county_user"]).post(
        f"/cases/rounds/{inspection_round.pk}/", {"received_date": "2026-05-04"}
    )

    assert created.status_code == 302 and batch.status_code == 302
    assert list(inspection_round.batches.values_list("number", flat=True)) == [1]
    assert county.status_code == 403


# --- API --------------------------------------------------------------------------


def test_the_api_lists_creates_and_reports_progress(central_round, loop_city, login):
    client = login(loop_city.users["dispatcher"])

    rounds = client.get("/api/v1/cases/rounds").json()
    detail = client.get(f"/api/v1/cases/rounds/{central_round.pk}").json()
    created = client.post(
        "/api/v1/cases/rounds",
        {"kind": "PROVINCIAL", "name": "省级督察"},
        content_type="application/json",
    )
    batch = client.post(
        f"/api/v1/cases/rounds/{created.json()['id']}/batches",
        {"received_date": "2026-05-03"},
        content_type="application/json",
    )
    refused = login(loop_city.users["county_user"]).post(
        "/api/v1/cases/rounds",
        {"kind": "CENTRAL", "name": "某督察"},
        content_type="application/json",
    )

    assert rounds[0]["batch_count"] == 30
    assert sum(b["total"] for b in detail["batches"]) == 91
    assert [a["total"] for a in detail["aspects"]] == [5, 4]
    assert "to_rectify" in detail["definitions"]
    assert created.status_code == 201 and batch.status_code == 201 and batch.json()["number"] == 1
    assert refused.status_code == 403


def test_the_api_statistics_endpoint_has_the_figures_and_definitions(
    central_round, loop_city, login
):
    client = login(loop_city.users["dispatcher"])

    figures = client.get(
        "/api/v1/cases/statistics",
        {"inspection_round": central_round.pk, "source": "INSPECTION_PETITION"},
    ).json()
    definitions = client.get("/api/v1/cases/statistics/definitions").json()

    assert figures["summary"]["to_rectify"] == 61 and figures["summary"]["done"] == 53
    assert figures["disclosure"]["disclosure_rate"] == 1.0
    assert len(figures["by_batch"]) == 30
    assert {d["key"] for d in definitions} >= {"on_time_rate", "disclosure_rate", "stage_days"}
    assert login(loop_city.users["auditor"]).get("/api/v1/cases/statistics").status_code == 403


def test_the_statistics_page_shows_definitions_on_hover(central_round, loop_city, login):
    client = login(loop_city.users["dispatcher"])

    page = client.get("/cases/stats/", {"inspection_round": central_round.pk}).content.decode()

    assert 'id="fig-total">100<' in page
    assert 'title="按期办结率 = 按期办结数 ÷ 应办结数"' in page
    assert 'id="by-batch"' in page and 'id="by-stage"' in page
    assert login(loop_city.users["auditor"]).get("/cases/stats/").status_code == 403
