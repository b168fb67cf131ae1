"""On site: confirm/complete the elevator's data and location, check in and check out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app

from miniback.errors import Conflict, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, Elevator, ElevatorLocation, RecordDraft, utcnow
from miniback.records.geo import haversine_m, to_gcj02
from miniback.registry.change_log import apply_changes

# Fields a technician may complete on site when the register has them blank; changing a value is the admin's.
COMPLETABLE_FIELDS = (
    "use_certificate_no",
    "rescue_code",
    "make",
    "model",
    "position",
    "rated_load_kg",
    "rated_speed_mps",
    "stops",
)
REFERENCE_KINDS = ("initial", "corrected")


@dataclass(frozen=True)
class Point:
    """A location fix from the device: where, how precise, in which coordinate system, and when."""

    lat: Decimal
    lng: Decimal
    accuracy_m: Decimal | None
    coord_system: str
    at: datetime

    def gcj02(self) -> tuple[float, float]:
        return to_gcj02(float(self.lat), float(self.lng), self.coord_system)


def check_device_time(at: datetime, field: str, now: datetime | None = None) -> None:
    """Refuse device times far in the future (clock tampering) or implausibly old."""
    now = now or utcnow()
    skew = timedelta(seconds=current_app.config["DEVICE_CLOCK_SKEW_SECONDS"])
    max_age = timedelta(hours=current_app.config["DEVICE_TIME_MAX_AGE_HOURS"])
    if at > now + skew:
        raise ValidationFailed("设备时间晚于服务器时间过多，请校准手机时间", fields={field: "时间在未来"})
    if at < now - max_age:
        raise ValidationFailed(fields={field: "时间过早，请在现场当天操作"})


def check_accuracy(point: Point, field: str) -> None:
    limit = current_app.config["LOCATION_MAX_ACCURACY_M"]
    if point.accuracy_m is not None and point.accuracy_m > limit:
        problem = {f"{field}.accuracy_m": f"不能大于 {limit} 米"}
        raise ValidationFailed("定位精度太差，请到开阔处重新定位", fields=problem)


def reference_location(elevator_id: int) -> ElevatorLocation | None:
    """The location check-ins are compared with: the latest initial or admin-corrected point."""
    return db.session.execute(
        db.select(ElevatorLocation)
        .where(ElevatorLocation.elevator_id == elevator_id, ElevatorLocation.kind.in_(REFERENCE_KINDS))
        .order_by(ElevatorLocation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def distance_to_elevator(reference: ElevatorLocation, point: Point) -> Decimal:
    lat, lng = point.gcj02()
    metres = haversine_m(float(reference.lat_gcj02), float(reference.lng_gcj02), lat, lng)
    return Decimal(f"{metres:.1f}")


def _store_location(elevator: Elevator, actor: Account, point: Point, kind: str, distance: Decimal | None) -> Any:
    lat, lng = point.gcj02()
    location = ElevatorLocation(
        elevator_id=elevator.id,
        kind=kind,
        lat=point.lat,
        lng=point.lng,
        accuracy_m=point.accuracy_m,
        coord_system=point.coord_system,
        lat_gcj02=Decimal(f"{lat:.7f}"),
        lng_gcj02=Decimal(f"{lng:.7f}"),
        distance_m=distance,
        captured_by_id=actor.id,
        captured_at=point.at,
    )
    db.session.add(location)
    db.session.flush()
    return location


def confirm_site(actor: Account, elevator: Elevator, point: Point, completions: dict[str, Any]) -> ElevatorLocation:
    """Record an on-site confirmation: the first one sets the elevator's location; later ones far from it are
    kept as ``mismatch`` (never moving the elevator). Blank register fields may be completed, not changed."""
    check_device_time(point.at, "location.captured_at")
    check_accuracy(point, "location")
    conflicts = {
        name: "已有登记值，如需修改请联系本单位管理员"
        for name, value in completions.items()
        if getattr(elevator, name) is not None and getattr(elevator, name) != value
    }
    if conflicts:
        raise ValidationFailed(fields=conflicts)
    apply_changes(elevator, "elevator", completions, actor)
    reference = reference_location(elevator.id)
    if reference is None:
        return _store_location(elevator, actor, point, "initial", None)
    distance = distance_to_elevator(reference, point)
    kind = "confirmed" if distance <= current_app.config["ONSITE_RADIUS_M"] else "mismatch"
    return _store_location(elevator, actor, point, kind, distance)


def correct_location(actor: Account, elevator: Elevator, point: Point) -> ElevatorLocation:
    """The unit admin moves the reference location (e.g. the first capture was wrong); history is kept."""
    check_accuracy(point, "location")
    reference = reference_location(elevator.id)
    distance = distance_to_elevator(reference, point) if reference is not None else None
    return _store_location(elevator, actor, point, "corrected", distance)


def require_open(draft: RecordDraft) -> None:
    if draft.status != "open":
        raise Conflict("该维保记录已提交，不能再修改；如需更正请提交更正记录", code="already_submitted")


def check_in(draft: RecordDraft, point: Point, reference: ElevatorLocation | None = None) -> None:
    """Check in at ``point``, measured against the elevator's location (``reference``, if the caller has just read
    it; else read here). The draft's new values are written by the next flush, with any other changes to it."""
    require_open(draft)
    if draft.check_in_at is not None:
        raise Conflict("已签到，不能重复签到", code="already_checked_in")
    check_device_time(point.at, "captured_at")
    check_accuracy(point, "location")
    reference = reference or reference_location(draft.elevator_id)
    if reference is None:
        raise Conflict("该电梯尚无位置信息，请先在现场确认电梯位置", code="location_unknown")
    draft.check_in_at = point.at
    draft.check_in_received_at = utcnow()
    draft.check_in_lat, draft.check_in_lng = point.lat, point.lng
    draft.check_in_accuracy_m, draft.check_in_coord_system = point.accuracy_m, point.coord_system
    draft.check_in_distance_m = distance_to_elevator(reference, point)


def check_out(draft: RecordDraft, point: Point, reference: ElevatorLocation | None = None) -> None:
    """Check out at ``point`` (``reference`` as for ``check_in``)."""
    require_open(draft)
    if draft.check_in_at is None:
        raise Conflict("请先签到再签退", code="not_checked_in")
    check_device_time(point.at, "captured_at")
    check_accuracy(point, "location")
    if point.at < draft.check_in_at:
        raise ValidationFailed("签退时间不能早于签到时间", fields={"captured_at": "早于签到时间"})
    reference = reference or reference_location(draft.elevator_id)
    assert reference is not None  # checked in, so the elevator has a location
    draft.check_out_at = point.at
    draft.check_out_received_at = utcnow()
    draft.check_out_lat, draft.check_out_lng = point.lat, point.lng
    draft.check_out_accuracy_m, draft.check_out_coord_system = point.accuracy_m, point.coord_system
    draft.check_out_distance_m = distance_to_elevator(reference, point)
