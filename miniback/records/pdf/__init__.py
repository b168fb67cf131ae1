"""Record PDFs (维保记录单) and the inspector's bundle: data (``sheet``), layout (``layout``), the CJK font
(``fonts``), the scope and limits of a bundle (``bundle``) and the platform's PAdES signature (``signing``)."""

from __future__ import annotations

from miniback.models import MaintenanceRecord
from miniback.records.pdf.layout import render_document
from miniback.records.pdf.sheet import load_sheets
from miniback.records.pdf.signing import sign_pdf


def record_pdf(record: MaintenanceRecord) -> bytes:
    """One record's PDF, signed. ``record`` is already loaded and authorised by the caller."""
    (sheet,) = load_sheets([record])
    subject = f"维保记录 #{record.id}，{record.maintenance_day.isoformat()}，内容哈希 {record.content_hash}"
    return sign_pdf(render_document(f"维保记录单 #{record.id}", subject, lambda pdf: pdf.add_sheet(sheet)))
