"""Browser journeys of the unit admins: the unit's details and history, the org tree, staff and bind codes, the
use unit's managers; and the bad input every form must survive (script in a name, a double click, a bad mobile).
The registration journey is at the end: a new maintenance unit registers itself and is pending.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from miniback.extensions import db
from miniback.models import Account, ChangeLog, MaintenanceUnit, OrgNode
from tests.console.conftest import Desk, give_password
from tests.factories.registry import UnitWorld, credit_code, make_world
from tests.qr.qr_decode import decode

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _visitor_probe(desk: Desk) -> None:
    # Before log-in the console asks the API who is logged in (GET /me); its 401 is the expected answer.
    desk.expect_failure(401, r"/api/v1/me$")


def _world() -> UnitWorld:
    world = make_world()
    for account in (world.admin, world.uu_admin, world.supervisor):
        give_password(account)
    return world


def _fresh() -> None:
    """End the test's transaction, so the next read sees what the browser's requests committed."""
    db.session.commit()
    db.session.expire_all()


def _count(model: Any, *where: Any) -> int:
    _fresh()
    return int(db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar_one())


def _choose(desk: Desk, field: Any, option: str) -> None:
    """Pick ``option`` of an el-select (its list is drawn at the end of <body>)."""
    field.click()
    desk.page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def _open_create_staff(desk: Desk) -> Any:
    desk.page.get_by_role("button", name="新增人员").click()
    dialog = desk.page.get_by_role("dialog", name="新增人员")
    dialog.wait_for()
    return dialog


def _fill_technician(desk: Desk, dialog: Any, name: str, mobile: str, node: str) -> None:
    dialog.get_by_text("维保人员", exact=True).click()
    dialog.get_by_label("姓名").fill(name)
    dialog.get_by_label("手机号").fill(mobile)
    dialog.get_by_label("证书编号").fill("TSX-2026-0042")
    _choose(desk, dialog.get_by_label("所属节点"), node)


def _shot(desk: Desk, label: str) -> None:
    desk.page.wait_for_timeout(400)  # Element Plus dialogs and menus fade in; picture them settled
    desk.shot(label)


def _log_out(desk: Desk) -> None:
    desk.page.locator(".who").click()
    desk.page.get_by_text("退出登录").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))


def test_unit_admins_keep_details_org_tree_and_staff(desk: Desk, client: FlaskClient, tmp_path: Path):
    world = _world()
    page = desk.page
    desk.login(world.admin.username)

    # The unit's details: edit the emergency phone; the change appears in the history.
    desk.open("/unit")
    page.get_by_text(world.unit.name).first.wait_for()
    page.get_by_role("button", name="修改单位信息").click()
    dialog = page.get_by_role("dialog", name="修改单位信息")
    dialog.get_by_label("24 小时应急救援电话").fill("020-96333000")
    dialog.get_by_role("button", name="保存").click()
    history = page.locator(".history")
    history.get_by_text("020-96333000").wait_for()
    assert history.get_by_text("本人").count() == 1
    assert _count(ChangeLog, ChangeLog.entity_id == world.unit.id, ChangeLog.field == "emergency_phone") == 1
    _shot(desk, "unit-details")

    # The org tree: a new team under 分公司; deleting a team that has people is refused with the API's reason.
    desk.open("/org")
    tree = page.locator(".tree")
    tree.get_by_text("二组").wait_for()
    branch = tree.locator(".node", has=page.get_by_text("分公司", exact=True))
    branch.get_by_role("button", name="新建下级").click()
    dialog = page.get_by_role("dialog", name="新建组织节点")
    dialog.get_by_label("节点名称").fill("三组")
    dialog.get_by_role("button", name="保存").click()
    tree.get_by_text("三组").wait_for()
    _fresh()
    team3 = db.session.execute(db.select(OrgNode).where(OrgNode.name == "三组")).scalar_one()
    assert team3.parent_id == world.branch.id
    # Rename it, then move it (with anything under it) to the top of the tree.
    node = tree.locator(".node", has=page.get_by_text("三组", exact=True))
    node.get_by_role("button", name="重命名").click()
    dialog = page.get_by_role("dialog", name="重命名组织节点")
    dialog.get_by_label("节点名称").fill("三班")
    dialog.get_by_role("button", name="保存").click()
    node = tree.locator(".node", has=page.get_by_text("三班", exact=True))
    node.wait_for()
    node.get_by_role("button", name="移动").click()
    dialog = page.get_by_role("dialog", name="移动组织节点")
    # Neither the node itself nor its current parent is offered.
    dialog.get_by_label("移到").click()
    options = page.locator(".el-select-dropdown__item:visible")
    options.first.wait_for()
    offered = [text.strip() for text in options.all_inner_texts()]
    assert "公司 / 分公司" not in offered and not any("三班" in text for text in offered), offered
    options.filter(has_text=re.compile(r"^公司$")).click()
    dialog.get_by_role("button", name="保存").click()
    dialog.wait_for(state="hidden")
    _fresh()
    db.session.refresh(team3)
    assert (team3.name, team3.parent_id) == ("三班", world.company.id)
    desk.expect_failure(409, r"/api/v1/org-nodes/\d+$")
    tree.locator(".node", has=page.get_by_text("一组", exact=True)).get_by_role("button", name="删除").click()
    page.get_by_role("dialog", name="删除组织节点").get_by_role("button", name="删除").click()
    page.locator(".el-message--error").wait_for()
    assert _count(OrgNode, OrgNode.id == world.team1.id) == 1
    _shot(desk, "org-tree")

    # Staff: a technician in the new team, then a bind code shown as text and as a QR code holding exactly it.
    desk.open("/staff")
    page.get_by_text("张伟明").wait_for()
    _shot(desk, "staff-list")
    dialog = _open_create_staff(desk)
    _fill_technician(desk, dialog, "王小明", "13711112222", "三班")
    _shot(desk, "staff-create")
    dialog.get_by_role("button", name="创建").click()
    row = page.locator(".staff-table .el-table__row", has_text="王小明")
    row.wait_for()
    assert "公司 / 三班" in row.inner_text()
    _fresh()
    created = db.session.execute(db.select(Account).where(Account.name == "王小明")).scalar_one()
    assert (created.role, created.org_node_id, created.mobile) == ("technician", team3.id, "13711112222")

    # Move them to 一组 (PATCH): the list shows the new node.
    row.get_by_role("button", name="编辑/调动").click()
    dialog = page.get_by_role("dialog", name="编辑人员")
    _choose(desk, dialog.get_by_label("所属节点"), "一组")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".staff-table .el-table__row", has_text="王小明").get_by_text("公司 / 分公司 / 一组").wait_for()
    assert _count(Account, Account.id == created.id, Account.org_node_id == world.team1.id) == 1

    # Filters: by name, and by node (the URL keeps them).
    page.locator(".filters").get_by_label("姓名").fill("小明")
    page.locator(".filters").get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"name="))
    page.locator(".staff-table .el-table__row").first.wait_for()
    assert page.locator(".staff-table .el-table__row").count() == 1

    page.locator(".staff-table .el-table__row", has_text="王小明").get_by_role("button", name="微信绑定码").click()
    bind = page.get_by_role("dialog", name="微信绑定码")
    qr = bind.get_by_role("img", name="微信绑定码二维码")
    qr.wait_for()
    code = bind.get_by_test_id("bind-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6,16}", code), code
    source = qr.get_attribute("src") or ""
    assert source.startswith("data:image/png;base64,")
    assert decode(base64.b64decode(source.split(",", 1)[1]), tmp_path) == [code]
    _shot(desk, "bind-code")
    # What a phone scans binds the technician in the mini-program.
    bound = client.post("/api/v1/auth/wechat/bind", json={"code": "c1:wang-xiaoming", "bind_code": code})
    assert bound.status_code == 200 and bound.json["account"]["id"] == created.id
    bind.get_by_role("button", name="完成").click()

    # A password-reset link for the supervisor (password log-in); technicians have none.
    page.locator(".filters").get_by_role("button", name="重置").click()
    page.locator(".staff-table .el-table__row", has_text="张伟明").first.wait_for()
    assert page.locator(".el-table__row", has_text="张伟明").get_by_role("button", name="重置密码链接").count() == 0
    page.locator(".el-table__row", has_text="黄主管").get_by_role("button", name="重置密码链接").click()
    reset = page.get_by_role("dialog", name="密码重置链接", exact=True)
    link = reset.locator(".reset-url input")
    link.wait_for()
    assert re.match(r"https://lift\.example\.test/console/reset-password\?token=", link.input_value())
    assert reset.get_by_text("链接有效期至").count() == 1
    _shot(desk, "reset-link")
    reset.get_by_role("button", name="完成").click()

    # Usable on a tablet: the table scrolls, the actions stay at hand.
    page.set_viewport_size({"width": 1024, "height": 768})
    _shot(desk, "staff-tablet")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Deactivate, after a confirmation.
    page.locator(".el-table__row", has_text="李国强").get_by_role("button", name="停用").click()
    page.get_by_role("dialog", name="停用人员").get_by_role("button", name="停用").click()
    page.locator(".el-table__row", has_text="李国强").get_by_text("已停用").first.wait_for()
    assert _count(Account, Account.id == world.tech2.id, Account.active.is_(False)) == 1

    # The use unit's admin adds a manager: one role, no org node.
    _log_out(desk)
    desk.login(world.uu_admin.username)
    desk.open("/unit")
    page.get_by_text(world.use_unit.name).first.wait_for()
    _shot(desk, "use-unit-details")
    desk.open("/staff")
    page.get_by_text("郑经理").wait_for()
    dialog = _open_create_staff(desk)
    assert dialog.get_by_label("所属节点").count() == 0
    dialog.get_by_label("姓名").fill("冯安全")
    dialog.get_by_label("手机号").fill("13622223333")
    dialog.get_by_role("button", name="创建").click()
    page.locator(".staff-table .el-table__row", has_text="冯安全").first.wait_for()
    _fresh()
    manager = db.session.execute(db.select(Account).where(Account.name == "冯安全")).scalar_one()
    assert (manager.role, manager.use_unit_id, manager.org_node_id) == ("uu_manager", world.use_unit.id, None)
    _shot(desk, "use-unit-managers")


def test_supervisor_reads_the_org_tree(desk: Desk):
    world = _world()
    desk.login(world.supervisor.username)
    desk.open("/org")
    desk.page.locator(".tree").get_by_text("一组").wait_for()
    assert desk.page.get_by_role("button", name="新建下级").count() == 0
    assert desk.page.get_by_role("button", name="新建顶级节点").count() == 0
    _shot(desk, "org-tree-supervisor")


def test_markup_in_a_staff_name_stays_text(desk: Desk):
    world = _world()
    page = desk.page
    name = '<img src=x onerror="window.__xss=1">'
    desk.login(world.admin.username)
    desk.open("/staff")
    dialog = _open_create_staff(desk)
    _fill_technician(desk, dialog, name, "13733334444", "一组")
    dialog.get_by_role("button", name="创建").click()
    cell = page.locator(".staff-name", has_text="onerror")
    cell.first.wait_for()
    assert cell.first.inner_text() == name
    assert page.locator(".staff-table img").count() == 0
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert _count(Account, Account.name == name) == 1
    _shot(desk, "staff-escaped-name")


def test_double_click_creates_one_account(desk: Desk):
    world = _world()
    desk.login(world.admin.username)
    desk.open("/staff")
    dialog = _open_create_staff(desk)
    _fill_technician(desk, dialog, "双击测试", "13744445555", "二组")
    dialog.get_by_role("button", name="创建").dblclick()
    desk.page.locator(".staff-table .el-table__row", has_text="双击测试").first.wait_for()
    desk.page.wait_for_load_state("networkidle")
    assert _count(Account, Account.name == "双击测试") == 1
    assert desk.page.locator(".staff-table .el-table__row", has_text="双击测试").count() == 1


def test_bad_mobile_shows_at_its_field_and_writes_nothing(desk: Desk):
    world = _world()
    page = desk.page
    desk.login(world.admin.username)
    desk.open("/staff")
    before = _count(Account)
    desk.expect_failure(422, r"/api/v1/staff$")
    dialog = _open_create_staff(desk)
    _fill_technician(desk, dialog, "赵错号", "1234", "一组")
    dialog.get_by_role("button", name="创建").click()
    mobile_item = dialog.locator(".el-form-item", has=page.get_by_label("手机号"))
    mobile_item.locator(".el-form-item__error").wait_for()
    assert mobile_item.locator(".el-form-item__error").inner_text().strip()
    assert dialog.get_by_label("姓名").input_value() == "赵错号"
    assert dialog.get_by_label("手机号").input_value() == "1234"
    assert dialog.get_by_label("证书编号").input_value() == "TSX-2026-0042"
    assert dialog.locator(".el-form-item", has=page.get_by_label("姓名")).locator(".el-form-item__error").count() == 0
    assert _count(Account) == before
    _shot(desk, "staff-bad-mobile")


def test_registration_of_a_maintenance_unit_is_pending(desk: Desk):
    page = desk.page
    code = credit_code()
    desk.open("/login")
    page.get_by_text("注册维保单位或使用单位").click()
    page.wait_for_url(re.compile(r"/console/register"))
    _shot(desk, "register-empty")

    # A wrong credit code and a weak password come back next to their fields; what was typed stays.
    desk.expect_failure(422, r"/api/v1/maintenance-units$")
    page.get_by_label("单位名称").fill("广州新梯维保有限公司")
    page.get_by_label("统一社会信用代码").fill("91440101MA59XXXXX0")
    page.get_by_label("维保备案编号").fill("粤特维备-2026-0101")
    page.get_by_label("单位地址").fill("广州市天河区天河路 100 号")
    page.get_by_label("办公地址").fill("广州市天河区天河路 102 号")
    page.get_by_label("维保负责人", exact=True).fill("陈工")
    page.get_by_label("维保负责人电话").fill("020-38880101")
    page.get_by_label("24 小时应急救援电话").fill("020-38880199")
    page.get_by_label("姓名").fill("林晓燕")
    page.get_by_label("登录名").fill("xinti-admin")
    page.get_by_label("密码", exact=True).fill("short")
    page.get_by_role("button", name="提交注册").click()
    errors = page.locator(".el-form-item__error")
    errors.first.wait_for()
    credit_item = page.locator(".el-form-item", has=page.get_by_label("统一社会信用代码"))
    assert credit_item.locator(".el-form-item__error").count() == 1
    assert page.get_by_label("单位名称").input_value() == "广州新梯维保有限公司"
    assert _count(MaintenanceUnit) == 0
    _shot(desk, "register-errors")

    # Then the admin's password is too weak: said next to the password.
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_role("button", name="提交注册").click()
    password_item = page.locator(".el-form-item", has=page.get_by_label("密码", exact=True))
    password_item.locator(".el-form-item__error").wait_for()
    credit_item.locator(".el-form-item__error").wait_for(state="detached")  # cleared (it fades out)
    assert _count(MaintenanceUnit) == 0
    _shot(desk, "register-weak-password")

    page.get_by_label("密码", exact=True).fill("Xinti-2026-pass")
    page.get_by_role("button", name="提交注册").click()
    page.get_by_text("已提交，待平台审核").wait_for()
    assert page.get_by_text("xinti-admin").count() == 1
    _fresh()
    unit = db.session.execute(db.select(MaintenanceUnit).where(MaintenanceUnit.credit_code == code)).scalar_one()
    assert unit.status == "pending"
    _shot(desk, "register-done")

    # The admin logs in while pending and sees why some things must wait.
    page.get_by_role("button", name="去登录").click()
    desk.login("xinti-admin", "Xinti-2026-pass")
    desk.open("/unit")
    page.get_by_text("单位注册正在等待平台审核").wait_for()
    assert page.get_by_text("待审核").count() >= 1
    _shot(desk, "unit-pending")
