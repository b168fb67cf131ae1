"""Journeys through the elevator screens: the unit admin registers (after one field error), sees the label and
prints the unit's A4 sheet; an inspector finds an elevator by its code; a regulator of another district gets 404."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import Elevator
from tests.console.conftest import Desk, give_password
from tests.factories.registry import make_authority, make_world

pytestmark = pytest.mark.slow

DEVICE_CODE = "31104401012026000777"


def pick(desk: Desk, select_label: str, option: str) -> None:
    """Choose an option of an Element Plus select (its options live in a popper at the end of the page)."""
    desk.page.locator(".el-select", has=desk.page.get_by_role("combobox", name=select_label)).click()
    desk.page.get_by_role("option", name=option, exact=True).click()


def detail_loaded(desk: Desk) -> None:
    """The detail page loads its parts after the elevator itself: wait for the due dates and the location (an
    app's own navigations do not reset Playwright's network-idle state)."""
    page = desk.page
    expect(page.get_by_role("cell", name="半月", exact=True)).to_be_visible()
    no_location = page.get_by_text("尚无位置：维保人员首次现场确认时记录")
    expect(no_location.or_(page.get_by_role("link", name="在高德地图中查看（新窗口）"))).to_be_visible()


def label_image_loaded(desk: Desk) -> None:
    image = desk.page.locator("img.label-png")
    expect(image).to_be_visible()
    desk.page.wait_for_function("() => { const i = document.querySelector('img.label-png'); return i && i.complete }")
    assert image.evaluate("image => image.naturalWidth") > 0


def test_unit_admin_registers_an_elevator_and_prints_the_units_labels(desk: Desk, tmp_path: Path):
    world = make_world("天河区")
    give_password(world.admin, "tianhe-admin")
    desk.login("tianhe-admin")
    page = desk.page

    desk.open("/elevators")
    expect(page.get_by_role("cell", name=world.elevators[0].device_code)).to_be_visible()
    desk.shot("list")

    page.get_by_role("button", name="登记电梯").click()
    expect(page.get_by_role("heading", name="登记电梯")).to_be_visible()
    page.get_by_label("设备代码").fill(DEVICE_CODE)
    page.get_by_label("使用登记证编号").fill("梯11粤A20777(26)")
    page.get_by_label("应急救援识别码").fill("12")  # too short: the API answers a field error
    pick(desk, "梯型", "曳引与强制驱动电梯")
    page.get_by_label("制造单位（品牌）").fill("广州日立")
    page.get_by_label("额定载重量（kg）").fill("1000")
    page.get_by_label("额定速度（m/s）").fill("1.75")
    page.get_by_label("层站数").fill("18")
    page.get_by_label("安装地址").fill("广州市天河区体育西路 191 号<script>alert(1)</script>")
    pick(desk, "所在区", "天河区")
    page.get_by_label("楼内位置（梯号）").fill("B 座 2 号梯")
    page.get_by_label("使用单位信用代码").fill(world.use_unit.credit_code)
    desk.expect_failure(422, r"/api/v1/elevators$")
    page.get_by_role("button", name="登记", exact=True).click()
    rescue_item = page.locator(".el-form-item", has=page.get_by_label("应急救援识别码"))
    expect(rescue_item.locator(".el-form-item__error")).to_have_text("格式不正确")
    assert page.get_by_label("设备代码").input_value() == DEVICE_CODE  # what was typed is kept
    desk.shot("register-field-error")

    page.get_by_label("应急救援识别码").fill("44010777")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/console/elevators/\d+\?registered=new"))
    expect(page.get_by_text("已登记新电梯", exact=True)).to_be_visible()
    expect(page.get_by_text("广州市天河区体育西路 191 号<script>alert(1)</script>")).to_be_visible()
    expect(page.get_by_text(world.use_unit.name)).to_be_visible()
    detail_loaded(desk)
    label_image_loaded(desk)
    expect(page.get_by_role("link", name="下载标签 PNG")).to_have_attribute("href", re.compile(r"/label\.png$"))
    expect(page.get_by_role("link", name="二维码 SVG")).to_have_attribute("href", re.compile(r"/qr\.svg$"))
    expect(page.get_by_role("link", name="小程序码")).to_have_attribute("href", re.compile(r"/wxacode\.png$"))
    expect(page.get_by_role("link", name="维保记录")).to_have_attribute(
        "href", re.compile(r"/console/records\?elevator_id=\d+$")
    )
    desk.shot("detail-registered")
    db.session.commit()  # a new transaction: see what the browser's requests wrote
    elevator = db.session.execute(db.select(Elevator).where(Elevator.device_code == DEVICE_CODE)).scalar_one()
    assert elevator.rescue_code == "44010777" and elevator.stops == 18

    # The admin corrects the location: the map link is AMap's marker URI, in GCJ-02.
    page.get_by_role("button", name="更正位置").click()
    page.get_by_label("纬度").fill("23.1375")
    page.get_by_label("经度").fill("113.3212")
    page.get_by_role("button", name="保存位置").click()
    map_link = page.get_by_role("link", name="在高德地图中查看（新窗口）")
    expect(map_link).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/marker\?position=113\.3212,23\.1375&name=.+&coordinate=gaode")
    )
    expect(map_link).to_have_attribute("target", "_blank")

    # Edit: only the changed field is sent, and the change history shows it; the label is drawn again.
    label_before = page.locator("img.label-png").get_attribute("src")
    page.get_by_role("button", name="编辑").click()
    dialog = page.get_by_role("dialog", name="编辑电梯信息")
    dialog.get_by_label("楼内位置（梯号）").fill("B 座 3 号梯")
    desk.page.wait_for_timeout(400)  # the dialog's opening animation
    desk.shot("edit-dialog")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("img.label-png")).not_to_have_attribute("src", label_before or "")
    label_image_loaded(desk)
    page.get_by_role("tab", name=re.compile("信息变更历史")).click()
    history = page.get_by_role("tabpanel", name=re.compile("信息变更历史"))
    expect(history.get_by_role("row", name=re.compile("楼内位置（梯号） B 座 2 号梯 B 座 3 号梯"))).to_be_visible()
    desk.shot("detail-after-edit")

    page.get_by_role("button", name="移交").click()
    transfer = page.get_by_role("dialog", name="移交给其他维保单位")
    expect(transfer.get_by_text("本单位将不能再打开这台电梯")).to_be_visible()
    desk.page.wait_for_timeout(400)
    desk.shot("transfer-dialog")
    transfer.get_by_role("button", name="取消").click()

    # Registering the same code again matches the elevator instead of creating another.
    desk.open("/elevators/new")
    page.get_by_label("设备代码").fill(DEVICE_CODE)
    pick(desk, "梯型", "曳引与强制驱动电梯")
    page.get_by_label("安装地址").fill("别的地址")
    pick(desk, "所在区", "天河区")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(rf"/console/elevators/{elevator.id}\?registered=matched"))
    expect(page.get_by_text("已匹配到已登记的电梯", exact=True)).to_be_visible()
    detail_loaded(desk)
    desk.shot("detail-matched")
    db.session.commit()
    assert db.session.execute(db.select(db.func.count(Elevator.id))).scalar_one() == 3

    desk.open("/elevators")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="打印本单位标签（A4 PDF）").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    page.get_by_role("row", name=re.compile(DEVICE_CODE)).locator(".el-checkbox").click()
    selected = page.get_by_role("link", name="打印所选电梯标签（1 台，A4 PDF）")
    expect(selected).to_have_attribute("href", re.compile(rf"labels\.pdf\?elevator_id={elevator.id}$"))
    desk.page.wait_for_timeout(300)  # the checkbox's colour transition
    desk.shot("list-selected")
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator(".aside")).to_have_css("width", "64px")  # the menu folds at tablet width
    page.wait_for_timeout(400)  # let the menu's folding transition finish before the picture
    desk.shot("list-tablet")


def test_inspector_finds_an_elevator_by_its_code_and_opens_it(desk: Desk):
    world = make_world("海珠区")
    inspector = give_password(make_authority("inspector"), "inspector-1")
    wanted = world.elevators[1]
    desk.login(inspector.username)
    page = desk.page
    desk.open("/elevators")
    page.get_by_label("搜索电梯").fill(wanted.device_code[-6:])
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"q=\d+"))
    expect(page.get_by_text("共 1 台")).to_be_visible()
    desk.shot("search")
    page.get_by_role("link", name=wanted.device_code).click()
    page.wait_for_url(re.compile(rf"/console/elevators/{wanted.id}$"))
    detail_loaded(desk)
    expect(page.get_by_text(world.unit.name).first).to_be_visible()
    expect(page.get_by_role("button", name="编辑")).to_have_count(0)
    expect(page.locator("img.label-png")).to_have_count(0)  # labels are for the units, not inspectors
    desk.shot("detail")


def test_a_regulator_of_another_district_gets_the_404_page(desk: Desk):
    world = make_world("天河区")
    regulator = give_password(make_authority("regulator", district="越秀区"), "yuexiu-regulator")
    desk.login(regulator.username)
    desk.expect_failure(404, rf"/api/v1/elevators/{world.elevators[0].id}$")
    desk.open(f"/elevators/{world.elevators[0].id}")
    expect(desk.page.get_by_text("找不到该电梯，或您无权查看")).to_be_visible()
    desk.shot("not-found")
    desk.open("/elevators")
    expect(desk.page.get_by_text("暂无电梯")).to_be_visible()
    desk.shot("empty-list")


def test_use_unit_admin_transfers_an_elevator_to_another_maintenance_unit(desk: Desk):
    world, new = make_world("天河区"), make_world("天河区")
    new.unit.name = "广州接手电梯工程有限公司"
    db.session.commit()
    elevator = world.elevators[0]
    desk.login(give_password(world.uu_admin, "tianhe-property").username)
    page = desk.page
    desk.open("/elevators")
    expect(page.get_by_text("共 2 台")).to_be_visible()
    desk.shot("list")
    page.get_by_role("link", name=elevator.device_code).click()
    detail_loaded(desk)
    page.get_by_role("button", name="移交").click()
    transfer = page.get_by_role("dialog", name="移交给其他维保单位")
    expect(transfer.get_by_text("移交后由接收单位负责这台电梯今后的维保")).to_be_visible()
    expect(transfer.get_by_text("本单位将不能再打开这台电梯")).to_have_count(0)  # the use unit keeps its elevator
    transfer.get_by_label("接收单位统一社会信用代码").fill("91440300568520498A")  # valid, but not registered
    desk.expect_failure(404, rf"/api/v1/elevators/{elevator.id}/transfer$")
    transfer.get_by_role("button", name="确认移交").click()
    expect(transfer.get_by_text("未注册")).to_be_visible()
    transfer.get_by_label("接收单位统一社会信用代码").fill(new.unit.credit_code)
    transfer.get_by_role("button", name="确认移交").click()
    expect(transfer).to_be_hidden()
    expect(page.get_by_text("广州接手电梯工程有限公司").first).to_be_visible()
    page.get_by_role("tab", name=re.compile("维保单位变更")).click()
    changes = page.get_by_role("tabpanel", name=re.compile("维保单位变更"))
    expect(changes.get_by_role("row")).to_have_count(3)  # the header and both units
    expect(changes.get_by_role("row", name=re.compile("广州接手电梯工程有限公司 .* 至今"))).to_be_visible()
    desk.shot("detail-transferred")
    db.session.commit()
    assert db.session.get(Elevator, elevator.id).maintenance_unit_id == new.unit.id
