"""Reading a person import file as a stream of rows: a CSV file (UTF-8, with or without BOM, or
GBK/GB 18030) is decoded and parsed as it is read, so memory does not grow with the file; an
.xlsx file is read by openpyxl's read-only mode. File types, cells, dates and codes are read
by the body importer's helpers (bianzhi.orgs.importing.reading)."""

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from bianzhi.orgs.importing.reading import _file_kind, _file_problem, _xlsx_rows, cell_text

from .columns import header_map

CHUNK = 1 << 20
# A million people is about 150 MB of CSV; settings may lower or raise these.
MAX_BYTES = getattr(settings, "PERSON_IMPORT_MAX_BYTES", 1 << 30)
MAX_XLSX_BYTES = getattr(settings, "PERSON_IMPORT_MAX_XLSX_BYTES", 200 << 20)
MAX_ROWS = getattr(settings, "PERSON_IMPORT_MAX_ROWS", 2_000_000)


@dataclass
class Table:
    """The columns found in the header (field → index), an estimate of the data rows, and the
    data rows as (row number in the file, cells as text); blank rows are skipped."""

    columns: dict[str, int]
    estimate: int
    rows: Iterator[tuple[int, list[str]]]


def check_size(size: int, kind: str = "csv") -> None:
    limit = MAX_XLSX_BYTES if kind == "xlsx" else MAX_BYTES
    if not size:
        raise _file_problem("file.empty", "文件为空", "the file is empty")
    if size > limit:
        mib = limit // (1 << 20)
        raise _file_problem(
            "file.too_large", f"文件超过 {mib} MB", f"the file is larger than {mib} MB"
        )


def _encoding_problem():
    return _file_problem(
        "file.encoding",
        "无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK",
        "the CSV file's encoding is not UTF-8 or GBK",
    )


def sniff_csv(handle: BinaryIO) -> tuple[str, int]:
    """The encoding of a CSV file and its number of line breaks, in one pass of 1 MB reads:
    UTF-8 if every byte decodes as such, otherwise GB 18030 (a superset of GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, utf8 = 0, True
    while chunk := handle.read(CHUNK):
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    handle.seek(0)
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _csv_lines(handle: BinaryIO, encoding: str) -> Iterator[list[str]]:
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise _encoding_problem() from exc
    except csv.Error as exc:
        raise _file_problem(
            "file.csv", f"CSV 格式错误：{exc}", f"the CSV file is malformed: {exc}"
        ) from exc
    finally:
        text.detach()


def _xlsx_lines(handle: BinaryIO) -> Iterator[list[str]]:
    data = handle.read(MAX_XLSX_BYTES + 1)
    check_size(len(data), "xlsx")
    for cells in _xlsx_rows(data):
        yield [cell_text(value) for value in cells]


def _numbered(lines: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise _file_problem(
                "file.too_many_rows",
                f"文件超过 {MAX_ROWS} 行，请分批导入",
                f"the file has more than {MAX_ROWS} rows; split it",
            )
        if any(cell.strip() for cell in cells):
            yield number, cells


@contextmanager
def open_table(filename: str, handle: BinaryIO) -> Iterator[Table]:
    """Read the header of an .xlsx or .csv file and stream its rows; file-level problems raise
    InvalidInput (field "file")."""
    head = handle.read(4096)
    handle.seek(0)
    kind = _file_kind(filename, head)
    if kind == "xlsx":
        lines, estimate = _xlsx_lines(handle), 0
    else:
        encoding, breaks = sniff_csv(handle)
        lines, estimate = _csv_lines(handle, encoding), max(breaks - 1, 0)
    try:
        header = next(lines, None)
        if header is None:
            raise _file_problem("file.empty", "文件为空", "the file is empty")
        yield Table(header_map(header), estimate, _numbered(lines))
    finally:
        lines.close()
