"""Signature images, built here only: real PNGs with ink (a blank image is refused), distinct per seed, and
placeholder rows for tests that write records straight into the tables."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools

from PIL import Image, ImageDraw

from miniback.extensions import db
from miniback.models import SignatureImage
from signoff.operations import Signature

# The technician's pad in the mini-program, and the smaller image the managers' operations are given.
TECHNICIAN_PAD = (300, 120)
MANAGER_PAD = (120, 40)
_placeholders = itertools.count(1)


def signature_png(seed: int = 0, size: tuple[int, int] = TECHNICIAN_PAD) -> bytes:
    """Real strokes across the pad; each seed (and each size) gives a distinct image."""
    width, height = size
    scale_x, scale_y = width / 120, height / 40
    strokes = [(8, 8), *((8 + 15 * i, 20 + ((seed + i * 7) % 13) - 6) for i in range(8)), (112, 32)]
    image = Image.new("RGB", size, (255, 255, 255))
    line = [(x * scale_x, y * scale_y) for x, y in strokes]
    ImageDraw.Draw(image).line(line, fill=(20, 20, 60), width=max(2, round(2 * min(scale_x, scale_y))))
    image.putpixel((0, 0), (seed % 256, seed // 256 % 256, seed // 65536 % 256))  # distinct beyond the strokes
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_b64(seed: int = 0, size: tuple[int, int] = TECHNICIAN_PAD) -> str:
    return base64.b64encode(signature_png(seed, size)).decode()


def manager_signature_b64(seed: int = 0) -> str:
    """What a manager's client sends to sign: distinct from the technician's default signature."""
    return signature_b64(seed, MANAGER_PAD)


def signature(seed: int = 0) -> Signature:
    """A manager's signature for the sign-off operations."""
    return Signature(png=signature_png(seed, MANAGER_PAD), width=MANAGER_PAD[0], height=MANAGER_PAD[1])


def placeholder_signature() -> SignatureImage:
    """A stored signature row (not a drawable image) with content of its own, for records written directly."""
    content = b"\x89PNG\r\n\x1a\n" + next(_placeholders).to_bytes(4, "big")
    sha = hashlib.sha256(content).hexdigest()
    image = db.session.get(SignatureImage, sha)
    if image is None:
        image = SignatureImage(sha256=sha, content=content, width=10, height=10, size_bytes=len(content))
        db.session.add(image)
    return image
