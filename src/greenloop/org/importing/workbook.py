"""Opening an uploaded workbook without trusting it.

Checks run cheapest first, and openpyxl reads nothing that has not passed
them:

1. size, against ``settings.GREENLOOP_MAX_UPLOAD_BYTES``;
2. content sniffing: an .xlsx is a zip holding ``[Content_Types].xml`` and
   ``xl/workbook.xml``; a renamed text file, image, PDF, .xls or Word
   document is refused and named as what it is;
3. zip-bomb limits read from the zip's central directory: member count, the
   sum of declared uncompressed sizes and each member's compression ratio.
   Python's ``zipfile`` never inflates a member past its declared size (it
   stops and fails the CRC check), so declared sizes bound the work a file
   can make openpyxl do;
4. openpyxl in read-only, data-only mode (formulas give their cached value,
   nothing is evaluated); openpyxl parses XML through defusedxml, which
   refuses entity expansion and external entities.

Every refusal is a :class:`WorkbookRejected` whose message is shown to the
user as it is.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Real workbooks of a city's organisation unpack to a few MB.
MAX_UNCOMPRESSED_BYTES = 100 * MB
MAX_MEMBERS = 1000
# XML compresses well, but a sheet rarely beats 30:1; zeros reach 1000:1.
MAX_COMPRESSION_RATIO = 100
# Small members may compress extremely well and cannot hurt; judge the big ones.
RATIO_FLOOR_BYTES = 1 * MB
# Rows per sheet, counting only rows with content.
MAX_ROWS = 50_000
# Columns read per row; the import sheets have at most six.
MAX_COLUMNS = 50
# Excel's own limit; openpyxl pads gaps in row numbers with empty rows, so a
# forged row number far beyond it would otherwise cost a long loop.
EXCEL_MAX_ROWS = 1_048_576


class WorkbookRejected(Exception):
    """The file is not a workbook this importer will open.

    The message is in Chinese and says why; nothing was read or written.
    """


@dataclass(frozen=True, slots=True)
class RawSheet:
    """One worksheet's cell values; ``rows`` holds (Excel row number, values)."""

    title: str
    rows: list[tuple[int, tuple[Any, ...]]]


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def max_upload_bytes() -> int:
    return int(settings.GREENLOOP_MAX_UPLOAD_BYTES)


def size_message(size: int, limit: int) -> str:
    return gettext(
        "文件大小为 %(size)s，超过 %(limit)s 的上限，未读取文件内容。请拆分后分批导入。"
    ) % {"size": _mb(size), "limit": _mb(limit)}


def check_size(size: int, *, limit: int | None = None) -> None:
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        raise WorkbookRejected(size_message(size, limit))
    if size == 0:
        raise WorkbookRejected(
            gettext("文件是空的（0 字节），请上传用 Excel 保存的 .xlsx 工作簿。")
        )


_NOT_XLSX = gettext_noop("请上传用 Excel 或 WPS 保存的 .xlsx 工作簿。")


def _not_xlsx(message: str) -> str:
    """``message`` (marked with gettext_noop) and the upload hint, in the
    active language."""
    return gettext(message) + gettext(_NOT_XLSX)


# Leading bytes of files people upload by mistake, and what they are; the
# upload hint follows all but the first.
_SIGNATURES: list[tuple[bytes, str, bool]] = [
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        gettext_noop(
            "文件是旧版 Excel（.xls）或加密的 Office 文档，请在 Excel 中另存为未加密的 .xlsx 后再导入。"
        ),
        False,
    ),
    (b"%PDF", gettext_noop("文件是 PDF 文档，不是 Excel 工作簿（.xlsx）。"), True),
    (b"\x89PNG", gettext_noop("文件是图片（PNG），不是 Excel 工作簿（.xlsx）。"), True),
    (b"\xff\xd8\xff", gettext_noop("文件是图片（JPEG），不是 Excel 工作簿（.xlsx）。"), True),
    (b"GIF8", gettext_noop("文件是图片（GIF），不是 Excel 工作簿（.xlsx）。"), True),
    (b"Rar!", gettext_noop("文件是 RAR 压缩包，不是 Excel 工作簿（.xlsx）。"), True),
    (b"7z\xbc\xaf", gettext_noop("文件是 7z 压缩包，不是 Excel 工作簿（.xlsx）。"), True),
]


