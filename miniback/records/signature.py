"""Signature images (technician and manager) as they arrive: PNG only, size, dimensions and ink checked (stored by
``signoff.signatures.store_signature``)."""

from __future__ import annotations

import base64
import binascii
import io

from flask import current_app
from PIL import Image, UnidentifiedImageError

from miniback.config import PNG_DATA_URL, signature_base64_length
from miniback.errors import ValidationFailed

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# The ink rule (README, "Signatures"). The image is judged as it is shown: laid over white (a transparent pad's
# strokes are its opaque pixels) and in grey levels. The background is the most common grey level; ink is a pixel
# at least INK_CONTRAST levels away from it. A signature needs INK_MIN_SHARE of the pixels as ink, and the ink's
# bounding box must span INK_MIN_WIDTH_SHARE of the width and INK_MIN_HEIGHT_SHARE of the height: a blank image,
# a dot or a straight line is refused.
INK_CONTRAST = 64
INK_MIN_SHARE = 0.005
INK_MIN_WIDTH_SHARE = 0.15
INK_MIN_HEIGHT_SHARE = 0.10
TOO_LITTLE_INK = "签名过于简单或为空白，请重新签名"


def signature_too_large(limit: int) -> str:
    return f"签名图片不能超过 {limit // 1024} KB"


def check_signature_text(value: str) -> str:
    """Refuse, before decoding, a base64 signature too long to be within ``SIGNATURE_MAX_BYTES`` once decoded."""
    limit = current_app.config["SIGNATURE_MAX_BYTES"]
    if len(value) > signature_base64_length(limit):
        raise ValueError(signature_too_large(limit))
    return value


def decode_base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={field: "不是合法的 Base64 编码"}) from None


def decode_signature(value: str, field: str) -> bytes:
    """A signature's PNG bytes from its base64 text (a ``data:image/png;base64,`` prefix is allowed)."""
    return decode_base64(value.removeprefix(PNG_DATA_URL), field)


def check_signature_png(data: bytes, field: str = "signature_png") -> tuple[int, int]:
    """Refuse anything but a real PNG within the configured size and dimensions; returns (width, height)."""
    limit = current_app.config["SIGNATURE_MAX_BYTES"]
    if not data:
        raise ValidationFailed(fields={field: "签名图片为空"})
    if len(data) > limit:
        raise ValidationFailed(fields={field: signature_too_large(limit)})
    if not data.startswith(PNG_MAGIC):
        raise ValidationFailed(fields={field: "签名图片必须是 PNG 格式"})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationFailed(fields={field: "签名图片必须是 PNG 格式"})
            width, height = image.size
            low, high = current_app.config["SIGNATURE_MIN_SIDE"], current_app.config["SIGNATURE_MAX_SIDE"]
            if not (low <= width <= high and low <= height <= high):
                raise ValidationFailed(fields={field: f"签名图片尺寸应在 {low}–{high} 像素之间"})
            image.load()
            enough_ink = has_enough_ink(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(fields={field: "签名图片已损坏或无法识别"}) from None
    if not enough_ink:  # also the message: the mini-program shows it as it is, the signer must act on it
        raise ValidationFailed(TOO_LITTLE_INK, fields={field: TOO_LITTLE_INK})
    return width, height


def has_enough_ink(image: Image.Image) -> bool:
    """Whether ``image`` carries a signature's worth of ink by the rule above (a few C passes over small images)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        grey = Image.composite(rgba.convert("L"), Image.new("L", rgba.size, 255), rgba.getchannel("A"))
    else:
        grey = image.convert("L")
    histogram = grey.histogram()
    background = max(range(256), key=histogram.__getitem__)
    is_ink = [abs(level - background) >= INK_CONTRAST for level in range(256)]
    width, height = grey.size
    if sum(count for level, count in enumerate(histogram) if is_ink[level]) < INK_MIN_SHARE * width * height:
        return False
    box = grey.point([255 if ink else 0 for ink in is_ink]).getbbox()
    if box is None:
        return False
    left, top, right, bottom = box
    return right - left >= INK_MIN_WIDTH_SHARE * width and bottom - top >= INK_MIN_HEIGHT_SHARE * height
