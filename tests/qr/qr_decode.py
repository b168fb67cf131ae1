"""Decode QR codes in images with zbarimg (Debian's zbar-tools), as any phone camera would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image


def decode(image: Path | bytes | Image.Image, tmp_path: Path) -> list[str]:
    """Every QR code's text found in the image, sorted."""
    path = tmp_path / "decode.png"
    if isinstance(image, bytes):
        path.write_bytes(image)
    elif isinstance(image, Image.Image):
        image.save(path)
    else:
        path = image
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode not in (0, 4):  # 4: no code found
        raise RuntimeError(result.stderr)
    return sorted(line for line in result.stdout.splitlines() if line)


def rasterise_svg_modules(svg: str, scale: int = 8) -> Image.Image:
    """Draw the unit squares of qrcode's path SVG (``M4,4H5V5H4z`` …) on a bitmap, to decode it for real."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))  # type: ignore[union-attr]
    image = Image.new("L", (size * scale, size * scale), 255)
    for x, y in re.findall(r"M(\d+),(\d+)H\d+V\d+H\d+z", svg):
        left, top = int(x) * scale, int(y) * scale
        image.paste(0, (left, top, left + scale, top + scale))
    return image
