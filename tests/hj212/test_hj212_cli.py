"""``greenloop hj212 parse`` and ``build`` (the CLI contract of the issue)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from greenloop.hj212 import Packet, build_packet
from greenloop.hj212.cli import hj212

MN = "010000A8900016F000169DC0"
KEY_HEX = "30" * 16  # HJ 212-2025 A.2 test key
GOOD = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)
HOURLY = (
    b"##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;"
    b"MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,"
    b"a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;"
    b"a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181\r\n"
)
BAD_CRC = GOOD[:-6] + b"1C81\r\n"


def run(*args: str, data: bytes | str = b"") -> tuple[int, list[dict[str, object]], bytes]:
    result = CliRunner().invoke(hj212, list(args), input=data)
    lines = [json.loads(line) for line in result.stdout_bytes.decode().splitlines()]
    return result.exit_code, lines, result.stdout_bytes


def test_parse_writes_the_documented_json_object_per_packet() -> None:
    code, lines, _ = run("parse", data=HOURLY)

    assert code == 0
    assert lines == [
        {
            "ok": True,
            "qn": "20190925181031464",
            "st": "22",
            "cn": "2061",
            "pw": "BF470F88957588DE902D1A52",
            "mn": "Z13401000010301",
            "flag": 5,
            "pnum": None,
            "pno": None,
            "cp": {"DataTime": "20190924220000"},
            "pollutants": {
                "a34006": {"Avg": 2.697, "Flag": "N"},
                "a34007": {"Avg": 7.966, "Flag": "N"},
                "a34048": {"Avg": 3.306, "Flag": "N"},
                "a34047": {"Avg": 7.357, "Flag": "N"},
                "a34049": {"Avg": 10.663, "Flag": "N"},
            },
        }
    ]


def test_parse_keeps_the_digits_of_numbers_in_the_json_text() -> None:
    _, _, out = run("parse", data=HOURLY)

    assert b'"Avg": 2.69700,' in out


def test_a_bad_packet_in_the_middle_is_reported_and_reading_goes_on() -> None:
    stream = GOOD + BAD_CRC + b"junk" + b"##0999" + HOURLY[6:] + HOURLY

    code, lines, _ = run("parse", data=stream)

    assert code == 0
    assert [line["ok"] for line in lines] == [True, False, False, False, True]
    assert lines[1]["error"] == "crc: CRC 1C81 != computed 1C80"
    assert str(lines[2]["error"]).startswith("format: 4 bytes outside any frame")
    assert str(lines[3]["error"]).startswith("length: ")
    assert lines[4]["cn"] == "2061"


def test_parse_reads_a_file_argument(tmp_path: Path) -> None:
    capture = tmp_path / "capture.bin"
    capture.write_bytes(GOOD * 3)

    code, lines, _ = run("parse", str(capture))

    assert code == 0 and len(lines) == 3


def test_parse_writes_chinese_text_unescaped() -> None:
    packet = build_packet(Packet(cn="3020", pollutants={"i21001": {"Info": "//数采仪重启//"}}))

    _, _, out = run("parse", data=packet)

    assert "数采仪重启".encode() in out


def test_build_reproduces_the_packets_that_parse_read() -> None:
    _, _, parsed = run("parse", data=GOOD + BAD_CRC + HOURLY)

    result = CliRunner().invoke(hj212, ["build"], input=parsed)

    assert result.exit_code == 0
    assert result.stdout_bytes == GOOD + HOURLY


def test_build_writes_correct_length_and_crc_from_hand_written_json() -> None:
    line = json.dumps(
        {
            "qn": "20160801085857223",
            "st": "32",
            "cn": "1062",
            "pw": "100000",
            "mn": MN,
            "flag": 5,
            "cp": {"RtdInterval": "30"},
        }
    )

    result = CliRunner().invoke(hj212, ["build"], input=line + "\n")

    assert result.exit_code == 0
    assert result.stdout_bytes == GOOD


def test_build_reports_bad_lines_on_stderr_builds_the_rest_and_exits_1() -> None:
    good = json.dumps({"cn": "9014", "flag": 4})
    text = "\n".join([good, "{not json", json.dumps({"cn": "2011", "flag": "5"}), "", good])

    result = CliRunner().invoke(hj212, ["build"], input=text)

    assert result.exit_code == 1
    assert result.stdout_bytes.count(b"CN=9014") == 2
    assert "line 2: format: not JSON" in result.stderr
    assert "line 3: format: flag must be an integer or null" in result.stderr


def test_build_skips_records_of_bad_packets_without_failing() -> None:
    text = json.dumps({"ok": False, "error": "crc: x"}) + "\n" + json.dumps({"cn": "9014"})

    result = CliRunner().invoke(hj212, ["build"], input=text)

    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"##0015CN=9014;CP=&&&&")
    assert "line 1: skipped" in result.stderr


def test_build_refuses_a_number_given_as_text_in_a_numeric_field() -> None:
    text = json.dumps({"cn": "2011", "pollutants": {"a34004": {"Rtd": "35.0"}}})

    result = CliRunner().invoke(hj212, ["build"], input=text)

    assert result.exit_code == 1
    assert "a34004-Rtd is a number" in result.stderr


def test_sm4_key_encrypts_on_build_and_decrypts_on_parse() -> None:
    record = {
        "qn": "20240520210700000",
        "st": "31",
        "cn": "2051",
        "pw": "123456",
        "mn": MN,
        "flag": 9,
        "cp": {"DataTime": "20240520210600"},
        "pollutants": {"a01011": {"Min": Decimal("1.35"), "Flag": "N"}},
    }
    line = json.dumps(record, default=str).replace('"1.35"', "1.35")

    built = CliRunner().invoke(hj212, ["build", "--sm4-key", KEY_HEX], input=line)
    _, plain_lines, _ = run("parse", data=built.stdout_bytes)
    _, lines, _ = run("parse", "--sm4-key", KEY_HEX, data=built.stdout_bytes)

    assert b"DataTime" not in built.stdout_bytes
    assert plain_lines[0]["ok"] is False
    assert lines[0]["pollutants"] == {"a01011": {"Min": 1.35, "Flag": "N"}}


def test_a_key_that_is_not_32_hex_digits_is_a_usage_error() -> None:
    result = CliRunner().invoke(hj212, ["parse", "--sm4-key", "abcd"], input=b"")

    assert result.exit_code == 2
    assert "32 hex digits" in result.output


def test_the_greenloop_command_runs_the_group_without_loading_django() -> None:
    greenloop = Path(sys.executable).with_name("greenloop")
    script = (
        "import sys; from greenloop.cli import main; "
        "sys.argv = ['greenloop', 'hj212', 'parse']; "
        "import atexit; atexit.register(lambda: print('django' in sys.modules, file=sys.stderr)); "
        "main()"
    )

    via_entry_point = subprocess.run(
        [str(greenloop), "hj212", "parse"], input=GOOD, capture_output=True, check=False
    )
    in_process = subprocess.run(
        [sys.executable, "-c", script], input=GOOD, capture_output=True, check=False
    )

    assert via_entry_point.returncode == 0
    assert json.loads(via_entry_point.stdout)["cn"] == "1062"
    assert in_process.stderr.strip().endswith(b"False")
