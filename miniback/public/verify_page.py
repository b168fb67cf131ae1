"""The record verification page (``/v/<code>``, no log-in): what a printed record's QR code opens.

Every check runs on the server at each view (``miniback.records.verification.verify_record``): the page shows ✓
only when the content hash, the ledger entry, the inclusion proof and the checkpoint's signature all hold, and
otherwise names what failed. It shows what a resident may see (names masked) plus the hash values an inspector
can recompute with the recipe at ``/v/recipe`` (docs/verify-proof.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, render_template

from miniback.extensions import db
from miniback.models import MaintenanceUnit, UseUnit
from miniback.projections.masking import mask_name
from miniback.public import bp
from miniback.public.history import CATEGORY_NAMES, ELEVATOR_TYPE_NAMES, LOCAL_TZ
from miniback.public.ratelimit import check_public_rate_limit
from miniback.public.views import not_found_page
from miniback.records.verification import Verification, verify_record

RECIPE = Path(__file__).resolve().parent / "verify-proof.md"  # a link to docs/verify-proof.md, shipped in the wheel


@dataclass(frozen=True)
class Shown:
    """The record as the page shows it: from the content that was hashed, names masked."""

    address: str
    position: str
    elevator_type: str
    device_code: str
    category: str
    maintenance_day: str
    check_in: str
    check_out: str
    duration: str
    technicians: str
    maintenance_unit: str
    use_unit: str

    @property
    def subtitle(self) -> str:
        return " · ".join(part for part in (self.position, self.elevator_type) if part and part != "—")


def _local(text: Any) -> str:
    if not isinstance(text, str):
        return "—"
    try:
        return datetime.fromisoformat(text).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return "—"


def _unit_name(model: type[MaintenanceUnit] | type[UseUnit], unit_id: Any) -> str:
    if not isinstance(unit_id, int):
        return "—"
    name = db.session.execute(db.select(model.name).where(model.id == unit_id)).scalar_one_or_none()
    return name or "—"


def _part(content: dict[str, Any], key: str, kind: type) -> Any:
    value = content.get(key)
    return value if isinstance(value, kind) else kind()


def shown(verification: Verification) -> Shown:
    content = verification.content
    elevator: dict[str, Any] = _part(content, "elevator", dict)
    technicians: list[Any] = _part(content, "technicians", list)
    names = [mask_name(str(t.get("name") or "")) for t in technicians if isinstance(t, dict)]
    duration = content.get("duration_seconds")
    return Shown(
        address=str(elevator.get("address") or "—"),
        position=str(elevator.get("position") or ""),
        elevator_type=ELEVATOR_TYPE_NAMES.get(str(elevator.get("elevator_type")), "—"),
        device_code=str(elevator.get("device_code") or "—"),
        category=CATEGORY_NAMES.get(str(content.get("category")), "维保"),
        maintenance_day=str(content.get("maintenance_day") or "—"),
        check_in=_local(_part(content, "check_in", dict).get("at")),
        check_out=_local(_part(content, "check_out", dict).get("at")),
        duration=f"{duration // 60} 分钟" if isinstance(duration, int) else "—",
        technicians="、".join(names) or "—",
        maintenance_unit=_unit_name(MaintenanceUnit, content.get("maintenance_unit_id")),
        use_unit=_unit_name(UseUnit, content.get("use_unit_id")),
    )


@bp.get("/v/recipe")
def verify_recipe_page() -> Any:
    check_public_rate_limit()
    html = render_template("public/verify_recipe.html", recipe=RECIPE.read_text(encoding="utf-8"))
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_CACHE_SECONDS']}"
    return response


@bp.get("/v/<path:code>")
def verify_page(code: str) -> Any:
    check_public_rate_limit()
    verification = verify_record(code)
    if verification is None:
        return not_found_page(
            "未找到该维保记录",
            "核验码无效：请核对维保记录单上的二维码或核验码，或向维保单位索取记录单。",
        )
    html = render_template("public/verify.html", v=verification, r=shown(verification))
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"  # checked afresh at every view: a new checkpoint may arrive
    return response


@bp.get("/v")
@bp.get("/v/")
def verify_no_code() -> Any:
    check_public_rate_limit()
    return not_found_page("未找到该维保记录", "请扫描维保记录单上的二维码，或输入完整的核验地址。")
