"""``greenloop hj212``: parse and build HJ 212 packets from the shell.

``parse`` reads wire bytes (a capture, or stdin) and writes one JSON line
per packet or error; ``build`` reads those lines and writes wire bytes, so
``greenloop hj212 parse < capture | greenloop hj212 build`` reproduces the
good packets. The line format is described in :mod:`greenloop.hj212.jsonl`.
"""

from __future__ import annotations

from typing import BinaryIO, TextIO

import click

from greenloop.hj212 import jsonl
from greenloop.hj212.codec import build_packet, parse_frame
from greenloop.hj212.errors import PacketError
from greenloop.hj212.framing import MAX_SEGMENT, Event, FrameDecoder
from greenloop.hj212.versions import DeviceProfile

_CHUNK = 65536


def _sm4_key(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        key = bytes.fromhex(value)
    except ValueError:
        raise click.BadParameter("not hexadecimal") from None
    if len(key) != 16:
        raise click.BadParameter("an SM4 key is 32 hex digits (16 bytes)")
    return key


_key_option = click.option(
    "--sm4-key",
    metavar="HEX",
    callback=_sm4_key,
    help="SM4 key (32 hex digits) for the CP of the commands HJ 212-2025 §6.4.4 encrypts.",
)
_output_option = click.option(
    "-o",
    "--output",
    type=click.File("wb"),
    default="-",
    help="Where to write (default: standard output).",
)
_max_length_option = click.option(
    "--max-length",
    type=click.IntRange(1, 9999),
    default=MAX_SEGMENT,
    show_default=True,
    help="Longest data segment accepted.",
)


@click.group()
def hj212() -> None:
    """HJ 212 packets (HJ/T 212-2005, HJ 212-2017, HJ 212-2025)."""


@hj212.command()
@_key_option
@_max_length_option
@_output_option
@click.argument("file", type=click.File("rb"), default="-")
def parse(sm4_key: bytes | None, max_length: int, output: BinaryIO, file: BinaryIO) -> None:
    """Read packets as they come on the wire; write one JSON line each.

    Bad packets give {"ok": false, "error": "<kind>: <message>"} and reading
    goes on at the next ##; the exit status stays 0.
    """
    profile = DeviceProfile(sm4_key=sm4_key)
    decoder = FrameDecoder(max_length=max_length)
    # read1 returns what a pipe has now, so a live capture is decoded as it
    # arrives instead of in 64 KiB steps.
    read = getattr(file, "read1", file.read)
    while chunk := read(_CHUNK):
        _write_events(output, decoder.feed(chunk), profile)
    _write_events(output, decoder.close(), profile)


def _write_events(out: BinaryIO, events: list[Event], profile: DeviceProfile) -> None:
    lines = []
    for event in events:
        if isinstance(event, PacketError):
            lines.append(jsonl.dumps_error(event))
            continue
        try:
            lines.append(jsonl.dumps(parse_frame(event, profile)))
        except PacketError as exc:
            lines.append(jsonl.dumps_error(exc))
    if lines:
        out.write(("\n".join(lines) + "\n").encode())
        out.flush()


@hj212.command()
@_key_option
@_max_length_option
@_output_option
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.pass_context
def build(
    ctx: click.Context, sm4_key: bytes | None, max_length: int, output: BinaryIO, file: TextIO
) -> None:
    """Read JSON lines as parse writes them; write the packets.

    Records of packets that failed to parse ("ok": false) are skipped with a
    note on stderr. A line that cannot be built is reported on stderr and
    makes the exit status 1; the other lines are still built.
    """
    profile = DeviceProfile(sm4_key=sm4_key)
    failures = 0
    for number, line in enumerate(file, start=1):
        if not line.strip():
            continue
        try:
            record = jsonl.loads(line)
            if isinstance(record, dict) and record.get("ok") is False:
                click.echo(f"line {number}: skipped a record of a bad packet", err=True)
                continue
            output.write(build_packet(jsonl.from_record(record), profile, max_length=max_length))
        except PacketError as exc:
            failures += 1
            click.echo(f"line {number}: {exc}", err=True)
    output.flush()
    if failures:
        ctx.exit(1)
