"""Photos through the platform interface: checked and stored as the mini-program's, frozen with the record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from miniback.extensions import db
from miniback.models import DraftPhoto, MaintenanceRecord, RecordPhoto, RecordPhotoMissing, utcnow
from miniback.records.calendar import SHANGHAI
from signoff.ledger.hashing import sha256_hex
from tests.factories.photos import b64, jpeg
from tests.factories.platform import call, make_platform
from tests.factories.registry import make_world
from tests.factories.uploads import certify, record_payload

RECORDS = "/api/v1/platform/records"


def _photo(position: str, seed: int, data: bytes | None = None) -> dict[str, object]:
    taken = (utcnow() - timedelta(minutes=30)).astimezone(SHANGHAI).isoformat()
    return {
        "position": position,
        "image_base64": b64(data if data is not None else jpeg(seed=seed)),
        "captured_at": taken,
        "location": {"lat": 23.1327, "lng": 113.3322, "accuracy_m": 9, "coord_system": "gcj02"},
    }


def test_a_platform_uploads_photos_with_its_record(app, client, tmp_path: Path) -> None:
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))
    world = make_world()
    certify(world.tech1)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    photos = [_photo(code, 60 + seq) for seq, code in enumerate(("machine_room", "car_top", "car"))]
    payload = record_payload(
        world.elevators[0],
        [world.tech1],
        photos=photos,
        missing_photos=[{"position": "pit", "reason": "底坑积水"}],
    )
    response = call(client, platform, "POST", RECORDS, payload)
    assert response.status_code == 201, response.json
    record = db.session.get(MaintenanceRecord, response.json["record"]["record_id"])
    assert record is not None and (record.photos_present, record.photos_required) == (3, 4)
    stored = db.session.execute(select(RecordPhoto).order_by(RecordPhoto.seq)).scalars().all()
    assert [p.position for p in stored] == ["machine_room", "car_top", "car"]
    assert stored[0].sha256 == sha256_hex(jpeg(seed=60))
    assert (tmp_path / "archive" / "photos" / stored[0].sha256[:2] / stored[0].sha256).is_file()
    missing = db.session.execute(select(RecordPhotoMissing)).scalar_one()
    assert (missing.position, missing.reason) == ("pit", "底坑积水")


def test_a_bad_photo_refuses_the_whole_upload_naming_the_field(app, client, tmp_path: Path) -> None:
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))
    world = make_world()
    certify(world.tech1)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    photos = [_photo("machine_room", 70), _photo("car", 71, b"not an image at all")]
    response = call(client, platform, "POST", RECORDS, record_payload(world.elevators[0], [world.tech1], photos=photos))
    assert response.status_code == 422, response.json
    assert "photos.1.image_base64" in response.json["error"]["fields"]
    db.session.commit()
    assert db.session.execute(select(MaintenanceRecord)).first() is None
    assert db.session.execute(select(DraftPhoto)).first() is None
    assert not [path for path in tmp_path.rglob("photos/*/*") if path.is_file()]  # not even the good photo
