"""The statistics endpoint, before and after, interleaved on one database.

    eval "$(scripts/pg-start)"
    .venv/bin/python bench/cases/bench_cases.py          # builds the 100,000 cases
    git show 8f38137:src/greenloop/cases/statistics.py > /tmp/statistics_before.py
    .venv/bin/python bench/cases/bench_statistics.py --baseline /tmp/statistics_before.py \
        [--rounds 10] [--requests 5] [--explain]
    scripts/pg-stop

Runs on the database ``bench_cases.py`` left behind (``DATABASE_URL``; it
must already hold the grown cases). ``--baseline`` is another version of
``greenloop/cases/statistics.py`` (e.g. the previous commit's): the script
loads it as a module of its own and, in each of ``--rounds`` rounds, times
``--requests`` requests of ``GET /api/v1/cases/statistics`` with it and
then as many with the current code, for the city dispatcher and the
county user — so both versions see the same load, minute by minute.
Requests go through Django's test ``Client`` in process, as in
``bench_cases.py``. The two versions' answers are compared (they must be
equal). ``uptime`` is printed before and after; ``--explain`` prints the
plan (``EXPLAIN (ANALYZE, BUFFERS)``) of each query of the current version
that takes over 5 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cases import AIM_MS, _percentile, _setup  # noqa: E402


def _uptime() -> str:
    # Django sets TZ to the site's zone; report the machine's clock in UTC.
    return subprocess.run(
        ["uptime"], env={**os.environ, "TZ": "UTC"}, capture_output=True, text=True
    ).stdout.rstrip()


def _load(path: str) -> Any:
    name = "greenloop_statistics_" + Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # An older case_statistics may not take the keywords today's callers
    # pass (beyond): it gets the ones it knows, and so answers as that
    # version did.
    original = module.case_statistics
    known = inspect.signature(original).parameters

    def case_statistics(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{k: v for k, v in kwargs.items() if k in known})

    module.case_statistics = case_statistics
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--baseline",
        action="append",
        default=[],
        help="another statistics.py to compare with: PATH or NAME=PATH (repeatable)",
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--query",
        default="",
        help="filters to add to the URL, e.g. region=<code> (the bench's default is none)",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error('needs PostgreSQL: eval "$(scripts/pg-start)" or --database-url')
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from greenloop.cases import campaign_queries
    from greenloop.cases import statistics as current
    from greenloop.cases.models import Case

    print(f"{Case.objects.count():,} cases; uptime:{_uptime()}")
    versions: dict[str, Any] = {}
    for i, spec in enumerate(args.baseline):
        name, _eq, path = spec.rpartition("=")
        versions[name or ("before" if i == 0 else f"before{i + 1}")] = _load(path)
    versions["after"] = current

    url = "/api/v1/cases/statistics" + (f"?{args.query}" if args.query else "")
    clients = {}
    for username in ("dispatcher", "county"):
        client = Client()
        client.force_login(
            get_user_model().objects.get(username=username),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        clients[username] = client

    def get(username: str, version: str) -> tuple[float, Any]:
        campaign_queries.statistics = versions[version]  # type: ignore[attr-defined]
        try:
            t = time.perf_counter()
            response = clients[username].get(url)
            ms = (time.perf_counter() - t) * 1000
        finally:
            campaign_queries.statistics = current  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise RuntimeError(f"{username}, {version}: {response.status_code}")
        return ms, json.loads(response.content)

    times: dict[tuple[str, str], list[float]] = {}
    for username in clients:
        answers = {}
        for version in versions:
            for _ in range(3):  # warm-up
                _ms, answers[version] = get(username, version)
        if len(set(map(json.dumps, answers.values()))) != 1:
            sys.exit(f"{username}: the versions' answers differ")
        with CaptureQueriesContext(connection) as captured:
            get(username, "after")
        print(f"{username}: {len(captured)} queries (current version)")
        if args.explain:
            for q in captured.captured_queries:
                if float(q["time"]) * 1000 > 5 and q["sql"].lstrip().upper().startswith(
                    ("SELECT", "WITH")
                ):
                    print(f"\n{float(q['time']) * 1000:.1f} ms  {q['sql'][:2000]}")
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                        print("\n".join(r[0] for r in cursor.fetchall()))

    for _round in range(args.rounds):
        for username in clients:
            for version in versions:
                for _ in range(args.requests):
                    ms, _answer = get(username, version)
                    times.setdefault((username, version), []).append(ms)

    print(f"uptime:{_uptime()}")
    print(
        f"\nGET {url}, {args.rounds} rounds × {args.requests} requests "
        "per version, interleaved; ms\n"
    )
    print(f"| user | version | p50 | p95 | mean | p95 < {AIM_MS:.0f} ms |")
    print("|---|---|---:|---:|---:|---|")
    for (username, version), ms in times.items():
        p95 = _percentile(ms, 0.95)
        print(
            f"| {username} | {version} | {_percentile(ms, 0.5):.1f} | {p95:.1f} "
            f"| {statistics.fmean(ms):.1f} | {'yes' if p95 < AIM_MS else '**no**'} |"
        )


if __name__ == "__main__":
    main()
