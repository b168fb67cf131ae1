"""The console's cookie session in a real browser: idle and expired sessions, log-out and Back, the session list
and revoking another browser's session, the tablet layout, and a session cookie the page cannot read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import update

from miniback.extensions import db
from miniback.models import Account, ApiToken, utcnow
from tests.console.conftest import DESK_PASSWORD, Desk, give_password
from tests.factories.registry import make_authority, make_world

pytestmark = pytest.mark.slow


@pytest.fixture
def admin(app: Flask) -> Account:
    return give_password(make_world().admin, "session-admin")


@pytest.fixture
def second_desk(browser: Any, console_server: str) -> Iterator[Desk]:
    """Another browser (its own cookies) on the same console; it too fails the test on undeclared errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    desk = Desk(page=context.new_page(), base=console_server, name="second-browser")
    desk.watch()
    try:
        yield desk
    finally:
        context.close()
    assert not desk.problems, "\n".join(desk.problems)


def _visitor(desk: Desk) -> None:
    """The log-in page first asks who is logged in: a 401 it expects."""
    desk.expect_failure(401, r"/api/v1/me$")


def _console_sessions(account: Account, **values: Any) -> None:
    """Change the account's console sessions in the database, as time passing would."""
    db.session.execute(
        update(ApiToken).where(ApiToken.account_id == account.id, ApiToken.kind == "console").values(**values)
    )
    db.session.commit()


def _log_in_here(desk: Desk, account: Account) -> None:
    """Fill the log-in form the console is showing (keeping its ?redirect=)."""
    desk.page.get_by_label("登录名").fill(account.username or "")
    desk.page.get_by_label("密码").fill(DESK_PASSWORD)
    desk.page.get_by_role("button", name="登录").click()


def _open_sessions_page(desk: Desk) -> None:
    desk.page.locator(".who").click()
    desk.page.get_by_role("menuitem", name="登录设备").click()
    desk.page.wait_for_url(re.compile(r"/console/account/sessions$"))
    desk.page.get_by_text("当前登录").wait_for()


def test_an_idle_session_sends_the_user_to_log_in_with_the_reason_and_back(app: Flask, desk: Desk, admin: Account):
    _visitor(desk)
    desk.login(admin.username)
    _open_sessions_page(desk)
    _console_sessions(admin, last_used_at=utcnow() - timedelta(minutes=31))

    desk.page.reload()
    desk.page.wait_for_url(re.compile(r"/console/login\?redirect=(%2F|/)account(%2F|/)sessions$"))
    assert desk.page.get_by_text("长时间未操作，请重新登录").is_visible()
    desk.shot("idle-login")
    _log_in_here(desk, admin)
    desk.page.wait_for_url(re.compile(r"/console/account/sessions$"))
    desk.page.get_by_text("当前登录").wait_for()
    assert not desk.page.get_by_text("长时间未操作").count()


def test_an_expired_session_met_in_the_page_sends_the_user_to_log_in_and_back(app: Flask, desk: Desk, admin: Account):
    _visitor(desk)
    desk.expect_failure(401, r"/api/v1/me/sessions$")
    desk.login(admin.username)
    assert desk.page.get_by_role("heading", name=re.compile("您好")).is_visible()
    _console_sessions(admin, expires_at=utcnow() - timedelta(seconds=1))

    # No reload: the next screen's API call is refused, and the console goes to the log-in page by itself.
    _open_sessions_page_on(desk)
    desk.page.wait_for_url(re.compile(r"/console/login\?redirect=(%2F|/)account(%2F|/)sessions$"))
    assert desk.page.get_by_text("登录已过期，请重新登录").is_visible()
    _log_in_here(desk, admin)
    desk.page.wait_for_url(re.compile(r"/console/account/sessions$"))
    desk.page.get_by_text("当前登录").wait_for()