def _sniff(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        return
    for signature, message, hint in _SIGNATURES:
        if head.startswith(signature):
            raise WorkbookRejected(_not_xlsx(message) if hint else gettext(message))
    raise WorkbookRejected(
        _not_xlsx(
            gettext_noop(
                "文件内容不是 Excel 工作簿（.xlsx），可能是改了扩展名的文本或其他类型的文件。"
            )
        )
    )


def check_container(fp: IO[bytes]) -> None:
    """Refuse anything that is not a plausible, harmless .xlsx zip.

    ``fp`` must be seekable; it is rewound afterwards.
    """
    fp.seek(0)
    _sniff(fp.read(8))
    fp.seek(0)
    try:
        with zipfile.ZipFile(fp) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookRejected(
            _not_xlsx(gettext_noop("文件已损坏：不是完整的 .xlsx（zip）文件。"))
        ) from exc
    finally:
        fp.seek(0)
    _check_members(infos)


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    names = {info.filename for info in infos}
    if "word/document.xml" in names:
        raise WorkbookRejected(
            _not_xlsx(gettext_noop("文件是 Word 文档（.docx），不是 Excel 工作簿（.xlsx）。"))
        )
    if "ppt/presentation.xml" in names:
        raise WorkbookRejected(
            _not_xlsx(
                gettext_noop("文件是 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿（.xlsx）。")
            )
        )
    missing = [n for n in ("[Content_Types].xml", "xl/workbook.xml") if n not in names]
    if missing:
        raise WorkbookRejected(
            gettext("文件是 zip 压缩包，但缺少 %(parts)s，不是 Excel 工作簿（.xlsx）。")
            % {"parts": gettext("、").join(missing)}
            + gettext(_NOT_XLSX)
        )
    if len(infos) > MAX_MEMBERS:
        raise WorkbookRejected(
            gettext(
                "文件包含 %(count)d 个部件，超过 %(limit)d 个的上限，疑似恶意构造的文件，已拒绝。"
            )
            % {"count": len(infos), "limit": MAX_MEMBERS}
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRejected(
            gettext(
                "文件解压后将达到 %(size)s，超过 %(limit)s 的上限，疑似压缩炸弹（zip bomb），已拒绝。"
            )
            % {"size": _mb(total), "limit": _mb(MAX_UNCOMPRESSED_BYTES)}
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookRejected(
                gettext("文件中有加密的部件，无法读取。请上传未加密的 .xlsx 工作簿。")
            )
        if info.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookRejected(
                gettext(
                    "文件中的部件“%(part)s”压缩比达 %(ratio).0f:1，超过 %(limit)d:1 的上限，"
                    "疑似压缩炸弹（zip bomb），已拒绝。"
                )
                % {"part": info.filename, "ratio": ratio, "limit": MAX_COMPRESSION_RATIO}
            )


def check_file(path: Path) -> None:
    """Size and container checks on a file on disk."""
    check_size(path.stat().st_size)
    with path.open("rb") as fp:
        check_container(fp)


_UNREADABLE = gettext_noop(
    "无法读取工作簿：文件已损坏，或不是有效的 .xlsx 格式。请在 Excel 中打开并另存为 .xlsx 后重试。"
)


@contextmanager
def _opened(path: Path) -> Iterator[Any]:
    # Imported here: the CLI's --help and the kernels never pay for openpyxl.
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        # openpyxl raises KeyError, ValueError, zip and XML errors (including
        # defusedxml's refusals) for malformed parts; all mean the same here.
        logger.info("Unable to open workbook", exc_info=True)
        raise WorkbookRejected(gettext(_UNREADABLE)) from exc
    try:
        yield wb
    finally:
        wb.close()


def read_sheets(path: Path) -> list[RawSheet]:
    """Check ``path`` and return the values of every worksheet.

    Raises :class:`WorkbookRejected` for any file that fails a check or
    cannot be parsed. Rows with no content are dropped.
    """
    check_file(path)
    sheets: list[RawSheet] = []
    with _opened(path) as wb:
        try:
            for ws in wb.worksheets:
                sheets.append(RawSheet(title=str(ws.title), rows=_rows(ws)))
        except WorkbookRejected:
            raise
        except Exception as exc:
            logger.info("Unable to read worksheet", exc_info=True)
            raise WorkbookRejected(gettext(_UNREADABLE)) from exc
    return sheets


def _rows(ws: Any) -> list[tuple[int, tuple[Any, ...]]]:
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
        if number > EXCEL_MAX_ROWS:
            raise WorkbookRejected(
                gettext("工作表“%(sheet)s”的行号超过 Excel 的最大行数，文件已损坏或被篡改。")
                % {"sheet": ws.title}
            )
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise WorkbookRejected(
                gettext("工作表“%(sheet)s”超过 %(limit)d 行的上限，请拆分后分批导入。")
                % {"sheet": ws.title, "limit": MAX_ROWS}
            )
        rows.append((number, tuple(values)))
    return rows
