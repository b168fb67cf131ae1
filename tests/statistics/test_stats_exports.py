"""Statistics exports: the table and the drill-down as .xlsx (reopened with openpyxl) and .csv (BOM, Chinese
headers), each equal to the API's answer for the same parameters and scope; too large → 422 saying how to narrow;
the monitoring centre's monthly report (its sheets, from the route and from the CLI)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

import miniback.api.stats_exports as stats_exports
from miniback.extensions import db
from miniback.models import utcnow
from miniback.records.calendar import local_day
from miniback.statistics.rollup import rebuild
from tests.factories.records import submitted_record
from tests.factories.registry import auth, get_json, make_authority, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDICATORS = "elevators_in_use,on_time_rate,overdue_now,same_day_upload_rate,signed_rate,default_confirmed_rate"


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    sheets = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    workbook.close()
    return sheets


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.data.startswith(b"\xef\xbb\xbf") and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def city(client):
    """Two districts' units, elevators registered 60 days ago (so overdue ones exist), a record each today."""
    tianhe, yuexiu = make_world("天河区"), make_world("越秀区")
    for elevator in tianhe.elevators + yuexiu.elevators:
        elevator.created_at = utcnow() - timedelta(days=60)
    db.session.commit()
    start = utcnow() - timedelta(hours=3)
    submitted_record(client, tianhe.tech1, tianhe.elevators[0], check_in_at=start)
    submitted_record(client, yuexiu.tech1, yuexiu.elevators[0], check_in_at=start)
    rebuild(progress=None)
    db.session.commit()
    return tianhe, yuexiu


def _api_table(client, account, query):
    response = get_json(client, f"/api/v1/stats/table?{query}&limit=1000", account)
    assert response.status_code == 200, response.json
    return response.json


def _expected_lines(body, codes):
    """The API's table as the export's lines: label, then value (and numerator, denominator for rates)."""
    kinds = {item["code"]: item["kind"] for item in body["_indicators"]}

    def line(label, values):
        out = [label]
        for code in codes:
            figure = values[code]
            out.append(figure["value"])
            if kinds[code] in ("rate", "ratio"):
                out += [figure["numerator"], figure["denominator"]]
        return out

    return [line(row["label"], row["values"]) for row in body["rows"]] + (
        [line("合计", body["total"]["values"])] if body["group_by"] != "none" else []
    )


def _with_kinds(client, account, body):
    body["_indicators"] = get_json(client, "/api/v1/stats/indicators", account).json["items"]
    return body


def _numbers(rows):
    """Cells as numbers where they are (CSV has only text; xlsx whole numbers come back as int or float)."""

    def cell(value):
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return value

    return [[cell(value) for value in row] for row in rows]


@pytest.mark.parametrize("group_by", ["district", "maintenance_unit", "none"])
def test_table_export_holds_the_apis_table_in_xlsx_and_csv(client, city, group_by):
    regulator = make_authority("regulator")
    query = f"indicators={INDICATORS}&group_by={group_by}"
    body = _with_kinds(client, regulator, _api_table(client, regulator, query))
    codes = INDICATORS.split(",")
    expected = _expected_lines(body, codes)
    sheets = _workbook(client.get(f"/api/v1/exports/stats/table.xlsx?{query}", headers=auth(regulator)))
    (rows,) = sheets.values()
    header, *lines = rows
    assert header[0] == stats_exports.GROUP_NAMES[group_by]
    assert "按时维保率（%）" in header and "按时维保率（分子）" in header and "在用电梯数（台）" in header
    assert _numbers(lines) == _numbers(expected)
    csv_header, *csv_lines = _csv(client.get(f"/api/v1/exports/stats/table.csv?{query}", headers=auth(regulator)))
    assert csv_header == header and _numbers(csv_lines) == _numbers(expected)
    if group_by == "maintenance_unit":
        assert {line[0] for line in lines[:-1]} == {city[0].unit.name, city[1].unit.name}
    if group_by == "district":
        assert len(lines) == 12 and lines[-1][0] == "合计"


