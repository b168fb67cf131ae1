"""Browser journeys through the record screens: a supervisor filters flagged records, a regulator opens records
and the overdue list, an inspector finds and opens one record, a unit admin files a delay notice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import Account, Elevator, utcnow
from miniback.records.due import file_delay_notice
from miniback.registry.staff import create_org_node
from signoff.ledger.checkpoints import build_checkpoint
from signoff.operations import object_to, record_pushed, resolve_objection, sign
from tests.console.conftest import Desk, give_password
from tests.factories.records import complete_draft, north_of, submit
from tests.factories.registry import UnitWorld, auth, make_authority, make_elevator, make_staff, make_world
from tests.factories.signatures import signature
from tests.factories.signoff import today_shanghai

pytestmark = pytest.mark.slow


@dataclass
class RecordsWorld:
    world: UnitWorld
    walked: dict[str, Any]  # the inspector's record: every section filled, a full sign-off history
    far: dict[str, Any]  # flagged: checked out 350 m from the elevator
    short: dict[str, Any]  # flagged: 5 minutes on site
    outside: dict[str, Any]  # flagged, by a technician outside the supervisor's subtree
    plain: dict[str, Any]  # nothing flagged
    excused: Elevator  # overdue, with a delay notice
    unexcused: Elevator  # overdue, no notice


def _record(client: FlaskClient, tech: Account, elevator: Elevator, hours_ago: int, **kwargs: Any) -> dict[str, Any]:
    draft = complete_draft(client, tech, elevator, check_in_at=utcnow() - timedelta(hours=hours_ago), **kwargs)
    response = submit(client, tech, draft["id"])
    assert response.status_code == 201, response.json
    return response.json


def _walked_record(client: FlaskClient, world: UnitWorld, elevator: Elevator) -> dict[str, Any]:
    """A record with varied results, an added item, a hazard, a replaced part and remarks."""
    tech = world.tech1
    draft = complete_draft(client, tech, elevator, check_in_at=utcnow() - timedelta(hours=7), minutes=50)
    codes = [item["code"] for item in draft["items"]]
    results = [
        {"code": codes[0], "result": "adjusted", "remark": "门锁啮合长度调整至 7 mm"},
        {"code": codes[1], "result": "hazard", "note": "轿顶检修开关外壳破损"},
        {"code": codes[2], "result": "not_applicable", "note": "本梯无此装置"},
    ]
    headers = auth(tech)
    assert (
        client.put(f"/api/v1/drafts/{draft['id']}/results", json={"results": results}, headers=headers).status_code
        == 200
    )
    added = {"item": "机房通风检查", "requirement": "通风良好，温度不高于 40 ℃", "result": "normal"}
    assert client.post(f"/api/v1/drafts/{draft['id']}/items", json=added, headers=headers).status_code == 201
    update = {
        "remarks": "整体运行正常；已提醒物业更换轿顶检修开关。",
        "hazards": [{"description": "轿顶检修开关外壳破损", "action": "已通知物业，下次维保前更换"}],
        "replaced_parts": [{"name": "门机皮带", "model": "HTD-5M", "quantity": 1}],
        "second_technician_id": world.tech2.id,
    }
    assert client.patch(f"/api/v1/drafts/{draft['id']}", json=update, headers=headers).status_code == 200
    response = submit(client, tech, draft["id"])
    assert response.status_code == 201, response.json
    return response.json


def _full_signoff(record_id: int, world: UnitWorld) -> None:
    """Pushed, objected, resolved (which reopens a round), then signed."""
    now = utcnow()
    record_pushed(record_id, now=now)
    object_to(
        record_id,
        world.manager,
        "记录的更换配件与现场不符",
        now=now + timedelta(seconds=1),
        objection_period=timedelta(days=3),
    )
    resolve_objection(
        record_id,
        world.admin,
        "已与维保人员核对，配件记录无误",
        now=now + timedelta(seconds=2),
        min_window=timedelta(hours=2),
    )
    sign(record_id, world.manager, signature(3), now=now + timedelta(seconds=3))


def _seed(client: FlaskClient) -> RecordsWorld:
    world = make_world()
    # A team outside the supervisor's branch (company → 三组), with its own technician.
    team3 = create_org_node(world.unit.id, world.company, "三组")
    tech3 = make_staff(world.admin, "technician", team3, "王立新")
    elevators = [make_elevator(world.admin, world.use_unit) for _ in range(5)]
    db.session.commit()
    walked = _walked_record(client, world, world.elevators[0])
    records = RecordsWorld(
        world=world,
        walked=walked,
        far=_record(client, world.tech1, world.elevators[1], 5, check_out_where=north_of(350)),
        short=_record(client, world.tech2, elevators[0], 4, minutes=5),
        outside=_record(client, tech3, elevators[1], 3, check_out_where=north_of(400)),
        plain=_record(client, world.tech2, elevators[2], 2),
        excused=elevators[3],
        unexcused=elevators[4],
    )
    _full_signoff(walked["id"], world)
    # Two elevators registered a month ago and never maintained: overdue; a delay notice covers one of them.
    for elevator in (records.excused, records.unexcused):
        elevator.created_at = utcnow() - timedelta(days=30)
    today = today_shanghai()
    notice = {"cause": "area_lockdown", "starts_on": today - timedelta(days=5), "ends_on": today + timedelta(days=10)}
    file_delay_notice(world.admin, [records.excused], {**notice, "explanation": "小区封闭管理，维保人员无法进入"})
    db.session.commit()
    build_checkpoint()
    db.session.commit()
    return records


def _login(desk: Desk, username: str) -> None:
    desk.expect_failure(401, r"/api/v1/me$")  # the log-in page asks who is logged in: nobody yet
    desk.login(username)


def _whole_page_shot(desk: Desk, label: str) -> None:
    """The layout scrolls inside its main pane, so a long page is shot through a window as tall as the page."""
    page = desk.page
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.querySelector('.main').scrollHeight + 60")
    page.set_viewport_size({"width": 1440, "height": max(900, height)})
    desk.shot(label)
    page.set_viewport_size({"width": 1440, "height": 900})


def _choose(desk: Desk, field: str, option: str) -> None:
    desk.page.locator(".el-form-item", has_text=field).locator(".el-select").first.click()
    desk.page.get_by_role("option", name=option, exact=True).click()


def _rows(desk: Desk) -> Any:
    return desk.page.locator(".el-table__body-wrapper tbody tr")


def test_supervisor_filters_flagged_records_of_their_subtree(desk: Desk, client: FlaskClient):
    records = _seed(client)
    give_password(records.world.supervisor, "huang-supervisor")
    _login(desk, "huang-supervisor")
    desk.open("/records")
    page = desk.page
    page.get_by_role("heading", name="维保记录").wait_for()
    _rows(desk).first.wait_for()
    # Their subtree's four records (branch, team 1, team 2); team 3's is not theirs.
    assert _rows(desk).count() == 4
    desk.shot("records-all")

    # Pages by cursor: forward with the page's next_cursor, back along the kept ones.
    desk.open("/records?per_page=3")
    expect(_rows(desk)).to_have_count(3)
    first_page = _rows(desk).locator(".mono").all_inner_texts()
    assert page.get_by_role("button", name="上一页").is_disabled()
    page.get_by_role("button", name="下一页").click()
    page.wait_for_url(re.compile(r"pages=\d{4}-\d{2}-\d{2}\.\d+"))
    page.get_by_text("第 2 页").wait_for()
    expect(_rows(desk)).to_have_count(1)
    assert page.get_by_role("button", name="下一页").is_disabled()
    desk.shot("records-page-2")
    page.get_by_role("button", name="上一页").click()
    page.get_by_text("第 1 页").wait_for()
    expect(_rows(desk)).to_have_count(3)
    assert _rows(desk).locator(".mono").all_inner_texts() == first_page

    _choose(desk, "异常标记", "有标记")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"flagged=true"))
    expect(_rows(desk)).to_have_count(2)
    codes = _rows(desk).locator(".mono").all_inner_texts()
    far_code = records.world.elevators[1].device_code
    assert sorted(codes) == sorted([far_code, _device_code(records.short)])
    assert page.locator(".el-table__body-wrapper").get_by_text("位置不符").count() == 1
    assert page.locator(".el-table__body-wrapper").get_by_text("用时过短").count() == 1
    assert page.get_by_role("button", name="下一页").is_disabled()
    export = page.get_by_role("link", name="导出 Excel").get_attribute("href")
    assert export == "/api/v1/records/export.xlsx?flagged=true"
    desk.shot("records-flagged")

    _rows(desk).filter(has_text=far_code).get_by_role("link", name="查看").click()
    page.wait_for_url(re.compile(rf"/records/{records.far['id']}$"))
    page.get_by_text("签到或签退位置离电梯登记位置过远").wait_for()
    assert "签退 350 米" in page.locator(".flags").inner_text()
    _whole_page_shot(desk, "record-flagged-detail")

    # Back to the list keeps the filter (it lives in the URL).
    page.get_by_role("button", name="返回列表").click()
    page.wait_for_url(re.compile(r"/records\?flagged=true"))
    _rows(desk).first.wait_for()
    page.wait_for_load_state("networkidle")

    # A record outside the subtree is a 404, like an id that does not exist.
    desk.expect_failure(404, rf"/api/v1/records/{records.outside['id']}$")
    desk.open(f"/records/{records.outside['id']}")
    page.get_by_text("找不到该维保记录，或您无权查看").wait_for()
    desk.shot("record-foreign-404")


def _device_code(record: dict[str, Any]) -> str:
    elevator = db.session.get(Elevator, record["elevator_id"])
    assert elevator is not None and elevator.device_code
    return elevator.device_code


def test_regulator_opens_records_and_the_overdue_list(desk: Desk, client: FlaskClient):
    records = _seed(client)
    give_password(make_authority("regulator", "天河区"), "tianhe-regulator")
    _login(desk, "tianhe-regulator")
    desk.open("/records")
    page = desk.page
    _rows(desk).first.wait_for()
    # The district's five records, the unit's name in each row.
    assert _rows(desk).count() == 5
    assert page.locator(".el-table__body-wrapper").get_by_text(records.world.unit.name).count() == 5
    desk.shot("records")
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet: the table scrolls inside the page
    desk.shot("records-tablet")
    page.set_viewport_size({"width": 1440, "height": 900})

    _rows(desk).filter(has_text=_device_code(records.walked)).get_by_role("link", name="查看").click()
    page.get_by_text("签名确认经过").wait_for()
    page.locator(".signoff-timeline .el-timeline-item").nth(5).wait_for()
    _whole_page_shot(desk, "record-detail")

    desk.open("/overdue")
    _rows(desk).first.wait_for()
    assert _rows(desk).count() == 2
    excused = _rows(desk).filter(has_text=records.excused.device_code)
    assert "已说明（有延期说明）" in excused.inner_text()
    assert "未说明" in _rows(desk).filter(has_text=records.unexcused.device_code).inner_text()
    desk.shot("overdue")

    excused.get_by_role("link", name=re.compile(r"说明 #\d+")).click()
    page.get_by_text("小区封闭管理，维保人员无法进入").wait_for()
    assert records.excused.device_code in page.locator(".el-table").inner_text()
    desk.shot("delay-notice")


def test_inspector_finds_a_record_by_elevator_code_and_opens_it(desk: Desk, client: FlaskClient):
    records = _seed(client)
    give_password(make_authority("inspector"), "city-inspector")
    _login(desk, "city-inspector")
    desk.open("/records")
    page = desk.page
    _rows(desk).first.wait_for()
    page.get_by_placeholder("设备代码或注册代码").fill(_device_code(records.walked))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"device_code="))
    expect(_rows(desk)).to_have_count(1)
    desk.shot("search")

    _rows(desk).first.click()
    page.wait_for_url(re.compile(rf"/records/{records.walked['id']}$"))
    page.get_by_text("签名确认经过").wait_for()

    items = page.locator(".items").first
    assert "调整" in items.inner_text() and "有隐患" in items.inner_text() and "不适用" in items.inner_text()
    assert "机房通风检查" in page.get_by_text("增加的项目").locator("xpath=..").inner_text()
    assert page.get_by_text("门机皮带").is_visible()
    assert page.get_by_text("张伟明").first.is_visible() and page.get_by_text("李国强").first.is_visible()

    image = page.get_by_alt_text("维保人员签名")
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0

    timeline = page.locator(".signoff-timeline").inner_text()
    for line in ("维保记录已提交", "已推送给使用单位安全管理人员", "郑经理 提出异议", "记录的更换配件与现场不符"):
        assert line in timeline
    assert "处理了异议" in timeline and "重新开放签名确认" in timeline and "郑经理 签名确认" in timeline
    assert "系统默认签名确认" not in timeline

    page.get_by_text("核验通过").wait_for()
    assert "可独立验证" in page.locator(".explain").inner_text()
    # The record's PDF (维保记录单), opened with the console's own session.
    pdf_link = page.get_by_role("link", name="维保记录单 PDF")
    assert pdf_link.get_attribute("href") == f"/api/v1/records/{records.walked['id']}/pdf"
    pdf = page.request.get(desk.base + pdf_link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    _whole_page_shot(desk, "record")


def test_unit_admin_files_a_delay_notice_after_a_field_error(desk: Desk, client: FlaskClient):
    records = _seed(client)
    give_password(records.world.admin, "unit-admin")
    _login(desk, "unit-admin")
    desk.open("/overdue")
    page = desk.page
    _rows(desk).first.wait_for()
    _rows(desk).filter(has_text=records.unexcused.device_code).locator(".el-checkbox").click()
    page.get_by_role("button", name=re.compile("为所选电梯提交延期说明")).click()
    dialog = page.get_by_role("dialog", name="提交维保延期说明")
    dialog.wait_for()
    assert records.unexcused.device_code in dialog.locator(".el-select").first.inner_text()
    dialog.locator(".el-form-item", has_text="原因").locator(".el-select").click()
    page.get_by_role("option", name="应急管控", exact=True).click()
    today = today_shanghai()
    for label, day in (("开始日期", today - timedelta(days=2)), ("结束日期", today + timedelta(days=5))):
        field = dialog.get_by_placeholder(label)
        field.fill(day.isoformat())
        field.press("Enter")
    dialog.get_by_label("情况说明").fill("   ")

    desk.expect_failure(422, r"/api/v1/delay-notices$")
    dialog.get_by_role("button", name="提交").click()
    error = dialog.locator(".el-form-item", has_text="情况说明").locator(".el-form-item__error")
    error.wait_for()
    assert dialog.get_by_placeholder("开始日期").input_value() == (today - timedelta(days=2)).isoformat()
    desk.shot("field-error")
    page.locator(".el-message--error").wait_for(state="detached")

    dialog.get_by_label("情况说明").fill("台风“海燕”期间全市应急管控，停止户外及高空作业。")
    dialog.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/delay-notices/\d+$"))
    page.get_by_text("台风“海燕”期间全市应急管控").wait_for()
    assert "应急管控" in page.locator(".el-descriptions").inner_text()
    desk.shot("filed")

    desk.open("/overdue")
    row = _rows(desk).filter(has_text=records.unexcused.device_code)
    row.get_by_text("已说明（有延期说明）").wait_for()
    desk.shot("overdue-after")

    page.get_by_role("menuitem", name="维保延期说明").click()
    page.wait_for_url(re.compile(r"/delay-notices$"))
    page.locator(".notices").wait_for()
    expect(_rows(desk)).to_have_count(2)
    assert "台风“海燕”期间全市应急管控" in _rows(desk).first.inner_text()
    desk.shot("delay-notices")
