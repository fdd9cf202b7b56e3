"""Parser throughput of greenloop.hj212, packets per second on one core.

Run:  .venv/bin/python bench/hj212/bench_parse.py [--count 20000] [--repeat 5]

Every figure is measured in the same run as two baselines, so the ratios
hold across machines:

* ``naive split``: decode + ``str.split`` of header and CP into dicts, with
  no CRC, no framing, no typing and no validation: the least any parser
  must do.
* ``CRC-16 alone``: the table-driven CRC over each data segment.

The packet mix is three kinds of upload seen on a real gateway (HJ 212-2017
hourly wastewater, ambient real-time, 2025 minute data) plus 9014 answers.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from decimal import Decimal

from greenloop.hj212 import (
    DeviceProfile,
    FrameDecoder,
    Packet,
    Version,
    build_packet,
    crc16,
    jsonl,
    parse_frame,
    parse_packet,
)

MN = "010000A8900016F000169DC0"
KEY = b"0" * 16
ENCRYPTING = DeviceProfile(version=Version.HJ212_2025, sm4_key=KEY)


def _hourly(n: int) -> Packet:
    return Packet(
        cn="2061",
        qn=f"2026112410{n:07d}",
        st="32",
        pw="123456",
        mn=MN,
        flag=5,
        cp={"DataTime": "20261124090000"},
        pollutants={
            code: {
                "Min": Decimal("18.2"),
                "Avg": Decimal(f"{n % 100}.5"),
                "Max": Decimal("25.1"),
                "Cou": Decimal("1.93"),
                "Flag": "N",
            }
            for code in ("w01018", "w21003", "w00000", "w21011", "w21001")
        },
    )


def _realtime(n: int) -> Packet:
    codes = ("a21005", "a21004", "a21026", "a05024", "a34004", "a34002", "a01001", "a01002")
    return Packet(
        cn="2011",
        qn=f"2026112410{n:07d}",
        st="22",
        pw="123456",
        mn=MN,
        flag=5,
        cp={"DataTime": "20261124084000"},
        pollutants={c: {"Rtd": Decimal(f"{n % 300}.{n % 10}"), "Flag": "N"} for c in codes},
    )


def _minute_2025(n: int) -> Packet:
    return Packet(
        cn="2051",
        qn=f"2026112410{n:07d}",
        st="31",
        pw="123456",
        mn=MN,
        flag=9,
        cp={"DataTime": "20261124210600"},
        pollutants={
            c: {"Min": Decimal("1.35"), "Avg": Decimal("1.35"), "Max": Decimal("1.35"), "Flag": "N"}
            for c in ("a01011", "a01012", "a01014", "a21026", "a21002")
        },
    )


def _answer(n: int) -> Packet:
    return Packet(cn="9014", qn=f"2026112410{n:07d}", st="91", pw="123456", mn=MN, flag=4)


def make_packets(count: int) -> list[bytes]:
    makers = (_hourly, _realtime, _minute_2025, _answer)
    return [build_packet(makers[n % 4](n)) for n in range(count)]


def naive_split(data: bytes) -> dict[str, object]:
    """The baseline: split on separators, nothing checked."""
    text = data[6:-6].decode()
    head, _, cp = text.partition(";CP=&&")
    header = dict(item.split("=", 1) for item in head.split(";"))
    values = {}
    for group in cp[:-2].split(";"):
        for item in group.split(","):
            if item:
                key, _, value = item.partition("=")
                values[key] = value
    return {"header": header, "cp": values}


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def stream_parse(stream: bytes, profile: DeviceProfile, read: int = 4096) -> int:
    decoder = FrameDecoder()
    parsed = 0
    for offset in range(0, len(stream), read):
        for event in decoder.feed(stream[offset : offset + read]):
            parse_frame(event, profile)  # type: ignore[arg-type]
            parsed += 1
    return parsed


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--count", type=int, default=20000)
    options.add_argument("--repeat", type=int, default=5)
    args = options.parse_args()

    wires = make_packets(args.count)
    segments = [w[6:-6] for w in wires]
    stream = b"".join(wires)
    parsed = [parse_packet(w) for w in wires]
    encrypted = b"".join(build_packet(_minute_2025(n), ENCRYPTING) for n in range(args.count))
    minute_stream = b"".join(build_packet(_minute_2025(n)) for n in range(args.count))
    mean_size = len(stream) / args.count

    def crc_alone() -> None:
        for segment in segments:
            crc16(segment)

    cases: list[tuple[str, Callable[[], object]]] = [
        ("naive split (baseline)", lambda: [naive_split(w) for w in wires]),
        ("CRC-16 alone", crc_alone),
        ("parse_packet", lambda: [parse_packet(w) for w in wires]),
        ("FrameDecoder + parse_frame, 4 KiB reads", lambda: stream_parse(stream, DeviceProfile())),
        (
            "  same, 2025 minute data, plaintext",
            lambda: stream_parse(minute_stream, DeviceProfile()),
        ),
        ("  same, 2025 minute data, SM4", lambda: stream_parse(encrypted, ENCRYPTING)),
        ("build_packet", lambda: [build_packet(p) for p in parsed]),
        ("jsonl.dumps (CLI output)", lambda: [jsonl.dumps(p) for p in parsed]),
    ]
    results = [(name, best_of(args.repeat, run)) for name, run in cases]
    baseline = results[0][1]
    print(f"{args.count} packets, mean {mean_size:.0f} bytes, best of {args.repeat}, one core")
    print(f"{'case':<42}{'packets/s':>12}{'µs/packet':>11}{'x naive':>9}")
    for name, seconds in results:
        rate = args.count / seconds
        print(
            f"{name:<42}{rate:>12,.0f}{seconds / args.count * 1e6:>11.1f}{seconds / baseline:>9.1f}"
        )


if __name__ == "__main__":
    main()
