"""Spreadsheet downloads (.xlsx): written a row at a time (XlsxWriter's ``constant_memory``), so an export's
memory does not grow with its rows, then sent as one file."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Response, send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Every export stops here: larger ones are refused with a 422 that says to narrow the filters.
MAX_EXPORT_ROWS = 50_000
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


def write_xlsx(path: Path, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` under a bold, frozen header row; returns the number of rows written."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
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
    finally:
        workbook.close()
    return count


def xlsx_download(name: str, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Response:
    """The spreadsheet as a download named ``name`` (Chinese is fine: sent as RFC 5987 ``filename*``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        write_xlsx(path, sheet, columns, rows)
        data = path.read_bytes()
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
