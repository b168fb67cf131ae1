"""Spreadsheet downloads: .xlsx written a row at a time (XlsxWriter's ``constant_memory``), so an export's memory
does not grow with its rows, then sent as one file; .csv (UTF-8 with a BOM, so Excel reads the Chinese right)
streamed a batch of rows at a time, from the same columns and the same rows."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Response, send_file, stream_with_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
# Every export stops here: larger ones are refused with a 422 that says to narrow the filters.
MAX_EXPORT_ROWS = 100_000
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

Kind = Literal["text", "number", "date", "datetime"]


@dataclass(frozen=True)
class Column:
    header: str  # Chinese: the people who open the file read it
    width: float
    kind: Kind = "text"


def _local(value: datetime) -> datetime:
    """Excel has no time zones: a UTC time is written as the Beijing time people expect to read."""
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _cell_writer(worksheet: Any, kind: Kind, formats: dict[str, Any]) -> Callable[[int, int, Any], Any]:
    """How a column's cells are written, chosen once per column rather than once per cell."""
    if kind == "datetime":
        return lambda row, col, value: worksheet.write_datetime(row, col, _local(value), formats["datetime"])
    if kind == "date":
        return lambda row, col, value: worksheet.write_datetime(
            row, col, datetime.combine(value, datetime.min.time()), formats["date"]
        )
    if kind == "number":
        return cast(Callable[[int, int, Any], Any], worksheet.write_number)
    # Never a formula, whatever a field starts with ("=", "+", "@"): the cell is the text typed.
    return lambda row, col, value: worksheet.write_string(row, col, str(value))


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a workbook: its name (≤ 31 characters), columns and rows (any iterable, read once)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def write_xlsx(path: Path, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` under a bold, frozen header row; returns the number of rows written."""
    return write_workbook(path, [Sheet(sheet, columns, rows)])[0]


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> list[int]:
    """Write each sheet in turn (constant_memory: a sheet's rows go to disk as they come, and a sheet is finished
    before the next begins); returns the number of rows written per sheet."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
        return [_write_sheet(workbook, sheet.name, sheet.columns, sheet.rows) for sheet in sheets]
    finally:
        workbook.close()


def _write_sheet(workbook: Any, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    worksheet = workbook.add_worksheet(sheet)
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    for index, column in enumerate(columns):
        worksheet.set_column(index, index, column.width)
        worksheet.write_string(0, index, column.header, header)
    worksheet.freeze_panes(1, 0)
    writers = [_cell_writer(worksheet, column.kind, formats) for column in columns]
    count = 0
    for count, row in enumerate(rows, start=1):
        assert len(row) == len(writers)
        for index, value in enumerate(row):
            if value is not None and value != "":
                writers[index](count, index, value)
    if count:
        worksheet.autofilter(0, 0, count, len(columns) - 1)
    return count


def xlsx_download(name: str, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Response:
    """The spreadsheet as a download named ``name`` (Chinese is fine: sent as RFC 5987 ``filename*``). Only the
    finished, compressed file is held in memory (a few MB at the row cap), never its rows."""
    return workbook_download(name, [Sheet(sheet, columns, rows)])


def workbook_download(name: str, sheets: Sequence[Sheet]) -> Response:
    """Several sheets in one .xlsx download (see ``xlsx_download``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        write_workbook(path, sheets)
        data = path.read_bytes()
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A text cell that Excel would read as a formula when it opens a CSV ("=", "+", "-", "@", a tab or a carriage
# return first) is written with a leading apostrophe, so it stays the text typed (OWASP's CSV-injection rule).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH_ROWS = 500


def _csv_cell(kind: Kind) -> Callable[[Any], Any]:
    if kind == "datetime":
        return lambda value: _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "date":
        return lambda value: value.isoformat() if isinstance(value, date) else str(value)
    if kind == "number":
        return lambda value: value
    return lambda value: "'" + str(value) if str(value).startswith(_FORMULA_START) else str(value)


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text in chunks of ``CSV_BATCH_ROWS`` rows: a BOM, the header row, then the rows (times in Beijing
    time, as in the .xlsx; an empty cell for a missing value)."""
    cells = [_csv_cell(column.kind) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        assert len(row) == len(cells)
        writer.writerow(["" if value is None else cell(value) for cell, value in zip(cells, row, strict=True)])
        if count % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_download(name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Response:
    """The rows as a streamed CSV download: memory stays one batch of rows, whatever their number (the rows are
    read while the response is sent, inside the request's context, which lasts until the last chunk is sent)."""
    chunks = (chunk.encode("utf-8") for chunk in csv_lines(columns, rows))
    response = Response(stream_with_context(chunks), mimetype=CSV)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = _attachment(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _attachment(name: str) -> str:
    """The same ``Content-Disposition`` Flask's ``send_file`` writes: an ASCII fallback and the RFC 5987 name."""
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "ignore").decode("ascii").strip() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
