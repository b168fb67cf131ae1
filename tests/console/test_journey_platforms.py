"""Browser journeys of the data interface's desk side: the platform operator registers a platform, reads its
conformance report, promotes it once the sandbox traffic is all green, rotates a key, reads its figures and its
callbacks and suspends it with a reason; a maintenance unit admin grants a platform and revokes the grant."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask.testing import FlaskClient
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import PlatformAuthorisation, PlatformClient, PlatformClientEvent, PlatformKey, utcnow
from signoff.ledger.checkpoints import build_checkpoint
from tests.console.conftest import Desk, give_password
from tests.factories.platform import call, make_platform, public_pem
from tests.factories.platform_traffic import all_green_sandbox_traffic, callback, log_call, upload
from tests.factories.registry import credit_code, make_authority, make_world
from tests.factories.uploads import certify, record_payload

pytestmark = pytest.mark.slow

# Waits for the page's finite animations (fades, slides) to finish; spinners that run forever are left alone.
SETTLE = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect?.getTiming().iterations !== Infinity)
  .map((a) => a.finished.catch(() => null)))"""
SUSPEND_REASON = "抽查发现<b>3 条</b>记录的签到位置与电梯位置不符，暂停整改"


@pytest.fixture(autouse=True)
def _visitor_probe(desk: Desk) -> None:
    # Before log-in the console asks the API who is logged in (GET /me); its 401 is the expected answer.
    desk.expect_failure(401, r"/api/v1/me$")


def _fresh() -> None:
    """End the test's transaction, so the next read sees what the browser's requests committed."""
    db.session.commit()
    db.session.expire_all()


def shot(desk: Desk, label: str) -> None:
    """A screenshot once the page is still: dialogs, drawers and messages finished fading in."""
    desk.page.wait_for_load_state("networkidle")
    desk.page.evaluate(SETTLE)
    desk.shot(label)


def row_of(desk: Desk, text: str) -> Any:
    return desk.page.locator(".el-table__row", has_text=text)


def _tab(desk: Desk, name: str) -> None:
    desk.page.get_by_role("tab", name=re.compile("^" + name)).click()


