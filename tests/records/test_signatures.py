"""Signature images of technicians and managers: the ink rule, and one size rule that fits the body limit."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image, ImageDraw

from miniback import create_app
from miniback.config import PNG_DATA_URL, signature_base64_length
from miniback.errors import ConfigError
from miniback.extensions import db
from miniback.models import MaintenanceRecord, SignoffEvent
from miniback.records.signature import TOO_LITTLE_INK, has_enough_ink
from tests.conftest import test_config as app_config
from tests.factories.records import complete_draft, submit
from tests.factories.registry import auth, make_world
from tests.factories.signoff import submitted_records

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
INK = (17, 17, 17, 255)  # the signature pad's stroke colour, #111
WHITE = (255, 255, 255, 255)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def drawn(
    size: tuple[int, int],
    lines: list[list[tuple[int, int]]],
    *,
    mode: str = "RGB",
    width: int = 4,
    ink: tuple[int, ...] = INK,
) -> bytes:
    """Strokes on white, or on a transparent canvas for ``mode="RGBA"`` (as the pad draws)."""
    image = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "white")
    pen = ImageDraw.Draw(image)
    for line in lines:
        pen.line(line, fill=ink if mode == "RGBA" else ink[:3], width=width)
    return png(image)


def pad_signature() -> bytes:
    """What the mini-program's pad exports for a short two-character name: a transparent canvas of the pad's size
    (345 × 180 px at pixel ratio 2), strokes of its 3 px line width scaled by the ratio."""
    strokes = [
        [(120, 150), (200, 140)],
        [(160, 100), (150, 250)],
        [(110, 240), (210, 220)],
        [(260, 120), (330, 130), (300, 200), (250, 260)],
        [(280, 180), (350, 250)],
    ]
    return drawn((690, 360), strokes, mode="RGBA", width=6)


def _records() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(MaintenanceRecord)).scalar_one()


def _events(record_id: int) -> list[str]:
    query = db.select(SignoffEvent.kind).where(SignoffEvent.record_id == record_id).order_by(SignoffEvent.id)
    return list(db.session.execute(query).scalars())


TOO_LITTLE = {
    "blank white": png(Image.new("RGB", (300, 120), "white")),
    "fully transparent": png(Image.new("RGBA", (300, 120), (255, 255, 255, 0))),
    "transparent black": png(Image.new("RGBA", (300, 120), (0, 0, 0, 0))),
    "grey, no strokes": png(Image.new("L", (300, 120), 200)),
    "one dot": drawn((300, 120), [[(150, 60), (152, 60)]]),
    "a straight line": drawn((300, 120), [[(10, 60), (290, 60)]]),
    "a blot in a corner": drawn((300, 120), [[(5, 5), (25, 5)], [(5, 10), (25, 10)]], width=6),
    "white ink on a transparent pad": drawn((300, 120), [[(10, 80), (150, 20), (290, 90)]], mode="RGBA", ink=WHITE),
}


def test_a_blank_or_near_blank_technician_signature_is_refused(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    for name, image in TOO_LITTLE.items():
        response = submit(client, world.tech1, draft["id"], b64(image))
        assert response.status_code == 422, name
        assert response.json["error"] == {
            "code": "validation_error",
            "message": TOO_LITTLE_INK,
            "fields": {"signature_png": TOO_LITTLE_INK},
        }, name
    assert _records() == 0
    assert submit(client, world.tech1, draft["id"], b64(pad_signature())).status_code == 201


def test_a_blank_manager_signature_is_refused_and_the_record_stays_pending(client):
    world = make_world()
    (state,) = submitted_records(world)
    url = f"/api/v1/signoff/records/{state.record_id}/sign"
    for name, image in TOO_LITTLE.items():
        response = client.post(url, json={"signature_png": b64(image)}, headers=auth(world.manager))
        assert response.status_code == 422, name
        assert response.json["error"]["fields"] == {"signature_png": TOO_LITTLE_INK}, name
    assert _events(state.record_id) == ["submitted"]
    response = client.post(
        url, json={"signature_png": PNG_DATA_URL + b64(pad_signature())}, headers=auth(world.manager)
    )
    assert response.status_code == 201, response.json
    assert _events(state.record_id) == ["submitted", "signed"]


def test_the_ink_rule_judges_the_image_as_shown_on_white():
    def opened(data: bytes) -> Image.Image:
        image = Image.open(io.BytesIO(data))
        image.load()
        return image

    assert has_enough_ink(opened(pad_signature()))
    scribble = [[(10, 80), (90, 20), (200, 90), (290, 30)]]
    assert has_enough_ink(opened(drawn((300, 120), scribble)))  # black on white
    light_on_dark = Image.new("L", (300, 120), 0)
    ImageDraw.Draw(light_on_dark).line(scribble[0], fill=255, width=4)
    assert has_enough_ink(opened(png(light_on_dark)))  # the background is the dominant grey, not always white
    palette = Image.open(io.BytesIO(drawn((300, 120), scribble, mode="RGBA"))).convert("P")
    palette.info["transparency"] = palette.getpixel((0, 0))
    assert has_enough_ink(opened(png(palette)))  # a palette PNG whose background index is transparent
    for name, image in TOO_LITTLE.items():
        assert not has_enough_ink(opened(image)), name


def test_an_oversized_signature_gets_the_size_message_on_both_endpoints(client, app):
    limit = app.config["SIGNATURE_MAX_BYTES"]
    oversized = b64(PNG_MAGIC + b"\0" * (limit * 3 // 2))  # longer than any former per-schema limit of records
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    response = submit(client, world.tech1, draft["id"], oversized)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"signature_png": "签名图片不能超过 200 KB"}
    (state,) = submitted_records(world)
    response = client.post(
        f"/api/v1/signoff/records/{state.record_id}/sign",
        json={"signature_png": oversized},
        headers=auth(world.manager),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"signature_png": "签名图片不能超过 200 KB"}


def test_the_largest_signature_the_size_rule_allows_fits_the_body_limit(client, app):
    limit = app.config["SIGNATURE_MAX_BYTES"]
    largest = PNG_DATA_URL + b64(PNG_MAGIC + b"\0" * (limit - len(PNG_MAGIC)))
    assert len(largest) == signature_base64_length(limit)
    world = make_world()
    (state,) = submitted_records(world)
    url = f"/api/v1/signoff/records/{state.record_id}/sign"
    body = {"signature_png": largest}
    assert len(json.dumps(body)) <= app.config["MAX_CONTENT_LENGTH"]
    response = client.post(url, json=body, headers=auth(world.manager))
    # Past the body limit and the size rule: refused only for not being a real image.
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"signature_png": "签名图片已损坏或无法识别"}
    response = client.post(url, json={"signature_png": largest + "AAAA"}, headers=auth(world.manager))
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"signature_png": "签名图片不能超过 200 KB"}


def test_the_app_refuses_a_signature_limit_the_body_limit_would_cut_off():
    with pytest.raises(ConfigError, match="MINIBACK_SIGNATURE_MAX_BYTES"):
        create_app(app_config(SIGNATURE_MAX_BYTES=2 * 1024 * 1024))
    app = create_app(app_config(SIGNATURE_MAX_BYTES=2 * 1024 * 1024, MAX_CONTENT_LENGTH=3 * 1024 * 1024))
    assert app.config["SIGNATURE_MAX_BYTES"] == 2 * 1024 * 1024
