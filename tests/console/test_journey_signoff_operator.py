"""Browser journeys: the use-unit admin reviews an objection, the maintenance unit resolves one, and the platform
operator approves a unit, creates an authority account and hands out a password-reset link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import Account, MaintenanceUnit, utcnow
from signoff.operations import object_to, record_pushed
from signoff.push import record_delivery
from tests.console.conftest import DESK_PASSWORD, Desk, give_password
from tests.factories.registry import UnitWorld, make_authority, make_maintenance_unit, make_use_unit, make_world
from tests.factories.signoff import due_records, submitted_records

pytestmark = pytest.mark.slow

OBJECTION = "<b>三号梯</b>当天未见维保人员到场，记录中的检查项无法核实"
LATE_OBJECTION = "当天无人通知签名，请维保单位说明"
OBJECTION_PERIOD = timedelta(days=7)


def signoff_world() -> tuple[UnitWorld, dict[str, int]]:
    """A use unit with records in every interesting state: awaiting a signature (one whose push reached nobody),
    objected before the deadline, and objected after the default confirmation."""
    world = make_world()
    now = utcnow()
    waiting, unreached = submitted_records(world, 2)
    record_delivery(unreached.record_id, None, "no_recipient", attempt=1, now=now)
    record_delivery(waiting.record_id, world.manager.id, "sent", attempt=1, now=now)
    record_pushed(waiting.record_id, now=now)
    (objected,) = submitted_records(world, elevator=world.elevators[1])
    record_delivery(objected.record_id, world.manager.id, "sent", attempt=1, now=now)
    record_pushed(objected.record_id, now=now)
    object_to(objected.record_id, world.manager, OBJECTION, now=now, objection_period=OBJECTION_PERIOD)
    (late,) = due_records(world, 1)
    object_to(late, world.manager, LATE_OBJECTION, now=utcnow(), objection_period=OBJECTION_PERIOD)
    db.session.commit()
    return world, {"objected": objected.record_id, "late": late, "unreached": unreached.record_id}


def login(desk: Desk, username: str | None, password: str = DESK_PASSWORD) -> None:
    # Before logging in, the log-in page asks the API who is logged in: nobody yet (401), on purpose.
    desk.expect_failure(401, r"/api/v1/me$")
    desk.login(username or "", password)


def log_out(desk: Desk, name: str) -> None:
    desk.page.locator(".header").get_by_text(name, exact=True).click()
    desk.page.get_by_role("menuitem", name="退出登录").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))


# Waits for the page's finite animations (fades, slides) to finish; spinners that run forever are left alone.
SETTLE = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect?.getTiming().iterations !== Infinity)
  .map((a) => a.finished.catch(() => null)))"""


def operator_account() -> Account:
    operator = make_authority("platform_operator")
    operator.name = "监控中心 刘值班"
    return operator


def shot(desk: Desk, label: str) -> None:
    """A screenshot once the page is still: dialogs, drawers and messages finished fading in."""
    desk.page.wait_for_load_state("networkidle")
    desk.page.evaluate(SETTLE)
    desk.shot(label)


def row_of(desk: Desk, text: str) -> Any:
    return desk.page.locator(".el-table__row", has_text=text)


