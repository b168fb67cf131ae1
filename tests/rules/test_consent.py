"""Use-unit consent to the default confirmation (四(三)): versioned rules, the consent record, what it gates (the
unit's activation, binding its managers, default confirmations) and the path of units that had none."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import SignoffEvent, SignoffState, UseUnit, UseUnitConsent, utcnow
from miniback.models.rules import current_rules
from signoff.confirmation import apply_default_confirmations
from signoff.consent import rule_versions
from signoff.operations import current_state
from tests.factories.registry import auth, make_authority, make_staff, make_use_unit, make_world
from tests.factories.signatures import manager_signature_b64
from tests.factories.signoff import due_records


def run_default_confirmations(deadline=None) -> int:
    """What the deadline job does (chunk by chunk, committing each), in the test's app context."""
    total = 0
    while True:
        now = utcnow()
        confirmed = apply_default_confirmations(min(deadline, now) if deadline else now, 1000, now=now)
        db.session.commit()
        total += confirmed
        if confirmed == 0:
            return total


def _count(model, *where) -> int:
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_rules_are_versioned_text_with_their_figures_and_hash(client, app):
    _, admin = make_use_unit()
    db.session.commit()
    response = client.get("/api/v1/signoff-rules", headers=auth(admin))
    assert response.status_code == 200
    body = response.json
    rules = current_rules()
    assert body["version"] == rules.version == rule_versions()[-1].version
    assert body["min_window_minutes"] == app.config["SIGNOFF_MIN_WINDOW_SECONDS"] // 60
    assert body["objection_period_days"] == app.config["SIGNOFF_OBJECTION_DAYS"]
    assert "默认签名确认" in body["body"] and body["deadline_rule"]
    import hashlib

    assert body["text_sha256"] == hashlib.sha256(body["body"].encode()).hexdigest()


