"""The page images of a labels PDF, decoded from the file itself (no PDF renderer is installed here).

``write_labels_pdf`` writes each A4 page as one full-page bilevel image, CCITT G4 encoded. Each image stream is
wrapped in a minimal TIFF, which Pillow's libtiff decodes: what a printer would print, pixel for pixel.
"""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

from PIL import Image

_IMAGE = re.compile(
    rb"/Width (\d+)\s*/Height (\d+)\s*/Filter \[ /CCITTFaxDecode \]\s*/DecodeParms \[ <<\s*/K -1\s*"
    rb"/BlackIs1 (true|false)\s*/Columns \d+\s*/Rows \d+\s*>> \]\s*/BitsPerComponent 1\s*/ColorSpace /DeviceGray\s*"
    rb"/Length (\d+)\s*>>\s*stream\r?\n"
)


def _tiff(width: int, height: int, black_is_1: bool, data: bytes) -> bytes:
    entries = [
        (256, 4, width),  # ImageWidth
        (257, 4, height),  # ImageLength
        (258, 3, 1),  # BitsPerSample
        (259, 3, 4),  # Compression: CCITT Group 4
        # Photometric. A PDF's DeviceGray shows a 1 bit as white; BlackIs1 makes the fax's black runs 1 bits, so
        # they show white (Pillow encodes its pages inverted that way): BlackIsZero then gives what a viewer shows.
        (262, 3, 1 if black_is_1 else 0),
        (273, 4, 0),  # StripOffsets (filled in below)
        (278, 4, height),  # RowsPerStrip
        (279, 4, len(data)),  # StripByteCounts
    ]
    header_size = 8 + 2 + 12 * len(entries) + 4
    directory = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        value = header_size if tag == 273 else value
        packed = struct.pack("<HI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        directory += struct.pack("<HHI", tag, kind, 1) + packed
    return b"II*\x00" + struct.pack("<I", 8) + directory + struct.pack("<I", 0) + data


def pdf_page_images(path: Path) -> list[Image.Image]:
    content = path.read_bytes()
    pages = []
    for match in _IMAGE.finditer(content):
        width, height, black_is_1, length = int(match[1]), int(match[2]), match[3] == b"true", int(match[4])
        data = content[match.end() : match.end() + length]
        image = Image.open(io.BytesIO(_tiff(width, height, black_is_1, data)))
        image.load()
        pages.append(image.convert("L"))
    return pages
