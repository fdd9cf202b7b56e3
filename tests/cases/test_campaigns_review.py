"""回头看: closed cases selected by a filter into a campaign, groups, and
outcomes — a relapse re-opens the case and the statistics count it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from greenloop.cases import services, statistics
from greenloop.cases.errors import Refusal
from greenloop.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseState,
    ReviewCampaign,
    ReviewItem,
    ReviewOutcome,
)
from tests.cases.conftest import NOW, TODAY

LATER = NOW + dt.timedelta(days=30)
NEW_DUE = TODAY + dt.timedelta(days=60)


@pytest.fixture
def closed(loop):
    """Two closed cases in 铁西区 (one water); one under rectification in
    东山县 and one in 铁西区; one closed as unfounded."""
    city = loop.city
    air = loop.to(CaseState.CLOSED, title="餐馆油烟扰民")
    water = loop.to(CaseState.CLOSED, title="河道排污", category=CaseCategory.WATER)
    dongshan = loop.register(region=city.other_township, title="东山县扬尘")
    dongshan = loop.assign(dongshan, lead=city.other_gov)
    dongshan = services.start_rectification(
        case=dongshan, by=loop.user("other_county"), now=NOW, version=dongshan.version
    )
    open_case = loop.to(CaseState.RECTIFYING, title="仍在整改")
    unfounded = loop.register(title="不实举报")
    unfounded = services.verify_unfounded(
        case=unfounded,
        by=loop.user("dispatcher"),
        now=NOW,
        version=unfounded.version,
        finding="经核查不属实",
    )
    unfounded = loop.close(unfounded)
    return {
        "air": air,
        "water": water,
        "open": open_case,
        "unfounded": unfounded,
        "dongshan": dongshan,
    }


def _campaign(loop, **selection):
    return services.create_review_campaign(
        by=loop.user("dispatcher"),
        now=LATER,
        name="2026年督察整改回头看",
        selection=services.ReviewSelection(**selection),
    )


# --- selection and creation --------------------------------------------------------


def test_it_selects_only_rectified_closed_cases_in_the_territory(loop, closed):
    campaign = _campaign(loop)

    selected = set(campaign.items.values_list("case__title", flat=True))

    assert selected == {"餐馆油烟扰民", "河道排污"}
    assert campaign.region == loop.city.city


def test_the_filter_narrows_by_category_and_closure_date(loop, closed):
    water = services.ReviewSelection(category=CaseCategory.WATER)
    before = services.ReviewSelection(closed_to=TODAY - dt.timedelta(days=1))

    assert [
        c.title for c in services.select_for_review(by=loop.user("dispatcher"), selection=water)
    ] == ["河道排污"]
    assert services.select_for_review(by=loop.user("dispatcher"), selection=before).count() == 0


def test_each_selected_case_gets_a_timeline_entry(loop, closed):
    campaign = _campaign(loop)

    entries = CaseEvent.objects.filter(action="greenloop.cases.case.review_selected")

    assert sorted(entries.values_list("case_id", flat=True)) == sorted(
        [closed["air"].pk, closed["water"].pk]
    )
    entry = entries.first()
    assert entry.data["campaign"] == {"id": campaign.pk, "name": campaign.name}
    assert entry.actor_name == "王调度" and entry.at == LATER


def test_a_county_handler_cannot_organise_a_review(loop, closed):
    with pytest.raises(services.UnableToReview) as refused:
        services.create_review_campaign(
            by=loop.user("county_user"),
            now=LATER,
            name="回头看",
            selection=services.ReviewSelection(),
        )

    assert refused.value.reason is Refusal.FORBIDDEN
    assert not ReviewCampaign.objects.exists()


def test_an_empty_selection_is_refused_and_creates_nothing(loop, closed):
    with pytest.raises(services.UnableToReview, match="没有符合条件的已销号问题"):
        _campaign(loop, category=CaseCategory.NOISE)

    assert not ReviewCampaign.objects.exists()
    assert not CaseEvent.objects.filter(action__endswith="review_selected").exists()


# --- outcomes ---------------------------------------------------------------------------


def _item(campaign, case):
    return ReviewItem.objects.select_related("case__region", "campaign", "group").get(
        campaign=campaign, case=case
    )


def test_a_relapse_reopens_the_case_and_the_statistics_count_it(loop, closed):
    campaign = _campaign(loop)
    case = closed["air"]
    before = statistics.summarize(Case.objects.all(), TODAY)

    item = services.record_review_outcome(
        item=_item(campaign, case),
        by=loop.user("recheck"),
        now=LATER,
        outcome=ReviewOutcome.RELAPSED,
        note="油烟净化器已拆除，油烟扰民反弹",
        version=case.version,
        due_date=NEW_DUE,
    )

    case.refresh_from_db()
    assert item.outcome == ReviewOutcome.RELAPSED and item.reviewed_at == LATER
    assert case.state == CaseState.RECTIFYING and case.due_date == NEW_DUE
    actions = list(case.events.order_by("at", "pk").values_list("action", flat=True))[-2:]
    assert actions == ["greenloop.cases.case.review_relapsed", "greenloop.cases.case.reopened"]
    assert case.events.get(action__endswith="reopened").comment == "油烟净化器已拆除，油烟扰民反弹"
    figures = statistics.review_figures(campaign.items.all())
    assert (figures["relapsed"], figures["consolidated"], figures["pending"]) == (1, 0, 1)
    after = statistics.summarize(Case.objects.all(), TODAY)
    assert after["done"] == before["done"] - 1
    assert after["in_progress"] == before["in_progress"] + 1


def test_consolidation_records_a_timeline_entry_and_leaves_the_case_closed(loop, closed):
    campaign = _campaign(loop)

    services.record_review_outcome(
        item=_item(campaign, closed["water"]),
        by=loop.user("dispatcher"),
        now=LATER,
        outcome=ReviewOutcome.CONSOLIDATED,
        note="现场检查未见排污",
    )

    closed["water"].refresh_from_db()
    assert closed["water"].state == CaseState.CLOSED
    entry = closed["water"].events.get(action="greenloop.cases.case.review_consolidated")
    assert entry.comment == "现场检查未见排污"
    assert statistics.review_figures(campaign.items.all())["consolidated"] == 1


def test_an_outcome_is_recorded_once(loop, closed):
    campaign = _campaign(loop)
    item = _item(campaign, closed["water"])
    services.record_review_outcome(
        item=item, by=loop.user("dispatcher"), now=LATER, outcome=ReviewOutcome.CONSOLIDATED
    )

    with pytest.raises(services.UnableToReview) as refused:
        services.record_review_outcome(
            item=item, by=loop.user("dispatcher"), now=LATER, outcome=ReviewOutcome.CONSOLIDATED
        )

    assert refused.value.reason in (Refusal.CONFLICT, Refusal.STALE)
    assert closed["water"].events.filter(action__endswith="review_consolidated").count() == 1


def test_a_relapse_without_a_reason_or_deadline_changes_nothing(loop, closed):
    campaign = _campaign(loop)
    item = _item(campaign, closed["air"])

    with pytest.raises(services.UnableToReview, match="须填写反弹情况"):
        services.record_review_outcome(
            item=item, by=loop.user("dispatcher"), now=LATER, outcome=ReviewOutcome.RELAPSED
        )
    with pytest.raises(services.UnableToTransitionCase, match="新的整改时限"):
        services.record_review_outcome(
            item=item,
            by=loop.user("dispatcher"),
            now=LATER,
            outcome=ReviewOutcome.RELAPSED,
            note="反弹",
        )

    item.refresh_from_db()
    closed["air"].refresh_from_db()
    assert item.outcome == ReviewOutcome.PENDING
    assert closed["air"].state == CaseState.CLOSED
    assert not closed["air"].events.filter(action__endswith="review_relapsed").exists()


def test_a_stale_case_version_refuses_the_relapse(loop, closed):
    campaign = _campaign(loop)
    item = _item(campaign, closed["air"])

    with pytest.raises(services.UnableToTransitionCase) as refused:
        services.record_review_outcome(
            item=item,
            by=loop.user("dispatcher"),
            now=LATER,
            outcome=ReviewOutcome.RELAPSED,
            note="反弹",
            version=closed["air"].version - 1,
            due_date=NEW_DUE,
        )

    assert refused.value.reason is Refusal.STALE
    item.refresh_from_db()
    assert item.outcome == ReviewOutcome.PENDING


def test_a_unit_handler_outside_the_group_may_not_review(loop, closed):
    campaign = _campaign(loop)

    with pytest.raises(services.UnableToReview) as refused:
        services.record_review_outcome(
            item=_item(campaign, closed["air"]),
            by=loop.user("county_user"),
            now=LATER,
            outcome=ReviewOutcome.CONSOLIDATED,
        )

    assert refused.value.reason is Refusal.FORBIDDEN


def test_a_group_member_may_record_consolidation(loop, closed):
    campaign = _campaign(loop)
    group = services.add_review_group(
        campaign=campaign,
        by=loop.user("dispatcher"),
        now=LATER,
        name="第一驻点组",
        members=[loop.city.people["county_user"]],
    )
    assigned = services.assign_review_items(
        campaign=campaign,
        group=group,
        by=loop.user("dispatcher"),
        now=LATER,
        region=loop.city.county,
    )

    item = services.record_review_outcome(
        item=_item(campaign, closed["air"]),
        by=loop.user("county_user"),
        now=LATER,
        outcome=ReviewOutcome.CONSOLIDATED,
    )

    assert assigned == 2
    assert item.outcome == ReviewOutcome.CONSOLIDATED
    figures = statistics.review_figures_by(campaign.items.all(), "group")
    assert figures[group.pk]["consolidated"] == 1


def test_the_other_county_does_not_see_the_items(loop, closed):
    campaign = _campaign(loop)

    with pytest.raises(services.UnableToReview) as refused:
        services.record_review_outcome(
            item=_item(campaign, closed["air"]),
            by=loop.user("other_county"),
            now=LATER,
            outcome=ReviewOutcome.CONSOLIDATED,
        )

    assert refused.value.reason is Refusal.NOT_FOUND
    assert ReviewItem.objects.visible_to(loop.user("other_county")).count() == 0


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def live_campaign(loop, closed):
    return services.create_review_campaign(
        by=loop.user("dispatcher"),
        now=timezone.now(),
        name="城市回头看",
        selection=services.ReviewSelection(),
    )


def test_the_dispatcher_previews_the_count_before_creating(loop, closed, login):
    client = login(loop.user("dispatcher"))

    preview = client.get("/cases/reviews/preview/", {"category": "WATER"}, HTTP_HX_REQUEST="true")
    page = client.get("/cases/reviews/new/", {"category": "AIR", "preview": "1"})

    assert preview.status_code == 200
    assert '<b id="preview-count">1</b>' in preview.content.decode()
    assert '<b id="preview-count">1</b>' in page.content.decode()
    assert not ReviewCampaign.objects.exists()


def test_the_dispatcher_creates_a_campaign_from_the_page(loop, closed, login):
    client = login(loop.user("dispatcher"))

    response = client.post(
        "/cases/reviews/new/", {"name": "全市回头看", "region": loop.city.county.pk}
    )

    campaign = ReviewCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/reviews/{campaign.pk}/"
    assert campaign.items.count() == 2 and campaign.region == loop.city.county


@pytest.mark.parametrize("persona", ["county_user", "leader", "recheck"])
def test_others_may_not_open_the_creation_page(loop, closed, login, persona):
    response = login(loop.user(persona)).get("/cases/reviews/new/")

    assert response.status_code == 403


def test_the_campaign_page_shows_each_reader_their_own_items(loop, closed, live_campaign, login):
    dispatcher = (
        login(loop.user("dispatcher")).get(f"/cases/reviews/{live_campaign.pk}/").content.decode()
    )
    county = (
        login(loop.user("county_user")).get(f"/cases/reviews/{live_campaign.pk}/").content.decode()
    )
    other = (
        login(loop.user("other_county")).get(f"/cases/reviews/{live_campaign.pk}/").content.decode()
    )

    assert "餐馆油烟扰民" in dispatcher and 'id="fig-review-total">2<' in dispatcher
    assert "outcome-form" in dispatcher
    assert "餐馆油烟扰民" in county and "outcome-form" not in county
    assert "餐馆油烟扰民" not in other and 'id="fig-review-total">0<' in other


def test_the_list_and_detail_are_403_for_the_auditor_and_404_when_missing(
    loop, live_campaign, login
):
    auditor = login(loop.user("auditor"))

    assert auditor.get("/cases/reviews/").status_code == 403
    assert auditor.get(f"/cases/reviews/{live_campaign.pk}/").status_code == 403
    assert login(loop.user("dispatcher")).get("/cases/reviews/999999/").status_code == 404


def test_recording_a_relapse_through_htmx_swaps_the_row_and_the_figures(
    loop, closed, live_campaign, login
):
    client = login(loop.user("dispatcher"))
    item = live_campaign.items.get(case=closed["air"])
    due = timezone.localdate() + dt.timedelta(days=30)
    prefix = f"item-{item.pk}"

    response = client.post(
        f"/cases/reviews/{live_campaign.pk}/items/{item.pk}/outcome/",
        {
            f"{prefix}-outcome": "RELAPSED",
            f"{prefix}-note": "油烟再次扰民",
            f"{prefix}-due_date": due.isoformat(),
            f"{prefix}-version": closed["air"].version,
        },
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<tr id="item-{item.pk}" data-outcome="RELAPSED">' in html
    # Out of band, inside <template> so the parser leaves the tables alone.
    assert html.index("<template>") < html.index('<div id="review-figures" hx-swap-oob="true">')
    assert 'id="fig-relapsed">1<' in html
    closed["air"].refresh_from_db()
    assert closed["air"].state == CaseState.RECTIFYING


def test_an_outcome_form_error_is_shown_in_the_row(loop, closed, live_campaign, login):
    client = login(loop.user("dispatcher"))
    item = live_campaign.items.get(case=closed["air"])
    prefix = f"item-{item.pk}"

    response = client.post(
        f"/cases/reviews/{live_campaign.pk}/items/{item.pk}/outcome/",
        {f"{prefix}-outcome": "RELAPSED", f"{prefix}-version": closed["air"].version},
        HTTP_HX_REQUEST="true",
    )

    assert "须填写反弹情况" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == ReviewOutcome.PENDING


def test_posting_an_outcome_for_another_countys_item_is_404(loop, closed, live_campaign, login):
    item = live_campaign.items.get(case=closed["air"])

    response = login(loop.user("other_county")).post(
        f"/cases/reviews/{live_campaign.pk}/items/{item.pk}/outcome/", {}
    )

    assert response.status_code == 404


def test_the_dispatcher_adds_a_group_and_assigns_by_region(loop, closed, live_campaign, login):
    client = login(loop.user("dispatcher"))
    member = loop.city.people["recheck"]

    client.post(
        f"/cases/reviews/{live_campaign.pk}/groups/", {"name": "第一组", "members": [member.pk]}
    )
    group = live_campaign.groups.get()
    client.post(
        f"/cases/reviews/{live_campaign.pk}/assign/",
        {"group": group.pk, "region": loop.city.county.pk},
    )

    assert list(group.members.all()) == [member]
    assert live_campaign.items.filter(group=group).count() == 2


# --- API ---------------------------------------------------------------------------------


def test_the_api_creates_previews_and_records(loop, closed, login):
    client = login(loop.user("dispatcher"))

    preview = client.get("/api/v1/cases/reviews/preview", {"category": "AIR"})
    created = client.post(
        "/api/v1/cases/reviews", {"name": "API回头看"}, content_type="application/json"
    )
    campaign_id = created.json()["id"]
    items = client.get(f"/api/v1/cases/reviews/{campaign_id}/items").json()["items"]
    water = next(i for i in items if i["case"]["title"] == "河道排污")
    recorded = client.post(
        f"/api/v1/cases/reviews/{campaign_id}/items/{water['id']}/outcome",
        {"outcome": "CONSOLIDATED", "note": "巩固"},
        content_type="application/json",
    )
    again = client.post(
        f"/api/v1/cases/reviews/{campaign_id}/items/{water['id']}/outcome",
        {"outcome": "CONSOLIDATED"},
        content_type="application/json",
    )
    detail = client.get(f"/api/v1/cases/reviews/{campaign_id}").json()

    assert preview.json() == {"count": 1}
    assert created.status_code == 201 and created.json()["figures"]["total"] == 2
    assert recorded.status_code == 200 and recorded.json()["outcome"] == "CONSOLIDATED"
    assert again.status_code == 409 and "不能重复记录" in again.json()["detail"]
    assert detail["figures"]["consolidated"] == 1 and detail["figures"]["pending"] == 1


def test_the_api_refuses_a_county_handler_with_403(loop, closed, login):
    response = login(loop.user("county_user")).post(
        "/api/v1/cases/reviews", {"name": "回头看"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["reason"] == "FORBIDDEN"
