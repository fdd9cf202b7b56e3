"""信息公开: the office drafts and publishes a case's public text; the
public page shows only published texts and no personal data."""

from __future__ import annotations

import pytest

from greenloop.cases import services, statistics
from greenloop.cases.errors import Refusal
from greenloop.cases.models import (
    Case,
    CaseDisclosure,
    CaseEvent,
    CaseState,
    DisclosureStatus,
    InspectionBatch,
    InspectionRound,
    RoundKind,
)
from tests.cases.conftest import NOW

TEXT = "经核查，反映的餐馆油烟扰民问题属实。已督促安装油烟净化设备，经验收合格，整改到位。"
COMPLAINANT = "张三丰"
PHONE = "13912345678"


@pytest.fixture
def round_case(loop):
    """A closed petition of a central round whose description carries the
    complainant's name and phone, as petitions do."""
    inspection_round = InspectionRound.objects.create(kind=RoundKind.CENTRAL, name="中央督察")
    batch = InspectionBatch.objects.create(
        inspection_round=inspection_round, number=3, received_date=NOW.date()
    )
    return loop.to(
        CaseState.CLOSED,
        batch=batch,
        title=f"{COMPLAINANT}反映餐馆油烟扰民",
        description=f"来信人{COMPLAINANT}，电话{PHONE}，住址和平社区3号楼",
        enterprise_name="某某餐馆",
        external_number="D210300202605010001",
    )


def _draft(loop, case, text=TEXT, by="dispatcher"):
    return services.draft_disclosure(case=case, by=loop.user(by), now=NOW, text=text)


def _publish(loop, case, by="dispatcher"):
    return services.publish_disclosure(case=case, by=loop.user(by), now=NOW)


# --- services ----------------------------------------------------------------------


def test_drafting_then_publishing_writes_the_timeline(loop, round_case):
    _draft(loop, round_case)

    disclosure = _publish(loop, round_case)

    assert disclosure.status == DisclosureStatus.PUBLISHED and disclosure.published_at == NOW
    actions = list(
        CaseEvent.objects.filter(case=round_case, action__contains="disclosure")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "greenloop.cases.case.disclosure_drafted",
        "greenloop.cases.case.disclosure_published",
    ]


@pytest.mark.parametrize(
    "text",
    [
        f"举报人电话{PHONE}",
        "联系电话 139-1234-5678",
        "座机024-12345678",
        "身份证210302199001011234",
        "邮箱 someone@example.com",
    ],
)
def test_a_text_with_personal_data_is_refused(loop, round_case, text):
    with pytest.raises(services.UnableToDisclose, match="不得包含个人信息"):
        _draft(loop, round_case, text=text)

    assert not CaseDisclosure.objects.exists()


def test_a_published_text_is_not_edited_in_place(loop, round_case):
    _draft(loop, round_case)
    _publish(loop, round_case)

    with pytest.raises(services.UnableToDisclose) as refused:
        _draft(loop, round_case, text="改写")

    assert refused.value.reason is Refusal.CONFLICT
    assert CaseDisclosure.objects.get().text == TEXT


def test_withdrawing_needs_a_reason_then_the_text_can_be_redrafted(loop, round_case):
    _draft(loop, round_case)
    _publish(loop, round_case)

    with pytest.raises(services.UnableToDisclose, match="理由"):
        services.withdraw_disclosure(
            case=round_case, by=loop.user("dispatcher"), now=NOW, reason=" "
        )
    services.withdraw_disclosure(
        case=round_case, by=loop.user("dispatcher"), now=NOW, reason="表述不准确"
    )
    redrafted = _draft(loop, round_case, text=TEXT + "（修订）")

    assert redrafted.status == DisclosureStatus.DRAFT and redrafted.published_at is None
    entry = CaseEvent.objects.filter(case=round_case, action__endswith="disclosure_drafted").last()
    assert entry.data["text"] == {"old": TEXT, "new": TEXT + "（修订）"}


@pytest.mark.parametrize(
    ("persona", "reason"), [("county_user", Refusal.FORBIDDEN), ("other_county", Refusal.NOT_FOUND)]
)
def test_only_the_office_drafts(loop, round_case, persona, reason):
    with pytest.raises(services.UnableToDisclose) as refused:
        _draft(loop, round_case, by=persona)

    assert refused.value.reason is reason


def test_a_duplicate_is_not_disclosed_on_its_own(loop, round_case):
    repeat = loop.register(title="重复件")
    repeat = services.merge_case(
        case=repeat, into=round_case, by=loop.user("dispatcher"), now=NOW, version=repeat.version
    )

    with pytest.raises(services.UnableToDisclose) as refused:
        _draft(loop, repeat)

    assert refused.value.reason is Refusal.CONFLICT


def test_publishing_needs_a_draft(loop, round_case):
    with pytest.raises(services.UnableToDisclose, match="请先编写"):
        _publish(loop, round_case)


