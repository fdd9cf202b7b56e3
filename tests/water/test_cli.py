"""``greenloop water classify`` and ``greenloop water items``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greenloop.cli import main
from greenloop.water.cli import water

from ._examples import EXAMPLE_1

HEADER = "section,date,body,target,nh3n,tp"
EXAMPLE_ROW = {"section": "北桥", "date": "2024-01-15", "body": "river", "target": "III"}


def run(tmp_path: Path, text: str, *args: str, encoding: str = "utf-8") -> Result:
    path = tmp_path / "samples.csv"
    path.write_bytes(text.encode(encoding))
    return CliRunner().invoke(water, ["classify", str(path), *args])


def rows(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def example_file() -> str:
    columns = {**EXAMPLE_ROW, **{k: str(v) for k, v in EXAMPLE_1.items()}}
    return ",".join(columns) + "\n" + ",".join(columns.values()) + "\n"


class TestBySample:
    def test_it_prints_the_input_columns_then_class_exceedances_compliance_and_cwqi(
        self, tmp_path: Path
    ) -> None:
        result = run(tmp_path, example_file())

        assert result.exit_code == 0, result.stderr
        header = result.stdout.splitlines()[0].split(",")
        assert header[: len(EXAMPLE_ROW) + len(EXAMPLE_1)] == [*EXAMPLE_ROW, *EXAMPLE_1]
        assert header[-7:] == [
            "class",
            "status",
            "exceeding",
            "reference_exceeding",
            "meets_target",
            "cwqi",
            "standard",
        ]
        (row,) = rows(result)
        assert row["nh3n"] == "0.82"
        assert (row["class"], row["status"], row["exceeding"]) == ("Ⅲ", "良好", "")
        assert (row["meets_target"], row["cwqi"]) == ("true", "6.9119")
        assert row["standard"] == "GB 3838-2002"

    def test_exceeding_items_carry_multiples_of_the_target_limit(self, tmp_path: Path) -> None:
        text = f"{HEADER},do\nA,2024-01-15,river,Ⅲ类,1.6,0.44,4\nB,2024-01-15,river,IV,1.6,0.44,4\n"

        result = run(tmp_path, text)

        assert [r["exceeding"] for r in rows(result)] == [
            "总磷(1.2);氨氮(0.6);溶解氧",
            "总磷(0.47);氨氮(0.07)",
        ]
        assert [r["class"] for r in rows(result)] == ["劣Ⅴ", "劣Ⅴ"]
        assert [r["meets_target"] for r in rows(result)] == ["false", "false"]

    def test_multiples_can_always_be_of_the_class_three_limit(self, tmp_path: Path) -> None:
        text = f"{HEADER}\nB,2024-01-15,river,IV,1.2,0.1\n"

        against_target = rows(run(tmp_path, text))[0]
        against_three = rows(run(tmp_path, text, "--multiple-of", "III"))[0]

        assert (against_target["exceeding"], against_target["meets_target"]) == ("", "true")
        assert (against_three["exceeding"], against_three["meets_target"]) == ("氨氮(0.2)", "true")

    def test_chinese_headers_and_water_body_names_are_understood(self, tmp_path: Path) -> None:
        text = "断面,日期,水体类型,水质目标,氨氮(mg/L),总磷\n东湖,2024/03/05,湖库,Ⅱ,0.1,0.16\n"

        result = run(tmp_path, text)

        assert result.exit_code == 0, result.stderr
        row = rows(result)[0]
        assert (row["class"], row["exceeding"]) == ("Ⅴ", "总磷(5.4)")
        assert row["cwqi"] == "3.3000"

    def test_a_row_without_a_target_has_no_compliance_and_is_measured_against_class_three(
        self, tmp_path: Path
    ) -> None:
        text = f"{HEADER}\nA,2024-01-15,river,,1.6,0.1\n"

        row = rows(run(tmp_path, text))[0]

        assert (row["meets_target"], row["exceeding"]) == ("", "氨氮(0.6)")

    def test_lake_tn_is_reported_apart_unless_asked_to_determine_the_class(
        self, tmp_path: Path
    ) -> None:
        text = f"{HEADER},tn\nL,2024-01-15,lake,III,0.4,0.02,1.8\n"

        default = rows(run(tmp_path, text))[0]
        with_tn = rows(run(tmp_path, text, "--lake-tn"))[0]

        assert (default["class"], default["reference_exceeding"]) == ("Ⅱ", "总氮(0.8)")
        assert (with_tn["class"], with_tn["exceeding"]) == ("Ⅴ", "总氮(0.8)")

    def test_the_class_of_ph_outside_six_to_nine_is_an_option(self, tmp_path: Path) -> None:
        text = f"{HEADER},ph\nA,2024-01-15,river,III,0.4,0.1,9.5\n"

        assert rows(run(tmp_path, text))[0]["class"] == "劣Ⅴ"
        assert rows(run(tmp_path, text, "--ph-outside-class", "V"))[0]["class"] == "Ⅴ"

    def test_values_below_the_detection_limit_are_written_with_l_or_less_than(
        self, tmp_path: Path
    ) -> None:
        text = f"{HEADER}\nL,2024-01-15,lake,I,0.025L,<0.04\n"

        result = run(tmp_path, text)

        row = rows(result)[0]
        assert (row["nh3n"], row["tp"]) == ("0.025L", "<0.04")
        assert row["class"] == "Ⅰ"
        assert row["cwqi"] == "0.4125"  # 0.0125 / 1.0 + 0.02 / 0.05

    def test_do_saturation_can_lift_do_to_class_one(self, tmp_path: Path) -> None:
        text = "section,date,body,do,do_sat\nA,2024-07-15,river,7.0,92\nB,2024-07-15,river,7.0,\n"

        assert [r["class"] for r in rows(run(tmp_path, text))] == ["Ⅰ", "Ⅱ"]

    def test_unknown_columns_are_kept_and_noted(self, tmp_path: Path) -> None:
        text = f"{HEADER},备注\nA,2024-01-15,river,III,0.4,0.1,晴\n"

        result = run(tmp_path, text)

        assert rows(result)[0]["备注"] == "晴"
        assert "未识别的列（原样保留，不参与评价）：备注" in result.stderr

    def test_gb18030_files_from_spreadsheets_are_read(self, tmp_path: Path) -> None:
        text = "断面,日期,水体类型,氨氮\n北桥,2024-01-15,河流,0.4\n"

        result = run(tmp_path, text, encoding="gb18030")

        assert result.exit_code == 0, result.stderr
        assert rows(result)[0]["断面"] == "北桥"

    def test_standard_input_is_read_for_a_dash(self) -> None:
        text = f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1\n"

        result = CliRunner().invoke(water, ["classify", "-"], input=text)

        assert rows(result)[0]["class"] == "Ⅱ"

    def test_the_main_command_loads_the_water_group(self, tmp_path: Path) -> None:
        path = tmp_path / "s.csv"
        path.write_text(f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1\n", encoding="utf-8")

        result = CliRunner().invoke(main, ["water", "classify", str(path)])

        assert result.exit_code == 0, result.output
        assert rows(result)[0]["class"] == "Ⅱ"


class TestBySection:
    TEXT = (
        "section,date,body,target,nh3n,tp,do\n"
        "北桥,2024-01-15,river,III,0.8,0.1,6.5\n"
        "北桥,2024-02-15,river,III,1.4,0.3,5.5\n"
        "南关,2024-01-15,river,II,0.3,0.05,8\n"
        "东湖,2024-01-15,lake,III,0.5,0.04,7\n"
    )

    def test_each_section_is_classified_from_its_period_means(self, tmp_path: Path) -> None:
        result = run(tmp_path, self.TEXT, "--by", "section")

        assert result.exit_code == 0, result.stderr
        north, south, lake, city = rows(result)
        assert (north["level"], north["section"], north["samples"]) == ("section", "北桥", "2")
        assert (north["start"], north["end"]) == ("2024-01-15", "2024-02-15")
        assert (north["nh3n"], north["tp"], north["do"]) == ("1.1", "0.2", "6")
        assert (north["class"], north["exceeding"], north["meets_target"]) == (
            "Ⅳ",
            "氨氮(0.1)",
            "false",
        )
        assert (south["class"], south["target"], south["meets_target"]) == ("Ⅱ", "Ⅱ", "true")
        assert (lake["body"], lake["class"]) == ("lake", "Ⅲ")

    def test_the_last_row_is_the_city_cwqi_weighted_by_rivers_and_lakes(
        self, tmp_path: Path
    ) -> None:
        # River sections average NH3-N (1.1 + 0.3) / 2, TP (0.2 + 0.05) / 2
        # and DO (6 + 8) / 2; the lake point stands alone; weighted 2 : 1.
        river = 0.7 + 0.625 + 5 / 7
        lake = 0.5 + 0.8 + 5 / 7

        city = rows(run(tmp_path, self.TEXT, "--by", "section"))[-1]

        assert (city["level"], city["section"], city["samples"]) == ("city", "全市", "4")
        assert city["cwqi"] == f"{(2 * river + lake) / 3:.4f}"
        assert city["class"] == ""

    def test_a_small_region_of_rivers_gets_the_class_of_its_averaged_items(
        self, tmp_path: Path
    ) -> None:
        rivers_only = "\n".join(self.TEXT.splitlines()[:4]) + "\n"

        city = rows(run(tmp_path, rivers_only, "--by", "section"))[-1]

        # Two river sections average NH3-N 0.7: class Ⅲ.
        assert (city["class"], city["status"]) == ("Ⅲ", "良好")

    def test_sections_with_too_few_samples_are_marked_and_left_out_of_the_city(
        self, tmp_path: Path
    ) -> None:
        result = run(tmp_path, self.TEXT, "--by", "section", "--min-samples", "2")

        north, south, lake, city = rows(result)
        assert (south["class"], south["status"], south["cwqi"]) == ("", "样本不足", "")
        assert city["cwqi"] == north["cwqi"]

    def test_a_section_changing_target_is_an_error(self, tmp_path: Path) -> None:
        text = f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1\nA,2024-02-15,river,II,0.4,0.1\n"

        result = run(tmp_path, text, "--by", "section")

        assert result.exit_code == 1
        assert "第 3 行，列“target”：断面的水质目标与第 2 行不一致" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "section,body,nh3n\nA,river,0.4\n",
            "错误：缺少必需列：date（日期）",
        ),
        (
            "section,date,body,remark\nA,2024-01-15,river,x\n",
            "没有可评价的监测项目列",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,abc,0.1\n",
            "第 2 行，列“nh3n”：“abc”不是数值",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,0.4,-0.1\n",
            "第 2 行，列“tp”：“-0.1”为负数",
        ),
        (
            f"{HEADER}\nA,2024-02-30,river,III,0.4,0.1\n",
            "第 2 行，列“date”：“2024-02-30”不是有效日期",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,VI,0.4,0.1\n",
            "第 2 行，列“target”：“VI”不是可识别的水质目标",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,劣V,0.4,0.1\n",
            "第 2 行，列“target”：“劣V”不是可识别的水质目标",
        ),
        (
            f"{HEADER}\nA,2024-01-15,sea,III,0.4,0.1\n",
            "第 2 行，列“body”：“sea”不是可识别的水体类型",
        ),
        (
            f"{HEADER}\n,2024-01-15,river,III,0.4,0.1\n",
            "第 2 行，列“section”：断面名称为空",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1\nA,2024-01-15,river,III,0.5,0.1\n",
            "第 3 行，列“date”：与第 2 行的断面和日期相同（重复样品）",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1\nA,2024-02-15,lake,III,0.5,0.1\n",
            "第 3 行，列“body”：断面的水体类型与第 2 行不一致",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,0.4,0.1,9\n",
            "第 2 行：字段数为 7，表头为 6 列",
        ),
        (
            f"{HEADER},氨氮\nA,2024-01-15,river,III,0.4,0.1,0.4\n",
            "第 1 行，列“氨氮”：与列“nh3n”重复",
        ),
        (
            "section,date,body,ph\nA,2024-01-15,river,15\n",
            "第 2 行，列“ph”：“15”超出 pH 0–14",
        ),
        (
            "section,date,body,do\nA,2024-01-15,river,0.1L\n",
            "第 2 行，列“do”：该项目不能标注低于检出限",
        ),
        (
            f"{HEADER}\nA,2001-01-15,river,III,0.4,0.1\n",
            "第 2 行，列“date”：早于 GB 3838-2002 实施日期 2002-06-01",
        ),
        (
            f"{HEADER}\nA,2024-01-15,river,III,nan,inf\n",
            "第 2 行，列“nh3n”：“nan”不是数值",
        ),
    ],
)
def test_bad_input_is_reported_by_row_and_column_in_chinese_and_nothing_is_printed(
    tmp_path: Path, text: str, message: str
) -> None:
    result = run(tmp_path, text)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_every_error_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    text = f"{HEADER}\nA,2024-01-15,river,III,abc,0.1\nB,2024-02-30,river,III,0.4,0.1\n"

    errors = run(tmp_path, text).stderr.splitlines()

    assert errors[:2] == [
        "错误：第 2 行，列“nh3n”：“abc”不是数值（低于检出限写作“0.01L”或“<0.01”）",
        "错误：第 3 行，列“date”：“2024-02-30”不是有效日期（应为 YYYY-MM-DD，且日期存在）",
    ]
    assert "未输出结果" in errors[-1]


def test_skip_invalid_prints_the_other_rows_and_still_fails(tmp_path: Path) -> None:
    text = f"{HEADER}\nA,2024-01-15,river,III,abc,0.1\nB,2024-01-15,river,III,0.4,0.1\n"

    result = run(tmp_path, text, "--skip-invalid")

    assert result.exit_code == 1
    assert [r["section"] for r in rows(result)] == ["B"]
    assert "第 2 行，列“nh3n”" in result.stderr


def test_skip_invalid_by_section_uses_only_the_valid_rows(tmp_path: Path) -> None:
    text = f"{HEADER}\nA,2024-01-15,river,III,9,0.1\nA,2024-02-15,river,III,0.4,x\n"

    result = run(tmp_path, text, "--by", "section", "--skip-invalid")

    assert result.exit_code == 1
    assert rows(result)[0]["samples"] == "1"


def test_a_date_before_the_standard_is_evaluated_when_the_standard_is_named(
    tmp_path: Path,
) -> None:
    text = f"{HEADER}\nA,2001-01-15,river,III,0.4,0.1\n"

    result = run(tmp_path, text, "--standard", "GB3838-2002")

    assert result.exit_code == 0, result.stderr
    assert rows(result)[0]["standard"] == "GB 3838-2002"


def test_an_unknown_ph_class_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, f"{HEADER}\n", "--ph-outside-class", "VII")

    assert result.exit_code == 2


def test_a_missing_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(water, ["classify", "/nonexistent/samples.csv"])

    assert result.exit_code != 0
    assert result.stdout == ""


def test_items_lists_every_column_with_its_limits() -> None:
    result = CliRunner().invoke(water, ["items"])

    listed = {(r["column"], r["body"]): r for r in rows(result)}
    assert len({column for column, _ in listed}) == 24
    assert listed[("tp", "lake")]["III"] == "0.05"
    assert listed[("tp", "river")]["III"] == "0.2"
    assert listed[("ph", "all")]["I"] == "6~9"
    assert listed[("tn", "lake")]["in_class"] == "no"


def test_period_means_can_be_rounded_before_classification(tmp_path: Path) -> None:
    text = f"{HEADER}\nA,2024-01-15,river,III,0.4,0.2004\nA,2024-02-15,river,III,0.4,0.2004\n"

    plain = rows(run(tmp_path, text, "--by", "section"))[0]
    rounded = rows(run(tmp_path, text, "--by", "section", "--mean-decimals", "tp=3"))[0]

    assert (plain["tp"], plain["class"]) == ("0.2004", "Ⅳ")
    assert (rounded["tp"], rounded["class"]) == ("0.2", "Ⅲ")


def test_a_malformed_mean_decimals_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, f"{HEADER}\n", "--mean-decimals", "tp")

    assert result.exit_code == 2
