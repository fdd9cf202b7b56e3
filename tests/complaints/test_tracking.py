"""Tracking codes: unguessable, forgiving to type, stored only as a keyed
digest; wrong codes answer like unknown ones; lookups are rate-limited."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.urls import reverse

from greenloop.complaints.models import Petition
from greenloop.complaints.services import _tracking, find_by_code, new_code
from tests.complaints.conftest import public_report


def test_ten_thousand_codes_are_distinct_and_well_formed() -> None:
    codes = {new_code() for _ in range(10_000)}

    assert len(codes) == 10_000
    assert all(re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}", c) for c in codes)
    assert _tracking.LENGTH * 5 >= 80


def test_the_code_is_stored_only_as_a_keyed_digest(mapped_city: Any, now: Any) -> None:
    intake = public_report(now=now)
    raw = _tracking.normalise(intake.tracking_code)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_petition")
        rows = " ".join(str(v) for row in cursor.fetchall() for v in row)

    assert raw is not None and raw not in rows and intake.tracking_code not in rows
    assert intake.petition.tracking_digest not in (raw, intake.tracking_code)
    assert find_by_code(intake.tracking_code) == intake.petition


def test_codes_are_read_forgivingly(mapped_city: Any, now: Any) -> None:
    intake = public_report(now=now)
    typed = intake.tracking_code.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    assert find_by_code(typed) == intake.petition


def test_a_wrong_code_of_the_right_shape_finds_nothing_and_answers_like_garbage(
    mapped_city: Any, client: Any, now: Any
) -> None:
    intake = public_report(now=now)
    code = intake.tracking_code
    wrong = ("1" if code[0] != "1" else "2") + code[1:]

    wrong_answer = client.post(reverse("public_track"), {"code": wrong})
    garbage_answer = client.post(reverse("public_track"), {"code": "not-a-code"})

    assert find_by_code(wrong) is None
    assert wrong_answer.status_code == garbage_answer.status_code == 404

    def result(response: Any) -> str:
        body = response.content.decode()
        return body[body.index("</form>", body.index('id="track-form"')) :]

    assert result(wrong_answer) == result(garbage_answer)
    assert intake.petition.number not in wrong_answer.content.decode()


def test_the_lookup_is_rate_limited_per_client(
    mapped_city: Any, client: Any, settings: Any
) -> None:
    settings.GREENLOOP_COMPLAINT_TRACK_RATE = "3/m"

    answers = [
        client.post(reverse("public_track"), {"code": new_code()}).status_code for _ in range(4)
    ]
    elsewhere = client.post(reverse("public_track"), {"code": new_code()}, REMOTE_ADDR="10.9.9.9")

    assert answers == [404, 404, 404, 429]
    assert elsewhere.status_code == 404


def test_the_tracking_page_shows_no_personal_data(mapped_city: Any, client: Any, now: Any) -> None:
    intake = public_report(now=now, is_anonymous=False, name="王小二", phone="13611112222")

    body = client.post(reverse("public_track"), {"code": intake.tracking_code}).content.decode()

    assert intake.petition.number in body
    assert "已受理" in body
    assert "王小二" not in body and "13611112222" not in body
    assert Petition.objects.count() == 1
