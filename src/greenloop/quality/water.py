"""Surface-water quality over the lake: sections by month, the city index.

Water samples are lake readings of ``kind=day`` (``docs/lake.md``, "Water
samples"): one row per section (``site`` = the section's
``monitoring.Site.code``), factor and sampling day, the value in ``avg`` in
the unit of GB 3838-2002 (mg/L; pH dimensionless; fecal coliform 个/L),
factor codes of HJ 212-2017 (``w01001`` pH …). What a section is — river or
lake, target class, control level — comes from
:class:`~greenloop.quality.models.WaterSection`. The arithmetic is the
kernel's (:mod:`greenloop.water`): the month's mean of each item, the
single-factor class, items worse than the target with their multiples of
the target limit, and the CWQI (环办监测〔2017〕51号).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from greenloop import water
from greenloop.analytics import lake

#: GB 3838 item → HJ 212-2017 factor code (HJ 212-2017 Appendix B). Selenium
#: and anionic surfactant have no code in the factor table yet.
WATER_FACTORS: Mapping[str, str] = MappingProxyType(
    {
        "wt": "w01010",
        "ph": "w01001",
        "do": "w01009",
        "codmn": "w01019",
        "cod": "w01018",
        "bod5": "w01017",
        "nh3n": "w21003",
        "tp": "w21011",
        "tn": "w21001",
        "cu": "w20122",
        "zn": "w20123",
        "f": "w21017",
        "as": "w20119",
        "hg": "w20111",
        "cd": "w20115",
        "cr6": "w20117",
        "pb": "w20120",
        "cn": "w21016",
        "phenol": "w23002",
        "oil": "w22001",
        "sulfide": "w21019",
        "fc": "w02003",
    }
)
_ITEM_OF = {code: item for item, code in WATER_FACTORS.items()}


@dataclass(frozen=True)
class SectionMonth:
    """One section's month: class, target compliance, exceedances, CWQI.

    ``water_class`` 1–5 for Ⅰ–Ⅴ, 6 for 劣Ⅴ, ``None`` without samples;
    ``exceeding`` lists the determining items worse than the target as
    (item name, multiple of the target limit), worst first — DO and pH have
    no multiple (``nan``).
    """

    site_code: str
    name: str
    river: str
    body: str
    control: str
    month: dt.date
    water_class: int | None
    target_class: int
    meets: bool | None
    exceeding: list[tuple[str, float]]
    cwqi: float | None


@dataclass(frozen=True)
class CityWaterIndex:
    """The city's CWQI of a month; ``change`` vs the same month a year
    earlier as a share (−0.05 = 5 % better), ``None`` without a base."""

    month: dt.date
    cwqi: float | None
    sections: int
    change: float | None


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    day = start.replace(day=1)
    while day <= end:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _sections() -> pd.DataFrame:
    from greenloop.quality.models import WaterSection

    rows = [
        {
            "site": s.site.code,
            "name": s.site.name,
            "river": s.river,
            "body": s.body,
            "control": s.control,
            "target": int(s.target_class),
        }
        for s in WaterSection.objects.select_related("site").order_by("site__code")
    ]
    return pd.DataFrame(rows, columns=["site", "name", "river", "body", "control", "target"])


def monthly_samples(
    start: dt.date, end: dt.date, sites: list[str], *, lake_dir: Path | str | None = None
) -> pd.DataFrame:
    """Samples of ``sites`` taken ``start`` … ``end`` (local dates), wide:
    ``site``, ``month`` (first day) and one column per item."""
    root = Path(lake_dir) if lake_dir is not None else _default_lake()
    files = lake.readings_files(root, "day", start, end)
    columns = ["site", "month", *WATER_FACTORS]
    if not files or not sites:
        return pd.DataFrame(columns=columns)
    table = pa.concat_tables(
        pq.read_table(f, columns=["site", "factor", "data_time", "avg", "valid"]) for f in files
    )
    keep = pc.and_(
        pc.is_in(table["site"], value_set=pa.array(sites, pa.string())),
        pc.is_in(table["factor"], value_set=pa.array(list(_ITEM_OF), pa.string())),
    )
    table = table.filter(pc.and_(keep, table["valid"]))
    frame = table.select(["site", "factor", "data_time", "avg"]).to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=columns)
    local = pd.DatetimeIndex(frame["data_time"]).tz_convert(lake.LOCAL_TZ).tz_localize(None)
    frame["month"] = local.to_period("M").to_timestamp().date
    frame["item"] = frame["factor"].map(_ITEM_OF)
    frame["sample"] = local.normalize()
    wide = frame.pivot_table(
        index=["site", "month", "sample"], columns="item", values="avg", aggfunc="mean"
    ).reset_index()
    wide.columns.name = None
    return wide.drop(columns=["sample"])


def _default_lake() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "GREENLOOP_LAKE_DIR", lake.default_lake_dir()))


def _evaluate(samples: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """Kernel evaluation of each (section, month): means, class, CWQI."""
    info = sections.set_index("site")
    keys = samples["site"].astype(str) + "|" + pd.Series(samples["month"]).astype(str)
    items = [c for c in WATER_FACTORS if c in samples.columns]
    values = samples[items].reset_index(drop=True).astype(float)
    body = info.loc[samples["site"], "body"].to_numpy()
    target = info.loc[samples["site"], "target"].to_numpy()
    return water.evaluate_sections(values, keys.to_numpy(), body, target)


def section_months(
    start: dt.date, end: dt.date, *, lake_dir: Path | str | None = None
) -> list[SectionMonth]:
    """Every water section for every month of ``start`` … ``end``.

    A month without samples has ``water_class``, ``meets`` and ``cwqi``
    ``None``. Sections in order of code, months ascending.
    """
    sections = _sections()
    months = _months(start, end)
    if sections.empty:
        return []
    first, last = months[0], end
    samples = monthly_samples(first, last, list(sections["site"]), lake_dir=lake_dir)
    evaluated = _evaluate(samples, sections) if not samples.empty else pd.DataFrame()
    names = {code: water.GB3838_2002.item(code).name for code in WATER_FACTORS}
    out = []
    for s in sections.itertuples(index=False):
        for month in months:
            key = f"{s.site}|{month}"
            if evaluated.empty or key not in evaluated.index:
                out.append(
                    SectionMonth(
                        s.site,
                        s.name,
                        s.river,
                        s.body,
                        s.control,
                        month,
                        None,
                        s.target,
                        None,
                        [],
                        None,
                    )
                )
                continue
            row = evaluated.loc[key]
            klass = int(row["class"]) if not pd.isna(row["class"]) and int(row["class"]) else None
            out.append(
                SectionMonth(
                    site_code=s.site,
                    name=s.name,
                    river=s.river,
                    body=s.body,
                    control=s.control,
                    month=month,
                    water_class=klass,
                    target_class=s.target,
                    meets=None if pd.isna(row["meets_target"]) else bool(row["meets_target"]),
                    exceeding=_exceeding(row, s.body, s.target, names),
                    cwqi=None if pd.isna(row["cwqi"]) else float(row["cwqi"]),
                )
            )
    return out


def _exceeding(
    row: pd.Series, body: str, target: int, names: Mapping[str, str]
) -> list[tuple[str, float]]:
    items = [c for c in WATER_FACTORS if c in row.index and not pd.isna(row[c])]
    if not items:
        return []
    values = pd.DataFrame([{c: float(row[c]) for c in items}])
    found = water.exceedances(values, body, target)
    pairs = []
    for item in found.exceeding.columns:
        if bool(found.exceeding[item].iloc[0]):
            multiple = found.multiples[item].iloc[0] if item in found.multiples else np.nan
            pairs.append((names.get(item, item), float(multiple)))
    # Worst first; items without a multiple (DO, pH) last.
    pairs.sort(key=lambda p: -math.inf if math.isnan(p[1]) else p[1], reverse=True)
    return pairs


def city_index(
    start: dt.date, end: dt.date, *, lake_dir: Path | str | None = None
) -> list[CityWaterIndex]:
    """The city's CWQI for each month of ``start`` … ``end``.

    Reference §3.3: each item averaged over the city's river sections and,
    apart, its lake points (the month's section means), indexed and summed,
    then weighted by the numbers of sections (``water.city_cwqi``).
    ``change`` compares with the same month a year earlier
    (``water.cwqi_change``, as a share).
    """
    sections = _sections()
    months = _months(start, end)
    if sections.empty or not months:
        return [CityWaterIndex(m, None, 0, None) for m in months]
    base_first = months[0].replace(year=months[0].year - 1)
    samples = monthly_samples(base_first, end, list(sections["site"]), lake_dir=lake_dir)
    values: dict[dt.date, tuple[float | None, int]] = {}
    if not samples.empty:
        evaluated = _evaluate(samples, sections)
        site_month = evaluated.index.to_series().str.split("|", expand=True)
        evaluated["site"] = site_month[0].to_numpy()
        evaluated["month"] = site_month[1].to_numpy()
        items = [c for c in water.CWQI_ITEMS if c in evaluated.columns]
        for month, group in evaluated.groupby("month"):
            group = group[group[items].notna().any(axis=1)]
            if group.empty:
                continue
            city = water.city_cwqi(group[items], group["body"].to_numpy())
            value = float(city["city"].iloc[0])
            values[dt.date.fromisoformat(str(month))] = (
                None if math.isnan(value) else value,
                len(group),
            )
    out = []
    for month in months:
        current, count = values.get(month, (None, 0))
        base = values.get(month.replace(year=month.year - 1), (None, 0))[0]
        change = None
        if current is not None and base:
            change = float(water.cwqi_change([current], [base])[0]) / 100.0
        out.append(CityWaterIndex(month, current, count, change))
    return out
