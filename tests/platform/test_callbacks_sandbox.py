"""The sandbox's simulated sign-off outcomes and their callbacks, the callback secret a platform reads, and the
operator's log of a platform's deliveries."""

from __future__ import annotations

from standardwebhooks import Webhook

from miniback.extensions import db
from miniback.models import PlatformCall, PlatformUpload
from miniback.platform.callbacks import sandbox_signoff, webhook_secret
from tests.factories.platform import call, make_platform
from tests.factories.registry import auth, make_authority, make_world
from tests.factories.uploads import certify, record_payload
from tests.platform.callbacks_support import (
    attempts,
    callbacks,
    connected,
    run_callback_worker,
    upload_record,
)

EVENTS = "/api/v1/platform/sandbox/records/{ref}/events"


def sandbox_upload(jobs_app, receiver, ref="sbx-001"):
    world = make_world()
    platform = connected(world, receiver, jobs_app, status="testing")
    upload = upload_record(platform, None, sandbox=True, ref=ref)
    return world, platform, upload


def simulate(client, platform, ref, event):
    return call(client, platform, "POST", EVENTS.format(ref=ref), {"event": event})


def test_a_simulated_sign_sends_a_verified_sandbox_callback_and_reads_back(jobs_app, client, receiver):
    _, platform, upload = sandbox_upload(jobs_app, receiver)
    response = simulate(client, platform, "sbx-001", "signed")
    assert response.status_code == 202, response.json
    assert response.json["type"] == "record.signed" and response.json["status"] == "pending"
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert delivery.verified and delivery.headers["webhook-id"] == response.json["webhook_id"]
    data = delivery.payload["data"]
    assert (data["platform_record_id"], data["record_id"], data["sandbox"]) == ("sbx-001", None, True)
    assert data["content_hash"] == upload.content_hash
    assert data["signoff"] == response.json["signoff"] == sandbox_signoff(db.session.get(PlatformUpload, upload.id))
    assert data["signoff"]["state"] == "signed"
    (callback,) = callbacks()
    assert (callback.sandbox, callback.event_id, callback.status) == (True, None, "delivered")
    logged = db.session.execute(db.select(PlatformCall.operation, PlatformCall.status)).tuples().all()
    assert logged == [("sandbox_event", 202)]


def test_simulated_outcomes_follow_the_real_rules_of_an_objection(jobs_app, client, receiver):
    _, platform, upload = sandbox_upload(jobs_app, receiver)
    assert sandbox_signoff(upload) is None  # nothing simulated: the read-back shows it pending
    simulate(client, platform, "sbx-001", "objected")
    objected = sandbox_signoff(upload)
    assert (objected["state"], objected["objection_open"]) == ("objected", True)
    simulate(client, platform, "sbx-001", "default_confirmed")
    confirmed = sandbox_signoff(upload)
    assert (confirmed["state"], confirmed["objection_open"]) == ("default_confirmed", False)
    simulate(client, platform, "sbx-001", "objected")
    after = sandbox_signoff(upload)
    # An objection after a default confirmation leaves it standing, as in production.
    assert (after["state"], after["objection_open"], after["decided_at"]) == (
        "default_confirmed",
        True,
        confirmed["decided_at"],
    )
    run_callback_worker()
    types = [payload["type"] for payload in receiver.verified_payloads()]
    assert sorted(types) == sorted(["record.objected", "record.default_confirmed", "record.objected"])


def test_simulating_is_for_the_sandbox_and_its_own_uploads_only(jobs_app, client, receiver):
    world, platform, _ = sandbox_upload(jobs_app, receiver)
    other = connected(world, receiver, jobs_app, status="testing")
    upload_record(other, None, sandbox=True, ref="theirs")
    assert simulate(client, platform, "theirs", "signed").status_code == 404
    assert simulate(client, platform, "unknown", "signed").status_code == 404
    bad = simulate(client, platform, "sbx-001", "approved")
    assert bad.status_code == 422 and "event" in bad.json["error"]["fields"]
    production = connected(world, receiver, jobs_app)
    refused = simulate(client, production, "sbx-001", "signed")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_in_sandbox"
    silent = make_platform("testing", authorised_by=[(world.unit, world.admin)])
    upload_record(silent, None, sandbox=True, ref="quiet")
    missing = simulate(client, silent, "quiet", "signed")
    assert missing.status_code == 409 and missing.json["error"]["code"] == "callback_url_missing"
    assert callbacks() == []


def test_the_callback_secret_verifies_our_callbacks_and_rotates_with_its_version(jobs_app, client, receiver):
    _, platform, _ = sandbox_upload(jobs_app, receiver)
    response = call(client, platform, "GET", "/api/v1/platform/callback-secret")
    assert response.status_code == 200
    assert response.json == {"secret": receiver.secret, "version": 1}
    assert response.json["secret"].startswith("whsec_")
    simulate(client, platform, "sbx-001", "signed")
    run_callback_worker()
    (delivery,) = receiver.deliveries
    assert Webhook(response.json["secret"]).verify(delivery.body, delivery.headers)["type"] == "record.signed"
    platform.client.webhook_secret_version = 2
    db.session.commit()
    rotated = call(client, platform, "GET", "/api/v1/platform/callback-secret").json
    assert rotated["version"] == 2 and rotated["secret"] != response.json["secret"]
    assert rotated["secret"] == webhook_secret(platform.client, jobs_app.config["SECRET_KEY"])


def test_the_operator_sees_a_platforms_recent_deliveries_with_their_attempts(jobs_app, client, receiver):
    world, platform, _ = sandbox_upload(jobs_app, receiver)
    receiver.statuses = [500]
    simulate(client, platform, "sbx-001", "signed")
    run_callback_worker()
    operator = make_authority("platform_operator")
    db.session.commit()
    url = f"/api/v1/platforms/{platform.client.id}/callbacks"
    page = client.get(url, headers=auth(operator)).json
    assert page["total"] == 1
    (item,) = page["items"]
    assert (item["platform_record_id"], item["record_id"], item["sandbox"]) == ("sbx-001", None, True)
    assert (item["status"], item["attempts"]) == ("pending", 1)
    assert [(a["attempt_no"], a["status_code"], a["error"]) for a in item["attempt_log"]] == [(1, 500, "HTTP 500")]
    assert len(attempts(item["id"])) == 1
    assert client.get(f"{url}?status=delivered", headers=auth(operator)).json["total"] == 0
    assert client.get(url, headers=auth(world.admin)).status_code == 403
    assert client.get("/api/v1/platforms/999999/callbacks", headers=auth(operator)).status_code == 404


def test_the_read_back_shows_the_simulated_outcome(jobs_app, client, receiver):
    world = make_world()
    certify(world.tech1)
    platform = connected(world, receiver, jobs_app, status="testing")
    uploaded = call(
        client,
        platform,
        "POST",
        "/api/v1/platform/records",
        record_payload(world.elevators[0], [world.tech1], ref="sbx-rb"),
    )
    assert uploaded.status_code == 201, uploaded.json
    before = call(client, platform, "GET", "/api/v1/platform/records/sbx-rb")
    assert (before.status_code, before.json["signoff"]["state"]) == (200, "pending")
    simulate(client, platform, "sbx-rb", "signed")
    after = call(client, platform, "GET", "/api/v1/platform/records/sbx-rb")
    assert (after.json["sandbox"], after.json["signoff"]["state"]) == (True, "signed")