def test_use_unit_admin_reviews_an_objection(desk: Desk) -> None:
    world, ids = signoff_world()
    give_password(world.uu_admin)
    login(desk, world.uu_admin.username)
    desk.open("/signoff")
    expect(desk.page.get_by_role("tab", name="待签名")).to_have_attribute("aria-selected", "true")
    expect(row_of(desk, f"#{ids['unreached']}")).to_contain_text("未推送：使用单位没有已绑定微信的安全管理人员")
    expect(desk.page.locator(".el-table__body")).to_contain_text(re.compile(r"还剩 \d+ 小时"))
    shot(desk, "pending")

    desk.page.get_by_role("tab", name="有异议").click()
    expect(row_of(desk, f"#{ids['objected']}")).to_contain_text("有异议")
    late_row = row_of(desk, f"#{ids['late']}")
    expect(late_row).to_contain_text("默认签名确认")
    expect(late_row).not_to_contain_text("已签名")
    shot(desk, "objected")

    row_of(desk, f"#{ids['objected']}").get_by_role("link", name="查看异议").click()
    desk.page.wait_for_url(re.compile(rf"/console/signoff/{ids['objected']}$"))
    objection = desk.page.locator(".objection")
    # Typed HTML is shown as text, never run as markup.
    expect(objection.get_by_text(OBJECTION, exact=True)).to_be_visible()
    expect(objection.locator("b")).to_have_count(0)
    expect(objection).to_contain_text(world.manager.name)
    expect(objection).to_contain_text("使用单位管理员只能查看异议")
    expect(objection).to_contain_text("微信小程序中撤回")
    expect(desk.page.get_by_role("button", name="登记异议处理完毕")).to_have_count(0)
    timeline = desk.page.locator(".signoff-timeline")
    expect(timeline).to_contain_text("维保记录已提交，等待使用单位签名确认")
    expect(timeline).to_contain_text("已推送给使用单位安全管理人员")
    expect(timeline).to_contain_text(f"{world.manager.name} 提出异议")
    expect(desk.page.get_by_role("link", name="查看维保记录详情")).to_have_attribute(
        "href", f"/console/records/{ids['objected']}"
    )
    shot(desk, "objection-review")
    timeline.scroll_into_view_if_needed()
    desk.page.locator(".main").evaluate("(main) => main.scrollTo(0, main.scrollHeight)")
    shot(desk, "objection-timeline")

    desk.open(f"/signoff/{ids['late']}")
    expect(desk.page.locator(".objection")).to_contain_text("默认签名确认后提出")
    expect(desk.page.locator(".signoff-timeline")).to_contain_text("期限内无人签名，系统默认签名确认（不是本人签名）")
    shot(desk, "objection-after-default")

    desk.open("/signoff/unreached")
    expect(desk.page.get_by_text("请在截止时间前电话通知本单位的安全管理人员", exact=False)).to_be_visible()
    expect(row_of(desk, f"#{ids['unreached']}")).to_be_visible()
    expect(desk.page.locator(".el-table__row")).to_have_count(1)
    shot(desk, "unreached")

    desk.page.set_viewport_size({"width": 1024, "height": 768})  # a tablet
    desk.open(f"/signoff/{ids['objected']}")
    expect(desk.page.locator(".objection")).to_contain_text(world.manager.name)
    shot(desk, "objection-review-tablet")


def test_maintenance_admin_resolves_an_objection_and_the_sign_off_reopens(desk: Desk) -> None:
    world, ids = signoff_world()
    give_password(world.admin)
    login(desk, world.admin.username)
    desk.open("/signoff?tab=objected")
    expect(desk.page.locator(".el-table__row")).to_have_count(2)
    row_of(desk, f"#{ids['objected']}").get_by_role("link", name="查看异议").click()
    expect(desk.page.get_by_text("登记处理完毕后，签名确认重新开放", exact=False)).to_be_visible()
    desk.page.get_by_placeholder("例如：已于当日重新派人到场维保").fill(
        "已于当日下午重新派人到场维保，并已电话告知物业"
    )
    desk.page.get_by_role("button", name="登记异议处理完毕").click()
    desk.page.get_by_role("button", name="确认登记").click()
    expect(desk.page.get_by_text("已登记异议处理完毕")).to_be_visible()
    expect(desk.page.locator(".objection")).to_contain_text("已处理")
    expect(desk.page.locator(".signoff-timeline")).to_contain_text(f"{world.admin.name} 处理了异议")
    expect(desk.page.locator(".signoff-timeline")).to_contain_text("重新开放签名确认")
    expect(desk.page.locator(".el-descriptions").first).to_contain_text("待签名确认")
    shot(desk, "resolved")


