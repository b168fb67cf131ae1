"""Helpers for record tests: location fixes, and a technician's full walk through a job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from miniback.models import Account, Elevator, utcnow
from tests.factories.registry import auth
from tests.factories.signatures import signature_b64

# Taikoo Hui, Tianhe, Guangzhou (GCJ-02) and points around it.
SITE = (23.1327, 113.3322)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def point(at: datetime, lat: float = SITE[0], lng: float = SITE[1], system: str = "gcj02", accuracy: float = 15.0):
    return {"lat": lat, "lng": lng, "accuracy_m": accuracy, "coord_system": system, "captured_at": iso(at)}


def north_of(metres: float) -> tuple[float, float]:
    """A GCJ-02 point ``metres`` north of the site (1° of latitude ≈ 111 195 m)."""
    return SITE[0] + metres / 111195.0, SITE[1]


def confirm_location(client: FlaskClient, tech: Account, elevator: Elevator, **kwargs: Any) -> Any:
    body = {"location": point(utcnow() - timedelta(minutes=50), **kwargs)}
    return client.post(f"/api/v1/elevators/{elevator.id}/site-confirmations", json=body, headers=auth(tech))


def start(client: FlaskClient, tech: Account, elevator: Elevator, category: str = "half_month", **extra: Any) -> Any:
    body = {"elevator_id": elevator.id, "category": category, **extra}
    return client.post("/api/v1/drafts", json=body, headers=auth(tech))


def fill_all(client: FlaskClient, tech: Account, draft: dict[str, Any], result: str = "normal") -> Any:
    results = [{"code": item["code"], "result": result} for item in draft["items"]]
    return client.put(f"/api/v1/drafts/{draft['id']}/results", json={"results": results}, headers=auth(tech))


def complete_draft(
    client: FlaskClient,
    tech: Account,
    elevator: Elevator,
    *,
    category: str = "half_month",
    check_in_at: datetime | None = None,
    minutes: int = 40,
    check_in_where: tuple[float, float] = SITE,
    check_out_where: tuple[float, float] = SITE,
    locate: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Confirm the location (once), start, check in, fill every item as normal, check out. Returns the draft."""
    if locate:
        confirm_location(client, tech, elevator)
    started = start(client, tech, elevator, category, **extra)
    assert started.status_code == 201, started.json
    draft = started.json
    check_in_at = check_in_at or utcnow() - timedelta(minutes=minutes + 1)
    headers = auth(tech)
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/check-in", json=point(check_in_at, *check_in_where), headers=headers
    )
    assert response.status_code == 200, response.json
    assert fill_all(client, tech, draft).status_code == 200
    out_at = check_in_at + timedelta(minutes=minutes)
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/check-out", json=point(out_at, *check_out_where), headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json


# What the helpers below state for each required photo position left without a photo (issue 19): the record
# tests that are not about photos submit without taking any.
NO_PHOTO_REASON = "测试记录，未拍照"


def missing_photos(client: FlaskClient, tech: Account, draft_id: int, reason: str = NO_PHOTO_REASON) -> list[Any]:
    """A reason for each of the draft's required positions that has no photo yet (none if ``tech`` may not read
    the draft: the submission is then refused for that)."""
    response = client.get(f"/api/v1/drafts/{draft_id}", headers=auth(tech))
    if response.status_code != 200:
        return []
    draft = response.json
    taken = {photo["position"] for photo in draft["photos"]}
    return [
        {"position": position["code"], "reason": reason}
        for position in draft["photo_positions"]
        if position["code"] not in taken
    ]


def submit(
    client: FlaskClient, tech: Account, draft_id: int, signature: str | None = None, *, explain_missing: bool = True
) -> Any:
    body: dict[str, Any] = {"signature_png": signature or signature_b64(), "device_submitted_at": iso(utcnow())}
    if explain_missing:
        body["missing_photos"] = missing_photos(client, tech, draft_id)
    return client.post(f"/api/v1/drafts/{draft_id}/submit", json=body, headers=auth(tech))


def submitted_record(client: FlaskClient, tech: Account, elevator: Elevator, **kwargs: Any) -> dict[str, Any]:
    draft = complete_draft(client, tech, elevator, **kwargs)
    response = submit(client, tech, draft["id"])
    assert response.status_code == 201, response.json
    return response.json
