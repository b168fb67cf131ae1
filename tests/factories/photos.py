"""Photos for the photo-evidence tests: camera-like images (random noise, so every one is different), and the
malformed files the upload must refuse."""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from PIL import Image

from miniback.models import Account, utcnow
from tests.factories.registry import auth

_random = random.Random(19)


def photo_image(width: int = 320, height: int = 240, seed: int | None = None) -> Image.Image:
    """A noisy image (blocks of random colour): different seeds give perceptually different images."""
    rng = random.Random(seed) if seed is not None else _random
    small = Image.frombytes("RGB", (16, 12), bytes(rng.randrange(256) for _ in range(16 * 12 * 3)))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def encoded(image: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(width: int = 320, height: int = 240, seed: int | None = None, quality: int = 85) -> bytes:
    return encoded(photo_image(width, height, seed), "JPEG", quality=quality)


def with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(image, "JPEG", quality=85, exif=exif.tobytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` × ``height`` pixels (a decompression bomb's
    first step): one row of zeros compressed, the rest never sent."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * (1 + 3 * min(width, 4096)))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def upload(
    client: FlaskClient,
    tech: Account,
    draft_id: int,
    position: str,
    data: bytes | None = None,
    *,
    captured_at: datetime | None = None,
    location: dict[str, Any] | None = None,
) -> Any:
    body = {
        "position": position,
        "image_base64": b64(data if data is not None else jpeg()),
        "captured_at": (captured_at or utcnow() - timedelta(minutes=5)).isoformat(),
        "location": location
        if location is not None
        else {"lat": 23.1327, "lng": 113.3322, "accuracy_m": 12.0, "coord_system": "gcj02"},
    }
    return client.post(f"/api/v1/drafts/{draft_id}/photos", json=body, headers=auth(tech))


def photograph_all(client: FlaskClient, tech: Account, draft: dict[str, Any]) -> list[dict[str, Any]]:
    """One different photo for each required position of ``draft``."""
    photos = []
    for position in draft["photo_positions"]:
        response = upload(client, tech, draft["id"], position["code"])
        assert response.status_code == 201, response.json
        photos.append(response.json)
    return photos