def test_table_export_is_scoped_like_the_api(client, city):
    tianhe, yuexiu = city
    query = f"indicators={INDICATORS}&group_by=maintenance_unit"
    district = make_authority("regulator", "天河区")
    rows = _workbook(client.get(f"/api/v1/exports/stats/table.xlsx?{query}", headers=auth(district)))["统计表"]
    assert [row[0] for row in rows[1:]] == [tianhe.unit.name, "合计"]
    assert _numbers(rows[1:]) == _numbers(
        _expected_lines(_with_kinds(client, district, _api_table(client, district, query)), INDICATORS.split(","))
    )
    for path in ("table.xlsx", "table.csv"):
        other = client.get(f"/api/v1/exports/stats/{path}?{query}&district=越秀区", headers=auth(district))
        assert other.status_code == 404, other.json
        unit = client.get(
            f"/api/v1/exports/stats/{path}?{query}&maintenance_unit_id={yuexiu.unit.id}", headers=auth(district)
        )
        assert unit.status_code == 404
    own = _workbook(client.get(f"/api/v1/exports/stats/table.xlsx?{query}", headers=auth(tianhe.admin)))["统计表"]
    assert [row[0] for row in own[1:]] == [tianhe.unit.name, "合计"]
    for account in (make_authority("inspector"), tianhe.uu_admin, tianhe.tech1):
        assert client.get(f"/api/v1/exports/stats/table.xlsx?{query}", headers=auth(account)).status_code == 403
    assert client.get(f"/api/v1/exports/stats/table.csv?{query}").status_code == 401


def test_table_export_refuses_bad_input_and_too_many_rows(client, city, monkeypatch):
    regulator = make_authority("regulator")
    headers = auth(regulator)
    for query in (
        "indicators=no_such_thing",
        f"indicators={INDICATORS}&district=纽约区",
        f"indicators={INDICATORS}&from=2026-05-02&to=2026-05-01",
        f"indicators={INDICATORS}&group_by=weekly",
    ):
        api = get_json(client, f"/api/v1/stats/table?{query}", regulator)
        assert 400 <= api.status_code < 500, query
        for path in ("table.xlsx", "table.csv"):
            response = client.get(f"/api/v1/exports/stats/{path}?{query}", headers=headers)
            assert (response.status_code, response.json) == (api.status_code, api.json), query
    paged = client.get(f"/api/v1/exports/stats/table.xlsx?indicators={INDICATORS}&cursor=100", headers=headers)
    assert paged.status_code == 422 and "cursor" in paged.json["error"]["fields"]  # an export has no pages
    monkeypatch.setattr(stats_exports, "MAX_EXPORT_ROWS", 5)
    response = client.get(f"/api/v1/exports/stats/table.csv?indicators={INDICATORS}&group_by=district", headers=headers)
    assert response.status_code == 422 and response.json["error"]["code"] == "export_too_large"
    assert "超过 5 条" in response.json["error"]["message"] and "缩短统计区间" in response.json["error"]["message"]
    narrowed = f"indicators={INDICATORS}&group_by=district&district=天河区"
    assert client.get(f"/api/v1/exports/stats/table.csv?{narrowed}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("indicator", "part"),
    [("elevators_in_use", "numerator"), ("same_day_upload_rate", "denominator"), ("overdue_now", "numerator")],
)
def test_drill_export_lists_exactly_the_apis_drill(client, city, indicator, part):
    regulator = make_authority("regulator")
    query = f"indicator={indicator}&part={part}"
    api = get_json(client, f"/api/v1/stats/drill?{query}&limit=500", regulator).json
    assert api["total"] > 0
    (rows,) = _workbook(client.get(f"/api/v1/exports/stats/drill.xlsx?{query}", headers=auth(regulator))).values()
    assert [int(row[0]) for row in rows[1:]] == [item["id"] for item in api["items"]]
    csv_rows = _csv(client.get(f"/api/v1/exports/stats/drill.csv?{query}", headers=auth(regulator)))
    assert csv_rows[0] == rows[0] and [int(row[0]) for row in csv_rows[1:]] == [item["id"] for item in api["items"]]
    named = dict(zip(rows[0], rows[1], strict=True))
    assert named["维保单位"] in {city[0].unit.name, city[1].unit.name}


