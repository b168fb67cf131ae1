"""Journey: the inspection body's dashboard (list totals, city-wide): the figures, the charts drawn (ECharts
fetched only then), the cards linking to the lists they count; the operator's home keeps its registrations figure
beside the statistics (tests/console/test_journey_statistics.py covers the regulators' statistics homes)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import Account, Elevator, utcnow
from miniback.records.due import file_delay_notice
from miniback.statistics.rollup import catch_up
from signoff.confirmation import apply_default_confirmations
from signoff.operations import object_to, sign
from tests.console.conftest import Desk, give_password
from tests.factories.registry import UnitWorld, make_authority, make_elevator, make_maintenance_unit, make_world
from tests.factories.signatures import signature
from tests.factories.signoff import due_records, submitted_records, today_shanghai

pytestmark = pytest.mark.slow


def _age(elevators: list[Elevator], days: int = 30) -> None:
    """Registered ``days`` ago and never maintained: overdue for the half-monthly job."""
    for elevator in elevators:
        elevator.created_at = utcnow() - timedelta(days=days)


def _city_of_two_districts() -> tuple[UnitWorld, UnitWorld]:
    """天河区: 3 elevators (2 traction, 1 escalator), 2 overdue of which 1 under a delay notice, records today:
    1 signed, 1 objected, 1 pending. 海珠区: 2 elevators, 1 overdue; 2 pending today, 1 default-confirmed."""
    tianhe, haizhu = make_world("天河区"), make_world("海珠区")
    make_elevator(tianhe.admin, tianhe.use_unit, "天河区", "escalator")
    _age(tianhe.elevators)
    _age(haizhu.elevators[:1])
    today = today_shanghai()
    file_delay_notice(
        tianhe.admin,
        tianhe.elevators[:1],
        {
            "cause": "natural_disaster",
            "starts_on": today - timedelta(days=1),
            "ends_on": today + timedelta(days=3),
            "explanation": "台风“摩羯”登陆，停工三天",
        },
    )
    db.session.commit()
    signed, objected, _pending = submitted_records(tianhe, 3)
    now = utcnow()
    sign(signed.record_id, tianhe.manager, signature(1), now=now)
    object_to(objected.record_id, tianhe.manager, "记录与现场不符", now=now, objection_period=timedelta(days=7))
    db.session.commit()
    submitted_records(haizhu, 2)
    due_records(haizhu, 1)
    while apply_default_confirmations(utcnow(), 100, now=utcnow()):
        db.session.commit()
    db.session.commit()
    return tianhe, haizhu


def _figures(desk: Desk) -> dict[str, str]:
    cards = desk.page.locator("[data-figure]")
    return {
        card.get_attribute("data-figure"): re.sub(r"\s+", "", card.locator(".value").inner_text())
        for card in cards.all()
    }


def _signoff_legend(desk: Desk) -> dict[str, str]:
    links = desk.page.locator("[data-signoff]")
    return {link.get_attribute("data-signoff"): link.locator("b").inner_text() for link in links.all()}


def _chart_text(desk: Desk, name: str) -> str:
    """What ECharts says about a chart (its aria-label lists every value in Chinese)."""
    return desk.page.locator(f"[data-chart={name}] .echart").get_attribute("aria-label") or ""


def _visitor(desk: Desk) -> None:
    """The log-in page asks who is logged in first: nobody yet, a 401 it expects."""
    desk.expect_failure(401, r"/api/v1/me$")


def _dashboard(desk: Desk) -> None:
    desk.page.wait_for_selector("[data-charts-ready]", state="attached")
    desk.page.wait_for_load_state("networkidle")


def test_the_inspectors_city_wide_dashboard_counts_the_lists(app: Flask, desk: Desk, browser: Any):
    _city_of_two_districts()
    city = give_password(make_authority("inspector"), "inspector")
    _visitor(desk)
    scripts: list[str] = []
    desk.page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)

    desk.open("/login")
    desk.page.get_by_label("登录名").wait_for()
    assert not [url for url in scripts if "echarts" in url], "ECharts must not be part of the log-in screen"
    desk.login(city.username)
    _dashboard(desk)
    assert [url for url in scripts if "echarts" in url], "the dashboard fetches ECharts when it draws"
    page = desk.page
    assert page.get_by_role("heading", name="检验工作概览").is_visible()
    assert page.get_by_text("检验机构查看记录，不看排名").is_visible()
    figures = _figures(desk)
    # This week's: today's five, and the default-confirmed one of two days ago if that day is in this week too.
    today = today_shanghai()
    two_days_ago_this_week = (today - timedelta(days=2)).isocalendar()[:2] == today.isocalendar()[:2]
    assert figures.pop("records-week") == ("6条" if two_days_ago_this_week else "5条")
    assert figures == {
        "elevators": "5台",
        "overdue": "3台",
        "overdue-unexcused": "2台",
        "records-today": "5条",
        "objection-open": "1条",
    }
    assert page.locator("[data-figure=overdue]").inner_text().count("其中 1 台已有延期说明") == 1
    assert _signoff_legend(desk) == {
        "signed": "1",
        "default_confirmed": "1",
        "objected": "1",
        "objection_resolved": "0",
        "pending": "3",
    }
    bars = _chart_text(desk, "elevators")
    assert "天河区" in bars and "海珠区" in bars and "越秀区" in bars, bars
    assert re.search(r"天河区[^0-9]*3", bars) and re.search(r"海珠区[^0-9]*2", bars), bars
    assert "已签名确认" in _chart_text(desk, "signoff")
    # Each card and slice links to the list it counts (those lists are their areas' screens).
    assert page.locator("[data-figure=overdue]").get_attribute("href") == "/console/overdue"
    assert page.locator("[data-figure=overdue-unexcused]").get_attribute("href") == "/console/overdue?excused=false"
    objections = page.locator("[data-figure=objection-open]").get_attribute("href")
    assert objections == "/console/signoff?tab=objected"
    assert page.locator("[data-figure=records-today]").get_attribute("href") == (
        f"/console/records?date_from={today.isoformat()}&date_to={today.isoformat()}"
    )
    assert page.locator("[data-signoff=default_confirmed]").get_attribute("href") == (
        "/console/records?signoff_state=default_confirmed"
    )
    desk.shot("city-dashboard")

    # Charts follow the window: at tablet width the charts stack (one per row) and are redrawn to fit.
    before = page.locator("[data-chart=elevators] canvas").bounding_box()
    page.set_viewport_size({"width": 1024, "height": 768})
    _wait_redrawn(desk, before["width"])
    expect(page.locator(".aside")).to_have_css("width", "64px")  # the menu folds at tablet width
    page.wait_for_timeout(400)  # let the menu's folding transition finish before the picture
    desk.shot("city-dashboard-tablet")
    page.set_viewport_size({"width": 1440, "height": 900})


def _wait_redrawn(desk: Desk, width: float) -> None:
    """The bar chart's canvas was redrawn at a new width that fills its card again."""
    chart = desk.page.locator("[data-chart=elevators]")
    for _ in range(50):
        canvas, box = chart.locator("canvas").bounding_box(), chart.locator(".echart").bounding_box()
        if canvas and box and abs(canvas["width"] - width) > 20 and abs(canvas["width"] - box["width"]) < 2:
            return
        desk.page.wait_for_timeout(100)
    raise AssertionError(f"the chart kept its width {width} after the window changed")


