"""The spreadsheet exports: the records list's and the overdue list's own filters and scope, Chinese headers,
cells typed as what they are (dates as dates, text never a formula), and a row cap refused with a 422."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl
import pytest

import miniback.api.exports as exports
from miniback.extensions import db
from miniback.models import utcnow
from miniback.records.calendar import local_day
from miniback.records.due import record_maintenance_done
from tests.factories.records import complete_draft, submit, submitted_record
from tests.factories.registry import auth, make_authority, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(response):
    """The rows of the one worksheet (header first), after checking the file is what XlsxWriter's constant_memory
    mode writes: a real .xlsx (a zip) with inline strings, no shared-strings table held in memory."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "xl/worksheets/sheet1.xml" in archive.namelist()
    assert "xl/sharedStrings.xml" not in archive.namelist()
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    (worksheet,) = workbook.worksheets
    rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _listed(client, account, query=""):
    response = client.get(f"/api/v1/records?per_page=100{query}", headers=auth(account))
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


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


def test_records_export_holds_exactly_the_lists_rows_in_its_order(client, records):
    world, other, ids, foreign = records
    for account in (world.admin, world.supervisor, make_authority("regulator", "天河区"), make_authority("inspector")):
        response = client.get("/api/v1/records/export.xlsx", headers=auth(account))
        rows = _sheet(response)
        assert rows[0] == [column.header for column in exports.RECORD_COLUMNS]
        assert [row[0] for row in rows[1:]] == _listed(client, account), account.role
    own = _sheet(client.get("/api/v1/records/export.xlsx", headers=auth(world.admin)))
    assert {row[0] for row in own[1:]} == set(ids) and foreign not in {row[0] for row in own[1:]}
    other_district = _sheet(
        client.get("/api/v1/records/export.xlsx", headers=auth(make_authority("regulator", "越秀区")))
    )
    assert [row[0] for row in other_district[1:]] == [foreign]


def test_records_export_cells_read_as_people_expect(client, records):
    world, _, ids, _ = records
    response = client.get("/api/v1/records/export.xlsx", headers=auth(world.admin))
    assert (
        f"filename*=UTF-8''{quote('维保记录-' + local_day(utcnow()).isoformat() + '.xlsx')}"
        in (response.headers["Content-Disposition"])
    )
    header, *rows = _sheet(response)
    first = dict(zip(header, next(row for row in rows if row[0] == ids[0]), strict=True))
    assert first["维保类别"] == "半月维保" and first["电梯类型"] == "曳引与强制驱动电梯"
    assert first["设备代码"] == world.elevators[0].device_code and first["所在区"] == "天河区"
    assert first["维保单位"] == world.unit.name and first["使用单位"] == world.use_unit.name
    listed = client.get(f"/api/v1/records/{ids[0]}", headers=auth(world.admin)).json
    # The job ended hours ago: soon after midnight in Guangzhou that was yesterday, and the record is late.
    late = "是" if listed["late_upload"] else "否"
    assert first["维保人员"] == "张伟明" and first["签名确认"] == "待确认" and first["逾期上传"] == late
    assert isinstance(first["签到时间"], datetime) and isinstance(first["维保日期"], datetime)
    assert first["时长（分钟）"] == 40 and len(first["内容哈希（SHA-256）"]) == 64
    # Beijing time, as the people reading it expect (the API's own times are UTC).
    check_in = (datetime.fromisoformat(listed["check_in_at"]) + timedelta(hours=8)).replace(tzinfo=None)
    assert abs((first["签到时间"] - check_in).total_seconds()) < 1


