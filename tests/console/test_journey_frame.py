"""The console's frame in a real browser: log-in, the way back to the page asked for, sessions, 404, log-out."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import Desk, give_password
from tests.factories.registry import make_world

pytestmark = pytest.mark.slow


def test_a_wrong_password_is_shown_on_the_form_and_the_right_one_returns_to_the_page_asked_for(desk: Desk):
    world = make_world()
    give_password(world.admin)
    desk.expect_failure(401, r"/api/v1/auth/session$")
    desk.expect_failure(401, r"/api/v1/me$")  # the first visit: nobody is logged in yet

    desk.open("/account/sessions")
    desk.page.wait_for_url(re.compile(r"/console/login\?redirect="))
    desk.page.get_by_label("登录名").fill(world.admin.username or "")
    desk.page.get_by_label("密码").fill("not-the-password-1")
    desk.page.get_by_role("button", name="登录").click()
    desk.page.get_by_text("用户名或密码错误").first.wait_for()
    assert desk.page.get_by_label("登录名").input_value() == world.admin.username  # what was typed is kept
    desk.shot("wrong-password")

    desk.page.get_by_label("密码").fill("Console-Pass-2026")
    desk.page.get_by_role("button", name="登录").click()
    desk.page.wait_for_url(re.compile(r"/console/account/sessions$"))
    desk.page.get_by_text("当前登录").wait_for()
    desk.shot("sessions")


def test_home_menu_404_and_log_out(desk: Desk):
    world = make_world()
    give_password(world.admin)
    desk.expect_failure(401, r"/api/v1/me$")
    desk.login(world.admin.username or "")
    desk.page.get_by_text(f"您好，{world.admin.name}").or_(desk.page.locator(".page")).first.wait_for()
    assert desk.page.locator(".who").inner_text().startswith(world.admin.name)
    desk.shot("home")

    desk.open("/no/such/page")
    desk.page.get_by_text("页面不存在，或您无权查看该内容").wait_for()
    desk.shot("not-found")

    desk.page.locator(".who").click()
    desk.page.get_by_text("退出登录").click()
    desk.page.wait_for_url(re.compile(r"/console/login"))
    desk.page.go_back()
    desk.page.wait_for_url(re.compile(r"/console/login"))  # the page before log-out is not shown again
    assert "miniback_session" not in desk.page.evaluate("document.cookie")
