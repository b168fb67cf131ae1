"""Paperless approval (四(六)): a maintenance unit applies, a city regulator approves or rejects with a reason and
may withdraw later; approved units and their elevators show 已停止使用纸质维保记录; history is kept."""

from __future__ import annotations

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import PaperlessApplication, PaperlessEvent
from miniback.registry.paperless import PAPERLESS_TEXT, paperless_approved
from tests.factories.registry import auth, make_authority, make_world

APPLY = "/api/v1/paperless-applications"


def _count(model, *where) -> int:
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_application_lifecycle_approve_then_withdraw_with_history(client, app):
    world = make_world()
    city = make_authority("regulator")
    inspector = make_authority("inspector")
    db.session.commit()
    applied = client.post(APPLY, json={"statement": "上传稳定，申请停止纸质记录"}, headers=auth(world.admin))
    assert applied.status_code == 201, applied.json
    application_id = applied.json["id"]
    assert applied.json["status"] == "pending" and applied.json["statement"].startswith("上传稳定")
    assert paperless_approved(world.unit.id) is None
    again = client.post(APPLY, json={}, headers=auth(world.admin))
    assert again.status_code == 409 and again.json["error"]["code"] == "paperless_application_pending"

    listed = client.get(APPLY + "?status=pending", headers=auth(city)).json
    assert [item["id"] for item in listed["items"]] == [application_id]
    approved = client.post(f"{APPLY}/{application_id}/approve", json={"reason": "抽查合格"}, headers=auth(city))
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["reason"] == "抽查合格"
    db.session.expire_all()
    approval = paperless_approved(world.unit.id)
    assert approval is not None and approval.id == application_id and approval.decided_by_id == city.id

    status = client.get(f"/api/v1/maintenance-units/{world.unit.id}/paperless", headers=auth(inspector)).json
    assert status["paperless"] is True and status["label"] == PAPERLESS_TEXT
    # The public page of each of the unit's elevators says so.
    page = client.get(f"/e/{world.elevators[0].public_code}")
    assert PAPERLESS_TEXT in page.get_data(as_text=True)
    public = client.get(f"/api/v1/public/elevators/{world.elevators[0].public_code}").json
    assert public["paperless"] is True

    twice = client.post(f"{APPLY}/{application_id}/approve", json={"reason": "再批"}, headers=auth(city))
    assert twice.status_code == 409
    withdrawn = client.post(f"{APPLY}/{application_id}/withdraw", json={"reason": "上传中断"}, headers=auth(city))
    assert withdrawn.status_code == 200, withdrawn.json
    db.session.expire_all()
    assert paperless_approved(world.unit.id) is None
    assert PAPERLESS_TEXT not in client.get(f"/e/{world.elevators[0].public_code}").get_data(as_text=True)
    detail = client.get(f"{APPLY}/{application_id}", headers=auth(world.admin)).json
    assert [event["kind"] for event in detail["events"]] == ["applied", "approved", "withdrawn"]
    assert [event["reason"] for event in detail["events"]][1:] == ["抽查合格", "上传中断"]


def test_reject_needs_a_reason_and_a_new_application_may_follow(client, app):
    world = make_world()
    city = make_authority("regulator")
    db.session.commit()
    application_id = client.post(APPLY, json={}, headers=auth(world.admin)).json["id"]
    no_reason = client.post(f"{APPLY}/{application_id}/reject", json={}, headers=auth(city))
    assert no_reason.status_code == 422
    rejected = client.post(f"{APPLY}/{application_id}/reject", json={"reason": "按期率不足"}, headers=auth(city))
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert (
        client.post(f"{APPLY}/{application_id}/withdraw", json={"reason": "x"}, headers=auth(city)).status_code == 409
    )
    assert client.post(APPLY, json={}, headers=auth(world.admin)).status_code == 201
    assert _count(PaperlessApplication) == 2


def test_only_a_city_regulator_decides_and_out_of_scope_callers_change_nothing(client, app):
    world = make_world()
    other = make_world()
    district = make_authority("regulator", "天河区")
    db.session.commit()
    application_id = client.post(APPLY, json={}, headers=auth(world.admin)).json["id"]
    events = _count(PaperlessEvent)
    # A district regulator does not see the city's applications; an admin may not approve its own.
    assert (
        client.post(f"{APPLY}/{application_id}/approve", json={"reason": "x"}, headers=auth(district)).status_code
        == 404
    )
    assert (
        client.post(f"{APPLY}/{application_id}/approve", json={"reason": "x"}, headers=auth(world.admin)).status_code
        == 403
    )
    # Another unit's admin does not see it at all.
    assert client.get(f"{APPLY}/{application_id}", headers=auth(other.admin)).status_code == 404
    assert client.get(APPLY, headers=auth(other.admin)).json["items"] == []
    assert client.post(APPLY, json={}, headers=auth(world.tech1)).status_code == 403
    assert _count(PaperlessEvent) == events
    db.session.expire_all()
    assert db.session.get(PaperlessApplication, application_id).status == "pending"


def test_the_application_shows_the_units_own_figures_from_the_statistics(client, app):
    from miniback.statistics.rollup import rebuild
    from tests.factories.records import submitted_record

    world = make_world()
    other = make_world()
    for elevator in world.elevators:
        submitted_record(client, world.tech1, elevator)
    submitted_record(client, other.tech1, other.elevators[0])
    rebuild()
    db.session.commit()
    applied = client.post(APPLY, json={}, headers=auth(world.admin))
    assert applied.status_code == 201, applied.json
    figures = applied.json["figures"]
    assert figures["records"] == 2  # the unit's own records, not the other unit's
    # Expected from the records' own late-upload marks (a job begun just before midnight in Guangzhou is late).
    from miniback.models import MaintenanceRecord

    own = db.session.execute(
        select(MaintenanceRecord).where(MaintenanceRecord.maintenance_unit_id == world.unit.id)
    ).scalars()
    days: dict[object, bool] = {}
    on_time = 0
    for record in own:
        on_time += not record.late_upload
        days[record.maintenance_day] = days.get(record.maintenance_day, True) and not record.late_upload
    assert figures["same_day_upload_rate"] == round(100 * on_time / 2, 2)
    assert figures["same_day_upload_days"] == sum(days.values())
    assert figures["default_confirmed_share"] == 0.0
    assert set(figures) >= {"on_time_rate", "period_start", "period_end"}
    status = client.get(f"/api/v1/maintenance-units/{world.unit.id}/paperless", headers=auth(world.admin)).json
    assert status["figures"]["records"] == 2