def test_after_logging_out_the_back_button_shows_no_data(app: Flask, desk: Desk, admin: Account):
    _visitor(desk)
    desk.login(admin.username)
    _open_sessions_page(desk)
    user_agent = desk.page.locator(".el-table__body").inner_text()
    assert "Chrome" in user_agent

    desk.page.locator(".who").click()
    desk.page.get_by_role("menuitem", name="退出登录").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))
    desk.page.go_back()
    desk.page.wait_for_url(re.compile(r"/console/login"))
    desk.page.get_by_role("button", name="登录").wait_for()
    assert desk.page.locator(".el-table").count() == 0
    assert "Chrome" not in desk.page.locator("body").inner_text()
    desk.page.go_back()
    desk.page.wait_for_load_state("networkidle")
    assert desk.page.locator(".el-table").count() == 0
    assert "当前登录" not in desk.page.locator("body").inner_text()
    desk.shot("back-after-logout")
    # The server ended the session too: the cookie is gone and its token is revoked.
    db.session.rollback()  # a fresh snapshot: the server wrote after this test last read
    assert not [c for c in desk.page.context.cookies() if c["name"] == "miniback_session"]
    assert db.session.execute(
        db.select(ApiToken.revoked_at).where(ApiToken.account_id == admin.id, ApiToken.kind == "console")
    ).scalar_one()


def test_the_session_list_shows_this_session_and_revoking_another_logs_that_browser_out(
    app: Flask, desk: Desk, second_desk: Desk, admin: Account
):
    _visitor(desk)
    _visitor(second_desk)
    second_desk.expect_failure(401, r"/api/v1/me/sessions$")
    second_desk.login(admin.username)
    desk.login(admin.username)
    _open_sessions_page(desk)
    rows = desk.page.locator(".el-table__body tr")
    assert rows.count() == 2
    current = rows.filter(has_text="当前登录")
    assert current.count() == 1 and "网页工作台" in current.inner_text()
    desk.shot("two-sessions")

    rows.filter(has_not_text="当前登录").get_by_role("button", name="退出该登录").click()
    desk.page.get_by_role("button", name="确定").click()
    desk.page.get_by_text("已退出该登录").wait_for()
    expect(desk.page.locator(".el-table__body tr")).to_have_count(1)  # the list is reloaded after the message

    # The other browser's next request is refused and it is sent to log in, told why.
    _open_sessions_page_on(second_desk)
    second_desk.page.wait_for_url(re.compile(r"/console/login\?redirect=(%2F|/)account(%2F|/)sessions$"))
    assert second_desk.page.get_by_text("登录凭证无效，请重新登录").is_visible()
    second_desk.shot("revoked-elsewhere")
    # This browser is still logged in.
    desk.page.reload()
    desk.page.get_by_text("当前登录").wait_for()


def _open_sessions_page_on(desk: Desk) -> None:
    desk.page.locator(".who").click()
    desk.page.get_by_role("menuitem", name="登录设备").click()


def test_the_page_cannot_read_the_session_cookie(app: Flask, desk: Desk, admin: Account):
    _visitor(desk)
    desk.login(admin.username)
    readable = desk.page.evaluate("document.cookie")
    assert "miniback_csrf=" in readable  # the CSRF token is meant to be read (and sent back as a header)
    assert "miniback_session" not in readable
    session = [c for c in desk.page.context.cookies() if c["name"] == "miniback_session"]
    assert len(session) == 1 and session[0]["httpOnly"] and session[0]["sameSite"] == "Lax"


def test_at_tablet_width_the_menu_folds_to_icons_and_unfolds_on_demand(app: Flask, browser: Any, console_server: str):
    world = make_world()
    give_password(world.admin, "tablet-admin")
    regulator = give_password(make_authority("regulator"), "tablet-regulator")
    db.session.commit()
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    desk = Desk(page=context.new_page(), base=console_server, name="tablet")
    desk.watch()
    _visitor(desk)
    try:
        desk.login(regulator.username)
        desk.page.wait_for_selector("[data-charts-ready]", state="attached")
        aside = desk.page.locator(".aside")
        assert aside.bounding_box()["width"] == 64
        assert not desk.page.locator(".brand-name").count()
        # Nothing spills sideways: the page is as wide as the window.
        assert desk.page.evaluate("document.documentElement.scrollWidth") <= 1024
        main = desk.page.locator(".main")
        assert main.evaluate("el => el.scrollWidth <= el.clientWidth")
        desk.shot("home-tablet")
        desk.page.get_by_role("button", name="展开菜单").click()
        desk.page.locator(".brand-name").wait_for()
        desk.page.wait_for_timeout(300)  # the aside's width transition
        assert aside.bounding_box()["width"] == 220
        desk.shot("home-tablet-menu-open")
    finally:
        context.close()
    assert not desk.problems, "\n".join(desk.problems)
