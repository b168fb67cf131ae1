"""What the notice's rules add to a record PDF: the consent a default confirmation relied on (四(三)), and
已停止使用纸质维保记录 for a maintenance unit the city regulator approved (四(六))."""

from __future__ import annotations

from miniback.extensions import db
from miniback.models import SignoffEvent, UseUnit, UseUnitConsent, utcnow
from signoff.confirmation import apply_default_confirmations
from tests.factories.record_pdf import pdf_text, squeezed
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_world
from tests.factories.signoff import due_records

APPLY = "/api/v1/paperless-applications"


def pdf_of(client, record_id, account) -> str:
    db.session.commit()
    response = client.get(f"/api/v1/records/{record_id}/pdf", headers=auth(account))
    assert response.status_code == 200, response.data[:300]
    return squeezed(pdf_text(response.data))


def test_a_default_confirmation_shows_its_deadline_and_the_consent_it_relied_on(client):
    world = make_world()
    (record_id,) = due_records(world, 1)
    assert apply_default_confirmations(utcnow(), 100, now=utcnow()) == 1
    db.session.commit()
    event = db.session.execute(
        db.select(SignoffEvent).where(SignoffEvent.record_id == record_id, SignoffEvent.kind == "default_confirmed")
    ).scalar_one()
    consent = db.session.get(UseUnitConsent, db.session.get(UseUnit, world.use_unit.id).consent_id)
    assert event.consent_id == consent.id
    text = pdf_of(client, record_id, world.uu_admin)
    assert "使用单位签名确认：默认确认" in text
    assert "默认确认：确认期限" in text and "届满未签字亦未提出异议" in text
    assert f"《默认签名确认规则》第{consent.rule_version}版（同意记录#{consent.id}" in text
    assert consent.text_sha256[:16] in text and world.uu_admin.name in text


def test_an_approved_unit_shows_it_has_stopped_paper_records_and_a_withdrawn_one_does_not(client):
    world = make_world()
    city = make_authority("regulator")
    record = submitted_record(client, world.tech1, world.elevators[0])
    assert "已停止使用纸质维保记录" not in pdf_of(client, record["id"], world.admin)
    db.session.commit()
    applied = client.post(APPLY, json={"statement": "上传稳定"}, headers=auth(world.admin)).json
    approved = client.post(f"{APPLY}/{applied['id']}/approve", json={"reason": "抽查合格"}, headers=auth(city))
    assert approved.status_code == 200, approved.json
    text = pdf_of(client, record["id"], world.admin)
    assert f"已停止使用纸质维保记录：{world.unit.name}的无纸化维保已经市场监管部门确认" in text
    withdrawn = client.post(f"{APPLY}/{applied['id']}/withdraw", json={"reason": "抽查不合格"}, headers=auth(city))
    assert withdrawn.status_code == 200, withdrawn.json
    assert "已停止使用纸质维保记录" not in pdf_of(client, record["id"], world.admin)
