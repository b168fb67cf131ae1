"""The printed labels: a missing rescue code is said to be missing, and the A4 sheet carries crop marks."""

from __future__ import annotations

import dataclasses

from qr.labels import (
    GUTTER,
    LABEL_SIZE,
    LABELS_PER_PAGE,
    MARK_LENGTH,
    MARK_OFFSET,
    NO_RESCUE_CODE,
    label_origin,
    render_label,
    rescue_line,
    write_labels_pdf,
)
from tests.qr.pdf_pages import pdf_page_images
from tests.qr.qr_decode import decode
from tests.qr.test_codes import sample_label


def test_a_label_without_rescue_code_prints_not_registered_instead_of_an_empty_line():
    missing = dataclasses.replace(sample_label(), rescue_code="")

    assert rescue_line(missing) == "96333 救援识别码 未登记"
    assert rescue_line(sample_label()) == "96333 救援识别码 44010"
    # What is drawn is that line: the label reads exactly as if "未登记" had been the code.
    spelled_out = dataclasses.replace(sample_label(), rescue_code=NO_RESCUE_CODE)
    assert render_label(missing).tobytes() == render_label(spelled_out).tobytes()
    assert render_label(missing).tobytes() != render_label(sample_label()).tobytes()


def _ink(page, x: int, y: int, radius: int = 2) -> bool:
    return any(page.getpixel((x + dx, y + dy)) < 128 for dx in range(-radius, radius + 1) for dy in (-1, 0, 1))


def test_the_a4_pdf_has_crop_marks_on_every_cutting_line_off_the_labels(tmp_path):
    out = tmp_path / "labels.pdf"
    labels = [sample_label(f"code{n:04d}abcdefgh") for n in range(LABELS_PER_PAGE)]
    write_labels_pdf(labels, out)
    (page,) = pdf_page_images(out)  # the page as printed: decoded from the PDF's own image

    assert page.size == (2480, 3508)
    width, height = LABEL_SIZE
    mark_middle = MARK_OFFSET + MARK_LENGTH // 2
    for slot in range(LABELS_PER_PAGE):
        left, top = label_origin(slot)
        right, bottom = left + width - 1, top + height - 1
        for x, y, out_x, out_y in (
            (left, top, -1, -1),
            (right, top, 1, -1),
            (left, bottom, -1, 1),
            (right, bottom, 1, 1),
        ):
            # A mark continues each edge beyond the corner, in the margin or gutter ...
            assert _ink(page, x + out_x * mark_middle, y), (slot, "horizontal", x, y)
            assert _ink(page, x, y + out_y * mark_middle), (slot, "vertical", x, y)
            # ... and stops short of the label, so a cut label keeps no trace of it.
            assert not _ink(page, x + out_x * (MARK_OFFSET // 2), y + out_y * (MARK_OFFSET // 2)), (slot, x, y)
    # Labels stand apart, and a gutter is blank between the marks.
    assert label_origin(1)[0] - label_origin(0)[0] == width + GUTTER
    first_left, first_top = label_origin(0)
    gutter_x = first_left + width + GUTTER // 2
    assert not any(
        _ink(page, gutter_x, y) for y in range(first_top + MARK_OFFSET * 4, first_top + height - MARK_OFFSET * 4, 25)
    )
    # The marks leave every QR code readable.
    assert decode(page, tmp_path) == sorted(label.url for label in labels)
