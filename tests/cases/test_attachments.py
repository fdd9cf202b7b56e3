"""Attachments: the type comes from the content, never the name."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenloop.cases import services
from greenloop.cases.attachments import UnableToAttachFile, check_upload
from greenloop.cases.filetypes import (
    DOC,
    DOCX,
    GIF,
    JPEG,
    PDF,
    PNG,
    WEBP,
    XLS,
    XLSX,
    Rejection,
    UnacceptableFile,
    detect,
)
from greenloop.cases.models import CaseAttachment, CaseEvent
from tests.cases.conftest import PNG_BYTES, exe, png, zip_package

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(*names: tuple[str, int]) -> bytes:
    """A minimal OLE compound file (v3, 512-byte sectors) whose directory
    holds a root entry and up to three ``(name, type)`` entries
    (1 storage, 2 stream): sector 0 is the FAT, sector 1 the directory."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, END, 0, END, 0)
    struct.pack_into("<109I", header, 76, 0, *([FREE] * 108))
    fat = struct.pack("<128I", FATSECT, END, *([FREE] * 126))
    directory = bytearray()
    for name, kind in [("Root Entry", 5), *names]:
        entry = bytearray(128)
        encoded = name.encode("utf-16-le")
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded) + 2, kind)
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header) + fat + bytes(directory)


def _docx() -> bytes:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG_BYTES, PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32), JPEG),
        (b"GIF89a" + bytes(32), GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32), WEBP),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(32), PDF),
        (_docx(), DOCX),
        (_xlsx(), XLSX),
        (compound_file(("WordDocument", 2), ("1Table", 2)), DOC),
        (compound_file(("Workbook", 2)), XLS),
        (compound_file(("Book", 2)), XLS),
    ],
    ids=["png", "jpeg", "gif", "webp", "pdf", "docx", "xlsx", "doc", "xls-biff8", "xls-biff5"],
)
def test_each_accepted_type_is_recognised_by_content(content, expected):
    assert detect(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    ("content", "rejection"),
    [
        (b"MZ\x90\x00" + bytes(64), Rejection.UNKNOWN),  # a Windows executable
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", Rejection.UNKNOWN),
        (zip_package({"readme.txt": b"hello"}), Rejection.UNKNOWN),  # a plain zip
        (zip_package({"[Content_Types].xml": b"<Types/>"}), Rejection.UNKNOWN),
        (
            zip_package(
                {
                    "[Content_Types].xml": b"application/vnd.ms-word.document.macroEnabled.main+xml",
                    "word/document.xml": b"<w:document/>",
                    "word/vbaProject.bin": b"\x00",
                }
            ),
            Rejection.MACRO,
        ),
        (compound_file(("WordDocument", 2), ("Macros", 1)), Rejection.MACRO),
        (compound_file(("Workbook", 2), ("_VBA_PROJECT_CUR", 1)), Rejection.MACRO),
        (compound_file(("EncryptedPackage", 2), ("EncryptionInfo", 2)), Rejection.ENCRYPTED),
        (compound_file(("PowerPoint Document", 2)), Rejection.UNKNOWN),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), Rejection.UNKNOWN),  # truncated OLE
        (b"PK\x03\x04" + bytes(100), Rejection.UNKNOWN),  # truncated zip
        (b"", Rejection.EMPTY),
    ],
    ids=[
        "exe",
        "svg",
        "zip",
        "empty-package",
        "docm",
        "doc-macro",
        "xls-macro",
        "encrypted",
        "ppt",
        "truncated-ole",
        "truncated-zip",
        "empty",
    ],
)
def test_other_content_is_refused_with_the_reason(content, rejection):
    with pytest.raises(UnacceptableFile) as refused:
        detect(io.BytesIO(content))

    assert refused.value.rejection == rejection


def test_a_loop_in_the_ole_directory_chain_is_refused_not_followed_forever():
    data = bytearray(compound_file(("WordDocument", 2)))
    struct.pack_into("<I", data, 512 + 4, 1)  # FAT: the directory sector points to itself

    with pytest.raises(UnacceptableFile):
        detect(io.BytesIO(bytes(data)))


def test_an_exe_named_jpg_is_refused_in_chinese():
    with pytest.raises(UnableToAttachFile) as refused:
        check_upload(exe("现场照片.jpg"))

    assert str(refused.value) == (
        "文件“现场照片.jpg”的类型不受支持：只能上传图片（JPEG、PNG、GIF、WebP）、PDF、Word或Excel文件"
    )


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.GREENLOOP_MAX_UPLOAD_BYTES = 1024

    with pytest.raises(UnableToAttachFile) as refused:
        check_upload(SimpleUploadedFile("大图.png", PNG_BYTES + bytes(2000)))

    assert str(refused.value) == "文件“大图.png”大小为2 KB，超过上限1 KB"


def test_a_png_named_pdf_is_stored_as_the_png_it_is(loop, settings):
    case = loop.register()

    event = services.add_attachments(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        files=[png("检测报告.pdf")],
        comment="补充材料",
    )

    attachment = CaseAttachment.objects.get(event=event)
    assert attachment.original_name == "检测报告.pdf"
    assert (attachment.kind, attachment.media_type) == ("IMAGE", "image/png")
    assert attachment.file.name.startswith("cases/2026/03/") and attachment.file.name.endswith(
        ".png"
    )
    stored = Path(settings.MEDIA_ROOT) / attachment.file.name
    assert stored.read_bytes() == PNG_BYTES
    assert attachment.size == len(PNG_BYTES) and len(attachment.sha256) == 64
    assert event.action == "greenloop.cases.case.attachment_added"


def test_a_refused_file_adds_nothing_to_the_case(loop):
    case = loop.register()
    events = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(UnableToAttachFile):
        services.add_attachments(
            case=case, by=loop.user("dispatcher"), now=loop.now, files=[png(), exe()]
        )

    assert CaseEvent.objects.filter(case=case).count() == events
    assert not CaseAttachment.objects.filter(case=case).exists()


def test_someone_who_cannot_see_the_case_cannot_attach(loop):
    case = loop.register()

    with pytest.raises(services.UnableToAddToTimeline):
        services.add_attachments(
            case=case, by=loop.user("other_county"), now=loop.now, files=[png()]
        )
