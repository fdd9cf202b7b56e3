"""What kind of file this is, judged from its content, never its name.

Plain Python, no Django. Accepted: JPEG, PNG, GIF and WebP images; PDF;
Word (.docx, legacy .doc); Excel (.xlsx, legacy .xls). Office documents
with macros and encrypted ones are refused: neither can be checked.

* Images and PDF are recognised by their leading signature.
* .docx/.xlsx are ZIP packages (Office Open XML, ECMA-376 Part 2): the
  package's ``[Content_Types].xml`` names the main part's content type —
  ``…wordprocessingml.document.main+xml`` or ``…spreadsheetml.sheet.main+xml``.
  The central directory is read, not the first kilobytes, so the order of
  the parts does not matter; at most 256 KiB of the content-types part is
  decompressed.
* .doc/.xls are OLE compound files ([MS-CFB]): the directory is walked
  through the FAT and holds a ``WordDocument`` stream (Word) or a
  ``Workbook``/``Book`` stream (Excel, BIFF8/BIFF5).

A general detector such as ``filetype`` was considered: it guesses
.docx/.xlsx from part names in the first few kilobytes and does not tell
.doc from .xls reliably, which is exactly what matters here.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO


@dataclass(frozen=True, slots=True)
class FileType:
    kind: str  # IMAGE, PDF, WORD, EXCEL (AttachmentKind values)
    media_type: str
    extension: str


class Rejection(StrEnum):
    UNKNOWN = "UNKNOWN"
    MACRO = "MACRO"
    ENCRYPTED = "ENCRYPTED"
    EMPTY = "EMPTY"


class UnacceptableFile(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.value)
        self.rejection = rejection


JPEG = FileType("IMAGE", "image/jpeg", "jpg")
PNG = FileType("IMAGE", "image/png", "png")
GIF = FileType("IMAGE", "image/gif", "gif")
WEBP = FileType("IMAGE", "image/webp", "webp")
PDF = FileType("PDF", "application/pdf", "pdf")
DOCX = FileType(
    "WORD", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
DOC = FileType("WORD", "application/msword", "doc")
XLSX = FileType(
    "EXCEL", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
)
XLS = FileType("EXCEL", "application/vnd.ms-excel", "xls")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def detect(stream: BinaryIO) -> FileType:
    """Return the type of the file in ``stream`` (seekable), or raise
    :class:`UnacceptableFile`. Leaves the stream at position 0."""
    try:
        stream.seek(0)
        head = stream.read(16)
        if not head:
            raise UnacceptableFile(Rejection.EMPTY)
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith((b"GIF87a", b"GIF89a")):
            return GIF
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(_ZIP_MAGIC):
            return _office_open_xml(stream)
        if head.startswith(_OLE_MAGIC):
            return _compound_file(stream)
        raise UnacceptableFile(Rejection.UNKNOWN)
    finally:
        stream.seek(0)


# --- Office Open XML -------------------------------------------------------

_CONTENT_TYPES_LIMIT = 256 * 1024


def _office_open_xml(stream: BinaryIO) -> FileType:
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
            if "[Content_Types].xml" not in names:
                raise UnacceptableFile(Rejection.UNKNOWN)
            with package.open("[Content_Types].xml") as part:
                types = part.read(_CONTENT_TYPES_LIMIT)
    except UnacceptableFile:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        ValueError,
        OSError,
        KeyError,
    ) as exc:
        # RuntimeError: an encrypted entry; the others: a damaged package.
        raise UnacceptableFile(Rejection.UNKNOWN) from exc
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise UnacceptableFile(Rejection.MACRO)
    if b"wordprocessingml.document.main+xml" in types:
        return DOCX
    if b"spreadsheetml.sheet.main+xml" in types:
        return XLSX
    raise UnacceptableFile(Rejection.UNKNOWN)


# --- OLE compound files ([MS-CFB]) ----------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_MAXREGSECT = 0xFFFFFFFA
_MAX_SECTORS_WALKED = 4096


def _compound_file(stream: BinaryIO) -> FileType:
    names = {n.casefold() for n in compound_file_names(stream)}
    if names & {"macros", "_vba_project_cur", "vba"}:
        raise UnacceptableFile(Rejection.MACRO)
    if "encryptedpackage" in names:
        raise UnacceptableFile(Rejection.ENCRYPTED)
    if "worddocument" in names:
        return DOC
    if names & {"workbook", "book"}:
        return XLS
    raise UnacceptableFile(Rejection.UNKNOWN)


def compound_file_names(stream: BinaryIO) -> set[str]:
    """Names of every storage and stream in an OLE compound file.

    1. Read the 512-byte header: sector size, first directory sector, the
       first 109 FAT sector numbers (DIFAT) and the DIFAT chain.
    2. Follow the directory chain through the FAT, reading 128-byte entries.
    """
    stream.seek(0)
    header = stream.read(512)
    if len(header) < 512 or not header.startswith(_OLE_MAGIC):
        raise UnacceptableFile(Rejection.UNKNOWN)
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        raise UnacceptableFile(Rejection.UNKNOWN)
    size = 1 << shift
    per_sector = size // 4
    num_fat, first_dir = struct.unpack_from("<II", header, 44)
    first_difat, num_difat = struct.unpack_from("<II", header, 68)

    def sector(n: int) -> bytes:
        if n > _MAXREGSECT:
            raise UnacceptableFile(Rejection.UNKNOWN)
        stream.seek((n + 1) * size)
        data = stream.read(size)
        if len(data) < size:
            raise UnacceptableFile(Rejection.UNKNOWN)
        return data

    fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s != _FREESECT]
    difat, walked = first_difat, 0
    while difat not in (_ENDOFCHAIN, _FREESECT) and walked < min(num_difat, _MAX_SECTORS_WALKED):
        entries = struct.unpack(f"<{per_sector}I", sector(difat))
        fat_sectors.extend(s for s in entries[:-1] if s != _FREESECT)
        difat, walked = entries[-1], walked + 1
    fat_sectors = fat_sectors[:num_fat]

    fat_cache: dict[int, tuple[int, ...]] = {}

    def next_sector(n: int) -> int:
        index, offset = divmod(n, per_sector)
        if index >= len(fat_sectors):
            raise UnacceptableFile(Rejection.UNKNOWN)
        if index not in fat_cache:
            fat_cache[index] = struct.unpack(f"<{per_sector}I", sector(fat_sectors[index]))
        return fat_cache[index][offset]

    names: set[str] = set()
    current, seen = first_dir, set()
    while current != _ENDOFCHAIN:
        if current in seen or len(seen) >= _MAX_SECTORS_WALKED:
            raise UnacceptableFile(Rejection.UNKNOWN)  # a loop: damaged or hostile
        seen.add(current)
        data = sector(current)
        for start in range(0, size, 128):
            name_length = struct.unpack_from("<H", data, start + 64)[0]
            object_type = data[start + 66]
            # 1 storage, 2 stream, 5 root; the length counts the final NUL.
            if object_type in (1, 2, 5) and 2 <= name_length <= 64 and name_length % 2 == 0:
                names.add(data[start : start + name_length - 2].decode("utf-16-le", "replace"))
        current = next_sector(current)
    return names
