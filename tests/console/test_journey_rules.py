"""Browser journeys of issue 18's rules: a use unit's admin reads and accepts the default-confirmation rules; a
maintenance unit applies to stop keeping paper records and the city regulator approves it; a regulator issues a
suspension notice, the unit acknowledges and replies, the regulator closes it (lifting the suspension)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from miniback.extensions import db
from miniback.models import MaintenanceUnit, PaperlessApplication, RegulatorNotice, UseUnit, UseUnitConsent, utcnow
from tests.console.conftest import Desk, give_password
from tests.factories.registry import make_authority, make_world

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _visitor_probe(desk: Desk) -> None:
    desk.expect_failure(401, r"/api/v1/me$")


def _fresh() -> None:
    db.session.commit()
    db.session.expire_all()


def _log_out(desk: Desk) -> None:
    desk.page.locator(".who").click()
    desk.page.get_by_text("退出登录").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))


def _shot(desk: Desk, label: str) -> None:
    desk.page.wait_for_timeout(400)
    desk.shot(label)


def test_use_unit_admin_reads_and_accepts_the_rules(desk: Desk):
    world = make_world(consent=False)
    give_password(world.uu_admin)
    page = desk.page
    desk.login(world.uu_admin.username)
    page.locator(".el-menu").get_by_text("默认签名确认规则").click()
    page.get_by_text("本单位尚未同意默认签名确认规则").wait_for()
    page.get_by_text("《默认签名确认规则》（第 1 版）").first.wait_for()
    accept = page.get_by_role("button", name="同意第 1 版规则")
    assert accept.is_disabled()
    _shot(desk, "rules-unread")
    page.get_by_text("本人已阅读上述规则，代表本单位同意").click()
    accept.click()
    page.get_by_text("本单位已同意现行第 1 版规则").wait_for()
    page.get_by_text("同意记录").wait_for()
    _shot(desk, "rules-accepted")
    _fresh()
    consent = db.session.execute(
        db.select(UseUnitConsent).where(UseUnitConsent.use_unit_id == world.use_unit.id)
    ).scalar_one()
    assert consent.accepted_by_id == world.uu_admin.id
    assert db.session.get(UseUnit, world.use_unit.id).consent_id == consent.id


def test_unit_applies_for_paperless_and_the_city_regulator_approves(desk: Desk):
    world = make_world()
    give_password(world.admin)
    city = give_password(make_authority("regulator"), "city-regulator")
    page = desk.page
    desk.login(world.admin.username)
    desk.open("/paperless")
    page.get_by_text("本单位目前仍需保存纸质维保记录").wait_for()
    page.get_by_placeholder("申请说明（可选）").fill("上传稳定三个月，申请停止纸质记录")
    page.get_by_role("button", name="申请停止使用纸质维保记录").click()
    page.locator(".applications").get_by_text("待审核").wait_for()
    _shot(desk, "paperless-applied")
    _log_out(desk)

    desk.login(city.username)
    desk.open("/paperless")
    page.locator(".applications").get_by_text(world.unit.name).wait_for()
    page.get_by_role("button", name="批准").click()
    prompt = page.get_by_role("dialog")
    prompt.locator("input").fill("抽查上传记录完整")
    _shot(desk, "paperless-approve-prompt")
    prompt.get_by_role("button", name="OK").or_(prompt.get_by_role("button", name="确定")).click()
    page.locator(".applications").get_by_text("已批准").wait_for()
    _shot(desk, "paperless-approved")
    _fresh()
    application = db.session.execute(db.select(PaperlessApplication)).scalar_one()
    assert application.status == "approved" and application.reason == "抽查上传记录完整"
    assert db.session.get(MaintenanceUnit, world.unit.id).paperless_application_id == application.id
    page.goto(desk.base + f"/e/{world.elevators[0].public_code}")
    page.get_by_text("已停止使用纸质维保记录").wait_for()
    _shot(desk, "public-page-paperless")


def _issue(desk: Desk, world: Any) -> None:
    page = desk.page
    desk.open("/regulator-notices")
    page.get_by_role("button", name="下达意见").click()
    dialog = page.get_by_role("dialog", name="下达监管意见")
    dialog.get_by_text("中止意见（立即暂停该单位提交与上传）").click()
    dialog.get_by_label("维保单位编号").fill(str(world.unit.id))
    dialog.get_by_label("发现的问题").fill("连续两周半月维保未按期完成")
    dialog.get_by_label("所涉电梯编号").fill(f"{world.elevators[0].id}")
    deadline = (utcnow() + timedelta(days=10)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    picker = dialog.get_by_placeholder("选择期限")
    picker.fill(deadline)
    picker.press("Enter")
    _shot(desk, "notice-form")
    dialog.get_by_role("button", name="下达").click()
    page.wait_for_url(re.compile(r"/console/regulator-notices/\d+"))
    page.get_by_text("中止意见生效中").wait_for()


def test_regulator_suspends_the_unit_answers_and_the_regulator_lifts_it(desk: Desk):
    world = make_world()
    give_password(world.admin)
    regulator = give_password(make_authority("regulator", "天河区"), "tianhe-regulator")
    page = desk.page
    desk.login(regulator.username)
    _issue(desk, world)
    _shot(desk, "notice-issued")
    _fresh()
    notice = db.session.execute(db.select(RegulatorNotice)).scalar_one()
    assert (
        notice.kind == "suspension" and db.session.get(MaintenanceUnit, world.unit.id).halted_by_notice_id == notice.id
    )
    _log_out(desk)

    desk.login(world.admin.username)
    desk.open(f"/regulator-notices/{notice.id}")
    page.get_by_role("button", name="签收").click()
    page.get_by_placeholder("整改情况").fill("已补齐人员，本周内完成全部逾期维保")
    page.get_by_role("button", name="回复").click()
    page.locator(".events").get_by_text("已补齐人员").wait_for()
    _shot(desk, "notice-replied")
    _log_out(desk)

    desk.login(regulator.username)
    desk.open(f"/regulator-notices/{notice.id}")
    page.get_by_placeholder("关闭意见 / 升级理由").fill("复查合格，解除中止")
    page.get_by_role("button", name="关闭并解除中止").click()
    page.locator(".events").get_by_text("复查合格").wait_for()
    _shot(desk, "notice-closed")
    _fresh()
    assert db.session.get(MaintenanceUnit, world.unit.id).halted_by_notice_id is None
    assert db.session.get(RegulatorNotice, notice.id).status == "closed"