def test_the_disclosure_rate_counts_published_texts_of_closed_round_cases(loop, round_case):
    loop.to(CaseState.RECTIFYING, inspection_round=round_case.inspection_round)  # not yet due
    cases = Case.objects.all()
    before = statistics.disclosure_figures(cases)
    _draft(loop, round_case)
    drafted = statistics.disclosure_figures(cases)
    _publish(loop, round_case)

    after = statistics.disclosure_figures(cases)

    assert before["should_disclose"] == 1 and before["disclosure_rate"] == 0
    assert drafted["disclosed"] == 0
    assert after["disclosed"] == 1 and after["disclosure_rate"] == 1.0


def test_masking_stars_out_what_looks_like_personal_data():
    masked = services.mask_personal_data(f"电话{PHONE}，其余不变")

    assert masked == "电话***********，其余不变"


# --- the public page ---------------------------------------------------------------------


def test_the_public_page_shows_the_result_without_personal_data(loop, round_case, client):
    _draft(loop, round_case)
    disclosure = _publish(loop, round_case)

    listing = client.get("/public/disclosure/").content.decode()
    detail = client.get(f"/public/disclosure/{disclosure.pk}/").content.decode()

    for page in (listing, detail):
        assert COMPLAINANT not in page and PHONE not in page
        assert "和平社区3号楼" not in page and "某某餐馆" not in page
        assert "D210300202605010001" in page
    assert "兴盛街道" in detail and "大气污染" in detail and "中央督察 第3批" in detail
    assert "整改到位" in detail and "已办结" in detail


def test_drafts_and_withdrawn_texts_are_not_public(loop, round_case, client):
    draft = _draft(loop, round_case)

    listing = client.get("/public/disclosure/").content.decode()
    detail = client.get(f"/public/disclosure/{draft.pk}/")

    assert "整改到位" not in listing
    assert detail.status_code == 404
    _publish(loop, round_case)
    services.withdraw_disclosure(
        case=round_case, by=loop.user("dispatcher"), now=NOW, reason="撤回"
    )
    assert client.get(f"/public/disclosure/{draft.pk}/").status_code == 404


def test_a_text_that_slipped_through_is_masked_on_the_public_page(loop, round_case, client):
    _draft(loop, round_case)
    disclosure = _publish(loop, round_case)
    CaseDisclosure.objects.filter(pk=disclosure.pk).update(text=f"{TEXT}联系{PHONE}")

    page = client.get(f"/public/disclosure/{disclosure.pk}/").content.decode()

    assert PHONE not in page and "***********" in page


def test_the_public_list_filters_by_region_and_keyword(loop, round_case, client):
    _draft(loop, round_case)
    _publish(loop, round_case)

    tiexi = client.get("/public/disclosure/", {"region": loop.city.county.pk}).content.decode()
    dongshan = client.get("/public/disclosure/", {"region": loop.city.other.pk}).content.decode()
    keyword = client.get("/public/disclosure/", {"q": "油烟"}).content.decode()

    assert "整改到位" in tiexi and "整改到位" in keyword
    assert "整改到位" not in dongshan


# --- staff pages and API -----------------------------------------------------------------


def test_the_office_drafts_and_publishes_through_the_page(loop, round_case, login):
    client = login(loop.user("dispatcher"))
    url = f"/cases/disclosure/{round_case.pk}/"

    refused = client.post(url, {"action": "save", "text": f"电话{PHONE}"})
    client.post(url, {"action": "save", "text": TEXT})
    client.post(url, {"action": "publish"})

    assert "不得包含个人信息" in refused.content.decode()
    assert CaseDisclosure.objects.get().status == DisclosureStatus.PUBLISHED
    listing = client.get("/cases/disclosure/").content.decode()
    assert 'id="fig-rate">100.0%<' in listing


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [("county_user", 200, 403), ("other_county", 404, 404), ("auditor", 403, 403)],
)
def test_the_case_page_is_read_only_or_hidden_for_others(
    loop, round_case, login, persona, get, post
):
    client = login(loop.user(persona))
    url = f"/cases/disclosure/{round_case.pk}/"

    assert client.get(url).status_code == get
    assert client.post(url, {"action": "save", "text": TEXT}).status_code == post
    assert not CaseDisclosure.objects.exists()


def test_the_api_drafts_publishes_and_withdraws(loop, round_case, login):
    client = login(loop.user("dispatcher"))
    base = f"/api/v1/cases/{round_case.pk}/disclosure"

    missing = client.get(base)
    bad = client.put(base, {"text": f"电话{PHONE}"}, content_type="application/json")
    drafted = client.put(base, {"text": TEXT}, content_type="application/json")
    published = client.post(f"{base}/publish")
    withdrawn = client.post(f"{base}/withdraw", {"reason": "更正"}, content_type="application/json")
    listed = client.get("/api/v1/cases/disclosures", {"status": "WITHDRAWN"}).json()

    assert missing.status_code == 404
    assert bad.status_code == 400 and "个人信息" in bad.json()["detail"]
    assert drafted.json()["status"] == "DRAFT"
    assert published.json()["public_url"] == f"/public/disclosure/{published.json()['id']}/"
    assert withdrawn.json()["status"] == "WITHDRAWN" and withdrawn.json()["public_url"] is None
    assert listed["count"] == 1
    other = login(loop.user("other_county")).get(base)
    assert other.status_code == 404
