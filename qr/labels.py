"""Printable labels (60 × 90 mm at 300 dpi) that go inside every elevator car, and A4 sheets of them."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from miniback.extensions import db
from miniback.models import Elevator, MaintenanceUnit
from qr.fonts import cjk_font
from qr.render import qr_image
from qr.urls import public_url

DPI = 300
CALL_TO_ACTION = "微信扫码查看维保记录"
RESCUE_SERVICE = "96333"
# An elevator without a registered rescue code still says so (and still shows the 96333 number to call).
NO_RESCUE_CODE = "未登记"


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


LABEL_SIZE = (mm(60), mm(90))
A4_SIZE = (mm(210), mm(297))
LABELS_PER_ROW = 3
ROWS_PER_PAGE = 3
LABELS_PER_PAGE = LABELS_PER_ROW * ROWS_PER_PAGE
# Labels sit apart on the sheet, with black crop marks in the gutters and margins on every cutting line:
# the label's own grey outline does not survive the PDF's black-and-white threshold.
GUTTER = mm(5)
MARK_OFFSET = mm(1)  # marks stop short of the label, so no trace of them is left on a cut label
MARK_LENGTH = mm(2.5)
MARK_WIDTH = 3  # pixels at 300 dpi, about 0.25 mm


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one label; all of it is public (the emergency phone is meant to be called)."""

    url: str
    address: str
    position: str
    device_code: str
    rescue_code: str
    maintenance_unit: str
    emergency_phone: str


def label_data(elevator: Elevator, base_url: str) -> LabelData:
    unit = db.session.get(MaintenanceUnit, elevator.maintenance_unit_id) if elevator.maintenance_unit_id else None
    return LabelData(
        url=public_url(base_url, elevator.public_code),
        address=elevator.address,
        position=elevator.position or "",
        device_code=elevator.device_code or elevator.registration_code or "",
        rescue_code=elevator.rescue_code or "",
        maintenance_unit=unit.name if unit else "",
        emergency_phone=unit.emergency_phone if unit else "",
    )


def unit_elevators_to_label(unit: MaintenanceUnit, elevator_ids: Sequence[int] | None = None) -> list[Elevator]:
    """The unit's elevators still on the register (all, or those of ``elevator_ids``), in the order a technician
    walks them: by district, address and position."""
    query = db.select(Elevator).where(Elevator.maintenance_unit_id == unit.id, Elevator.status != "decommissioned")
    if elevator_ids is not None:
        query = query.where(Elevator.id.in_(elevator_ids))
    order = (Elevator.district, Elevator.address, Elevator.position, Elevator.id)
    return list(db.session.execute(query.order_by(*order)).scalars())


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Break CJK text anywhere (it has no spaces); an overflowing last line ends with an ellipsis."""
    lines: list[str] = []
    current = ""
    for char in text:
        if font.getlength(current + char) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines


def rescue_line(data: LabelData) -> str:
    return f"{RESCUE_SERVICE} 救援识别码 {data.rescue_code or NO_RESCUE_CODE}"


def render_label(data: LabelData) -> Image.Image:
    """One label as a greyscale image at 300 dpi."""
    width, height = LABEL_SIZE
    label = Image.new("L", LABEL_SIZE, 255)
    draw = ImageDraw.Draw(label)
    draw.rectangle((0, 0, width - 1, height - 1), outline=170, width=2)  # the cutting line
    margin = mm(3)
    inner = width - 2 * margin

    title = cjk_font(mm(4.2))
    y = mm(3)
    draw.text((width // 2, y), CALL_TO_ACTION, font=title, fill=0, anchor="mt")
    y += mm(5.5)

    code = qr_image(data.url, mm(44), border=2)
    label.paste(code, ((width - code.width) // 2, y))
    y += code.height + mm(1.5)

    body = cjk_font(mm(2.8))
    strong = cjk_font(mm(3.6))
    step = mm(3.7)
    for line in _wrap(data.address, body, inner, 2) + _wrap(data.position, body, inner, 1):
        draw.text((margin, y), line, font=body, fill=0)
        y += step
    draw.text((margin, y), f"设备代码 {data.device_code}", font=body, fill=0)
    y += step + mm(0.5)
    draw.text((margin, y), rescue_line(data), font=strong, fill=0)
    y += mm(4.8)
    for line in _wrap(f"维保单位 {data.maintenance_unit}", body, inner, 2):
        draw.text((margin, y), line, font=body, fill=0)
        y += step
    draw.text((margin, y), f"24小时应急电话 {data.emergency_phone}", font=strong, fill=0)
    return label


def label_png(data: LabelData) -> bytes:
    buffer = io.BytesIO()
    render_label(data).save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def label_origin(slot: int) -> tuple[int, int]:
    """Top-left pixel of the label in ``slot`` (0–8, row by row) on an A4 sheet."""
    width, height = LABEL_SIZE
    left = (A4_SIZE[0] - LABELS_PER_ROW * width - (LABELS_PER_ROW - 1) * GUTTER) // 2
    top = (A4_SIZE[1] - ROWS_PER_PAGE * height - (ROWS_PER_PAGE - 1) * GUTTER) // 2
    row, column = divmod(slot, LABELS_PER_ROW)
    return left + column * (width + GUTTER), top + row * (height + GUTTER)


def draw_crop_marks(page: Image.Image, slot: int) -> None:
    """Corner marks around the label in ``slot``: each continues one of its edges outwards, off the label."""
    draw = ImageDraw.Draw(page)
    x0, y0 = label_origin(slot)
    x1, y1 = x0 + LABEL_SIZE[0] - 1, y0 + LABEL_SIZE[1] - 1
    half = MARK_WIDTH // 2
    for x, y, out_x, out_y in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        xs = sorted((x + out_x * MARK_OFFSET, x + out_x * (MARK_OFFSET + MARK_LENGTH)))
        ys = sorted((y + out_y * MARK_OFFSET, y + out_y * (MARK_OFFSET + MARK_LENGTH)))
        draw.rectangle((xs[0], y - half, xs[1], y + half), fill=0)  # on the horizontal edge's line, beside it
        draw.rectangle((x - half, ys[0], x + half, ys[1]), fill=0)  # on the vertical edge's line, above or below


def sheet_pages(labels: Iterable[LabelData]) -> Iterator[Image.Image]:
    """A4 pages (300 dpi) of 3 × 3 labels with crop marks, rendered lazily so a unit with thousands of elevators
    fits in memory."""
    page: Image.Image | None = None
    slot = 0
    for data in labels:
        if page is None:
            page = Image.new("L", A4_SIZE, 255)
        page.paste(render_label(data), label_origin(slot))
        draw_crop_marks(page, slot)
        slot += 1
        if slot == LABELS_PER_PAGE:
            yield page
            page, slot = None, 0
    if page is not None:
        yield page


def write_labels_pdf(labels: Sequence[LabelData], out: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write all labels as one printable A4 PDF, a page at a time; returns the number of pages.

    ``progress(done, total)`` is called after each page with the number of labels done so far.
    """
    if not labels:
        raise ValueError("no labels to print")
    pages = 0
    for page in sheet_pages(labels):
        # Bilevel pages are stored as CCITT G4 (lossless, ~125 kB a page); greyscale would be JPEG-blurred and
        # palette pages hex-encoded at ~17 MB. At 300 dpi a plain threshold keeps text and modules crisp.
        page.convert("1", dither=Image.Dither.NONE).save(out, format="PDF", resolution=DPI, append=pages > 0)
        pages += 1
        if progress is not None:
            progress(min(pages * LABELS_PER_PAGE, len(labels)), len(labels))
    return pages
