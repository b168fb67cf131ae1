"""The records list and detail name what their ids point at (elevator, units, technician), so a desk client
shows them without a lookup per row, and a sign-off's events name who acted."""

from miniback.extensions import db
from miniback.models import Account
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_world


def test_records_list_and_detail_name_the_elevator_units_and_technician(client):
    world = make_world()
    elevator = world.elevators[0]
    record = submitted_record(client, world.tech1, elevator)
    expected = {
        "elevator": {
            "id": elevator.id,
            "public_code": elevator.public_code,
            "device_code": elevator.device_code,
            "registration_code": None,
            "address": "广州市天河区某大厦",
            "position": None,
        },
        "maintenance_unit_name": world.unit.name,
        "use_unit_name": world.use_unit.name,
        "technician_name": "张伟明",
    }
    for reader in (world.supervisor, world.uu_admin):
        listed = client.get("/api/v1/records", headers=auth(reader)).json["items"]
        assert [{key: item[key] for key in expected} for item in listed] == [expected]
        detail = client.get(f"/api/v1/records/{record['id']}", headers=auth(reader)).json
        assert {key: detail[key] for key in expected} == expected


def test_a_technician_renamed_later_is_named_as_now(client):
    world = make_world()
    submitted_record(client, world.tech1, world.elevators[0])
    tech = db.session.get(Account, world.tech1.id)
    assert tech is not None
    tech.name = "张伟民"
    db.session.commit()
    listed = client.get("/api/v1/records", headers=auth(world.admin)).json["items"]
    assert listed[0]["technician_name"] == "张伟民"


def test_signoff_events_name_the_manager_who_objected_and_none_for_system_events(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    url = f"/api/v1/signoff/records/{record['id']}"
    objected = client.post(url + "/objection", json={"reason": "记录与现场不符"}, headers=auth(world.manager))
    assert objected.status_code == 201, objected.json
    events = client.get(url, headers=auth(world.supervisor)).json["events"]
    assert [(event["kind"], event["actor_name"]) for event in events] == [("submitted", None), ("objected", "郑经理")]
