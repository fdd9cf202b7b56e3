"""Photos from the public: checked by content, re-encoded without metadata.

1. Size: at most ``GREENLOOP_COMPLAINT_MAX_PHOTO_BYTES`` (default 8 MB), at
   most ``GREENLOOP_COMPLAINT_MAX_PHOTOS`` per report (default 3).
2. Type from the content (:func:`greenloop.cases.filetypes.detect`): only
   JPEG, PNG, GIF or WebP; a PDF or a program named ``.jpg`` is refused.
3. Decoded with Pillow (at most 40 megapixels: no decompression bombs); the
   GPS position, if the photo carries one, is read out — it may become the
   petition's location, and goes nowhere else.
4. Turned upright by its EXIF orientation, then re-encoded from the pixels
   alone (JPEG, or PNG when it has transparency), longest side at most
   4096 px. EXIF (camera, time, GPS), XMP, IPTC, ICC and comments are not
   carried over: the stored file is new bytes, not the upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from greenloop.cases.filetypes import UnacceptableFile, detect
from greenloop.complaints.models import Petition, PetitionPhoto
from greenloop.complaints.services._base import UnableToActOnPetition

MAX_PIXELS = 40_000_000
MAX_SIDE = 4096


def max_photos() -> int:
    return int(getattr(settings, "GREENLOOP_COMPLAINT_MAX_PHOTOS", 3))


def max_photo_bytes() -> int:
    return int(getattr(settings, "GREENLOOP_COMPLAINT_MAX_PHOTO_BYTES", 8 * 1024 * 1024))


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    content: bytes
    extension: str
    media_type: str
    width: int
    height: int
    # (longitude, latitude) from the photo's GPS tag, if any.
    gps: tuple[float, float] | None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _ratio(value: Any) -> float:
    return float(value)


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        info = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        if not info:
            return None
        lat_ref, lat, lon_ref, lon = info.get(1), info.get(2), info.get(3), info.get(4)
        if not (lat and lon):
            return None
        latitude = sum(_ratio(v) / 60**i for i, v in enumerate(lat))
        longitude = sum(_ratio(v) / 60**i for i, v in enumerate(lon))
        if str(lat_ref).upper().startswith("S"):
            latitude = -latitude
        if str(lon_ref).upper().startswith("W"):
            longitude = -longitude
    except (ValueError, TypeError, ZeroDivisionError, KeyError, AttributeError):
        return None
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90) or (latitude, longitude) == (0, 0):
        return None
    return round(longitude, 6), round(latitude, 6)


def clean_photo(upload: Any, *, position: int = 1) -> CleanPhoto:
    """Check one uploaded photo and return it re-encoded without metadata."""
    label = _("第%(n)d张照片") % {"n": position}
    limit = max_photo_bytes()
    if upload.size is not None and upload.size > limit:
        raise UnableToActOnPetition(
            _("%(photo)s大小为%(size)s，超过上限%(limit)s")
            % {"photo": label, "size": _megabytes(upload.size), "limit": _megabytes(limit)}
        )
    not_a_photo = UnableToActOnPetition(
        _("%(photo)s不是图片：只能上传JPEG、PNG、GIF或WebP格式的照片") % {"photo": label}
    )
    try:
        detected = detect(upload)
    except UnacceptableFile as exc:
        raise not_a_photo from exc
    if detected.kind != "IMAGE":
        raise not_a_photo
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                raise UnableToActOnPetition(
                    _("%(photo)s像素过多，请压缩后再上传") % {"photo": label}
                )
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise not_a_photo from exc
    finally:
        upload.seek(0)
    gps = _gps(image)
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    pixels.info = {}  # nothing of the original travels along
    if max(pixels.size) > MAX_SIDE:
        pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if has_alpha:
        pixels.save(out, format="PNG", optimize=True)
        extension, media_type = "png", "image/png"
    else:
        pixels.save(out, format="JPEG", quality=88, optimize=True)
        extension, media_type = "jpg", "image/jpeg"
    return CleanPhoto(
        content=out.getvalue(),
        extension=extension,
        media_type=media_type,
        width=pixels.width,
        height=pixels.height,
        gps=gps,
    )


def clean_photos(uploads: Sequence[Any]) -> list[CleanPhoto]:
    if len(uploads) > max_photos():
        raise UnableToActOnPetition(_("最多上传%(n)d张照片") % {"n": max_photos()})
    return [clean_photo(u, position=i) for i, u in enumerate(uploads, start=1)]


def store_photo(petition: Petition, photo: CleanPhoto, now: dt.datetime) -> PetitionPhoto:
    row = PetitionPhoto(
        petition=petition,
        token=uuid.uuid4().hex,
        extension=photo.extension,
        media_type=photo.media_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.content),
        sha256=hashlib.sha256(photo.content).hexdigest(),
        uploaded_at=now,
    )
    row.file.save(f"{row.token}.{row.extension}", ContentFile(photo.content), save=False)
    row.save()
    return row


def photo_files(petition: Petition) -> list[ContentFile]:  # type: ignore[type-arg]
    """The petition's (clean) photos as files for case attachments."""
    files: list[ContentFile] = []  # type: ignore[type-arg]
    for i, photo in enumerate(petition.photos.order_by("pk"), start=1):
        with photo.file.open("rb") as fh:
            data = fh.read()
        files.append(ContentFile(data, name=f"{petition.number}-{i}.{photo.extension}"))
    return files