def test_drill_export_is_scoped_and_refuses_too_many_rows(client, city, monkeypatch):
    tianhe, _ = city
    district = make_authority("regulator", "天河区")
    query = "indicator=elevators_in_use&part=numerator"
    rows = _csv(client.get(f"/api/v1/exports/stats/drill.csv?{query}", headers=auth(district)))
    assert {int(row[0]) for row in rows[1:]} == {e.id for e in tianhe.elevators}
    assert (
        client.get(f"/api/v1/exports/stats/drill.csv?{query}&district=越秀区", headers=auth(district)).status_code
        == 404
    )
    monkeypatch.setattr(stats_exports, "MAX_EXPORT_ROWS", 1)
    response = client.get(f"/api/v1/exports/stats/drill.xlsx?{query}", headers=auth(district))
    assert response.status_code == 422 and response.json["error"]["code"] == "export_too_large"
    assert f"（{len(tianhe.elevators)} 条）" in response.json["error"]["message"]


def _month() -> str:
    return local_day(utcnow()).strftime("%Y-%m")


def _check_report(client, sheets, regulator):
    assert list(sheets) == ["说明", "按辖区", "按维保单位", "超期未维保电梯"]
    by_district = sheets["按辖区"]
    assert by_district[0][0] == "辖区" and len(by_district) == 1 + 11 + 1
    codes = [code for code in stats_exports.REPORT_INDICATORS]
    indicators = {item["code"]: item for item in get_json(client, "/api/v1/stats/indicators", regulator).json["items"]}
    used = [
        code
        for code in codes
        if code in indicators and any(code in str(h) or indicators[code]["name"] in str(h) for h in by_district[0])
    ]
    body = _with_kinds(
        client, regulator, _api_table(client, regulator, f"indicators={','.join(used)}&group_by=district")
    )
    assert _numbers(by_district[1:]) == _numbers(_expected_lines(body, used))
    overdue = get_json(client, "/api/v1/stats/drill?indicator=overdue_unexcused&part=numerator&limit=500", regulator)
    listed = sorted(row[0] for row in sheets["超期未维保电梯"][1:])
    assert listed == sorted(item["id"] for item in overdue.json["items"]) and listed


def test_monthly_report_has_the_city_by_district_by_unit_and_the_overdue_list(client, city):
    regulator = make_authority("regulator")
    response = client.get(f"/api/v1/exports/monthly-report?month={_month()}", headers=auth(regulator))
    sheets = _workbook(response)
    _check_report(client, sheets, regulator)
    assert {row[0] for row in sheets["按维保单位"][1:-1]} == {city[0].unit.name, city[1].unit.name}
    for month, status in (("2026-13", 422), ("next", 422), (f"{local_day(utcnow()).year + 1}-01", 400)):
        answer = client.get(f"/api/v1/exports/monthly-report?month={month}", headers=auth(regulator))
        assert answer.status_code == status and "month" in answer.json["error"]["fields"], (month, answer.json)
    for account in (city[0].admin, make_authority("inspector")):
        assert client.get(f"/api/v1/exports/monthly-report?month={_month()}", headers=auth(account)).status_code == 403
    district = make_authority("regulator", "天河区")
    mine = _workbook(client.get(f"/api/v1/exports/monthly-report?month={_month()}", headers=auth(district)))
    assert [row[0] for row in mine["按辖区"][1:]] == ["天河区", "合计"]
    assert {row[5] for row in mine["超期未维保电梯"][1:]} <= {"天河区"}


def test_monthly_report_cli_writes_the_same_workbook_with_progress(app, client, city, tmp_path):
    out = tmp_path / "report.xlsx"
    result = app.test_cli_runner().invoke(args=["stats", "monthly-report", "--month", _month(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "按辖区" in result.output and "超期未维保电梯" in result.output and str(out) in result.output
    workbook = openpyxl.load_workbook(out, read_only=True)
    sheets = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    workbook.close()
    _check_report(client, sheets, make_authority("regulator"))
    bad = app.test_cli_runner().invoke(args=["stats", "monthly-report", "--month", "2026-1", "--out", str(out)])
    assert bad.exit_code == 1 and "月份" in bad.output
