"""Journey: the statistics screens. A city regulator reads this city's October on the home figures and the
statistics area (table by district, by unit, series, rankings), narrows to one district, opens the elevators behind
an overdue figure and one elevator's own screen; a district regulator sees only their district; a maintenance unit
admin sees their own unit's figures as the regulator does, without rankings; an inspector has no statistics. Every
figure on the screens is the API's (the journey reads the API beside the page)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import Account
from miniback.statistics.rollup import rebuild
from tests.console.conftest import Desk, give_password
from tests.factories.registry import UnitWorld, get_json, make_authority, make_world
from tests.factories.statistics import add_notice, add_record, registered_on

pytestmark = pytest.mark.slow

D = date(2026, 10, 1)
MONTH = "2026-10"
PERIOD = "from=2026-10-01&to=2026-10-31"


def _city() -> tuple[UnitWorld, UnitWorld]:
    """October 2026. 天河区 (unit A): one elevator maintained every 14 days, one whose 18-day interval left it
    overdue two days (unexcused). 海珠区 (unit B): one elevator late but excused by a delay notice, one never
    maintained after 1 Oct (overdue from 17 Oct, unexcused). Sign-off: signed, default-confirmed, objected."""
    tianhe, haizhu = make_world("天河区"), make_world("海珠区")
    for world in (tianhe, haizhu):
        for elevator in world.elevators:
            registered_on(elevator, D - timedelta(days=5))
    steady, late = tianhe.elevators
    for offset, state in ((0, "signed"), (14, "signed"), (28, "default_confirmed")):
        add_record(steady, D + timedelta(days=offset), tianhe.tech1.id, state=state)
    add_record(late, D, tianhe.tech1.id, state="signed")
    add_record(late, D + timedelta(days=18), tianhe.tech1.id, state="default_confirmed", late_upload=True)
    excused, neglected = haizhu.elevators
    add_record(excused, D + timedelta(days=1), haizhu.tech1.id, state="signed")
    add_record(excused, D + timedelta(days=20), haizhu.tech1.id, state="pending", objected=True)
    add_notice(haizhu.unit.id, haizhu.admin.id, [excused], D + timedelta(days=15), D + timedelta(days=22))
    add_record(neglected, D, haizhu.tech1.id, state="default_confirmed", flags=("distance",))
    db.session.commit()
    rebuild()
    return tianhe, haizhu


def _api(client: FlaskClient, account: Account, path: str) -> Any:
    response = get_json(client, "/api/v1/stats/" + path, account)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _figures(desk: Desk) -> dict[str, str]:
    cards = desk.page.locator("[data-figure]")
    return {
        card.get_attribute("data-figure"): re.sub(r"\s+", "", card.locator(".value").inner_text())
        for card in cards.all()
    }


def _cell(desk: Desk, row: str, code: str) -> str:
    return re.sub(r"\s+", "", desk.page.locator(f"[data-cell='{row}:{code}'] .value").first.inner_text())


def _written(value: float | None, kind: str) -> str:
    """How the console writes the API's figure (rates are per cent already)."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(f'{value:.1f}'):g}%"
    return f"{value:g}"


def _download(desk: Desk, selector: str, magic: bytes) -> str:
    """Fetch an export link of the page with the page's own session; the text of its cells (xlsx) or the file."""
    href = desk.page.locator(selector).get_attribute("href")
    answer = desk.page.request.get(desk.base + href)
    assert answer.status == 200, (href, answer.status, answer.text()[:300])
    body = answer.body()
    assert body.startswith(magic), (href, body[:20])
    if magic != b"PK":
        return body.decode("utf-8-sig")
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    workbook.close()
    return "\n".join(cells)


def _ready(desk: Desk) -> None:
    desk.page.wait_for_selector("[data-charts-ready]", state="attached")
    desk.page.wait_for_load_state("networkidle")


def _visitor(desk: Desk) -> None:
    desk.expect_failure(401, r"/api/v1/me$")


