"""Case list page, filtered API list and statistics at 100,000 cases.

    eval "$(scripts/pg-start)"
    .venv/bin/python bench/cases/bench_cases.py [--cases 100000] [--requests 50]
        [--imported 10000] [--explain]
    scripts/pg-stop

Needs an empty PostgreSQL database (``DATABASE_URL``, e.g. from
``scripts/pg-start``); files go to a temporary data directory.

1. Build the demo city (≈1,240 cases: the inspection round and the 回头看)
   and measure every request — the **baseline in the same run**, the same
   requests on a database a hundred times smaller.
2. Grow the cases to ``--cases``: ``--imported`` of them through the real
   ``services.import_closed_cases`` (a historical ledger, timed), the rest
   through the bench-only fixture of ``fixture.py`` (PostgreSQL COPY of
   rows in consistent states with their timelines; see its docstring),
   whose stays (days per stage) the backfill of migration ``cases.0007``
   then records, and that of ``cases.0008`` adds up per case, timed, as
   for cases recorded before those migrations; the tally of the figures
   per group (``greenloop.cases.tally``) is then recounted, timed.
3. Measure again and report p50, p95 and mean per request, the queries
   each makes, and the ratios: at scale ÷ at demo size, and p50 ÷ a bare
   ``SELECT count(*)`` over the cases table through the same connection.

Requests go through Django's test ``Client`` in this process (middleware,
view, template or schema; no HTTP server), logged in as the demo's city
dispatcher (``dispatcher``, the whole city) and county user (``county``,
铁西区). Static files resolve with plain storage (no manifest).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

AIM_MS = 150.0


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("GREENLOOP_DATA_DIR", tempfile.mkdtemp(prefix="greenloop-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenloop.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _time(fn: Callable[[], Any], n: int, warm: int = 3) -> dict[str, float]:
    for _ in range(warm):
        fn()
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1000)
    return {
        "p50": _percentile(ms, 0.5),
        "p95": _percentile(ms, 0.95),
        "mean": statistics.fmean(ms),
    }


def _requests(region_code: str) -> list[tuple[str, str]]:
    return [
        ("list page", "/cases/"),
        ("API list", f"/api/v1/cases?state=RECTIFYING&region={region_code}"),
        ("statistics", "/api/v1/cases/statistics"),
        ("summary", "/api/v1/cases/summary"),
    ]


def measure(n: int, *, explain: bool) -> dict[tuple[str, str], dict[str, float]]:
    """Every request for both users, and the count(*) baseline."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from greenloop.org.models import Region

    tiexi = Region.objects.get(name="铁西区").code
    results: dict[tuple[str, str], dict[str, float]] = {}

    def count() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case")
            cursor.fetchone()

    results["count(*)", ""] = _time(count, n)
    for username in ("dispatcher", "county"):
        client = Client()
        user = get_user_model().objects.get(username=username)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for name, url in _requests(tiexi):

            def get(url: str = url, client: Client = client) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code}")

            figures = _time(get, n)
            with CaptureQueriesContext(connection) as captured:
                get()
            figures["queries"] = len(captured)
            results[name, username] = figures
            if explain:
                _explain(name, username, captured.captured_queries)
    return results


def _explain(name: str, username: str, queries: list[dict[str, Any]]) -> None:
    from django.db import connection

    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    print(f"\n--- {name} as {username}: {len(queries)} queries; slowest:", file=sys.stderr)
    for q in slowest:
        print(f"{float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}", file=sys.stderr)
    sql = slowest[0]["sql"]
    if sql.lstrip().upper().startswith("SELECT"):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cursor.fetchall())
        print(plan, file=sys.stderr)


