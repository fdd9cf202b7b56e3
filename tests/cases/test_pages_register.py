"""Registering a case through the page (dispatchers only; regions in reach)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from greenloop.cases.models import Case, CaseCategory, CaseSource, CaseState
from greenloop.org.roles import Role
from tests.cases.conftest import _add_persona, png

NEW = reverse("cases:new")


def _data(region: Any, **extra: Any) -> dict[str, Any]:
    return {
        "source": CaseSource.HOTLINE_12369,
        "title": "夜间工地噪声扰民",
        "category": CaseCategory.NOISE,
        "region": region.code,
        "problem_count": 1,
        "tags": "噪声，夜间施工",
        **extra,
    }


def test_a_dispatcher_registers_a_case_with_files(loop_city, login):
    client = login(loop_city.users["dispatcher"])

    response = client.post(
        NEW,
        _data(
            loop_city.township,
            is_key="on",
            enterprise_name="某建筑公司",
            files=[png("夜间施工.png")],
        ),
        follow=True,
    )

    case = Case.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    assert case.number.startswith("12369-") and f"已登记问题 {case.number}" in page
    assert case.state == CaseState.REGISTERED and case.is_key
    assert case.region == loop_city.township
    assert set(case.tags.values_list("name", flat=True)) == {"夜间施工", "噪声"}
    assert case.attachments.get().original_name == "夜间施工.png"
    assert 'id="action-assign"' in page


def test_the_form_offers_and_accepts_regions_in_reach_only(loop_city, login):
    user, _person = _add_persona("tx_dispatcher", "钱铁西", loop_city.county_gov, Role.DISPATCHER)
    client = login(user)

    form = client.get(NEW).content.decode()
    response = client.post(NEW, _data(loop_city.other_township))

    assert "兴盛街道" in form and "东山镇" not in form
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Case.objects.exists()


def test_a_missing_title_is_asked_for_and_nothing_is_registered(loop_city, login):
    response = login(loop_city.users["dispatcher"]).post(NEW, _data(loop_city.township, title=""))

    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["county_user", "acceptance", "leader"])
def test_only_dispatchers_may_register(loop_city, login, persona):
    client = login(loop_city.users[persona])

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _data(loop_city.township)).status_code == 403
    assert not Case.objects.exists()
