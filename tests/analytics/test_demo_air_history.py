"""The demo air history: deterministic, plausible, written as the mover would."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from greenloop.analytics import lake
from greenloop.analytics.evaluate import evaluate_air
from greenloop.demo.air_history import (
    AirStation,
    District,
    demo_districts,
    generate_air_history,
    plan_air_stations,
)


def partition(root: Path, day: dt.date) -> Any:
    return pq.read_table(lake.partition_dir(root, "hour", day) / lake.PART)


def test_the_same_seed_gives_the_same_lake_and_a_shorter_end_a_prefix(
    demo_lake: Path, tmp_path: Path
) -> None:
    summary = generate_air_history(tmp_path, national=4, micro=2, end=dt.date(2025, 1, 2))

    assert summary.partitions == 2
    for day in (dt.date(2025, 1, 1), dt.date(2025, 1, 2)):
        assert partition(tmp_path, day).equals(partition(demo_lake, day))
    assert lake.read_stations(tmp_path).equals(lake.read_stations(demo_lake))


def test_another_seed_gives_other_values(demo_lake: Path, tmp_path: Path) -> None:
    generate_air_history(tmp_path, seed=7, national=4, micro=2, end=dt.date(2025, 1, 1))

    day = dt.date(2025, 1, 1)
    assert (
        not partition(tmp_path, day).column("avg").equals(partition(demo_lake, day).column("avg"))
    )


def test_the_history_covers_two_years_of_hours(demo_lake: Path) -> None:
    dates = lake.partition_dates(demo_lake, "hour")

    assert (dates[0], dates[-1], len(dates)) == (dt.date(2025, 1, 1), dt.date(2026, 12, 31), 730)


def test_pm25_of_2026_is_lower_than_2025(con: Any, demo_lake: Path) -> None:
    means = {}
    for year in (2025, 2026):
        result = evaluate_air(
            con, demo_lake, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), by="city"
        )
        means[year] = float(result.frame.loc[0, "pm25_mean"])

    assert 25 < means[2026] < means[2025] < 55


def test_o3_peaks_in_the_afternoon_and_pm25_in_winter(con: Any, demo_lake: Path) -> None:
    summer = lake.read_readings(con, demo_lake, "hour", dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    o3 = summer.filter((summer.factor == "a05024") & summer.valid)
    hour = ((o3.data_time.epoch_seconds().cast("int64") + 8 * 3600) // 3600) % 24
    by_hour = con.execute(o3.group_by(hour=hour).aggregate(mean=o3.avg.mean()))
    winter = lake.read_readings(con, demo_lake, "hour", dt.date(2025, 1, 1), dt.date(2025, 1, 31))

    peak = int(by_hour.sort_values("mean").iloc[-1]["hour"])
    pm25 = {
        name: con.execute(t.filter(t.factor == "a34004").avg.mean())
        for name, t in (("summer", summer), ("winter", winter))
    }
    assert 13 <= peak <= 17
    assert pm25["winter"] > 1.5 * pm25["summer"]


def test_gaps_and_invalid_flags_are_few_but_present(con: Any, demo_lake: Path) -> None:
    t = lake.read_readings(con, demo_lake, "hour", dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    counts = con.execute(t.group_by("flag").aggregate(n=t.count())).set_index("flag")["n"]

    hours = lake.read_stations(demo_lake).num_rows * 6 * 8760  # stations × factors × hours
    assert 0.97 * hours < counts.sum() < 0.995 * hours
    assert set(counts.index) == {"N", "M", "C", "D"}
    assert 0.95 < counts["N"] / counts.sum() < 0.995


def test_stations_sit_in_the_demo_city_districts(demo_lake: Path) -> None:
    from greenloop.demo.names import NameBook
    from greenloop.demo.regions import plan_regions

    tree = plan_regions(random.Random("greenloop-demo:2026:regions"), NameBook(random.Random("x")))
    boxes = {place.code: place.box for place in tree.counties}
    stations = lake.read_stations(demo_lake).to_pylist()

    city, name, districts = demo_districts(2026)
    assert (city, name) == (tree.city.code, tree.city.name)
    assert {d.code: d.box for d in districts} == boxes
    for station in stations:
        assert station["district"] in boxes
        assert boxes[station["district"]].contains(station["lon"], station["lat"])
        assert station["city"] == "219900000000"


def test_the_full_plan_has_the_demo_city_national_stations_and_229_micro_stations() -> None:
    _, _, districts = demo_districts()

    stations = plan_air_stations(districts)

    kinds = [s.kind for s in stations]
    assert (kinds.count("national"), kinds.count("provincial"), kinds.count("micro")) == (
        10,
        2,
        229,
    )
    # As greenloop.demo.chiefs places them: two per urban district, one in the
    # first county, one in the development zone.
    national = {s.site: s.district[4:6] for s in stations if s.kind == "national"}
    assert national == {
        "GK01": "02", "GK02": "02", "GK03": "03", "GK04": "03", "GK05": "04",
        "GK06": "04", "GK07": "05", "GK08": "05", "GK09": "21", "GK10": "71",
    }  # fmt: skip
    control = {s.district for s in stations if s.kind != "micro"}
    assert control == {d.code for d in districts}
    assert len({s.site for s in stations}) == len({s.mn for s in stations}) == 241


def test_the_stations_can_come_from_the_registry(tmp_path: Path) -> None:
    stations = [
        AirStation(
            "GK01", "0100ABCD0000000000000001", "体育场国控站", "national", "219902000000", "铁东区"
        ),
        AirStation(
            "WZ001", "0100ABCD0000000000000002", "某工地微站", "micro", "219921000000", "清源县"
        ),
    ]

    summary = generate_air_history(tmp_path, end=dt.date(2025, 1, 1), stations=stations)

    table = lake.read_stations(tmp_path)
    readings = partition(tmp_path, dt.date(2025, 1, 1))
    assert (summary.national, summary.micro) == (1, 1)
    assert table.column("site").to_pylist() == ["GK01", "WZ001"]
    assert set(readings.column("mn").to_pylist()) == {s.mn for s in stations}


def test_a_district_mapping_can_be_given(tmp_path: Path) -> None:
    _, _, districts = demo_districts()
    mine = [District("210102000000", "和平区", "DISTRICT", districts[0].box)]

    generate_air_history(tmp_path, national=1, micro=1, end=dt.date(2025, 1, 1), districts=mine)

    assert set(lake.read_stations(tmp_path).column("district").to_pylist()) == {"210102000000"}