def test_a_city_regulator_reads_the_statistics_narrows_and_drills_down(app: Flask, desk: Desk, client: FlaskClient):
    tianhe, _haizhu = _city()
    city = give_password(make_authority("regulator"), "city-regulator")
    _visitor(desk)
    page = desk.page
    indicators = {item["code"]: item for item in _api(client, city, "indicators")["items"]}

    # The home: this month's figures (nothing happened this month: counts, and dashes where nothing can be divided).
    desk.login(city.username)
    _ready(desk)
    assert page.get_by_role("heading", name="全市监管概览").is_visible()
    figures = _figures(desk)
    assert figures["elevators_in_use"] == "4台"
    assert set(figures) >= {"overdue_now", "overdue_unexcused", "on_time_rate", "signed_rate", "default_confirmed_rate"}
    assert page.locator("[data-figure=signed_rate]").is_visible()
    assert page.locator("[data-figure=default_confirmed_rate]").is_visible()  # side by side, never merged
    desk.shot("home")

    # The statistics area for October, by district.
    page.locator("[data-open-statistics]").click()
    page.wait_for_url(re.compile(r"/console/statistics"))
    desk.open(f"/statistics?month={MONTH}")
    _ready(desk)
    assert page.get_by_role("heading", name="全市统计分析").is_visible()
    expect(page.locator("[data-scope]")).to_contain_text("2026 年 10 月")
    codes = [
        "on_time_rate",
        "overdue_unexcused",
        "overdue_excused",
        "signed_rate",
        "default_confirmed_rate",
        "same_day_upload_rate",
    ]
    table = _api(client, city, f"table?indicators={','.join(codes)}&group_by=district&{PERIOD}")
    by_district = {row["key"]: row for row in table["rows"]}
    for code in codes:
        kind = indicators[code]["kind"]
        assert _cell(desk, "total", code) == _written(table["total"]["values"][code]["value"], kind), code
        for district in ("天河区", "海珠区"):
            expected = _written(by_district[district]["values"][code]["value"], kind)
            assert _cell(desk, district, code) == expected, (district, code)
    # The figures themselves, by hand: 2 of 4 intervals on time (14, 14; 18 and 19 days late); two elevators overdue
    # without a notice, one excused by its notice.
    assert _cell(desk, "total", "on_time_rate") == "50%"
    assert _cell(desk, "total", "overdue_unexcused") == "2"
    assert _cell(desk, "total", "overdue_excused") == "1"
    assert _cell(desk, "天河区", "overdue_unexcused") == "1"
    # A column says its definition (the API's words) when hovered.
    page.locator("[data-head=on_time_rate]").hover()
    expect(page.get_by_role("tooltip")).to_contain_text(indicators["on_time_rate"]["definition"][:20])
    # Rankings: the units by unexcused overdue elevators, and by default-confirmation share.
    ranking = _api(client, city, f"ranking?indicator=overdue_unexcused&by=maintenance_unit&order=desc&{PERIOD}")
    ranked = page.locator("[data-ranking=overdue_unexcused] [data-rank]")
    assert [item.get_attribute("data-rank") for item in ranked.all()] == [row["key"] for row in ranking["rows"]]
    assert page.locator("[data-ranking=default_confirmed_rate] [data-rank]").count() == 2
    # The export buttons carry the table's own parameters to the export routes.
    href = page.locator("[data-export=table] [data-export-format=xlsx]").get_attribute("href")
    assert urlparse(href).path == "/api/v1/exports/stats/table.xlsx"
    assert parse_qs(urlparse(href).query)["group_by"] == ["district"]
    assert parse_qs(urlparse(href).query)["from"] == ["2026-10-01"]
    # The links download with the console's session: the same figures as the screen, in Excel and in CSV.
    workbook = _download(desk, "[data-export=table] [data-export-format=xlsx]", b"PK")
    assert "天河区" in workbook and "海珠区" in workbook and "按时维保率" in workbook, workbook
    csv_text = _download(desk, "[data-export=table] [data-export-format=csv]", "\ufeff".encode())
    assert "天河区" in csv_text and "按时维保率" in csv_text
    report = _download(desk, "[data-export=monthly-report]", b"PK")
    assert "电梯维保监测月报" in report and "海珠区" in report
    desk.shot("city-table")

    # By source: the record figures per route (the API has no elevator figures by platform, so none is asked for);
    # a median opens the records it is the median of.
    page.get_by_role("radio", name="按来源").click(force=True)
    page.wait_for_url(re.compile(r"group_by=platform"))
    _ready(desk)
    signed_rate = table["total"]["values"]["signed_rate"]["value"]
    assert _cell(desk, "miniprogram", "signed_rate") == _written(signed_rate, "rate")
    assert page.locator("[data-head=overdue_now]").count() == 0
    desk.shot("by-source")
    desk.open(f"/statistics/drill?indicator=median_sign_minutes&part=denominator&month={MONTH}")
    page.wait_for_selector("[data-drill-total]")
    signed = _api(client, city, f"table?indicators=median_sign_minutes&{PERIOD}")["total"]["values"]
    expect(page.locator("[data-drill-total]")).to_have_text(f"共 {signed['median_sign_minutes']['denominator']} 条记录")
    assert page.get_by_role("radio", name="分子").count() == 0  # a median has no numerator to list
    desk.open(f"/statistics?month={MONTH}")
    _ready(desk)

    # By maintenance unit, then narrowed to 天河区 (its units, a crumb to widen again).
    page.get_by_role("radio", name="按维保单位").click(force=True)
    page.wait_for_url(re.compile(r"group_by=maintenance_unit"))
    _ready(desk)
    assert _cell(desk, str(tianhe.unit.id), "overdue_unexcused") == "1"
    page.get_by_role("radio", name="按区").click(force=True)
    page.wait_for_url(re.compile(r"group_by=district"))
    _ready(desk)
    page.locator("[data-row='天河区']").click()
    page.wait_for_url(re.compile(r"district="))
    _ready(desk)
    expect(page.locator("[data-crumbs]")).to_contain_text("天河区")
    assert _cell(desk, "total", "overdue_unexcused") == "1"
    desk.shot("narrowed-to-tianhe")

    # "1 overdue" opens that one elevator, and the elevator opens on its own screen.
    page.locator("[data-cell='total:overdue_unexcused']").click()
    page.wait_for_url(re.compile(r"/console/statistics/drill"))
    page.wait_for_selector("[data-drill-total]")
    drill = _api(client, city, f"drill?indicator=overdue_unexcused&district=天河区&{PERIOD}")
    expect(page.locator("[data-drill-total]")).to_have_text(f"共 {drill['total']} 台电梯")
    assert [item.get_attribute("data-item") for item in page.locator("[data-item]").all()] == [
        str(item["id"]) for item in drill["items"]
    ]
    expect(page.locator("[data-definition]")).to_have_text(indicators["overdue_unexcused"]["definition"])
    exported = _download(desk, "[data-export=drill] [data-export-format=xlsx]", b"PK")
    assert tianhe.elevators[1].device_code in exported, exported
    desk.shot("drill-overdue")
    page.locator("[data-item]").first.click()
    page.wait_for_url(re.compile(rf"/console/elevators/{tianhe.elevators[1].id}$"))
    page.wait_for_load_state("networkidle")
    desk.shot("elevator-behind-the-figure")

    # A rate's numerator lists records: those closing the two on-time intervals; its denominator, all four.
    desk.open(f"/statistics/drill?indicator=on_time_rate&part=numerator&month={MONTH}")
    page.wait_for_selector("[data-drill-total]")
    expect(page.locator("[data-drill-total]")).to_have_text("共 2 条记录")
    page.get_by_role("radio", name="分母").click(force=True)
    page.wait_for_url(re.compile(r"part=denominator"))
    page.wait_for_selector("[data-drill-total]")
    denominator = _api(client, city, f"drill?indicator=on_time_rate&part=denominator&{PERIOD}")["total"]
    expect(page.locator("[data-drill-total]")).to_have_text(f"共 {denominator} 条记录")
    desk.shot("drill-records")