def test_admin_consents_and_the_consent_records_who_when_version_and_text_hash(client, app):
    unit, admin = make_use_unit(consent=False)
    db.session.commit()
    before = utcnow()
    rules = current_rules()
    response = client.post(
        f"/api/v1/use-units/{unit.id}/consent",
        json={"version": rules.version, "text_sha256": rules.sha256},
        headers=auth(admin),
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["consented"] is True and body["current_version"] == rules.version
    consent = db.session.get(UseUnitConsent, body["consent"]["id"])
    assert consent is not None
    assert consent.accepted_by_id == admin.id and consent.rule_version == rules.version
    assert consent.text_sha256 == rules.sha256 and consent.accepted_at >= before
    assert body["consent"]["accepted_by_name"] == admin.name
    db.session.expire_all()
    assert db.session.get(UseUnit, unit.id).consent_id == consent.id
    shown = client.get(f"/api/v1/use-units/{unit.id}/consent", headers=auth(admin)).json
    assert shown["consented"] is True and [c["id"] for c in shown["history"]] == [consent.id]


def test_consent_to_an_old_version_twice_or_to_another_text_is_refused_and_writes_nothing(client, app):
    unit, admin = make_use_unit(consent=False)
    other, other_admin = make_use_unit(consent=False)
    db.session.commit()
    rules = current_rules()
    url = f"/api/v1/use-units/{unit.id}/consent"
    old = client.post(url, json={"version": rules.version - 1 or 0}, headers=auth(admin))
    assert old.status_code in (409, 422)
    wrong_text = client.post(url, json={"version": rules.version, "text_sha256": "0" * 64}, headers=auth(admin))
    assert wrong_text.status_code == 422 and "text_sha256" in wrong_text.json["error"]["fields"]
    assert _count(UseUnitConsent) == 0
    assert client.post(url, json={"version": rules.version}, headers=auth(admin)).status_code == 201
    twice = client.post(url, json={"version": rules.version}, headers=auth(admin))
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_consented"
    assert _count(UseUnitConsent) == 1
    # Another unit's admin, and a manager of the unit, cannot consent for it.
    assert client.post(url, json={"version": rules.version}, headers=auth(other_admin)).status_code == 404
    manager = make_staff(admin, "uu_manager")
    db.session.commit()
    assert client.post(url, json={"version": rules.version}, headers=auth(manager)).status_code == 403
    assert _count(UseUnitConsent) == 1
    assert db.session.get(UseUnit, other.id).consent_id is None


def test_a_use_unit_becomes_active_only_with_a_consent_for_the_current_version(client, app):
    unit, admin = make_use_unit(status="pending", consent=False)
    operator = make_authority("platform_operator")
    db.session.commit()
    review = f"/api/v1/use-units/{unit.id}/status"
    refused = client.post(review, json={"status": "active"}, headers=auth(operator))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "consent_required"
    db.session.expire_all()
    assert db.session.get(UseUnit, unit.id).status == "pending"
    # A pending unit's admin may read and accept the rules.
    rules = current_rules()
    consent = client.post(f"/api/v1/use-units/{unit.id}/consent", json={"version": rules.version}, headers=auth(admin))
    assert consent.status_code == 201, consent.json
    assert client.post(review, json={"status": "active"}, headers=auth(operator)).status_code == 200


def test_managers_are_bound_only_once_the_unit_consented(client, app):
    unit, admin = make_use_unit(consent=False)
    manager = make_staff(admin, "uu_manager")
    db.session.commit()
    refused = client.post(f"/api/v1/staff/{manager.id}/bind-code", headers=auth(admin))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "consent_required"
    client.post(f"/api/v1/use-units/{unit.id}/consent", json={"version": current_rules().version}, headers=auth(admin))
    assert client.post(f"/api/v1/staff/{manager.id}/bind-code", headers=auth(admin)).status_code == 201


def test_default_confirmation_names_the_consent_it_relied_on(app):
    world = make_world()
    ids = due_records(world, 3)
    assert run_default_confirmations(None) == 3
    events = db.session.execute(
        select(SignoffEvent).where(SignoffEvent.record_id.in_(ids), SignoffEvent.kind == "default_confirmed")
    ).scalars()
    assert {event.consent_id for event in events} == {world.use_unit.consent_id}


def test_records_of_a_unit_without_consent_stay_overdue_and_unsigned_until_it_consents(client, app):
    world = make_world(consent=False)  # as migration 0017 leaves an existing use unit: no consent on file
    ids = due_records(world, 2)
    regulator = make_authority("regulator", "天河区")
    db.session.commit()
    assert run_default_confirmations(None) == 0
    assert {current_state(record_id).state for record_id in ids} == {"pending"}
    assert _count(SignoffEvent, SignoffEvent.kind == "default_confirmed") == 0
    # Listed for the maintenance unit and the regulator (and the use unit itself), not for another unit.
    for reader in (world.admin, regulator, world.uu_admin):
        listed = client.get("/api/v1/signoff/awaiting-consent", headers=auth(reader))
        assert listed.status_code == 200, listed.json
        assert {item["record_id"] for item in listed.json["items"]} == set(ids)
    stranger = make_world()
    db.session.commit()
    assert client.get("/api/v1/signoff/awaiting-consent", headers=auth(stranger.admin)).json["items"] == []
    # The manager can no longer sign (the deadline passed) nor object (nothing was confirmed): told why.
    signed = client.post(
        f"/api/v1/signoff/records/{ids[0]}/sign",
        json={"signature_png": manager_signature_b64()},
        headers=auth(world.manager),
    )
    assert signed.status_code == 409 and signed.json["error"]["code"] == "awaiting_consent"
    objected = client.post(
        f"/api/v1/signoff/records/{ids[0]}/objection", json={"reason": "有异议"}, headers=auth(world.manager)
    )
    assert objected.status_code == 409 and objected.json["error"]["code"] == "awaiting_consent"

    # The unit consents: each overdue record gets one fresh deadline (after the consent), nothing is confirmed yet.
    now = utcnow()
    response = client.post(
        f"/api/v1/use-units/{world.use_unit.id}/consent",
        json={"version": current_rules().version},
        headers=auth(world.uu_admin),
    )
    assert response.status_code == 201, response.json
    assert sorted(response.json["renewed_record_ids"]) == sorted(ids)
    states = [current_state(record_id) for record_id in ids]
    assert all(state.state == "pending" and state.deadline_at > now for state in states)
    renewed = _count(SignoffEvent, SignoffEvent.record_id.in_(ids), SignoffEvent.kind == "deadline_renewed")
    assert renewed == 2
    assert run_default_confirmations(None) == 0
    assert client.get("/api/v1/signoff/awaiting-consent", headers=auth(world.admin)).json["items"] == []
    # The manager may sign within the renewed window.
    signed = client.post(
        f"/api/v1/signoff/records/{ids[0]}/sign",
        json={"signature_png": manager_signature_b64()},
        headers=auth(world.manager),
    )
    assert signed.status_code == 201, signed.json

    # The renewed deadline passes: the other record is default-confirmed once, citing the consent.
    later = max(state.deadline_at for state in states) + timedelta(seconds=1)
    assert run_default_confirmations(later) == 0  # the job never confirms before its own time (now < later)
    db.session.execute(
        SignoffState.__table__.update()
        .where(SignoffState.record_id == ids[1])
        .values(deadline_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert run_default_confirmations(None) == 1
    assert run_default_confirmations(None) == 0
    event = db.session.execute(
        select(SignoffEvent).where(SignoffEvent.record_id == ids[1], SignoffEvent.kind == "default_confirmed")
    ).scalar_one()
    assert event.consent_id == response.json["consent"]["id"]
    history = client.get(f"/api/v1/signoff/records/{ids[1]}", headers=auth(world.admin)).json
    assert [e["consent_id"] for e in history["events"] if e["kind"] == "default_confirmed"] == [event.consent_id]


def test_projection_rebuilt_from_events_keeps_the_renewed_deadline(client, app):
    from signoff.projection import rebuild_projection

    world = make_world(consent=False)  # as migration 0017 leaves an existing use unit: no consent on file
    ids = due_records(world, 1)
    client.post(
        f"/api/v1/use-units/{world.use_unit.id}/consent",
        json={"version": current_rules().version},
        headers=auth(world.uu_admin),
    )
    before = current_state(ids[0]).deadline_at
    rebuild_projection()
    db.session.commit()
    assert current_state(ids[0]).deadline_at == before
