"""The inbox rows' COPY text read back for the latest values.

On PostgreSQL the gateway sends its latest-values process the text it has
just stored; whatever a device sent, the process must read the same device,
CN, times and values back, or the live pages would show something else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from greenloop.monitoring.ingest import _inbox_copy_text, latest_readings_from_text
from greenloop.monitoring.records import Reading

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_zones = st.sampled_from([UTC, timezone(timedelta(hours=8))])
_times = st.builds(
    lambda at, zone: at.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    _zones,
)
_readings = st.builds(
    Reading,
    device_id=st.integers(1, 2**62),
    site_id=st.none() | st.integers(1, 1000),
    mn=_text,
    cn=_text,
    data_time=st.none() | _times,
    received_at=_times,
    raw=st.binary(max_size=40),
    qn=_text,
    pollutants=st.dictionaries(_text, st.dictionaries(_text, _text, max_size=3), max_size=4),
    cp=st.dictionaries(_text, _text, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_readings, max_size=6))
def test_what_the_latest_values_are_made_of_reads_back_exactly(readings: list[Reading]) -> None:
    back = latest_readings_from_text(_inbox_copy_text(readings))

    assert [(r.device_id, r.cn, r.data_time, r.received_at, r.pollutants) for r in back] == [
        (r.device_id, r.cn[:4], r.data_time, r.received_at, r.pollutants) for r in readings
    ]


def test_escapes_and_nulls_read_back() -> None:
    received = datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=UTC)
    reading = Reading(
        device_id=7,
        site_id=3,
        mn="M",
        cn="2\t\\\n",
        data_time=None,
        received_at=received,
        raw=b"\\N",
        pollutants={"a\\t": {"Info": 'C:\\log\n\t"中文"\\N'}},
    )

    (back,) = latest_readings_from_text(_inbox_copy_text([reading]))

    assert (back.cn, back.data_time, back.received_at, back.pollutants) == (
        "2\t\\\n",
        None,
        received,
        {"a\\t": {"Info": 'C:\\log\n\t"中文"\\N'}},
    )
    assert back.site_id is None  # taken from the device's row when merged