def test_district_regulator_unit_admin_and_inspector_each_see_their_own(app: Flask, desk: Desk, client: FlaskClient):
    tianhe, _haizhu = _city()
    district = give_password(make_authority("regulator", "天河区"), "tianhe-regulator")
    admin = give_password(tianhe.admin, "tianhe-admin")
    inspector = give_password(make_authority("inspector"), "inspector")
    _visitor(desk)
    page = desk.page

    desk.login(district.username)
    _ready(desk)
    assert page.get_by_role("heading", name="天河区监管概览").is_visible()
    assert _figures(desk)["elevators_in_use"] == "2台"
    desk.open(f"/statistics?month={MONTH}")
    _ready(desk)
    assert page.get_by_role("heading", name="天河区统计分析").is_visible()
    assert page.get_by_role("radio", name="按区").count() == 0  # one district: no grouping by district
    assert _cell(desk, "total", "overdue_unexcused") == "1"
    assert _cell(desk, "total", "overdue_excused") == "0"
    assert page.locator("[data-ranking]").count() == 2
    desk.shot("district-table")

    # The unit admin: their own unit's figures, the same as the regulator reads for that unit; no rankings.
    desk.login(admin.username)
    desk.open(f"/statistics?month={MONTH}")
    _ready(desk)
    assert page.get_by_role("heading", name="本单位统计（监管部门所见）").is_visible()
    city = make_authority("regulator")
    seen = _api(
        client, city, f"table?indicators=on_time_rate,overdue_unexcused&maintenance_unit_id={tianhe.unit.id}&{PERIOD}"
    )["total"]["values"]
    assert _cell(desk, "total", "on_time_rate") == _written(seen["on_time_rate"]["value"], "rate") == "66.7%"
    assert _cell(desk, "total", "overdue_unexcused") == "1"
    assert page.locator("[data-ranking]").count() == 0
    desk.shot("unit-admin-own-figures")

    # The inspector: records, not rankings — no statistics menu, and the screen is a 404 like a foreign id.
    desk.login(inspector.username)
    page.wait_for_load_state("networkidle")
    assert page.locator(".aside").get_by_text("统计分析").count() == 0
    desk.open("/statistics")
    expect(page.get_by_text("页面不存在").first).to_be_visible()
    desk.shot("inspector-no-statistics")
