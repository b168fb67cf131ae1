"""Every signed upload and look-up route once, for the OpenAPI conformance test (each documented success status)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from miniback.extensions import db
from miniback.models import utcnow
from miniback.records.calendar import local_day
from tests.factories.platform import call, make_platform
from tests.factories.registry import UnitWorld
from tests.factories.uploads import certify, record_payload

BASE = "/api/v1/platform"


def exercise_platform_uploads(client: FlaskClient, world: UnitWorld) -> None:
    """Uploads (created, duplicate, a batch), read-back, a delay notice twice and the look-ups, as a live platform."""
    certify(world.tech1)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()

    def ok(response, status: int = 200):  # type: ignore[no-untyped-def]
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
        return response.get_json()

    elevator = world.elevators[1]
    ok(call(client, platform, "GET", f"{BASE}/me"))
    ok(call(client, platform, "GET", f"{BASE}/units"))
    ok(call(client, platform, "GET", f"{BASE}/elevators?device_code={elevator.device_code}"))
    ok(call(client, platform, "GET", f"{BASE}/staff"))
    payload = record_payload(elevator, [world.tech1])
    ok(call(client, platform, "POST", f"{BASE}/records", payload), 201)
    ok(call(client, platform, "POST", f"{BASE}/records", payload), 200)
    ok(call(client, platform, "GET", f"{BASE}/records/{payload['platform_record_id']}"))
    batch = {"records": [record_payload(elevator, [world.tech1]), {"platform_record_id": "bad"}]}
    ok(call(client, platform, "POST", f"{BASE}/records/batch", batch))
    today = local_day(utcnow())
    notice = {
        "platform_notice_id": "N-1",
        "elevators": [{"device_code": elevator.device_code}],
        "cause": "other",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "explanation": "电梯所在区域临时封闭",
    }
    ok(call(client, platform, "POST", f"{BASE}/delay-notices", notice), 201)
    ok(call(client, platform, "POST", f"{BASE}/delay-notices", notice), 200)
    ok(call(client, platform, "POST", f"{BASE}/records", {**payload, "remarks": "改了"}), 409)
