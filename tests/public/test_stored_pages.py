"""The resident's page is rendered once and kept (``public_page``): later views send it as stored; every write
residents can see on it marks it stale in the writing transaction (database triggers); the clock expires it; and
a page rendered from data that a concurrent write has since changed is never kept."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from miniback.extensions import db
from miniback.models import Elevator, PublicHistoryEntry, PublicPage, utcnow
from miniback.public import pages
from miniback.public.history import LOCAL_TZ, local_today
from tests.factories.public import insert_record
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_world
from tests.factories.signatures import manager_signature_b64


@pytest.fixture(autouse=True)
def generous_limit(app):
    app.config["PUBLIC_RATE_LIMIT"] = "100000 per minute"


def stored(elevator: Elevator) -> PublicPage:
    """The elevator's stored page as committed now."""
    db.session.commit()
    return db.session.execute(
        select(PublicPage).where(PublicPage.elevator_id == elevator.id).execution_options(populate_existing=True)
    ).scalar_one()


def view(client, elevator: Elevator) -> str:
    response = client.get(f"/e/{elevator.public_code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def never_rendered(*args, **kwargs):
    raise AssertionError("the stored page should have been sent")


def local_midnight(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ).astimezone(UTC)


def test_a_page_is_rendered_once_then_sent_as_stored(client, monkeypatch):
    world = make_world()
    elevator = world.elevators[0]
    first = client.get(f"/e/{elevator.public_code}")
    assert first.status_code == 200
    page = stored(elevator)
    assert gzip.decompress(page.html_gzip) == first.data and page.etag == first.headers["ETag"].strip('"')
    monkeypatch.setattr(pages, "public_history", never_rendered)
    second = client.get(f"/e/{elevator.public_code}")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, max-age=60"
    revalidated = client.get(f"/e/{elevator.public_code}", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.data == b""


def test_every_elevator_has_a_page_row_from_its_registration(client):
    world = make_world()
    for elevator in world.elevators:
        page = stored(elevator)
        assert page.public_code == elevator.public_code and page.html_gzip is None


def shows_after(client, elevator: Elevator, write: Callable[[], None], shown: str) -> None:
    """``write`` (through the API, committed) marks the stored page stale and the next view shows ``shown``."""
    assert shown not in view(client, elevator)
    before = stored(elevator)
    assert before.html_gzip is not None
    generation = before.generation
    write()
    after = stored(elevator)
    assert after.html_gzip is None and after.generation > generation
    assert shown in view(client, elevator)
    assert stored(elevator).html_gzip is not None


def api_write(client, account, method: str, url: str, body: dict, status: int = 200) -> Callable[[], None]:
    """A write through the API by ``account``, to be run by ``shows_after``."""

    def write() -> None:
        response = client.open(url, method=method, json=body, headers=auth(account))
        assert response.status_code == status, response.json

    return write


def test_a_submitted_record_and_its_signoff_show_at_once(client):
    world = make_world()
    elevator = world.elevators[0]
    record: dict = {}
    shows_after(client, elevator, lambda: record.update(submitted_record(client, world.tech1, elevator)), "张*明")
    sign = {"signature_png": manager_signature_b64()}
    url = f"/api/v1/signoff/records/{record['id']}/sign"
    shows_after(client, elevator, api_write(client, world.manager, "POST", url, sign, 201), "已签字确认")


def test_an_edited_elevator_shows_at_once(client):
    world = make_world()
    elevator = world.elevators[0]
    edit = api_write(client, world.admin, "PATCH", f"/api/v1/elevators/{elevator.id}", {"address": "新址路 8 号"})
    shows_after(client, elevator, edit, "新址路 8 号")


def test_a_new_emergency_phone_shows_on_every_page_of_the_unit(client):
    world = make_world()
    other = world.elevators[1]
    view(client, other)
    url = f"/api/v1/maintenance-units/{world.unit.id}"
    shows_after(
        client,
        world.elevators[0],
        api_write(client, world.admin, "PATCH", url, {"emergency_phone": "020-87654321"}),
        "020-87654321",
    )
    assert "020-87654321" in view(client, other)


def test_a_renamed_use_unit_shows_at_once(client):
    world = make_world()
    url = f"/api/v1/use-units/{world.use_unit.id}"
    rename = api_write(client, world.uu_admin, "PATCH", url, {"name": "广州新物业服务有限公司"})
    shows_after(client, world.elevators[0], rename, "广州新物业服务有限公司")


def test_a_renamed_technician_shows_at_once(client):
    world = make_world()
    elevator = world.elevators[0]
    insert_record(elevator, [world.tech1], local_today() - timedelta(days=3))
    rename = api_write(client, world.admin, "PATCH", f"/api/v1/staff/{world.tech1.id}", {"name": "王小红"})
    shows_after(client, elevator, rename, "王*红")


def test_a_filed_delay_notice_shows_at_once(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.created_at = elevator.created_at - timedelta(days=20)  # never maintained: overdue
    notice = {
        "elevator_ids": [elevator.id],
        "cause": "area_lockdown",
        "starts_on": (local_today() - timedelta(days=2)).isoformat(),
        "ends_on": (local_today() + timedelta(days=2)).isoformat(),
        "explanation": "小区封闭管理",
    }
    file_notice = api_write(client, world.admin, "POST", "/api/v1/delay-notices", notice, 201)
    shows_after(client, elevator, file_notice, "维保单位已提交延期说明")


def test_a_write_the_page_does_not_show_leaves_it_stored(client):
    world = make_world()
    elevator = world.elevators[0]
    view(client, elevator)
    before = stored(elevator)
    body = {"contact_phone": "020-11112222"}  # the unit's office contact: not on residents' pages
    response = client.patch(f"/api/v1/maintenance-units/{world.unit.id}", json=body, headers=auth(world.admin))
    assert response.status_code == 200, response.json
    after = stored(elevator)
    assert (after.generation, after.html_gzip) == (before.generation, before.html_gzip)


def test_browsers_that_accept_gzip_get_the_stored_bytes_compressed(client):
    world = make_world()
    elevator = world.elevators[0]
    plain = client.get(f"/e/{elevator.public_code}")
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    phone = {"Accept-Encoding": "gzip, deflate, br"}
    zipped = client.get(f"/e/{elevator.public_code}", headers=phone)
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.data == stored(elevator).html_gzip and gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) * 2 < len(plain.data)
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # two representations, two validators
    again = client.get(f"/e/{elevator.public_code}", headers={**phone, "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get(f"/e/{elevator.public_code}", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_a_page_rendered_while_a_write_lands_is_sent_but_not_kept(client, monkeypatch):
    world = make_world()
    elevator = world.elevators[0]
    real = pages.public_history

    def render_then_write(code, **kwargs):
        page = real(code, **kwargs)
        with db.engine.begin() as connection:  # another request's write commits after this view's read
            connection.execute(update(Elevator).where(Elevator.id == elevator.id).values(position="3 号货梯"))
        return page

    monkeypatch.setattr(pages, "public_history", render_then_write)
    assert "3 号货梯" not in view(client, elevator)
    assert stored(elevator).html_gzip is None  # rendered from data the write has changed: not kept
    monkeypatch.undo()
    assert "3 号货梯" in view(client, elevator)


def test_a_view_does_not_wait_for_a_write_holding_the_page(app):
    world = make_world()
    elevator = world.elevators[0]
    db.session.commit()
    writer = db.engine.connect()
    transaction = writer.begin()
    try:  # a write under way on this elevator: its trigger holds the page row until it commits
        writer.execute(text("UPDATE elevator SET position = '2 号客梯' WHERE id = :id"), {"id": elevator.id})
        started = time.monotonic()
        page = pages.public_page(elevator.public_code)
        assert time.monotonic() - started < 10  # InnoDB would make a locking store wait 50 s
        assert page is not None and "2 号客梯" not in page.html().decode()  # not committed yet
    finally:
        transaction.rollback()
        writer.close()
    assert stored(elevator).html_gzip is None  # the view skipped storing the page rather than wait


def test_a_pending_record_shows_default_confirmation_on_the_stored_page_from_its_deadline(app):
    world = make_world()
    elevator = world.elevators[0]
    record = insert_record(elevator, [world.tech1], local_today())
    now = utcnow()
    deadline = now + timedelta(hours=2)
    db.session.execute(
        update(PublicHistoryEntry)
        .where(PublicHistoryEntry.record_id == record.id)
        .values(signoff="awaiting", deadline_at=deadline)
    )
    db.session.commit()
    assert "待确认" in pages.public_page(elevator.public_code, now=now).html().decode()
    assert stored(elevator).valid_until == deadline
    assert "待确认" in pages.public_page(elevator.public_code, now=deadline - timedelta(seconds=1)).html().decode()
    later = pages.public_page(elevator.public_code, now=deadline + timedelta(seconds=1)).html().decode()
    assert "默认确认" in later and "待确认" not in later


def test_an_overdue_count_goes_up_at_local_midnight(app):
    world = make_world()
    elevator = world.elevators[0]
    elevator.created_at = elevator.created_at - timedelta(days=20)
    db.session.commit()
    now = utcnow()
    assert "本电梯已超期未维保 5 天" in pages.public_page(elevator.public_code, now=now).html().decode()
    midnight = local_midnight(local_today() + timedelta(days=1))
    assert stored(elevator).valid_until == midnight
    tomorrow = pages.public_page(elevator.public_code, now=midnight + timedelta(minutes=1)).html().decode()
    assert "本电梯已超期未维保 6 天" in tomorrow


def test_a_page_turns_overdue_at_the_midnight_after_its_due_date(app):
    world = make_world()
    elevator = world.elevators[0]
    insert_record(elevator, [world.tech1], local_today() - timedelta(days=2))
    db.session.commit()
    assert "维保按期进行中" in pages.public_page(elevator.public_code, now=utcnow()).html().decode()
    falls_due = local_midnight(local_today() + timedelta(days=14))  # due 13 days from now, overdue the day after
    assert stored(elevator).valid_until == falls_due
    overdue = pages.public_page(elevator.public_code, now=falls_due + timedelta(minutes=1)).html().decode()
    assert "本电梯已超期未维保 1 天" in overdue


def test_a_deploy_that_changes_the_page_renders_every_page_afresh(client, app, monkeypatch):
    world = make_world()
    elevator = world.elevators[0]
    view(client, elevator)
    assert stored(elevator).format == pages.page_format()
    monkeypatch.setitem(app.extensions, pages.FORMAT_KEY, "next-release")
    view(client, elevator)
    assert stored(elevator).format == "next-release"


def test_render_pages_command_renders_what_is_missing_or_stale(client, app):
    world = make_world()
    view(client, world.elevators[0])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["public", "render-pages"])
    assert result.exit_code == 0, result.output
    assert "已生成 1 个电梯公示页面" in result.output  # the one no resident has viewed yet
    assert all(stored(elevator).html_gzip is not None for elevator in world.elevators)
    again = runner.invoke(args=["public", "render-pages"])
    assert "已生成 0 个电梯公示页面" in again.output


def test_views_racing_writes_never_keep_a_stale_page(app):
    """Four residents viewing one elevator while its position is edited 40 times: whatever the interleaving, the
    page kept at the end is the last edit's."""
    world = make_world()
    elevator = world.elevators[0]
    db.session.commit()
    code, elevator_id = elevator.public_code, elevator.id
    done = threading.Event()
    failures: list[BaseException] = []

    def resident() -> None:
        with app.app_context():
            while not done.is_set():
                try:
                    assert pages.public_page(code) is not None
                except BaseException as exc:  # noqa: BLE001  (reported below)
                    failures.append(exc)
                    return

    residents = [threading.Thread(target=resident) for _ in range(4)]
    for thread in residents:
        thread.start()
    try:
        for n in range(40):
            with db.engine.begin() as connection:
                connection.execute(
                    text("UPDATE elevator SET position = :position WHERE id = :id"),
                    {"position": f"{n} 号客梯", "id": elevator_id},
                )
    finally:
        done.set()
        for thread in residents:
            thread.join(30)
    assert failures == []
    kept = stored(elevator)
    if kept.html_gzip is not None:
        assert "39 号客梯" in gzip.decompress(kept.html_gzip).decode()
    assert "39 号客梯" in pages.public_page(code).html().decode()
