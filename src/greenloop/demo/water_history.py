"""Two years of monthly water samples of the demo city's sections, to the lake.

``generate_water_history(lake_dir, sections, until=…)`` writes one sample a
month (around the 10th) of every section from 2025-01 to the last month
begun before ``until`` as lake readings of ``kind=day`` (``docs/lake.md``,
"Water samples"): factor codes of HJ 212-2017, values in GB 3838-2002 units.

Each section has a quality level relative to the class-Ⅲ limits (clean
reservoirs around half of them, an outflow section below an industrial
district close to or above them), a season (ammonia higher in the cold
months when nitrification is slow, phosphorus and permanganate index in the
summer rains), noise and a year-on-year improvement of about 6 %. No Django.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from greenloop.analytics.lake import LOCAL_OFFSET, write_readings
from greenloop.quality.water import WATER_FACTORS

START = dt.date(2025, 1, 1)

#: Class-Ⅲ level of each item (mg/L; the lake TP column for lakes is
#: applied by the kernel), and how an item responds to pollution: ``1`` a
#: pollutant, ``0`` unaffected (pH), ``-1`` DO (falls with pollution).
_LEVEL: dict[str, tuple[float, int]] = {
    "do": (5.0, -1),
    "codmn": (6.0, 1),
    "cod": (20.0, 1),
    "bod5": (4.0, 1),
    "nh3n": (1.0, 1),
    "tp": (0.2, 1),
    "tn": (1.0, 1),
    "cu": (1.0, 1),
    "zn": (1.0, 1),
    "f": (1.0, 1),
    "as": (0.05, 1),
    "hg": (0.0001, 1),
    "cd": (0.005, 1),
    "cr6": (0.05, 1),
    "pb": (0.05, 1),
    "cn": (0.2, 1),
    "phenol": (0.005, 1),
    "oil": (0.05, 1),
    "sulfide": (0.2, 1),
    "fc": (10000.0, 1),
}
#: Share of the class-Ⅲ level of the trace items in clean water.
_TRACE = {
    "cu": 0.01,
    "zn": 0.03,
    "f": 0.4,
    "as": 0.06,
    "hg": 0.2,
    "cd": 0.03,
    "cr6": 0.1,
    "pb": 0.03,
    "cn": 0.02,
    "phenol": 0.2,
    "oil": 0.4,
    "sulfide": 0.04,
    "fc": 0.3,
}
_DIGITS = {
    "ph": 2,
    "do": 1,
    "codmn": 1,
    "cod": 0,
    "bod5": 1,
    "nh3n": 3,
    "tp": 3,
    "tn": 2,
    "hg": 6,
    "fc": 0,
}


@dataclass(frozen=True, slots=True)
class DemoSection:
    """A section of the history: code, MN, lake or river, pollution level
    (1.0 ≈ at the class-Ⅲ limits of the main items)."""

    site: str
    mn: str
    body: str
    level: float


def _months(until: dt.datetime) -> list[dt.date]:
    last = until.astimezone(dt.UTC) + LOCAL_OFFSET
    out = []
    day = START
    while day <= last.date():
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def generate_water_history(
    lake_dir: Path | str,
    sections: Sequence[DemoSection],
    *,
    until: dt.datetime,
    seed: int = 2026,
    durable: bool = False,
) -> int:
    """Write the monthly samples; returns the number of rows written.

    A month's sample is taken on a day between the 8th and the 14th; a
    sampling day at or after ``until`` is not written (never the future).
    """
    rows: dict[str, list[object]] = {k: [] for k in ("mn", "site", "factor", "data_time", "avg")}
    limit = until.astimezone(dt.UTC)
    for s in sections:
        rng = np.random.default_rng([seed, 23, zlib.crc32(s.site.encode())])
        for month in _months(until):
            day = month.replace(day=int(rng.integers(8, 15)))
            at = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - LOCAL_OFFSET
            noise = rng.lognormal(0.0, 0.18, len(_LEVEL) + 1)
            if at >= limit:
                continue
            years = (day - START).days / 365.25
            trend = 0.94**years
            cold = np.cos(2 * np.pi * (day.timetuple().tm_yday - 20) / 365.25)  # +1 in January
            values = {"ph": round(7.6 + 0.35 * rng.standard_normal(), 2)}
            for k, (item, (level, sign)) in enumerate(_LEVEL.items()):
                if sign < 0:
                    # DO: saturated cold water holds more; pollution lowers it.
                    v = (8.2 + 1.6 * cold) / (0.75 + 0.35 * s.level * trend) * noise[k] ** 0.5
                elif item in _TRACE:
                    v = level * _TRACE[item] * noise[k]
                else:
                    season = 1.0
                    if item in ("nh3n", "tn"):
                        season = 1 + 0.35 * cold
                    elif item in ("tp", "codmn", "cod"):
                        season = 1 - 0.2 * cold
                    share = 0.55 * s.level * trend * season
                    if s.body == "lake" and item == "tp":
                        share *= 0.3  # lakes settle phosphorus; their limit is lower
                    v = level * share * noise[k]
                values[item] = v
            for item, v in values.items():
                rows["mn"].append(s.mn)
                rows["site"].append(s.site)
                rows["factor"].append(WATER_FACTORS[item])
                rows["data_time"].append(at)
                rows["avg"].append(round(float(v), _DIGITS.get(item, 4)))
    if not rows["site"]:
        return 0
    table = pa.table(
        {
            "mn": pa.array(rows["mn"], pa.string()),
            "site": pa.array(rows["site"], pa.string()),
            "factor": pa.array(rows["factor"], pa.string()),
            "data_time": pa.array(rows["data_time"], pa.timestamp("us", tz="UTC")),
            "avg": pa.array(rows["avg"], pa.float64()),
            "flag": pa.array(["N"] * len(rows["site"]), pa.string()),
        }
    )
    return write_readings(lake_dir, "day", table, mode="merge", durable=durable).rows
