"""Benchmark: the demo air history into the lake, then ``evaluate air`` over it.

1. Generate the full demo history — 2025-01-01 … 2026-12-31, 10 national
   and 229 micro-stations, hourly, six pollutants (≈ 24.7 M rows) — and
   write it with ``write_readings`` as the mover does (``fsync`` per
   partition). Skipped with ``--lake DIR`` pointing at an existing lake.
2. ``greenloop evaluate air --from 2026-01-01 --to 2026-10-31 --by district
   --yoy``: cold, as a command in a fresh interpreter (imports included),
   then in-process, best of ``--repeat``, split into its engine part
   (DuckDB: lake → daily values) and its kernel part (evaluation).
3. Baseline in the same run: the same evaluation by the pure kernel on
   pandas frames loaded from the same Parquet files
   (:func:`greenloop.analytics.reference.kernel_daily_values`, pyarrow
   dataset reads with column and station pushdown); the results must be
   equal.
4. Scale case: daily values of all 239 stations for the same two periods
   (≈ 20 M rows read), engine vs kernel.

Run: ``.venv/bin/python bench/analytics/bench_evaluate.py [--lake DIR] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from greenloop.analytics import engine, evaluate, reference
from greenloop.analytics.lake import partition_dates
from greenloop.demo.air_history import generate_air_history


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """Best wall time of ``repeat`` runs and the CPU time of that run."""
    best = (float("inf"), 0.0)
    result = None
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        best = min(best, (wall, cpu))
    return result, best[0], best[1]


def size_of(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--lake", type=Path, default=None, help="existing lake; default: generate one"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--from", dest="start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1)
    )
    parser.add_argument(
        "--to", dest="end", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31)
    )
    parser.add_argument("--skip-scale", action="store_true", help="skip the all-stations case")
    args = parser.parse_args()

    print(f"# {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
    rows_line: list[str] = []
    if args.lake is None:
        lake_dir = Path(tempfile.mkdtemp(prefix="greenloop-bench-lake-"))
        wall, cpu = time.perf_counter(), time.process_time()
        summary = generate_air_history(lake_dir)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows_line.append(
            f"| generate + write demo history ({summary.rows:,} rows, {summary.partitions} files, "
            f"{size_of(lake_dir) / 2**20:.0f} MiB) | {wall:.1f} | {cpu:.1f} | {summary.rows / wall:,.0f} rows/s |"
        )
    else:
        lake_dir = args.lake
    print(f"lake: {lake_dir} ({len(partition_dates(lake_dir, 'hour'))} hourly partitions)")

    cli_args = [
        "air",
        "--from",
        str(args.start),
        "--to",
        str(args.end),
        "--by",
        "district",
        "--yoy",
        "--lake",
        str(lake_dir),
    ]
    code = f"from greenloop.analytics.cli import evaluate; evaluate({cli_args!r})"
    cold = []
    for _ in range(args.repeat):
        wall = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
        cold.append(time.perf_counter() - wall)
    rows_line.append(
        f"| `evaluate air --by district --yoy`, cold command (imports included) | {min(cold):.2f} | — | |"
    )

    con = engine.connect()
    ranges = [(args.start, args.end), evaluate.previous_range(args.start, args.end)]

    def engine_part() -> Any:
        return evaluate.daily_values(con, lake_dir, ranges, by="district")

    def kernel_part(daily: pd.DataFrame) -> Any:
        now = evaluate.evaluate_side(daily, *ranges[0])
        before = evaluate.evaluate_side(daily, *ranges[1])
        return now, before

    def whole() -> Any:
        return evaluate.evaluate_air(
            con, lake_dir, start=args.start, end=args.end, by="district", yoy=True
        )

    result, w_all, c_all = timed(whole, args.repeat)
    (daily, _), w_eng, c_eng = timed(engine_part, args.repeat)
    _, w_ker, c_ker = timed(lambda: kernel_part(daily), args.repeat)
    (k_daily, _), w_ref, c_ref = timed(
        lambda: reference.kernel_daily_values(lake_dir, ranges, by="district"), args.repeat
    )
    pd.testing.assert_frame_equal(daily, k_daily[daily.columns], check_dtype=False)
    rows_line += [
        f"| same, in process: engine (DuckDB, lake → {len(daily):,} daily rows) | {w_eng:.2f} | {c_eng:.2f} | |",
        f"| same, in process: kernel evaluation of both periods | {w_ker:.2f} | {c_ker:.2f} | |",
        f"| same, in process, whole | {w_all:.2f} | {c_all:.2f} | |",
        f"| baseline: pure kernel on pandas from the same Parquet (daily values) | {w_ref:.2f} | {c_ref:.2f} | ×{w_ref / w_eng:.2f} vs engine |",
    ]
    assert list(result.frame["group"]) == sorted(result.frame["group"])

    if not args.skip_scale:
        (s_daily, _), w_s, c_s = timed(
            lambda: evaluate.daily_values(con, lake_dir, ranges, by="station", stations="all"), 1
        )
        (s_ref, _), w_sr, c_sr = timed(
            lambda: reference.kernel_daily_values(lake_dir, ranges, by="station", stations="all"), 1
        )
        pd.testing.assert_frame_equal(s_daily, s_ref[s_daily.columns], check_dtype=False)
        rows_line += [
            f"| all {s_daily['group'].nunique()} stations, daily values, engine ({len(s_daily):,} station-days) | {w_s:.2f} | {c_s:.2f} | |",
            f"| all stations, daily values, pure kernel baseline | {w_sr:.2f} | {c_sr:.2f} | ×{w_sr / w_s:.2f} vs engine |",
        ]

    print("\n| stage | wall s | CPU s | note |\n|---|---:|---:|---|")
    print("\n".join(rows_line))
    print(f"\nengine and kernel daily values equal: yes; output rows: {len(result.frame)}")


if __name__ == "__main__":
    main()
