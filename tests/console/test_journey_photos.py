"""Browser journey: a supervisor opens a record with photo evidence and sees the count, the watermarked photos with
their position, times and point, and the position left without a photo with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from miniback.extensions import db
from signoff.ledger.checkpoints import build_checkpoint
from tests.console.conftest import Desk, give_password
from tests.factories.photos import jpeg, upload
from tests.factories.records import complete_draft
from tests.factories.registry import auth, make_world
from tests.factories.signatures import signature_b64

pytestmark = pytest.mark.slow


def test_supervisor_sees_a_records_photos_and_the_missing_one(
    desk: Desk, client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    for seq, position in enumerate(("machine_room", "car_top", "car")):
        response = upload(client, world.tech1, draft["id"], position, jpeg(1200, 900, seed=40 + seq))
        assert response.status_code == 201, response.json
    body_reason = "底坑积水，已报物业抽水"

    body = {"signature_png": signature_b64(), "missing_photos": [{"position": "pit", "reason": body_reason}]}
    record = client.post(f"/api/v1/drafts/{draft['id']}/submit", json=body, headers=auth(world.tech1)).json
    build_checkpoint()  # the record screen also shows the record's ledger proof
    db.session.commit()
    give_password(world.supervisor, "photos-supervisor")

    desk.login("photos-supervisor")
    desk.open(f"/records/{record['id']}")
    card = desk.page.locator(".photos-card")
    expect(card.locator(".photo-count")).to_have_text("照片 3/4")
    expect(card.locator(".photo-position")).to_have_text(["机房", "轿顶", "轿厢"])
    expect(card.get_by_text("未拍摄：底坑")).to_be_visible()
    expect(card.get_by_text(f"原因：{body_reason}")).to_be_visible()
    images = card.locator("img.photo-img")
    expect(images).to_have_count(3)
    for index in range(3):
        images.nth(index).scroll_into_view_if_needed()
        desk.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(index).element_handle()
        )
    assert images.nth(0).evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 900]
    card.scroll_into_view_if_needed()
    desk.shot("record-photos")
