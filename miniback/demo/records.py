"""Demo maintenance records: a few weeks of realistic submitted jobs on the Tianhe elevators."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw

from miniback.demo.photos import attach_demo_photos
from miniback.extensions import db
from miniback.models import Account, Elevator, ElevatorLocation, MaintenanceRecord, utcnow
from miniback.records.calendar import SHANGHAI, local_day
from miniback.records.drafts import draft_items, save_results, start_draft, update_draft
from miniback.records.onsite import Point, distance_to_elevator
from miniback.records.submit import submit_record
from miniback.records.templates import tsg_template

# GCJ-02 positions of the demo addresses (approximate), by device code.
LOCATIONS = {
    "31104401002019000101": (23.13356, 113.33218),
    "31104401002019000102": (23.13356, 113.33218),
    "31104401002018000233": (23.13402, 113.32517),
    "31204401002017000045": (23.11962, 113.32405),
    "31304401002020000012": (23.11962, 113.32405),
    "33104401002016000301": (23.13331, 113.33189),
    # The other districts' elevators (located by the history story, miniback/demo/history.py).
    "31104401042015000088": (23.12538, 113.26942),
    "33104401042015000090": (23.12538, 113.26942),
    "31104401052019000510": (23.09803, 113.27133),
    "31204401052018000022": (23.10245, 113.33590),
    "31304401132021000007": (22.94208, 113.36211),
    "33204401112020000003": (23.20337, 113.26390),
}

# (days ago, elevator index, technician key, second technician key, category, start hour, minutes, notes)
JOBS: list[tuple[int, int, str, str | None, str, int, int, dict[str, Any]]] = [
    (16, 0, "tech1", "tech2", "half_month", 9, 45, {}),
    (16, 1, "tech1", "tech2", "half_month", 10, 50, {}),
    (15, 2, "tech3", "tech4", "quarter", 14, 70, {"A-1-05": ("adjusted", None, "制动器间隙调整")}),
    (14, 3, "tech3", None, "half_month", 9, 40, {}),
    (14, 4, "tech4", None, "half_month", 15, 30, {"C-1-06": ("not_applicable", "本梯无此装置", None)}),
    (13, 5, "tech2", "tech1", "half_month", 10, 55, {}),
    (2, 0, "tech1", "tech2", "quarter", 9, 75, {"A-1-20": ("replaced", None, "更换轿门门刀胶轮")}),
    (2, 1, "tech1", "tech2", "half_month", 11, 12, {}),
    (1, 2, "tech3", "tech4", "half_month", 9, 45, {"A-1-12": ("hazard", "层门地坎积尘导致关门受阻", "已清理")}),
    (1, 3, "tech3", None, "half_year", 14, 95, {}),
    (1, 5, "tech2", "tech1", "quarter", 15, 60, {}),
]


def signature_png(seed: int) -> bytes:
    image = Image.new("RGBA", (320, 120), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    points = [(20 + 40 * i, 60 + ((seed * 37 + i * 53) % 50) - 25) for i in range(8)]
    pen.line(points, fill=(20, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _moment(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = local_day(utcnow()) - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def _locate(elevator: Elevator, account: Account) -> None:
    lat, lng = LOCATIONS[elevator.device_code or ""]
    db.session.add(
        ElevatorLocation(
            elevator_id=elevator.id,
            kind="initial",
            lat=Decimal(f"{lat:.7f}"),
            lng=Decimal(f"{lng:.7f}"),
            accuracy_m=Decimal("12.0"),
            coord_system="gcj02",
            lat_gcj02=Decimal(f"{lat:.7f}"),
            lng_gcj02=Decimal(f"{lng:.7f}"),
            captured_by_id=account.id,
            captured_at=_moment(30, 10),
        )
    )
    db.session.flush()


def seed_records(elevators: list[Elevator], people: dict[str, Account]) -> int:
    """Submit the demo jobs through the domain operations (the device times lie in the past, so the on-site
    fields are filled directly, as the mini-program would have done on those days)."""
    for elevator in elevators[:6]:
        _locate(elevator, people["tech1"])
    count = 0
    for index, (days_ago, which, tech_key, second_key, category, hour, minutes, notes) in enumerate(JOBS):
        second = people[second_key] if second_key else None
        start = _moment(days_ago, hour, 5 * (index % 3))
        submit_demo_job(index, elevators[which], people[tech_key], second, category, start, minutes, notes)
        count += 1
    return count


def submit_demo_job(
    index: int,
    elevator: Elevator,
    tech: Account,
    second: Account | None,
    category: str,
    start: datetime,
    minutes: int,
    notes: dict[str, Any],
    received_at: datetime | None = None,
    *,
    away_deg: float = 0.0002,
    source: str = "miniprogram",
    supersedes: MaintenanceRecord | None = None,
) -> MaintenanceRecord:
    """One job on a located demo elevator: draft, on-site points, results, signature, submission.

    ``away_deg`` is how far north of the elevator the phone was (0.0002° ≈ 22 m; 0.01° ≈ 1.1 km is off site);
    ``supersedes`` makes it a correction of that record (same checklist, its results as the draft's start)."""
    draft = start_draft(
        tech,
        elevator,
        tsg_template(elevator.elevator_type, category),
        second_technician_id=second.id if second else None,
        supersedes=supersedes,
    )
    lat, lng = LOCATIONS[elevator.device_code or ""]
    for prefix, at in (("check_in", start), ("check_out", start + timedelta(minutes=minutes))):
        point = Point(Decimal(f"{lat + away_deg:.7f}"), Decimal(f"{lng:.7f}"), Decimal("10.0"), "gcj02", at)
        reference = db.session.execute(
            db.select(ElevatorLocation).where(ElevatorLocation.elevator_id == elevator.id)
        ).scalar_one()
        setattr(draft, f"{prefix}_at", at)
        setattr(draft, f"{prefix}_received_at", at + timedelta(seconds=3))
        setattr(draft, f"{prefix}_lat", point.lat)
        setattr(draft, f"{prefix}_lng", point.lng)
        setattr(draft, f"{prefix}_accuracy_m", point.accuracy_m)
        setattr(draft, f"{prefix}_coord_system", "gcj02")
        setattr(draft, f"{prefix}_distance_m", distance_to_elevator(reference, point))
    results = []
    for item in draft_items(draft):
        result, note, remark = notes.get(item.code, ("normal", None, None))
        results.append({"code": item.code, "result": result, "note": note, "remark": remark})
    save_results(draft, results)
    if any(result == "replaced" for result, _, _ in notes.values()):
        update_draft(tech, draft, {"replaced_parts": [{"name": "门刀胶轮", "model": "MD-32", "quantity": 2}]})
    hazards = [{"description": note, "action": remark} for result, note, remark in notes.values() if result == "hazard"]
    if hazards:
        update_draft(tech, draft, {"hazards": hazards})
    finished = start + timedelta(minutes=minutes)
    missing_photos = attach_demo_photos(index, tech, draft, start, minutes)
    return submit_record(
        tech,
        draft,
        signature_png(index),
        device_submitted_at=finished + timedelta(minutes=2),
        received_at=received_at or finished + timedelta(minutes=3),
        source=source,
        missing_photos=missing_photos,
    ).record
