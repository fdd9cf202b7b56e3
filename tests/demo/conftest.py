"""The demo city, built once per test module inside a transaction that is
rolled back afterwards (the build takes seconds; the audit log is
append-only, so rollback is the only way to clear it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

NOW = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC)
FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture
def demo_now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from greenloop.demo.city import build_demo_city

    with django_db_blocker.unblock(), FAST_HASHER, transaction.atomic():
        # The monitoring part (lake, AQI, hotspots) has its own module,
        # test_quality_demo.py; the city's tests do without its half-minute.
        summary = build_demo_city(seed=2026, now=NOW, monitoring=False)
        yield summary
        transaction.set_rollback(True)
