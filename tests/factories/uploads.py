"""Record uploads as a platform sends them (RecordUpload), for the data-interface tests: complete and valid unless a
test changes them, with every time in RFC 3339 with the Shanghai offset."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from miniback.extensions import db
from miniback.models import CATEGORIES, Account, Elevator, utcnow
from miniback.records.calendar import SHANGHAI
from miniback.records.photos import shipped_positions
from miniback.records.templates import tsg_template
from tests.factories.records import SITE
from tests.factories.signatures import signature_b64

_refs = itertools.count(1)


def shanghai(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def certify(*technicians: Account) -> list[str]:
    """Give each technician an operator certificate number (how a platform names them); returns the numbers."""
    numbers = []
    for technician in technicians:
        if technician.certificate_no is None:
            technician.certificate_no = f"TS-{technician.id:06d}"
        numbers.append(technician.certificate_no)
    db.session.commit()
    return numbers


def record_payload(
    elevator: Elevator,
    technicians: list[Account],
    /,
    *,
    ref: str | None = None,
    category: str = "half_month",
    check_in_at: datetime | None = None,
    minutes: int = 40,
    where: tuple[float, float] = SITE,
    result: str = "normal",
    signature: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A complete RecordUpload for ``elevator`` by ``technicians`` (certified first with ``certify``)."""
    check_in_at = check_in_at or utcnow() - timedelta(minutes=minutes + 5)
    check_out_at = check_in_at + timedelta(minutes=minutes)
    # The checklist of the category (a made-up category, which a test expects refused, gets the half-monthly one).
    template = tsg_template(elevator.elevator_type, category if category in CATEGORIES else "half_month")

    def point(at: datetime) -> dict[str, Any]:
        return {"at": shanghai(at), "lat": where[0], "lng": where[1], "accuracy_m": 12.0, "coord_system": "gcj02"}

    payload: dict[str, Any] = {
        "platform_record_id": ref or f"PLT-{next(_refs):06d}",
        "elevator": {"device_code": elevator.device_code},
        "technicians": [{"certificate_no": technician.certificate_no} for technician in technicians],
        "category": category,
        "check_in": point(check_in_at),
        "check_out": point(check_out_at),
        "results": [{"code": item.code, "result": result} for item in template.items],
        "added_items": [],
        "replaced_parts": [],
        "hazards": [],
        "remarks": "平台上传的维保记录",
        "signature_png": signature or signature_b64(),
        "completed_at": shanghai(check_out_at + timedelta(minutes=1)),
        # The platform tests that are not about photos upload none, with a reason for each required position.
        "missing_photos": [
            {"position": position.code, "reason": "平台测试记录，未拍照"}
            for position in shipped_positions(
                elevator.elevator_type, category if category in CATEGORIES else "half_month"
            )
        ],
    }
    payload.update(overrides)
    return payload