def test_text_that_looks_like_a_formula_stays_text(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    remarks = '=HYPERLINK("http://evil.example","点击")'
    changed = client.patch(f"/api/v1/drafts/{draft['id']}", json={"remarks": remarks}, headers=auth(world.tech1))
    assert changed.status_code == 200
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    response = client.get("/api/v1/records/export.xlsx", headers=auth(world.admin))
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    cell = workbook.active.cell(row=2, column=[c.header for c in exports.RECORD_COLUMNS].index("备注") + 1)
    assert cell.value == remarks and cell.data_type == "s"


def test_records_export_takes_the_lists_filters(client, records):
    world, _, ids, _ = records
    headers = auth(world.admin)
    for query in (
        f"elevator_id={world.elevators[1].id}",
        f"device_code={world.elevators[0].device_code}",
        f"technician_id={world.tech2.id}",
        "signoff_state=pending",
        "flagged=true",
        "category=quarter",
    ):
        rows = _sheet(client.get(f"/api/v1/records/export.xlsx?{query}", headers=headers))
        assert [row[0] for row in rows[1:]] == _listed(client, world.admin, f"&{query}"), query
    empty = _sheet(client.get("/api/v1/records/export.xlsx?category=year", headers=headers))
    assert len(empty) == 1  # the header row alone


def test_records_export_refuses_bad_filters_other_roles_and_too_many_rows(client, records, monkeypatch):
    world, _, _, _ = records
    headers = auth(world.admin)
    for query, field in (
        ("category=weekly", "category"),
        ("date_from=2026-13-01", "date_from"),
        ("date_from=2026-05-02&date_to=2026-05-01", "date_to"),
        ("cursor=2026-05-01.9", "cursor"),  # the export has no pages
        ("per_page=10", "per_page"),
    ):
        response = client.get(f"/api/v1/records/export.xlsx?{query}", headers=headers)
        assert response.status_code == 422 and field in response.json["error"]["fields"], query
    for account in (world.tech1, world.manager):
        assert client.get("/api/v1/records/export.xlsx", headers=auth(account)).status_code == 403
    assert client.get("/api/v1/records/export.xlsx").status_code == 401
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    response = client.get("/api/v1/records/export.xlsx", headers=headers)
    assert response.status_code == 422 and response.json["error"]["code"] == "export_too_large"
    assert "超过 1 条" in response.json["error"]["message"]
    assert (
        client.get(f"/api/v1/records/export.xlsx?elevator_id={world.elevators[0].id}", headers=headers).status_code
        == 200
    )


def test_records_export_walks_every_page_of_the_list(client, records, monkeypatch):
    world, _, ids, _ = records
    original = exports.all_record_rows
    monkeypatch.setattr(exports, "all_record_rows", lambda *args: original(*args, chunk=1))
    rows = _sheet(client.get("/api/v1/records/export.xlsx", headers=auth(world.admin)))
    assert [row[0] for row in rows[1:]] == _listed(client, world.admin) and len(rows) == 3


def _age(elevator, days):
    elevator.created_at = utcnow() - timedelta(days=days)


def test_overdue_export_holds_the_overdue_lists_rows(client):
    world, other = make_world("天河区"), make_world("越秀区")
    for elevator in world.elevators + other.elevators:
        _age(elevator, 60)
    today = local_day(utcnow())
    record_maintenance_done(world.elevators[1].id, "half_month", today - timedelta(days=20))
    db.session.commit()
    notice = {
        "elevator_ids": [world.elevators[0].id],
        "cause": "area_lockdown",
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "explanation": "小区封闭",
    }
    notice_id = client.post("/api/v1/delay-notices", json=notice, headers=auth(world.admin)).json["id"]
    for account, query in ((world.admin, ""), (world.admin, "?excused=false"), (make_authority("regulator"), "")):
        listed = client.get(f"/api/v1/overdue{query}", headers=auth(account)).json["items"]
        header, *rows = _sheet(client.get(f"/api/v1/overdue/export.xlsx{query}", headers=auth(account)))
        assert header == [column.header for column in exports.OVERDUE_COLUMNS]
        assert [row[0] for row in rows] == [item["elevator_id"] for item in listed], (account.role, query)
        assert [row[9] for row in rows] == [item["days_overdue"] for item in listed]
    header, *rows = _sheet(client.get("/api/v1/overdue/export.xlsx", headers=auth(world.admin)))
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {e.id for e in world.elevators}  # nothing of the other unit
    excused = by_id[world.elevators[0].id]
    assert (excused["延期说明"], excused["延期说明编号"], excused["上次半月维保"]) == ("已说明", str(notice_id), None)
    late = by_id[world.elevators[1].id]
    assert late["延期说明"] == "未说明" and late["逾期天数"] == 5 and late["维保单位"] == world.unit.name
    assert late["上次半月维保"].date() == today - timedelta(days=20)


def test_overdue_export_refuses_bad_values_other_roles_and_too_many_rows(client, monkeypatch):
    world = make_world()
    for elevator in world.elevators:
        _age(elevator, 60)
    db.session.commit()
    headers = auth(world.admin)
    for query, field in (("as_of=yesterday", "as_of"), ("excused=maybe", "excused"), ("page=2", "page")):
        response = client.get(f"/api/v1/overdue/export.xlsx?{query}", headers=headers)
        assert response.status_code == 422 and field in response.json["error"]["fields"], query
    for account in (world.tech1, world.manager):
        assert client.get("/api/v1/overdue/export.xlsx", headers=auth(account)).status_code == 403
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    response = client.get("/api/v1/overdue/export.xlsx", headers=headers)
    assert response.status_code == 422 and response.json["error"]["code"] == "export_too_large"
