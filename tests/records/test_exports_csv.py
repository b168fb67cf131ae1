"""The records list as CSV: UTF-8 with a BOM (Excel reads the Chinese right), the same columns, cells and rows as
the .xlsx export (so the same scope and filters), text that looks like a formula kept as text, the row cap."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl
import pytest

import miniback.api.exports as exports
import miniback.api.spreadsheet as spreadsheet
from miniback.models import utcnow
from miniback.records.calendar import local_day
from tests.factories.records import complete_draft, submit, submitted_record
from tests.factories.registry import auth, make_authority, make_world

URL = "/api/v1/exports/records.csv"


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def _xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


@pytest.fixture
def records(client):
    world, other = make_world("天河区"), make_world("越秀区")
    start = utcnow() - timedelta(hours=6)
    ids = [
        submitted_record(client, world.tech1, world.elevators[0], check_in_at=start)["id"],
        submitted_record(client, world.tech2, world.elevators[1], check_in_at=start + timedelta(hours=1))["id"],
    ]
    foreign = submitted_record(client, other.tech1, other.elevators[0], check_in_at=start)["id"]
    return world, other, ids, foreign


def test_records_csv_has_a_bom_chinese_headers_and_the_xlsx_exports_cells(client, records):
    world, _, ids, _ = records
    response = client.get(URL, headers=auth(world.admin))
    header, *rows = _csv(response)
    assert header == [column.header for column in exports.RECORD_COLUMNS]
    name = quote("维保记录-" + local_day(utcnow()).isoformat() + ".csv")
    assert f"filename*=UTF-8''{name}" in response.headers["Content-Disposition"]
    workbook = _xlsx(client.get("/api/v1/records/export.xlsx", headers=auth(world.admin)))
    as_text = [[_as_text(value) for value in row] for row in workbook[1:]]
    # Numbers print alike except the xlsx's whole floats ("40" there, "40.0" in the CSV): compare them as numbers.
    numeric = [i for i, column in enumerate(exports.RECORD_COLUMNS) if column.kind == "number"]
    for csv_row, xlsx_row in zip([list(row) for row in rows], as_text, strict=True):
        for index in numeric:
            assert float(csv_row[index] or 0) == float(xlsx_row[index] or 0)
            csv_row[index] = xlsx_row[index] = ""
        assert csv_row == xlsx_row
    first = dict(zip(header, rows[[int(row[0]) for row in rows].index(ids[0])], strict=True))
    assert first["维保单位"] == world.unit.name and first["使用单位"] == world.use_unit.name
    assert first["所在区"] == "天河区" and first["签名确认"] == "待确认" and first["维保类别"] == "半月维保"


def test_records_csv_holds_each_roles_scope_and_the_lists_filters(client, records):
    world, other, ids, foreign = records
    for account, expected in (
        (world.admin, set(ids)),
        (make_authority("regulator", "天河区"), set(ids)),
        (make_authority("regulator", "越秀区"), {foreign}),
        (make_authority("inspector"), {*ids, foreign}),
    ):
        rows = _csv(client.get(URL, headers=auth(account)))[1:]
        assert {int(row[0]) for row in rows} == expected, account.role
    rows = _csv(client.get(f"{URL}?elevator_id={world.elevators[1].id}", headers=auth(world.admin)))[1:]
    assert [int(row[0]) for row in rows] == [ids[1]]
    for account in (world.tech1, world.manager):
        assert client.get(URL, headers=auth(account)).status_code == 403
    assert client.get(URL).status_code == 401


def test_records_csv_keeps_a_formula_as_text(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    remarks = '=HYPERLINK("http://evil.example","点击")'
    assert client.patch(f"/api/v1/drafts/{draft['id']}", json={"remarks": remarks}, headers=auth(world.tech1))
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    header, row = _csv(client.get(URL, headers=auth(world.admin)))
    assert row[header.index("备注")] == "'" + remarks


def test_records_csv_streams_in_batches_and_refuses_too_many_rows(client, records, monkeypatch):
    world, _, ids, _ = records
    monkeypatch.setattr(spreadsheet, "CSV_BATCH_ROWS", 1)
    response = client.get(URL, headers=auth(world.admin), buffered=False)
    assert response.status_code == 200 and response.is_streamed
    chunks = list(response.response)
    response.close()
    assert len(chunks) == 1 + len(ids)  # the header, then one chunk per row
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    response = client.get(URL, headers=auth(world.admin))
    assert response.status_code == 422 and response.json["error"]["code"] == "export_too_large"
    assert "请缩小筛选范围" in response.json["error"]["message"]
    assert client.get(f"{URL}?date_from=2026-05-02&date_to=2026-05-01", headers=auth(world.admin)).status_code == 422
