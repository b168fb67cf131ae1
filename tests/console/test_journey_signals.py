"""Browser journeys through the authenticity signals (issue 19): a supervisor filters the records by signal kind,
opens a record whose photo another record reused (re-encoded), reads the Chinese explanation with the three
signatures' figures and follows the evidence to the other record, where the later flag says which record revealed
it; a regulator opens an impossible trip and sees the speed and both jobs."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import expect

from miniback.extensions import db
from miniback.models import utcnow
from signoff.ledger.checkpoints import build_checkpoint
from tests.console.conftest import Desk, give_password
from tests.factories.photos import encoded, jpeg, photo_image
from tests.factories.records import confirm_location, north_of, start
from tests.factories.registry import make_authority, make_world
from tests.records.test_signals import FAR, FAR_NEAR, days_ago, job, local

pytestmark = pytest.mark.slow


def _whole_page_shot(desk: Desk, label: str) -> None:
    """The layout scrolls inside its main pane, so a long page is shot through a window as tall as the page."""
    page = desk.page
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.querySelector('.main').scrollHeight + 60")
    page.set_viewport_size({"width": 1440, "height": max(900, height)})
    desk.shot(label)
    page.set_viewport_size({"width": 1440, "height": 900})


def _seed(client: FlaskClient, app: Any, tmp_path: Any) -> dict[str, Any]:
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    far = north_of(10000)
    confirm_location(client, world.tech1, world.elevators[1], lat=far[0], lng=far[1])
    position = str(start(client, world.tech2, world.elevators[0]).json["photo_positions"][0]["code"])
    # A photo, then the same photo re-encoded on another elevator by another technician.
    taken = utcnow() + timedelta(minutes=2)
    check_in = utcnow() + timedelta(minutes=1)
    donor = job(client, world.tech1, world.elevators[0], check_in, minutes=3, photos={position: (jpeg(seed=31), taken)})
    again = encoded(photo_image(seed=31), "JPEG", quality=50)
    reused = job(
        client, world.tech2, world.elevators[1], check_in, minutes=3, photos={position: (again, taken)},
        check_in_where=FAR, check_out_where=FAR_NEAR,
    )  # fmt: skip
    # Yesterday: one technician checks out, then checks in 10 km away 45 minutes later... and 5 minutes after.
    first_in = local(days_ago(1), 10)
    trip_from = job(client, world.tech1, world.elevators[0], first_in)
    trip_to = job(
        client, world.tech1, world.elevators[1], first_in + timedelta(minutes=45), check_in_where=FAR,
        check_out_where=FAR_NEAR,
    )  # fmt: skip
    build_checkpoint()  # the record screen also shows the record's ledger proof
    db.session.commit()
    return {"world": world, "donor": donor, "reused": reused, "from": trip_from, "to": trip_to}


def _rows(desk: Desk) -> Any:
    return desk.page.locator(".el-table__body-wrapper tbody tr")


def test_supervisor_reads_a_reused_photo_signal_and_follows_its_evidence(
    desk: Desk, client: FlaskClient, app: Any, tmp_path: Any
) -> None:
    seeded = _seed(client, app, tmp_path)
    donor, reused = seeded["donor"], seeded["reused"]
    assert "photo_reused" in reused["signal_kinds"]
    give_password(seeded["world"].supervisor, "signals-supervisor")
    desk.login("signals-supervisor")
    page = desk.page

    # The list filtered to one signal kind: the two records of the reused photo.
    desk.open("/records")
    page.get_by_role("heading", name="维保记录").wait_for()
    desk.page.locator(".el-form-item", has_text="标记类型").locator(".el-select").first.click()
    page.get_by_role("option", name="照片重复使用", exact=True).click()
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"flag=photo_reused"))
    expect(_rows(desk)).to_have_count(2)
    expect(page.locator(".el-table__body-wrapper").get_by_text("照片重复使用")).to_have_count(2)
    desk.shot("records-photo-reused")

    # The later record: the explanation in Chinese, with the three signatures' figures, and a link to the other.
    desk.open(f"/records/{reused['id']}")
    flags = page.locator(".flags")
    line = flags.locator(".flag-line", has_text="照片重复使用")
    expect(line).to_contain_text(f"本记录的照片在记录 #{donor['id']} 中已经用过：机房照片与其机房照片几乎相同")
    expect(line).to_contain_text("感知哈希相差")
    expect(line).to_contain_text("差异哈希相差")
    expect(line).to_contain_text("平均颜色相差")
    expect(line.locator(".related")).to_have_text(f"相关记录：#{donor['id']}")
    line.scroll_into_view_if_needed()
    _whole_page_shot(desk, "record-photo-reused")

    # The evidence link opens the record whose photo was used first: its flag was raised later, by the reuse.
    line.get_by_role("link", name=f"#{donor['id']}").click()
    page.wait_for_url(re.compile(rf"/records/{donor['id']}$"))
    earlier = page.locator(".flags .flag-line", has_text="照片重复使用")
    expect(earlier).to_contain_text(f"本记录的照片被之后提交的记录 #{reused['id']} 再次使用")
    expect(earlier).to_contain_text(f"（提交后由记录 #{reused['id']} 揭示）")
    expect(earlier.locator(".related")).to_have_text(f"相关记录：#{reused['id']}")
    _whole_page_shot(desk, "record-photo-reused-earlier")


def test_regulator_sees_an_impossible_trip_with_both_jobs(desk: Desk, client: FlaskClient, app: Any, tmp_path: Any):
    seeded = _seed(client, app, tmp_path)
    trip_from, trip_to = seeded["from"], seeded["to"]
    assert "impossible_travel" in trip_to["signal_kinds"]
    regulator = make_authority("regulator")
    give_password(regulator, "signals-regulator")
    desk.login("signals-regulator")
    page = desk.page
    desk.open(f"/records/{trip_to['id']}")
    line = page.locator(".flags .flag-line", has_text="行程不可能")
    expect(line).to_contain_text(f"同一维保人员在记录 #{trip_from['id']}")
    expect(line).to_contain_text("10.0 公里外签到")
    expect(line).to_contain_text("超过 80 公里/小时，两处现场不可能都到过")
    expect(line.locator(".related")).to_have_text(f"相关记录：#{trip_from['id']}")
    line.scroll_into_view_if_needed()
    _whole_page_shot(desk, "record-impossible-travel")
    line.get_by_role("link", name=f"#{trip_from['id']}").click()
    page.wait_for_url(re.compile(rf"/records/{trip_from['id']}$"))
    earlier = page.locator(".flags .flag-line", has_text="行程不可能")
    expect(earlier).to_contain_text(f"（提交后由记录 #{trip_to['id']} 揭示）")
    _whole_page_shot(desk, "record-impossible-travel-earlier")
