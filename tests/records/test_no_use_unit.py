"""Elevators without a use unit: records cannot be submitted (nobody could sign them), drafts are kept, and the
maintenance unit lists the elevators concerned."""

from __future__ import annotations

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordDraft, SignoffState
from tests.factories.records import complete_draft, submit
from tests.factories.registry import auth, make_elevator, make_world

NO_USE_UNIT = "该电梯尚未登记使用单位，无法提交维保记录，请联系维保单位管理员补充"


def _count(model: type) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_a_record_for_an_elevator_without_a_use_unit_is_refused_until_one_is_registered(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.use_unit_id = None
    db.session.commit()
    draft = complete_draft(client, world.tech1, elevator)  # the technician's work is saved as a draft
    response = submit(client, world.tech1, draft["id"])
    assert response.status_code == 409
    assert response.json["error"] == {"code": "no_use_unit", "message": NO_USE_UNIT}
    assert _count(MaintenanceRecord) == 0 and _count(SignoffState) == 0
    assert db.session.get(RecordDraft, draft["id"]).status == "open"
    changed = client.patch(
        f"/api/v1/elevators/{elevator.id}",
        headers=auth(world.admin),
        json={"use_unit_credit_code": world.use_unit.credit_code},
    )
    assert changed.status_code == 200
    response = submit(client, world.tech1, draft["id"])
    assert response.status_code == 201, response.json
    state = db.session.get(SignoffState, response.json["id"])
    assert state is not None and state.use_unit_id == world.use_unit.id


def test_the_maintenance_unit_lists_its_elevators_without_a_use_unit(client):
    world, other = make_world(), make_world()
    lacking = make_elevator(world.admin)
    make_elevator(other.admin)  # another unit's: not listed
    db.session.commit()
    headers = auth(world.admin)
    without = client.get("/api/v1/elevators?has_use_unit=false", headers=headers)
    assert without.status_code == 200
    assert [item["id"] for item in without.json["items"]] == [lacking.id]
    with_unit = client.get("/api/v1/elevators?has_use_unit=true", headers=headers).json["items"]
    assert [item["id"] for item in with_unit] == [e.id for e in world.elevators]
    assert client.get("/api/v1/elevators?has_use_unit=maybe", headers=headers).status_code == 422
