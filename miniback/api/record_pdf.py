"""Record PDFs (维保记录单) and the inspector's bundle, signed by the platform (PAdES)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, send_file

from miniback.access import get_record_or_404
from miniback.api.exports import EXPORT_ROLES
from miniback.api.schemas.record_pdf import BundleQuery
from miniback.api.validation import documented, query_args
from miniback.auth.current import current_account, login_required
from miniback.records.pdf import record_pdf
from miniback.records.pdf.bundle import MAX_BUNDLE_RECORDS, BundleScope, bundle_pdf

bp = Blueprint("record_pdf", __name__)

PDF = "application/pdf"


def _pdf(data: bytes, name: str, *, attachment: bool) -> Response:
    response = send_file(io.BytesIO(data), mimetype=PDF, as_attachment=attachment, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/records/<int:record_id>/pdf")
@documented(
    "维保记录单（PDF，A4）：电梯、单位、作业、项目、签名、事件记录、内容哈希与账本证明、核验二维码；平台文档签名（PAdES）",
    media_type=PDF,
)
@login_required()
def get_record_pdf(record_id: int) -> Any:
    record = get_record_or_404(record_id, current_account())
    return _pdf(record_pdf(record), f"维保记录单-{record.id}.pdf", attachment=False)


@bp.get("/records/bundle.pdf")
@documented(
    f"维保记录汇编（PDF，含目录）：一部电梯或一个维保单位在一段时间内、本账号可查阅的全部记录，"
    f"最多 {MAX_BUNDLE_RECORDS} 份；平台文档签名（PAdES）",
    query=BundleQuery,
    media_type=PDF,
)
@login_required(*EXPORT_ROLES)
def get_record_bundle() -> Any:
    args = query_args(BundleQuery)
    scope = BundleScope(
        date_from=args.date_from,
        date_to=args.date_to,
        elevator_id=args.elevator_id,
        maintenance_unit_id=args.maintenance_unit_id,
    )
    data = bundle_pdf(current_account(), scope)
    subject = f"电梯{scope.elevator_id}" if scope.elevator_id is not None else f"维保单位{scope.maintenance_unit_id}"
    name = f"维保记录汇编-{subject}-{scope.date_from.isoformat()}-{scope.date_to.isoformat()}.pdf"
    return _pdf(data, name, attachment=True)