def test_operator_registers_tests_promotes_and_suspends_a_platform(desk: Desk) -> None:
    operator = make_authority("platform_operator")
    operator.name = "监控中心 刘值班"
    give_password(operator)
    page = desk.page
    desk.login(operator.username)

    desk.open("/platform/platforms")
    expect(page.locator(".platforms")).to_contain_text("还没有登记对接平台")
    shot(desk, "empty-list")

    # Registration: a bad credit code comes back next to its field, what was typed stays.
    page.get_by_role("button", name="登记平台").click()
    dialog = page.get_by_role("dialog", name="登记平台")
    dialog.get_by_label("平台名称").fill("粤梯云维保平台")
    dialog.get_by_label("平台代码").fill("yueti-cloud")
    dialog.get_by_label("运营单位", exact=True).fill("广州粤梯科技有限公司")
    dialog.get_by_label("运营单位统一社会信用代码").fill("91440101MA59XXXXXX")
    dialog.get_by_label("联系人").fill("陈工")
    dialog.get_by_label("联系电话").fill("020-38881234")
    dialog.get_by_label("回调地址").fill("http://127.0.0.1:9/hooks")
    first_key = ed25519.Ed25519PrivateKey.generate()
    dialog.get_by_label("公钥（PEM）").fill(public_pem(first_key))
    desk.expect_failure(422, r"/api/v1/platforms$")
    dialog.get_by_role("button", name="登记").click()
    expect(dialog.locator(".el-form-item__error")).to_have_count(1)
    expect(dialog.get_by_label("平台名称")).to_have_value("粤梯云维保平台")
    shot(desk, "register-refused")
    dialog.get_by_label("运营单位统一社会信用代码").fill(credit_code("91440101MA"))
    dialog.get_by_role("button", name="登记").click()

    # The new platform opens on its conformance report: nothing passed yet, going live is disabled.
    page.wait_for_url(re.compile(r"/console/platform/platforms/\d+$"))
    _fresh()
    client = db.session.execute(db.select(PlatformClient).where(PlatformClient.code == "yueti-cloud")).scalar_one()
    assert client.status == "testing"
    report = page.locator(".scenarios")
    expect(report.locator(".fail")).to_have_count(6)
    expect(page.get_by_role("button", name="上线")).to_be_disabled()
    expect(page.locator(".title-row")).to_contain_text("对接测试中")
    shot(desk, "conformance-open")

    # The platform's sandbox traffic passes every scenario but one: still not green.
    all_green_sandbox_traffic(client, callback_acked=True)
    _fresh()
    page.reload()
    expect(report.locator(".pass")).to_have_count(5)
    expect(report.locator(".fail")).to_have_count(1)
    expect(row_of(desk, "回调通知被确认")).to_contain_text("尚无被平台以 2xx 确认的沙箱回调")
    expect(page.get_by_role("button", name="上线")).to_be_disabled()
    shot(desk, "conformance-one-missing")

    # The last scenario (a callback acknowledged with a 2xx) arrives: all green, the operator promotes.
    callback(client, "delivered", [500, 200])
    _fresh()
    page.reload()
    expect(report.locator(".pass")).to_have_count(6)
    expect(page.get_by_text("对接测试全部通过", exact=True)).to_be_visible()
    shot(desk, "conformance-green")
    page.get_by_role("button", name="上线").click()
    dialog = page.get_by_role("dialog", name="准予上线")
    expect(dialog).to_contain_text("「粤梯云维保平台」：对接测试中 → 已完成对接")
    expect(dialog.get_by_label("原因")).to_have_value("对接测试全部通过，准予上线")
    shot(desk, "promote-dialog")
    dialog.get_by_role("button", name="上线").click()
    expect(page.locator(".title-row")).to_contain_text("已完成对接")
    _fresh()
    assert db.session.get(PlatformClient, client.id).status == "connected"

    # Keys: the registered key is active with its key_id; a second one is added; at two, adding is disabled.
    _tab(desk, "基本信息")
    keys = page.locator(".keys")
    first_key_id = db.session.execute(
        db.select(PlatformKey.key_id).where(PlatformKey.platform_client_id == client.id)
    ).scalar_one()
    expect(keys).to_contain_text(first_key_id)
    keys.get_by_role("button", name="添加公钥").click()
    dialog = page.get_by_role("dialog", name="添加公钥")
    dialog.get_by_label("公钥（PEM）").fill(public_pem(ed25519.Ed25519PrivateKey.generate()))
    dialog.get_by_role("button", name="添加").click()
    expect(keys.locator(".el-table__row")).to_have_count(2)
    expect(keys.get_by_role("button", name="添加公钥")).to_be_disabled()
    _fresh()
    second_key_id = db.session.execute(
        db.select(PlatformKey.key_id).where(
            PlatformKey.platform_client_id == client.id, PlatformKey.key_id != first_key_id
        )
    ).scalar_one()
    expect(keys).to_contain_text(second_key_id)
    shot(desk, "details-keys")
    # Retire the first key (with confirmation); the last active one cannot be retired.
    row_of(desk, first_key_id).get_by_role("button", name="停用").click()
    page.get_by_role("dialog", name="停用公钥").get_by_role("button", name="停用").click()
    expect(row_of(desk, first_key_id)).to_contain_text("已停用")
    expect(row_of(desk, second_key_id).get_by_role("button", name="停用")).to_be_disabled()
    _fresh()
    assert (
        db.session.execute(db.select(PlatformKey.retired_at).where(PlatformKey.key_id == first_key_id)).scalar_one()
        is not None
    )

    # Figures after go-live: uploads, a rejection and a failed callback of today.
    now = utcnow()
    log_call(
        client,
        "batch",
        200,
        [("created", None), ("created", None), ("invalid", "technician_unknown")],
        sandbox=False,
        at=now,
    )
    log_call(client, "record", 200, [("duplicate", None)], sandbox=False, at=now)
    upload(client, sandbox=False, at=now)
    callback(client, "failed", [None, 503, 503], sandbox=False, at=now - timedelta(minutes=5))
    _fresh()
    _tab(desk, "运行数据")
    figures = page.locator(".platform-figures")
    expect(figures).to_have_attribute("data-charts-ready", "true")
    expect(figures.locator("[data-figure=rejected]")).to_contain_text("1")
    expect(figures.locator("[data-figure=callback-failures]")).to_contain_text("3")
    expect(figures).to_contain_text("维保人员不是该单位在职人员")
    shot(desk, "figures")

    # The callback log: the sandbox callback acknowledged on its second attempt, the production one given up.
    _tab(desk, "回调记录")
    log = page.locator(".callback-log")
    expect(log.locator(".el-table__row")).to_have_count(2)
    failed = log.locator(".el-table__row", has_text="投递失败")
    expect(failed).to_contain_text("记录已签名确认")
    failed.locator(".el-table__expand-icon").click()
    attempts = log.locator(".attempts")
    expect(attempts).to_contain_text("无应答")
    expect(attempts).to_contain_text("connection refused")
    expect(attempts.get_by_text("HTTP 503")).to_have_count(2)
    shot(desk, "callbacks")
    page.get_by_role("radio", name="沙箱").check(force=True)
    expect(log.locator(".el-table__row")).to_have_count(1)
    expect(log).to_contain_text("已送达")

    # Suspension needs a reason: an empty one is refused in the dialog, then the reason is kept as typed.
    page.get_by_role("button", name="暂停").click()
    dialog = page.get_by_role("dialog", name="暂停平台")
    dialog.get_by_role("button", name="暂停").click()
    expect(dialog).to_contain_text("请填写原因")
    dialog.get_by_label("原因").fill(SUSPEND_REASON)
    shot(desk, "suspend-dialog")
    dialog.get_by_role("button", name="暂停").click()
    expect(page.locator(".title-row")).to_contain_text("已暂停")
    expect(page.get_by_text("原因：" + SUSPEND_REASON).first).to_be_visible()
    _fresh()
    suspended = db.session.get(PlatformClient, client.id)
    assert (suspended.status, suspended.status_reason) == ("suspended", SUSPEND_REASON)
    expect(page.get_by_role("button", name="恢复")).to_be_enabled()

    # The history: every step with its operator and reason, newest first; typed HTML stays text.
    _tab(desk, "变更历史")
    history = page.locator(".platform-history")
    expect(history).to_contain_text("暂停：已完成对接 → 已暂停")
    expect(history).to_contain_text("准予上线：对接测试中 → 已完成对接")
    expect(history).to_contain_text("登记平台（对接测试中）")
    expect(history).to_contain_text("操作人：监控中心 刘值班")
    expect(history.locator("b")).to_have_count(0)
    kinds = db.session.execute(
        db.select(PlatformClientEvent.kind).where(PlatformClientEvent.platform_client_id == client.id)
    ).scalars()
    assert sorted(kinds) == sorted(["registered", "key_added", "connected", "key_added", "key_retired", "suspended"])
    shot(desk, "history")

    # An edit of the details: only the changed field is sent, and the history shows it old → new.
    page.get_by_role("button", name="编辑").click()
    dialog = page.get_by_role("dialog", name="编辑平台信息")
    expect(dialog.get_by_label("平台代码")).to_have_count(0)
    dialog.get_by_label("联系电话").fill("13800138000")
    dialog.get_by_role("button", name="保存").click()
    expect(history).to_contain_text("联系电话：020-38881234 → 13800138000")
    _fresh()
    updated = db.session.execute(
        db.select(PlatformClientEvent.changes).where(
            PlatformClientEvent.platform_client_id == client.id, PlatformClientEvent.kind == "updated"
        )
    ).scalar_one()
    assert updated == {"contact_phone": ["020-38881234", "13800138000"]}

    # On a tablet the figures fold into fewer columns.
    page.set_viewport_size({"width": 1024, "height": 768})
    _tab(desk, "运行数据")
    expect(figures).to_have_attribute("data-charts-ready", "true")
    shot(desk, "figures-tablet")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Back on the list: filter by status.
    desk.open("/platform/platforms?status=suspended")
    expect(row_of(desk, "粤梯云维保平台")).to_contain_text("已暂停")
    desk.open("/platform/platforms?status=testing")
    expect(page.locator(".platforms")).to_contain_text("没有符合条件的平台")
    desk.open("/platform/platforms")
    shot(desk, "list")


