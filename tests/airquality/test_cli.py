"""``greenloop aqi hourly|daily``: the CSV contract and its error cases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greenloop.cli import main

HOURLY_HEADER = "station,time,so2,no2,pm10,co,o3,pm25"
DAILY_HEADER = "station,date,so2,no2,pm10,co,o3_8h,pm25"
RESULT = "iaqi_so2,iaqi_no2,iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25,aqi,primary,level,category"


def run(tmp_path: Path, command: str, text: str, *args: str) -> Result:
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["aqi", command, str(path), *args])


def rows(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_hourly_prints_the_input_columns_then_the_result_columns(tmp_path: Path) -> None:
    text = f"{HOURLY_HEADER}\nA,2026-05-01 10:00,20,90,135,0.9,210,70\n"

    result = run(tmp_path, "hourly", text)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{HOURLY_HEADER},{RESULT}",
        "A,2026-05-01 10:00,20,90,135,0.9,210,70,7,45,106,9,105,110,110,pm25,3,轻度污染",
    ]


def test_hourly_keeps_input_cells_verbatim_and_prints_missing_as_empty(tmp_path: Path) -> None:
    text = f"{HOURLY_HEADER}\nA,2025-05-01 10:00,020,90.0,135,,NA,70\n"

    out = rows(run(tmp_path, "hourly", text))[0]

    assert (out["so2"], out["no2"], out["co"], out["o3"]) == ("020", "90.0", "", "NA")
    assert (out["iaqi_co"], out["iaqi_o3"]) == ("", "")
    assert out["aqi"] == "94"  # 2012: published from the other pollutants


def test_hourly_standard_option_selects_the_rule_set(tmp_path: Path) -> None:
    text = f"{HOURLY_HEADER}\nA,2025-05-01 10:00,5,10,20,0.3,20,75\n"

    auto = rows(run(tmp_path, "hourly", text))[0]
    forced = rows(run(tmp_path, "hourly", text, "--standard", "2026"))[0]

    assert (auto["iaqi_pm25"], auto["aqi"], auto["level"], auto["category"]) == (
        "100",
        "100",
        "2",
        "良",
    )
    assert (forced["iaqi_pm25"], forced["category"]) == ("114", "轻度污染")


def test_hourly_text_convention_computes_moving_averages_from_the_file(tmp_path: Path) -> None:
    lines = (
        [HOURLY_HEADER]
        + [f"A,2025-05-01 {h:02d}:00,5,10,100,0.3,20,50" for h in range(1, 24)]
        + ["A,2025-05-02 00:00,5,10,100,0.3,20,50"]
    )

    out = rows(run(tmp_path, "hourly", "\n".join(lines) + "\n", "--convention", "text"))

    assert out[0]["iaqi_pm10"] == ""  # one hour is not a 24-h average
    assert out[-1]["iaqi_pm10"] == "75"
    assert out[-1]["iaqi_pm25"] == "69"


def test_hourly_uses_supplied_moving_averages(tmp_path: Path) -> None:
    header = f"{HOURLY_HEADER},o3_8h,pm10_24h,pm25_24h"
    text = f"{header}\nA,2025-05-01 10:00,20,90,300,0.9,210,200,170,98,62\n"

    out = rows(run(tmp_path, "hourly", text, "--convention", "text"))[0]

    assert (out["aqi"], out["primary"], out["o3_8h"]) == ("110", "o3_8h", "170")


def test_daily_prints_primary_pollutants_joined_by_semicolons(tmp_path: Path) -> None:
    text = (
        f"{DAILY_HEADER},o3_1h\n"
        "A,2025-06-01,12,45,160,1.3,150,118,180\n"
        "A,2026-06-01,5,30,120,0.3,50,60,\n"
        "B,2026-06-01,5,20,40,0.3,50,,\n"
    )

    out = rows(run(tmp_path, "daily", text))

    assert [(r["aqi"], r["primary"], r["level"], r["category"]) for r in out] == [
        ("155", "pm25", "4", "中度污染"),
        ("100", "pm10;pm25", "2", "良"),
        ("", "", "", ""),  # 2026 §5.3.1: PM2.5 missing and AQI ≤ 100
    ]
    assert out[2]["iaqi_pm10"] == "40"


def test_daily_can_leave_the_2012_o3_one_hour_maximum_out(tmp_path: Path) -> None:
    text = f"{DAILY_HEADER},o3_1h\nA,2025-06-01,5,20,40,0.3,50,20,300\n"

    with_1h = rows(run(tmp_path, "daily", text))[0]
    without = rows(run(tmp_path, "daily", text, "--no-o3-1h"))[0]

    assert (with_1h["aqi"], with_1h["primary"]) == ("150", "o3_1h")
    assert (without["aqi"], without["primary"]) == ("40", "")


def test_an_empty_file_with_a_header_prints_only_the_header(tmp_path: Path) -> None:
    result = run(tmp_path, "daily", f"{DAILY_HEADER}\n")

    assert result.exit_code == 0
    assert result.stdout == f"{DAILY_HEADER},{RESULT}\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("A,2025-05-01 10:00,-3,90,135,0.9,210,70", "第 2 行，列“so2”：浓度 '-3' 不能为负数"),
        ("A,2025-05-01 10:00,20,abc,135,0.9,210,70", "第 2 行，列“no2”：浓度 'abc' 不是数值"),
        ("A,2025-02-30 10:00,20,90,135,0.9,210,70", "第 2 行，列“time”：无效的日期时间"),
        (
            "A,2025-05-01 10:30,20,90,135,0.9,210,70",
            "第 2 行，列“time”：'2025-05-01 10:30' 不是整点",
        ),
        ("A,2025-05-01 10:00,20,90,135,900,210,70", "第 2 行，列“co”：浓度 900 mg/m³ 超过合理上限"),
        (",2025-05-01 10:00,20,90,135,0.9,210,70", "第 2 行，列“station”：站点不能为空"),
    ],
)
def test_bad_values_are_named_by_line_and_column_and_nothing_is_printed(
    tmp_path: Path, line: str, message: str
) -> None:
    result = run(tmp_path, "hourly", f"{HOURLY_HEADER}\n{line}\n")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr
    assert "未计算任何结果" in result.stderr


def test_duplicated_hours_name_both_lines(tmp_path: Path) -> None:
    text = (
        f"{HOURLY_HEADER}\n"
        "A,2025-05-01 10:00,20,90,135,0.9,210,70\n"
        "B,2025-05-01 10:00,20,90,135,0.9,210,70\n"
        "A,2025-05-01T10:00:00,20,90,135,0.9,210,70\n"
    )

    result = run(tmp_path, "hourly", text)

    assert result.exit_code == 1
    assert "第 4 行，列“time”：与第 2 行重复" in result.stderr


def test_duplicated_days_are_refused(tmp_path: Path) -> None:
    text = f"{DAILY_HEADER}\nA,2025-05-01,1,2,3,0.4,5,6\nA,2025-05-01,1,2,3,0.4,5,6\n"

    result = run(tmp_path, "daily", text)

    assert result.exit_code == 1
    assert "第 3 行，列“date”：与第 2 行重复" in result.stderr


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    result = run(tmp_path, "daily", "station,date,so2\nA,2025-01-01,3\n")

    assert result.exit_code == 1
    assert "缺少必需的列：no2, pm10, co, o3_8h, pm25" in result.stderr


def test_co_given_in_micrograms_is_detected_as_a_unit_error(tmp_path: Path) -> None:
    text = f"{DAILY_HEADER}\nA,2025-05-01,10,20,30,800,50,20\n"

    result = run(tmp_path, "daily", text)

    assert result.exit_code == 1
    assert "µg/m³（差 1000 倍）" in result.stderr


def test_a_file_of_pm_in_milligrams_is_detected_as_a_unit_error(tmp_path: Path) -> None:
    lines = (
        [HOURLY_HEADER]
        + [f"A,2025-05-01 {h:02d}:00,5,20,0.080,0.4,60,0.035" for h in range(1, 24)]
        + ["A,2025-05-02 00:00,5,20,0.080,0.4,60,0.035"]
    )

    result = run(tmp_path, "hourly", "\n".join(lines) + "\n")

    assert result.exit_code == 1
    assert "列“pm25”：全部 24 个值都不超过 1" in result.stderr


def test_every_problem_of_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    text = (
        f"{HOURLY_HEADER}\n"
        "A,2025-05-01 10:00,20,90,135,0.9,x,70\n"
        "A,2025-05-01 11:00,-1,90,135,0.9,210,70\n"
    )

    result = run(tmp_path, "hourly", text)

    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 2
    assert "第 2 行" in errors[0] and "第 3 行" in errors[1]


def test_an_unknown_standard_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "daily", f"{DAILY_HEADER}\n", "--standard", "2013")

    assert result.exit_code == 2


def test_input_columns_clashing_with_output_columns_are_refused(tmp_path: Path) -> None:
    result = run(tmp_path, "daily", f"{DAILY_HEADER},aqi\nA,2025-05-01,1,2,3,0.4,5,6,50\n")

    assert result.exit_code == 1
    assert "输入不能含有输出列：aqi" in result.stderr


def test_times_with_offsets_bom_crlf_and_24_00_are_read(tmp_path: Path) -> None:
    text = (
        "\ufeff" + HOURLY_HEADER + "\r\n"
        "A,2025-01-01T10:00+08:00,1,2,3,0.4,5,6\r\n"
        "A,2025-01-01T03:00Z,1,2,3,0.4,5,6\r\n"
        "A,2025-01-01 24:00,1,2,3,0.4,5,6\r\n"
    )

    result = run(tmp_path, "hourly", text)

    assert result.exit_code == 0, result.stderr
    assert [r["time"] for r in rows(result)] == [
        "2025-01-01T10:00+08:00",
        "2025-01-01T03:00Z",
        "2025-01-01 24:00",
    ]
    assert "\r" not in result.stdout


def test_the_same_instant_written_two_ways_is_a_duplicated_hour(tmp_path: Path) -> None:
    text = f"{HOURLY_HEADER}\nA,2025-01-01T10:00+08:00,1,2,3,0.4,5,6\nA,2025-01-01T02:00Z,1,2,3,0.4,5,6\n"

    result = run(tmp_path, "hourly", text)

    assert result.exit_code == 1
    assert "第 3 行，列“time”：与第 2 行重复" in result.stderr


def test_empty_hours_are_left_out_of_computed_moving_averages(tmp_path: Path) -> None:
    hours = [
        f"A,2025-05-01 {h:02d}:00,5,10,{'' if h % 6 == 0 else 100},0.3,20,50" for h in range(1, 24)
    ]
    lines = [HOURLY_HEADER, *hours, "A,2025-05-02 00:00,5,10,100,0.3,20,50"]

    out = rows(run(tmp_path, "hourly", "\n".join(lines) + "\n", "--convention", "text"))

    # 21 of 24 hours valid, all 100: the mean is 100, not 87.5.
    assert out[-1]["iaqi_pm10"] == "75"


def test_hour_labels_can_mark_the_start_of_the_hour(tmp_path: Path) -> None:
    text = f"{HOURLY_HEADER}\nA,2026-03-01 00:00,5,10,20,0.3,20,75\n"

    by_end = rows(run(tmp_path, "hourly", text))[0]
    by_start = rows(run(tmp_path, "hourly", text, "--hour-label", "start"))[0]

    assert (by_end["iaqi_pm25"], by_start["iaqi_pm25"]) == ("100", "114")