def test_operator_home_has_registrations_beside_the_statistics_and_inspector_home_the_dashboard(app: Flask, desk: Desk):
    _city_of_two_districts()
    make_maintenance_unit(status="pending")
    catch_up()
    operator = give_password(make_authority("platform_operator"), "operator")
    inspector = give_password(make_authority("inspector"), "inspector")
    db.session.commit()
    _visitor(desk)

    desk.login(operator.username)
    _dashboard(desk)
    assert desk.page.get_by_role("heading", name="平台运行概览").is_visible()
    figures = _figures(desk)
    assert figures["registrations"] == "1家" and figures["elevators_in_use"] == "5台", figures
    registrations = desk.page.locator("[data-figure=registrations]").get_attribute("href")
    assert registrations == "/console/platform/registrations"
    desk.shot("operator-dashboard")

    desk.login(inspector.username)
    _dashboard(desk)
    assert desk.page.get_by_role("heading", name="检验工作概览").is_visible()
    assert _figures(desk)["overdue"] == "3台"
    assert "registrations" not in _figures(desk)
    desk.shot("inspector-dashboard")


def test_an_inspector_without_any_data_sees_empty_charts_that_say_so(app: Flask, desk: Desk):
    regulator = Account(role="inspector", name="广州市特种设备检测研究院")
    db.session.add(regulator)
    give_password(regulator, "inspector-empty")
    _visitor(desk)
    desk.login(regulator.username)
    _dashboard(desk)
    assert set(_figures(desk).values()) == {"0台", "0条"}
    assert "暂无维保记录" in _chart_text(desk, "signoff")
    assert "暂无电梯" in _chart_text(desk, "elevators")
    desk.shot("empty-dashboard")
