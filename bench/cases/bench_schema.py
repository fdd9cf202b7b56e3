"""The SQL of the case list page and API list on two schemas, interleaved.

    .venv/bin/python bench/cases/bench_schema.py --before URL --after URL \
        [--rounds 10] [--requests 5]

For a change of schema rather than of code (cases.0008 widened
``cases_case`` by the per-case stage totals): the requests are made once
with the current code on ``--after`` and their SQL captured; then, round
after round, the same statements run on a database with the schema before
(e.g. a copy of the bench database with the migration unapplied and
``VACUUM FULL``; the columns it lacks are left out of the SELECT lists)
and on ``--after``, alternately, so both meet the same load minute by
minute. Reported per request: the sum of its statements' times.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cases import _percentile, _requests, _setup  # noqa: E402
from bench_statistics import _uptime  # noqa: E402

_NEW_COLUMNS = re.compile(
    r', "cases_case"\."(?:stays_[a-z_]+|stay_micros_[a-z_]+|closures|close_micros)"'
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    _setup(args.after)

    import psycopg
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from greenloop.org.models import Region

    tiexi = Region.objects.get(name="铁西区").code
    captured: dict[tuple[str, str], list[str]] = {}
    for username in ("dispatcher", "county"):
        client = Client()
        client.force_login(
            get_user_model().objects.get(username=username),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        for name, url in _requests(tiexi):
            if name not in ("list page", "API list"):
                continue
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            captured[name, username] = [
                q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")
            ]
    connection.close()
    databases = {
        "before": psycopg.connect(args.before, autocommit=True),
        "after": psycopg.connect(args.after, autocommit=True),
    }
    print(f"uptime:{_uptime()}")
    times: dict[tuple[str, str, str], list[float]] = {}
    for _round in range(args.rounds):
        for (name, username), statements in captured.items():
            for version, db in databases.items():
                sqls = [_NEW_COLUMNS.sub("", s) if version == "before" else s for s in statements]
                with db.cursor() as cursor:
                    for sql in sqls:  # warm-up
                        cursor.execute(sql)
                        cursor.fetchall()
                    for _ in range(args.requests):
                        t = time.perf_counter()
                        for sql in sqls:
                            cursor.execute(sql)
                            cursor.fetchall()
                        times.setdefault((name, username, version), []).append(
                            (time.perf_counter() - t) * 1000
                        )
    print(f"uptime:{_uptime()}")
    print(
        f"\nSQL of each request, {args.rounds} rounds × {args.requests} per schema, "
        "interleaved; ms\n"
    )
    print("| request | user | statements | schema | p50 | p95 | mean |")
    print("|---|---|---:|---|---:|---:|---:|")
    for (name, username, version), ms in times.items():
        print(
            f"| {name} | {username} | {len(captured[name, username])} | {version} "
            f"| {_percentile(ms, 0.5):.1f} | {_percentile(ms, 0.95):.1f} "
            f"| {statistics.fmean(ms):.1f} |"
        )


if __name__ == "__main__":
    main()
