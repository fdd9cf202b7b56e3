"""Who sees which case: territory for territorial bodies, participation
for departments, nothing for the three administrators."""

from __future__ import annotations

import pytest
from django.http import Http404

from greenloop.cases.models import Case, CaseEvent, CaseState
from greenloop.org.access import get_for_user


@pytest.fixture
def spread(loop):
    city = loop.city
    return {
        "txi": loop.to(CaseState.ASSIGNED),  # 铁西区, led by 铁西区人民政府
        "txi_dept": loop.assign(
            loop.register(), lead=city.dept_branch
        ),  # 铁西区, led by the branch
        "dsh": loop.assign(loop.register(region=city.other_township), lead=city.other_gov),
        "dsh_coop": loop.assign(
            loop.register(region=city.other_township),
            lead=city.other_gov,
            cooperating_units=[city.dept],
        ),
        "citywide": loop.register(region=city.city),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("dispatcher", {"txi", "txi_dept", "dsh", "dsh_coop", "citywide"}),
        ("leader", {"txi", "txi_dept", "dsh", "dsh_coop", "citywide"}),
        ("recheck", {"txi", "txi_dept", "dsh", "dsh_coop", "citywide"}),
        ("county_user", {"txi", "txi_dept"}),
        ("acceptance", {"txi", "txi_dept"}),
        ("other_county", {"dsh", "dsh_coop"}),
        ("dept_user", {"txi_dept", "dsh_coop"}),  # its branch leads one, it cooperates in one
        ("branch_user", {"txi_dept"}),
        ("sysadmin", set()),
        ("secadmin", set()),
        ("auditor", set()),
    ],
)
def test_each_persona_sees_exactly_their_cases(loop, spread, persona, expected):
    seen = set(Case.objects.visible_to(loop.user(persona)).values_list("pk", flat=True))

    assert seen == {spread[name].pk for name in expected}


def test_a_unit_sees_the_case_it_leads_outside_its_territory(loop):
    case = loop.assign(loop.register(region=loop.city.other_township), lead=loop.city.county_gov)

    assert Case.objects.visible_to(loop.user("county_user")).filter(pk=case.pk).exists()


def test_the_timeline_follows_the_case(loop, spread):
    events = CaseEvent.objects.visible_to(loop.user("county_user"))

    assert set(events.values_list("case_id", flat=True)) == {
        spread["txi"].pk,
        spread["txi_dept"].pk,
    }


def test_fetching_another_countys_case_is_a_404(loop, spread):
    with pytest.raises(Http404):
        get_for_user(loop.user("county_user"), Case, action="cases.view", pk=spread["dsh"].pk)

    assert get_for_user(loop.user("county_user"), Case, action="cases.view", pk=spread["txi"].pk)
