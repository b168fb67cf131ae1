"""Spreadsheet downloads (.xlsx): written a row at a time (XlsxWriter's ``constant_memory``), so an export's
memory does not grow with its rows, then sent as one file."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
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
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, (column, value) in enumerate(zip(columns, row, strict=True)):
                if value is None or value == "":
                    continue
                if column.kind == "datetime":
                    worksheet.write_datetime(count, index, _local(value), formats["datetime"])
                elif column.kind == "date":
                    worksheet.write_datetime(
                        count, index, datetime.combine(value, datetime.min.time()), formats["date"]
                    )
                elif column.kind == "number":
                    worksheet.write_number(count, index, value)
                else:
                    # Never a formula, whatever a field starts with ("=", "+", "@"): the cell is the text typed.
                    worksheet.write_string(count, index, str(value))
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
