"""QR codes as images: PNG for screens and labels, SVG for print shops."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from PIL import Image

# Quartile error correction survives the scratches and stickers an elevator car sees.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q


def _qr(data: str, box_size: int, border: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_image(data: str, size_px: int, border: int = 4) -> Image.Image:
    """A black-on-white QR code, greyscale, scaled to ``size_px`` square with whole pixels per module."""
    code = _qr(data, box_size=1, border=border)
    modules = code.modules_count + 2 * border
    box = max(1, size_px // modules)
    image: Image.Image = _qr(data, box_size=box, border=border).make_image().get_image().convert("L")
    return image


def qr_png(data: str, box_size: int = 10, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    image: Image.Image = _qr(data, box_size, border).make_image().get_image().convert("L")
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str, border: int = 4) -> bytes:
    """A standalone SVG (one path), scalable for any print size."""
    code = _qr(data, box_size=10, border=border)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    result: bytes = image.to_string(encoding="unicode").encode("utf-8")
    return result
