"""The same seed builds the same city, row for row; another seed another."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from django.db import transaction

from greenloop.demo.city import build_demo_city, is_empty
from greenloop.demo.names import NameBook
from greenloop.demo.regions import plan_regions
from greenloop.org.models import (
    BaobaoVisit,
    Chief,
    ChiefObject,
    Duty,
    Grid,
    Person,
    Region,
    RoleGrant,
    Unit,
)

CONTENT = [
    (Region, ["code", "name", "kind", "parent__code", "boundary", "center_lon", "center_lat"]),
    (Unit, ["code", "name", "kind", "region__code", "parent__code", "governs_territory"]),
    (Person, ["name", "unit__code", "posts", "phone", "user__username"]),
    (RoleGrant, ["person__phone", "role"]),
    (Grid, ["code", "name", "level", "kind", "region__code", "parent__code", "boundary"]),
    (Grid.officers.through, ["grid__code", "person__phone"]),
    (ChiefObject, ["code", "name", "system", "region__code", "geometry"]),
    (Chief, ["obj__code", "person__phone", "level"]),
    (
        BaobaoVisit,
        ["assignment__leader__phone", "assignment__unit__code", "visit_date", "checked", "clues"],
    ),
    (Duty, ["rlist__unit__code", "rlist__status", "order", "category", "text", "legal_basis"]),
]


def _digest() -> str:
    digest = hashlib.sha256()
    for model, fields in CONTENT:
        rows = sorted(
            json.dumps(row, default=str, ensure_ascii=False)
            for row in model.objects.values_list(*fields)
        )
        digest.update("\n".join(rows).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_city_twice(demo_now):
    digests = []
    for _ in range(2):
        with transaction.atomic():
            assert is_empty()
            build_demo_city(seed=2026, now=demo_now, monitoring=False)
            digests.append(_digest())
            transaction.set_rollback(True)

    assert is_empty()
    assert digests[0] == digests[1]


def test_another_seed_plans_other_names_and_boundaries():
    def plan(seed):
        tree = plan_regions(random.Random(seed), NameBook(random.Random(seed)))
        return [(p.code, p.name, p.box) for p in tree.by_code.values()]

    assert plan(1) == plan(1)
    assert plan(1) != plan(2)