def test_operator_approves_a_unit_whose_admin_then_logs_in(desk: Desk) -> None:
    operator = give_password(operator_account())
    unit, unit_admin = make_maintenance_unit(status="pending", name="广州速达电梯维保有限公司")
    make_use_unit(status="pending")
    make_maintenance_unit(status="active", name="广州老牌电梯工程有限公司")
    give_password(unit_admin)
    db.session.commit()

    login(desk, operator.username)
    desk.open("/platform/registrations")
    expect(desk.page.locator(".el-table__row")).to_have_count(1)
    expect(row_of(desk, unit.name)).to_contain_text("待审核")
    shot(desk, "registrations")

    row_of(desk, unit.name).get_by_role("button", name="详情").click()
    drawer = desk.page.locator(".el-drawer")
    expect(drawer).to_contain_text(unit.credit_code)
    expect(drawer).to_contain_text("24 小时应急救援电话")
    shot(desk, "registration-detail")

    drawer.get_by_role("button", name="审核通过").click()
    dialog = desk.page.locator(".el-message-box")
    expect(dialog).to_contain_text(f"「{unit.name}」：待审核 → 正常")
    shot(desk, "approve-confirm")
    dialog.get_by_role("button", name="审核通过").click()
    expect(desk.page.get_by_text(f"「{unit.name}」已审核通过")).to_be_visible()
    expect(drawer).to_contain_text("待审核 → 正常")  # the change history
    expect(desk.page.locator(".el-table__empty-text")).to_have_text("没有待审核的维保单位注册")
    db.session.commit()  # ends this session's snapshot: the browser's request wrote in another
    assert db.session.get(MaintenanceUnit, unit.id).status == "active"  # type: ignore[union-attr]
    drawer.get_by_role("button", name="关闭", exact=True).click()

    desk.page.get_by_role("tab", name="使用单位").click()
    expect(desk.page.locator(".el-table__row")).to_have_count(1)
    desk.open("/platform/units?status=active")
    expect(desk.page.locator(".el-table__row")).to_have_count(2)
    shot(desk, "units-active")

    log_out(desk, operator.name)
    login(desk, unit_admin.username)
    expect(desk.page.locator(".header")).to_contain_text(unit_admin.name)
    expect(desk.page.locator(".header")).to_contain_text("维保单位管理员")
    shot(desk, "approved-admin-home")


def test_operator_creates_a_regulator_and_hands_out_a_reset_link(desk: Desk) -> None:
    operator = give_password(operator_account())
    desk.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(desk, operator.username)
    desk.open("/platform/accounts")
    expect(row_of(desk, operator.name)).to_be_visible()
    shot(desk, "accounts")

    desk.page.get_by_role("button", name="新建监管、检验或运营账号").click()
    dialog = desk.page.get_by_role("dialog", name="新建账号")
    dialog.locator(".el-select").click()
    desk.page.get_by_role("option", name="海珠区（区市场监管局）").click()
    dialog.get_by_label("姓名").fill("海珠区市场监管局 王科长")
    dialog.get_by_label("登录名").fill("hz-regulator")
    dialog.get_by_label("初始密码").fill("short")
    desk.expect_failure(422, r"/api/v1/accounts$")
    dialog.get_by_role("button", name="创建").click()
    expect(dialog.locator(".el-form-item__error")).to_contain_text("密码")
    expect(dialog.get_by_label("姓名")).to_have_value("海珠区市场监管局 王科长")
    shot(desk, "create-field-error")
    dialog.get_by_label("初始密码").fill("Initial-Pass-2026")
    dialog.get_by_role("button", name="创建").click()
    expect(desk.page.get_by_text("账号已创建")).to_be_visible()
    regulator_row = row_of(desk, "hz-regulator")
    expect(regulator_row).to_contain_text("海珠区")
    expect(regulator_row).to_contain_text("监管部门")
    db.session.commit()
    created = db.session.execute(db.select(Account).where(Account.username == "hz-regulator")).scalar_one()
    assert (created.role, created.district) == ("regulator", "海珠区")

    regulator_row.get_by_role("button", name="重置密码链接").click()
    desk.page.locator(".el-message-box").get_by_role("button", name="发放").click()
    link_dialog = desk.page.get_by_role("dialog", name="密码重置链接", exact=True)
    link_input = link_dialog.get_by_label("密码重置链接")
    expect(link_input).to_have_value(re.compile(r"/console/reset-password\?token="))
    expect(link_dialog).to_contain_text(re.compile(r"还有 23 小时"))
    link_dialog.get_by_role("button", name="复制").click()
    expect(desk.page.get_by_text("已复制链接")).to_be_visible()
    url = link_input.input_value()
    assert desk.page.evaluate("navigator.clipboard.readText()") == url
    shot(desk, "reset-link")
    link_dialog.get_by_role("button", name="完成").click()

    log_out(desk, operator.name)
    token = parse_qs(urlparse(url).query)["token"][0]
    desk.open(f"/reset-password?token={token}")
    expect(desk.page.get_by_text("海珠区市场监管局 王科长")).to_be_visible()
    desk.page.get_by_label("新密码", exact=True).fill("Regulator-Pass-2026")
    desk.page.get_by_label("确认新密码").fill("Regulator-Pass-2026")
    shot(desk, "reset-password")
    desk.page.get_by_role("button", name="设置密码").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))
    expect(desk.page.get_by_text("密码已设置，请登录")).to_be_visible()
    login(desk, "hz-regulator", "Regulator-Pass-2026")
    expect(desk.page.locator(".header")).to_contain_text("海珠区市场监管局 王科长")
    shot(desk, "regulator-logged-in")