def test_unit_admin_grants_a_platform_and_revokes_the_grant(desk: Desk, client: FlaskClient) -> None:
    world = make_world()
    certify(world.tech1, world.tech2)
    give_password(world.admin)
    connected = make_platform("connected")
    connected.client.name = "粤梯云维保平台"
    testing = make_platform("testing")
    make_platform("revoked")
    _fresh()
    page = desk.page
    desk.login(world.admin.username)

    desk.open("/unit/platforms")
    expect(page.locator(".grants")).to_contain_text("本单位尚未授权任何平台")
    shot(desk, "empty")

    # Grant: choose the connected platform; the revoked one is not offered.
    page.get_by_role("button", name="授权平台").click()
    dialog = page.get_by_role("dialog", name="授权平台")
    dialog.get_by_label("平台").click()
    options = page.locator(".el-select-dropdown__item:visible")
    expect(options).to_have_count(2)
    options.filter(has_text="粤梯云维保平台").click()
    expect(dialog).to_contain_text(connected.client.company_name)
    shot(desk, "grant-dialog")
    dialog.get_by_role("button", name="授权").click()
    row = row_of(desk, "粤梯云维保平台")
    expect(row).to_contain_text("授权中")
    expect(row).to_contain_text("本人")
    _fresh()
    grant = db.session.execute(
        db.select(PlatformAuthorisation).where(PlatformAuthorisation.maintenance_unit_id == world.unit.id)
    ).scalar_one()
    assert (grant.platform_client_id, grant.granted_by_id, grant.revoked_at) == (
        connected.client.id,
        world.admin.id,
        None,
    )

    # The granted platform uploads a record; the unit's records name it as the record's source.
    payload = record_payload(world.elevators[0], [world.tech1, world.tech2])
    answer = call(client, connected, "POST", "/api/v1/platform/records", payload)
    assert answer.status_code == 201, answer.get_json()
    record_id = answer.get_json()["record"]["record_id"]
    build_checkpoint()  # the record detail shows the record's place in the ledger
    _fresh()
    desk.open("/records")
    expect(row_of(desk, world.tech1.name)).to_contain_text("平台上传：粤梯云维保平台")
    shot(desk, "records-source")
    desk.open(f"/records/{record_id}")
    expect(page.locator(".el-descriptions").first).to_contain_text("上传来源平台上传：粤梯云维保平台")
    shot(desk, "record-source")
    desk.open("/unit/platforms")
    row = row_of(desk, "粤梯云维保平台")

    # The platform already granted is marked in the choice; a second platform is granted too.
    page.get_by_role("button", name="授权平台").click()
    dialog.get_by_label("平台").click()
    expect(page.locator(".el-select-dropdown__item:visible", has_text="粤梯云维保平台")).to_contain_text("已授权")
    page.locator(".el-select-dropdown__item:visible", has_text=testing.client.name).click()
    expect(dialog).to_contain_text("对接测试中的平台只能上传沙箱数据")
    dialog.get_by_role("button", name="授权").click()
    expect(page.locator(".grants .el-table__row")).to_have_count(2)

    # Revoke, with confirmation and a reason.
    row.get_by_role("button", name="撤销授权").click()
    box = page.get_by_role("dialog", name="撤销授权")
    expect(box).to_contain_text("撤销后该平台的下一次请求即被拒绝")
    box.get_by_role("textbox").fill("改用本单位自建系统")
    shot(desk, "revoke-confirm")
    box.get_by_role("button", name="撤销授权").click()
    expect(row).to_contain_text("已撤销")
    expect(row).to_contain_text("原因：改用本单位自建系统")
    expect(row.get_by_role("button", name="撤销授权")).to_have_count(0)
    _fresh()
    db.session.refresh(grant)
    assert grant.revoked_by_id == world.admin.id and grant.revoke_reason == "改用本单位自建系统"
    shot(desk, "revoked")
