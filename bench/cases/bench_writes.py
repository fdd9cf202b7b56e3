"""What keeping the tally costs a change: case services with and without it.

    .venv/bin/python bench/cases/bench_writes.py [--rounds 10] [--cases 5]

Runs on the database ``bench_cases.py`` left behind (``DATABASE_URL``). In
each round, ``--cases`` cases are registered, assigned and taken on
(``register_case``, ``assign_case``, ``start_rectification``) once as the
services do it and once with the tally's bookkeeping (``tally.track`` and
``tally.add``) replaced by nothing, alternately; every round is rolled
back, so the database (and its tally) is left as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cases import _percentile, _setup, _user  # noqa: E402
from bench_statistics import _uptime  # noqa: E402


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import transaction
    from django.utils import timezone

    from greenloop.cases import services, tally
    from greenloop.cases.models import CaseCategory, CaseSource
    from greenloop.org.models import Region, Unit

    dispatcher, county = _user("dispatcher"), _user("county")
    tiexi = Region.objects.get(name="铁西区")
    place = Region.objects.filter(path__startswith=tiexi.path, level=4).order_by("code").first()
    lead = Unit.objects.get(region=tiexi, code__endswith="-ZF")
    now = timezone.now()
    due = timezone.localdate() + dt.timedelta(days=30)
    keep = tally.track, tally.add

    def loop_of_cases() -> None:
        for i in range(args.cases):
            case = services.register_case(
                by=dispatcher,
                now=now,
                source=CaseSource.PATROL,
                title=f"基准问题{i}",
                category=CaseCategory.AIR,
                region=place,
            )
            case = services.assign_case(
                case=case,
                by=dispatcher,
                now=now,
                version=case.version,
                lead_unit=lead,
                due_date=due,
            )
            services.start_rectification(case=case, by=county, now=now, version=case.version)

    def timed(kept: bool) -> float:
        if not kept:
            tally.track = lambda ids: contextlib.nullcontext()  # type: ignore[assignment]
            tally.add = lambda ids: None  # type: ignore[assignment]
        try:
            t = time.perf_counter()
            with contextlib.suppress(_Rollback), transaction.atomic():
                loop_of_cases()
                ms = (time.perf_counter() - t) * 1000
                raise _Rollback
        finally:
            tally.track, tally.add = keep
        return ms / args.cases

    print(f"uptime:{_uptime()}")
    times: dict[str, list[float]] = {"with the tally": [], "without": []}
    timed(True)
    timed(False)
    for _round in range(args.rounds):
        times["with the tally"].append(timed(True))
        times["without"].append(timed(False))
    print(f"uptime:{_uptime()}")
    print(
        f"\nregister + assign + start, per case, {args.rounds} rounds × {args.cases} cases, "
        "interleaved, rolled back; ms\n"
    )
    print("| services | p50 | p95 | mean |")
    print("|---|---:|---:|---:|")
    for name, ms in times.items():
        print(
            f"| {name} | {_percentile(ms, 0.5):.1f} | {_percentile(ms, 0.95):.1f} "
            f"| {statistics.fmean(ms):.1f} |"
        )


if __name__ == "__main__":
    main()
