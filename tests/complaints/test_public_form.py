"""The public form refuses what it must and strips what it must."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from greenloop.complaints.models import Petition
from tests.complaints.conftest import jpeg_bytes, photo, public_report
from tests.complaints.test_loop import _report_form


def _post(client: Any, photos: list[Any] | None = None, **extra: Any) -> Any:
    data = _report_form(**extra)
    if photos is not None:
        data["photos"] = photos
    return client.post(reverse("public_report"), data)


def test_text_with_a_script_is_refused_with_a_clear_message(mapped_city: Any, client: Any) -> None:
    response = _post(client, description="黑烟<script>alert(1)</script>")

    assert response.status_code == 400
    assert "不能包含HTML标签或脚本" in response.content.decode()
    assert not Petition.objects.exists()


def test_an_oversized_photo_is_refused(mapped_city: Any, client: Any, settings: Any) -> None:
    settings.GREENLOOP_COMPLAINT_MAX_PHOTO_BYTES = 1000
    big = SimpleUploadedFile("big.jpg", jpeg_bytes(size=(400, 400)) + b"\0" * 2000)

    response = _post(client, photos=[big])

    assert response.status_code == 400
    assert "超过上限" in response.content.decode()
    assert not Petition.objects.exists()


def test_a_pdf_or_a_program_named_jpg_is_refused(mapped_city: Any, client: Any) -> None:
    pdf = SimpleUploadedFile("photo.jpg", b"%PDF-1.7\n%fake\n", content_type="image/jpeg")
    exe = SimpleUploadedFile("photo2.jpg", b"MZ\x90\x00" + b"\0" * 200, content_type="image/jpeg")

    answers = [_post(client, photos=[f]) for f in (pdf, exe)]

    for response in answers:
        assert response.status_code == 400
        assert "不是图片" in response.content.decode()
    assert not Petition.objects.exists()


def test_a_missing_captcha_is_refused(mapped_city: Any, client: Any) -> None:
    response = _post(client, captcha_1="")

    assert response.status_code == 400
    assert not Petition.objects.exists()


def test_too_many_photos_are_refused(mapped_city: Any, client: Any, settings: Any) -> None:
    settings.GREENLOOP_COMPLAINT_MAX_PHOTOS = 2

    response = _post(client, photos=[photo("1.jpg"), photo("2.jpg"), photo("3.jpg")])

    assert response.status_code == 400
    assert "最多上传2张照片" in response.content.decode()


def test_a_named_report_needs_a_phone(mapped_city: Any, client: Any) -> None:
    response = _post(client, is_anonymous="0", name="张三", phone="")

    assert response.status_code == 400
    assert "联系电话" in response.content.decode()


def test_exif_is_removed_and_the_gps_position_only_becomes_the_location(
    mapped_city: Any, now: Any
) -> None:
    intake = public_report(now=now, longitude=None, latitude=None, photos=[photo(exif=True)])

    petition = intake.petition
    stored = petition.photos.get()
    with stored.file.open("rb") as fh:
        data = fh.read()
    with stored.file.open("rb") as fh, Image.open(fh) as image:
        exif = image.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(0x8825)
    assert b"FancyCam" not in data and b"FC-2000" not in data and b"Exif" not in data
    assert petition.location_from_photo
    assert round(petition.longitude, 3) == 123.17 and round(petition.latitude, 3) == 41.17
    assert petition.suggested_region == mapped_city.village


def test_a_pin_wins_over_the_photo_position(mapped_city: Any, now: Any) -> None:
    petition = public_report(
        now=now, longitude=123.8, latitude=41.5, photos=[photo(exif=True)]
    ).petition

    assert not petition.location_from_photo
    assert (petition.longitude, petition.latitude) == (123.8, 41.5)


def test_reports_are_rate_limited_per_client(mapped_city: Any, client: Any, settings: Any) -> None:
    settings.GREENLOOP_COMPLAINT_REPORT_RATE = "2/h"

    answers = [_post(client).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert Petition.objects.count() == 2
    assert client.get(reverse("public_report")).status_code == 200
