"""Photo evidence (issue 19): positions, upload checks, storage in both stores, submission, display, tampering."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, text

from miniback.extensions import db
from miniback.models import DraftPhoto, MaintenanceRecord, RecordPhoto, RecordPhotoMissing, utcnow
from miniback.records.photos import PHOTO_POSITIONS_VERSION, archive_store, photo_store, shipped_positions
from signoff.archive.backup import verify_backup
from signoff.archive.photos import photo_name
from signoff.archive.segments import archive_pending
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.hashing import sha256_hex
from signoff.ledger.verify import verify_ledger
from tests.factories.ledger import attacker
from tests.factories.photos import (
    encoded,
    jpeg,
    photo_image,
    photograph_all,
    png_declaring,
    upload,
    with_orientation,
)
from tests.factories.records import complete_draft, submit
from tests.factories.registry import auth, make_world

TRACTION_HALF_MONTH = ["machine_room", "car_top", "pit", "car"]


@pytest.fixture
def stores(app: Flask, archive_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Photos kept in a temporary photo directory and in the archive (a local directory, then S3)."""
    app.config.update(archive_config, PHOTO_DIR=str(tmp_path / "photos"))
    return archive_config


@pytest.fixture
def local_stores(app: Flask, tmp_path: Path) -> None:
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))


def _count(model: Any) -> int:
    return db.session.execute(db.select(func.count()).select_from(model)).scalar_one()


def _stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("photos/*/*") if p.is_file()]


# --- positions ---------------------------------------------------------------------------------------------------


def test_positions_are_versioned_data_cumulative_by_category() -> None:
    assert [p.code for p in shipped_positions("traction", "half_month")] == TRACTION_HALF_MONTH
    year = [p.code for p in shipped_positions("traction", "year")]
    assert year[:4] == TRACTION_HALF_MONTH and {"landing_door", "brake"} <= set(year)
    assert [p.code for p in shipped_positions("escalator", "half_month")][0] == "upper_station"


def test_a_draft_keeps_the_positions_it_was_started_with_and_a_unit_may_require_more(app, client, local_stores):
    world = make_world()
    added = client.post(
        "/api/v1/units/photo-positions",
        json={"elevator_type": "traction", "category": "half_month", "code": "rescue_sign", "label": "救援标识"},
        headers=auth(world.admin),
    )
    assert added.status_code == 201, added.json
    draft = complete_draft(client, world.tech1, world.elevators[0])
    assert [p["code"] for p in draft["photo_positions"]] == [*TRACTION_HALF_MONTH, "rescue_sign"]
    again = client.post(
        "/api/v1/units/photo-positions",
        json={"elevator_type": "traction", "category": "half_month", "code": "pit", "label": "底坑"},
        headers=auth(world.admin),
    )
    assert again.status_code == 409
    # Someone else's unit is unaffected.
    other = make_world()
    assert [p["code"] for p in complete_draft(client, other.tech1, other.elevators[0])["photo_positions"]] == (
        TRACTION_HALF_MONTH
    )


# --- upload ------------------------------------------------------------------------------------------------------


