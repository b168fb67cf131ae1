"""Concurrent submissions: a retried submission racing the first one, and two records with the same signature."""

from concurrent.futures import ThreadPoolExecutor

from miniback.extensions import db
from miniback.models import MaintenanceRecord, SignatureImage, utcnow
from tests.factories.records import complete_draft, missing_photos
from tests.factories.registry import auth, make_world
from tests.factories.signatures import signature_b64


def _parallel(app, client, calls):
    """Submit concurrently, each request from its own thread (and app context), as gunicorn threads would."""
    prepared = [
        (auth(tech), draft_id, signature, missing_photos(client, tech, draft_id)) for tech, draft_id, signature in calls
    ]
    db.session.commit()

    def one(call):
        headers, draft_id, signature, missing = call
        with app.app_context():
            body = {"signature_png": signature, "device_submitted_at": utcnow().isoformat(), "missing_photos": missing}
            response = client.post(f"/api/v1/drafts/{draft_id}/submit", json=body, headers=headers)
            db.session.remove()
            return response

    with ThreadPoolExecutor(len(prepared)) as pool:
        return list(pool.map(one, prepared))


def test_the_same_draft_submitted_concurrently_yields_one_record(app, client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    signature = signature_b64()
    responses = _parallel(app, client, [(world.tech1, draft["id"], signature)] * 3)
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert len({r.json["id"] for r in responses}) == 1
    assert db.session.execute(db.select(db.func.count()).select_from(MaintenanceRecord)).scalar_one() == 1


def test_two_records_with_the_same_signature_image_share_one_stored_image(app, client):
    world = make_world()
    first = complete_draft(client, world.tech1, world.elevators[0])
    second = complete_draft(client, world.tech2, world.elevators[1])
    signature = signature_b64()
    responses = _parallel(app, client, [(world.tech1, first["id"], signature), (world.tech2, second["id"], signature)])
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json["signature_sha256"] == responses[1].json["signature_sha256"]
    assert db.session.execute(db.select(db.func.count()).select_from(SignatureImage)).scalar_one() == 1