def _grow(target: int, imported: int, now: dt.datetime) -> dict[str, float]:
    from django.apps import apps
    from django.db import connection, transaction
    from fixture import build_cases

    from greenloop.cases import services, tally
    from greenloop.cases.models import Case, CaseCategory, CaseSource, CaseStageSpan
    from greenloop.org.models import Region, RegionLevel, Unit

    existing = Case.objects.count()
    to_import = min(imported, max(0, target - existing))
    dispatcher = _user("dispatcher")
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).order_by("code"))
    leads = {
        u.region_id: u
        for u in Unit.objects.filter(code__endswith="-ZF", region__level=RegionLevel.COUNTY)
    }
    counties = {r.pk: r for r in Region.objects.filter(level=RegionLevel.COUNTY)}
    by_path = {r.path: r for r in counties.values()}

    def county_government(village: Region) -> Unit:
        county_path = "/".join(village.path.split("/")[:2]) + "/"
        return leads[by_path[county_path].pk]

    records = []
    for i in range(to_import):
        village = villages[i % len(villages)]
        closed = dt.date(2018 + i % 7, 1 + i % 12, 1 + i % 28)
        records.append(
            services.ClosedCaseRecord(
                source=list(CaseSource.values)[i % 6],
                title=f"历史问题{i + 1}",
                category=list(CaseCategory.values)[i % 8],
                region=village,
                lead_unit=county_government(village),
                registered_date=closed - dt.timedelta(days=20 + i % 60),
                closed_date=closed,
                due_date=closed + dt.timedelta(days=i % 15),
            )
        )
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if records:
        services.import_closed_cases(
            by=dispatcher, now=now, ledger="基准历史台账（2018—2024年）", records=records
        )
    timings["import_closed_cases"] = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        rows = build_cases(target - existing - to_import, now=now)
    timings["fixture"] = time.perf_counter() - t
    # The fixture writes timelines only; their stays and each case's stage
    # totals come from the data migrations' backfills, as for cases
    # recorded before cases.0007 and 0008; the tally of the figures per
    # group is recounted, as after any write outside the services.
    t = time.perf_counter()
    with transaction.atomic():
        backfill = importlib.import_module(
            "greenloop.cases.migrations.0007_backfill_case_stage_spans"
        ).backfill_stage_spans
        backfill(apps, None)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CaseStageSpan._meta.db_table}")
    timings["backfill"] = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        importlib.import_module(
            "greenloop.cases.migrations.0008_case_stage_totals_and_tally"
        ).backfill_stage_totals(apps, SimpleNamespace(connection=connection))
    timings["totals"] = time.perf_counter() - t
    t = time.perf_counter()
    tally.rebuild()
    timings["tally"] = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Case._meta.db_table}")
    timings["spans"] = float(CaseStageSpan.objects.count())
    timings.update({k: float(v) for k, v in rows.items()})
    timings["imported"] = float(to_import)
    return timings


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--imported", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true", help="slowest queries and a plan")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error('needs PostgreSQL: eval "$(scripts/pg-start)" or --database-url')
    _setup(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from greenloop.cases.models import Case, CaseEvent
    from greenloop.demo.city import build_demo_city, is_empty

    call_command("migrate", verbosity=0)
    if not is_empty():
        sys.exit("the database is not empty: use a fresh one (scripts/pg-start)")
    now = timezone.now()
    t = time.perf_counter()
    build_demo_city(seed=args.seed, now=now)
    print(f"demo city: {Case.objects.count():,} cases in {time.perf_counter() - t:.1f} s")
    small = measure(args.requests, explain=args.explain)
    small_n = Case.objects.count()

    grown = _grow(args.cases, args.imported, now)
    big_n = Case.objects.count()
    print(
        f"grown to {big_n:,} cases, {CaseEvent.objects.count():,} timeline entries: "
        f"{grown['imported']:,.0f} via import_closed_cases in "
        f"{grown['import_closed_cases']:.1f} s, {grown['cases']:,.0f} by the fixture "
        f"({grown['events']:,.0f} entries) in {grown['fixture']:.1f} s; "
        f"backfill of migration cases.0007: {grown['spans']:,.0f} stays in "
        f"{grown['backfill']:.1f} s; of cases.0008 (stage totals): {grown['totals']:.1f} s; "
        f"tally recounted in {grown['tally']:.1f} s"
    )
    big = measure(args.requests, explain=args.explain)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(f"\n{version}; {args.requests} requests each after 3 warm-ups; ms")
    print(
        f"\n| request | user | queries | p50 @ {small_n:,} | p50 | p95 | mean "
        f"| p50 × demo size | p50 ÷ count(*) | p95 < {AIM_MS:.0f} ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    base = big["count(*)", ""]["p50"]
    for key, f in big.items():
        name, user = key
        s = small[key]
        ratio = f["p50"] / s["p50"]
        queries = f"{f['queries']:.0f}" if "queries" in f else "1"
        aim = "" if not user else ("yes" if f["p95"] < AIM_MS else "**no**")
        print(
            f"| {name} | {user or '—'} | {queries} | {s['p50']:.1f} | {f['p50']:.1f} "
            f"| {f['p95']:.1f} | {f['mean']:.1f} | {ratio:.1f} | {f['p50'] / base:.0f} | {aim} |"
        )


if __name__ == "__main__":
    main()