def test_a_photo_is_stored_once_by_its_sha256_in_the_photo_store_and_the_archive(app, client, stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    data = jpeg(seed=1)
    taken = utcnow().replace(microsecond=0)
    response = upload(client, world.tech1, draft["id"], "pit", data, captured_at=taken)
    assert response.status_code == 201, response.json
    photo = response.json
    assert photo["sha256"] == sha256_hex(data) and len(photo["phash"]) == 16
    assert (photo["width"], photo["height"], photo["format"], photo["size_bytes"]) == (320, 240, "jpeg", len(data))
    captured, received = (datetime.fromisoformat(photo[key]) for key in ("captured_at", "received_at"))
    assert captured == taken and received >= captured
    assert (photo["lat"], photo["lng"], photo["coord_system"]) == ("23.1327000", "113.3322000", "gcj02")
    with app.app_context():
        assert photo_store().get(photo_name(photo["sha256"])) == data
        assert archive_store().get(photo_name(photo["sha256"])) == data
    # The same bytes again (a retried upload) are the same object: no error, one copy in each store.
    assert upload(client, world.tech1, draft["id"], "pit", data).status_code == 201
    assert _count(DraftPhoto) == 2
    with app.app_context():
        assert archive_store().names(f"photos/{photo['sha256'][:2]}/") == [photo_name(photo["sha256"])]


def _huge_real_png() -> bytes:
    # 4 000 × 4 000 of one colour: a few kilobytes on the wire, 48 MB once decoded.
    return encoded(Image.new("RGB", (4000, 4000), (0, 0, 0)), "PNG", optimize=True)


def _truncated() -> bytes:
    data = jpeg(seed=2)
    return data[: len(data) // 2]


BAD_FILES = {
    "not an image": (lambda: b"%PDF-1.4 not a photo at all", "JPEG 或 PNG"),
    "a GIF": (lambda: encoded(photo_image(seed=3), "GIF"), "JPEG 或 PNG"),
    "a WebP under a JPEG name": (lambda: b"\xff\xd8\xff" + encoded(photo_image(seed=3), "WEBP"), "无法识别"),
    "truncated": (_truncated, "无法识别"),
    "too small": (lambda: jpeg(100, 80), "边长"),
    "a PNG declaring 100000 × 100000": (lambda: png_declaring(100_000, 100_000), "像素"),
    "a PNG declaring 4000 × 4000 (a bomb within the side limit)": (lambda: png_declaring(4000, 4000), "像素"),
    "a real decompression bomb": (_huge_real_png, "像素"),
    "an EXIF orientation outside 1–8": (lambda: with_orientation(photo_image(seed=4), 9), "EXIF"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_4xx_and_nothing_is_stored(app, client, local_stores, tmp_path, case):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    make, words = BAD_FILES[case]
    response = upload(client, world.tech1, draft["id"], "pit", make())
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert words in error["fields"]["image_base64"]
    assert _count(DraftPhoto) == 0 and _stored_files(tmp_path) == []


def test_pillows_own_bomb_guard_stays_a_second_line(app, client, local_stores, tmp_path, monkeypatch):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # below our own limit: Pillow's guard acts first
    response = upload(client, world.tech1, draft["id"], "pit", jpeg(seed=5))
    assert response.status_code == 422 and "像素过多" in response.json["error"]["fields"]["image_base64"]
    assert _count(DraftPhoto) == 0 and _stored_files(tmp_path) == []


def test_an_oversized_file_is_refused_before_decoding(app, client, local_stores, tmp_path):
    app.config["PHOTO_MAX_BYTES"] = 10_000
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    response = upload(client, world.tech1, draft["id"], "pit", jpeg(1600, 1200, seed=6, quality=95))
    assert response.status_code == 422 and "不能超过" in response.json["error"]["fields"]["image_base64"]
    assert _count(DraftPhoto) == 0 and _stored_files(tmp_path) == []


def test_a_rotated_photo_is_kept_as_sent_and_hashed_upright(app, client, local_stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    upright = photo_image(240, 320, seed=7)
    # The same picture as a camera stores it: pixels lying on their side, EXIF orientation 6 (rotate 90° CW).
    sideways = with_orientation(upright.transpose(Image.Transpose.ROTATE_90), 6)
    first = upload(client, world.tech1, draft["id"], "pit", sideways).json
    second = upload(client, world.tech1, draft["id"], "car", encoded(upright, "JPEG", quality=85)).json
    assert first["sha256"] == sha256_hex(sideways)
    assert bin(int(first["phash"], 16) ^ int(second["phash"], 16)).count("1") <= 6


def test_a_photo_for_an_unknown_position_someone_elses_draft_or_after_submission_is_refused(
    app, client, local_stores, tmp_path
):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    assert upload(client, world.tech1, draft["id"], "roof").status_code == 422
    assert upload(client, world.tech2, draft["id"], "pit").status_code == 404
    assert upload(client, world.supervisor, draft["id"], "pit").status_code in (403, 404)
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    late = upload(client, world.tech1, draft["id"], "pit")
    assert late.status_code == 409 and late.json["error"]["code"] == "already_submitted"
    assert _count(DraftPhoto) == 0 and _stored_files(tmp_path) == []


def test_a_capture_time_in_the_future_is_refused(app, client, local_stores):
    from datetime import timedelta

    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    response = upload(client, world.tech1, draft["id"], "pit", captured_at=utcnow() + timedelta(hours=1))
    assert response.status_code == 422 and "captured_at" in response.json["error"]["fields"]


# --- submission --------------------------------------------------------------------------------------------------


def test_submission_needs_every_required_photo_or_a_reason(app, client, local_stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    upload(client, world.tech1, draft["id"], "pit")
    refused = submit(client, world.tech1, draft["id"], explain_missing=False)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"photos.machine_room", "photos.car_top", "photos.car"}
    assert "机房" in refused.json["error"]["fields"]["photos.machine_room"]
    body = {"signature_png": _signature(), "missing_photos": [{"position": "pit", "reason": "已拍"}]}
    wrong = client.post(f"/api/v1/drafts/{draft['id']}/submit", json=body, headers=auth(world.tech1))
    assert wrong.status_code == 422 and "missing_photos.pit" in wrong.json["error"]["fields"]
    assert _count(MaintenanceRecord) == 0
    done = submit(client, world.tech1, draft["id"])
    assert done.status_code == 201, done.json
    assert (done.json["photos_required"], done.json["photos_present"]) == (4, 1)
    missing = db.session.execute(db.select(RecordPhotoMissing).order_by(RecordPhotoMissing.seq)).scalars().all()
    assert [m.position for m in missing] == ["machine_room", "car_top", "car"]
    assert missing[0].label == "机房" and missing[0].reason


def _signature() -> str:
    from tests.factories.signatures import signature_b64

    return signature_b64()


def test_photo_hashes_positions_and_times_are_in_the_canonical_content(app, client, local_stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    photos = photograph_all(client, world.tech1, draft)
    record = submit(client, world.tech1, draft["id"]).json
    assert (record["photos_required"], record["photos_present"]) == (4, 4)
    detail = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.supervisor)).json
    content = json.loads(detail["canonical_content"])
    assert content["schema"] == "miniback.maintenance_record/2"
    assert content["photo_positions_version"] == PHOTO_POSITIONS_VERSION
    assert [p["sha256"] for p in content["photos"]] == [p["sha256"] for p in photos]
    assert [p["position"] for p in content["photos"]] == TRACTION_HALF_MONTH
    assert {"captured_at", "received_at", "lat", "lng", "phash"} <= set(content["photos"][0])
    assert content["photos_missing"] == []
    assert [p["sha256"] for p in detail["photos"]] == [p["sha256"] for p in photos]
    assert _count(RecordPhoto) == 4


# --- display -----------------------------------------------------------------------------------------------------


def test_authorised_readers_see_a_watermarked_copy_and_the_original_is_untouched(app, client, local_stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    photograph_all(client, world.tech1, draft)
    record = submit(client, world.tech1, draft["id"]).json
    detail = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.supervisor)).json
    first = detail["photos"][0]
    shown = client.get(first["url"], headers=auth(world.supervisor))
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.size == (320, 240)
        band = image.crop((0, 200, 320, 240)).convert("L")
        assert max(band.getdata()) > 200  # the white text of the watermark
    with app.app_context():
        assert sha256_hex(photo_store().get(photo_name(first["sha256"]))) == first["sha256"]
    assert client.get(first["url"], headers=auth(world.manager)).status_code == 200  # the use unit reads it
    stranger = make_world()
    assert client.get(first["url"], headers=auth(stranger.supervisor)).status_code == 404
    assert (
        client.get(f"/api/v1/records/{record['id']}/photos/999999.jpg", headers=auth(world.supervisor)).status_code
        == 404
    )


def test_a_replaced_photo_file_is_served_from_the_archive_or_refused(app, client, local_stores, tmp_path):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    photograph_all(client, world.tech1, draft)
    record = submit(client, world.tech1, draft["id"]).json
    first = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.supervisor)).json["photos"][0]
    name = photo_name(first["sha256"])
    (tmp_path / "photos" / name).write_bytes(jpeg(seed=99))
    assert client.get(first["url"], headers=auth(world.supervisor)).status_code == 200  # the archive's copy
    (tmp_path / "archive" / name).write_bytes(jpeg(seed=98))
    refused = client.get(first["url"], headers=auth(world.supervisor))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "photo_unavailable"


# --- tampering ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sealed(app: Flask, client: Any, stores: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    photograph_all(client, world.tech1, draft)
    record = submit(client, world.tech1, draft["id"]).json
    build_checkpoint()
    db.session.commit()
    store = archive_store()
    assert archive_pending(store) == 1
    assert verify_ledger().problems == [] and verify_backup(store).problems == []
    return record, store


def test_a_swapped_photo_row_is_caught_by_ledger_verify_and_backup_verify(sealed) -> None:
    record, store = sealed
    forged = sha256_hex(b"another photo")
    with attacker("record_photo"):
        db.session.execute(
            text("UPDATE record_photo SET sha256 = :f WHERE record_id = :id AND seq = 2"),
            {"f": forged, "id": record["id"]},
        )
    problems = verify_ledger().problems
    assert any(f"维保记录 #{record['id']}" in p and "photos[2]" in p for p in problems), problems
    backup = verify_backup(store).problems
    assert any("照片" in p and "sha256" in p for p in backup), backup


def test_a_replaced_photo_object_in_the_archive_is_caught_by_backup_verify(sealed) -> None:
    record, store = sealed
    sha = db.session.execute(
        db.select(RecordPhoto.sha256).where(RecordPhoto.record_id == record["id"], RecordPhoto.seq == 3)
    ).scalar_one()
    name = photo_name(sha)
    if hasattr(store, "root"):
        (store.root / name).write_bytes(jpeg(seed=77))
    else:  # S3: the object overwritten around the application
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + name, Body=jpeg(seed=77))
    problems = verify_backup(store).problems
    assert any("已被替换" in p and f"维保记录 #{record['id']}" in p for p in problems), problems


# --- the public page ---------------------------------------------------------------------------------------------


def test_the_public_page_shows_only_the_photo_count(app, client, local_stores):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    for position in ("machine_room", "car_top", "car"):
        assert upload(client, world.tech1, draft["id"], position).status_code == 201
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    page = client.get(f"/e/{world.elevators[0].public_code}").get_data(as_text=True)
    assert "照片 3/4" in page
    assert "/photos/" not in page and ".jpg" not in page
    twin = client.get(f"/api/v1/public/elevators/{world.elevators[0].public_code}")
    assert twin.status_code == 200 and twin.json["records"][0]["photos"] == "3/4"
