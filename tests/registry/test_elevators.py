from miniback.extensions import db
from miniback.models import Elevator, ElevatorAssignment
from tests.factories.registry import auth, make_authority, make_world


def elevator_body(world, **overrides):
    body = {
        "device_code": "31104401002024000001",
        "elevator_type": "traction",
        "address": "广州市天河区体育西路 1 号",
        "district": "天河区",
        "position": "1 号梯",
        "rescue_code": "44011",
        "make": "广州日立",
        "model": "HGP",
        "rated_load_kg": 1000,
        "rated_speed_mps": "1.75",
        "stops": 18,
        "use_certificate_no": "梯11粤A20001(20)",
        "use_unit_credit_code": world.use_unit.credit_code,
    }
    body.update(overrides)
    return body


def test_admin_registers_an_elevator_with_an_unguessable_public_code(client):
    world = make_world()
    response = client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["matched"] is False
    code = body["elevator"]["public_code"]
    assert 12 <= len(code) <= 32 and code.isalnum()
    assert body["elevator"]["use_unit_id"] == world.use_unit.id
    assert body["elevator"]["maintenance_unit_id"] == world.unit.id
    assert body["elevator"]["rated_speed_mps"] == "1.75"
    codes = {e.public_code for e in db.session.execute(db.select(Elevator)).scalars()}
    assert len(codes) == 3  # two from the world + this one, all distinct


def test_registering_a_known_code_matches_instead_of_duplicating(client):
    world = make_world()
    first = client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world))
    again = client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world, position="改"))
    assert again.status_code == 200
    assert again.json["matched"] is True
    assert again.json["elevator"]["id"] == first.json["elevator"]["id"]
    assert again.json["elevator"]["position"] == "1 号梯"  # matching never overwrites; PATCH modifies
    count = db.session.execute(
        db.select(db.func.count(Elevator.id)).where(Elevator.device_code == "31104401002024000001")
    ).scalar()
    assert count == 1


def test_registration_code_alone_also_matches(client):
    world = make_world()
    body = elevator_body(world, device_code=None, registration_code="REG-0001")
    first = client.post("/api/v1/elevators", headers=auth(world.admin), json=body)
    again = client.post("/api/v1/elevators", headers=auth(world.admin), json=body)
    assert first.status_code == 201 and again.json["elevator"]["id"] == first.json["elevator"]["id"]


def test_another_units_elevator_cannot_be_taken_by_registering_it(client):
    world, other = make_world(), make_world()
    client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world))
    response = client.post("/api/v1/elevators", headers=auth(other.admin), json=elevator_body(other))
    assert response.status_code == 409 and response.json["error"]["code"] == "maintained_by_other_unit"
    elevator = db.session.execute(
        db.select(Elevator).where(Elevator.device_code == "31104401002024000001")
    ).scalar_one()
    assert elevator.maintenance_unit_id == world.unit.id


def test_an_elevator_needs_a_device_or_registration_code(client):
    world = make_world()
    response = client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world, device_code=None))
    assert response.status_code == 422
    assert "设备代码和注册代码至少填写一项" in str(response.json["error"]["fields"])


def test_modifying_an_elevator_keeps_history(client):
    world = make_world()
    elevator = world.elevators[0]
    response = client.patch(
        f"/api/v1/elevators/{elevator.id}",
        headers=auth(world.admin),
        json={"position": "B 座 3 号梯", "rescue_code": "44999"},
    )
    assert response.status_code == 200 and response.json["position"] == "B 座 3 号梯"
    history = client.get(f"/api/v1/elevators/{elevator.id}/history", headers=auth(world.admin)).json["items"]
    assert {(h["field"], h["new_value"]) for h in history} >= {("position", "B 座 3 号梯"), ("rescue_code", "44999")}


def test_changing_to_a_code_used_by_another_elevator_is_409(client):
    world = make_world()
    first, second = world.elevators
    response = client.patch(
        f"/api/v1/elevators/{second.id}", headers=auth(world.admin), json={"device_code": first.device_code}
    )
    assert response.status_code == 409


def test_transfer_keeps_history_and_ends_the_old_units_access(client):
    world, new = make_world(), make_world()
    elevator = world.elevators[0]
    response = client.post(
        f"/api/v1/elevators/{elevator.id}/transfer",
        headers=auth(world.admin),
        json={"maintenance_unit_credit_code": new.unit.credit_code},
    )
    assert response.status_code == 200 and response.json["maintenance_unit_id"] == new.unit.id
    assert client.get(f"/api/v1/elevators/{elevator.id}", headers=auth(world.admin)).status_code == 404
    assert client.get(f"/api/v1/elevators/{elevator.id}", headers=auth(world.tech1)).status_code == 404
    assert client.get(f"/api/v1/elevators/{elevator.id}", headers=auth(new.tech1)).status_code == 200
    assignments = (
        db.session.execute(
            db.select(ElevatorAssignment)
            .where(ElevatorAssignment.elevator_id == elevator.id)
            .order_by(ElevatorAssignment.id)
        )
        .scalars()
        .all()
    )
    assert [a.maintenance_unit_id for a in assignments] == [world.unit.id, new.unit.id]
    assert assignments[0].ended_at is not None and assignments[1].ended_at is None
    listed = client.get(f"/api/v1/elevators/{elevator.id}/assignments", headers=auth(new.admin)).json
    assert listed["total"] == 2


def test_use_unit_admin_can_transfer_its_own_elevator(client):
    world, new = make_world(), make_world()
    response = client.post(
        f"/api/v1/elevators/{world.elevators[0].id}/transfer",
        headers=auth(world.uu_admin),
        json={"maintenance_unit_credit_code": new.unit.credit_code},
    )
    assert response.status_code == 200


def test_transfer_to_an_unknown_or_suspended_unit_is_refused(client):
    world, new = make_world(), make_world()
    elevator = world.elevators[0]
    unknown = client.post(
        f"/api/v1/elevators/{elevator.id}/transfer",
        headers=auth(world.admin),
        json={"maintenance_unit_credit_code": "91440300568520498A"},
    )
    assert unknown.status_code == 404
    new.unit.status = "suspended"
    suspended = client.post(
        f"/api/v1/elevators/{elevator.id}/transfer",
        headers=auth(world.admin),
        json={"maintenance_unit_credit_code": new.unit.credit_code},
    )
    assert suspended.status_code == 409
    assert db.session.get(Elevator, elevator.id).maintenance_unit_id == world.unit.id


def test_scanned_public_code_resolves_only_for_people_who_may_see_it(client):
    world, other = make_world(), make_world()
    code = world.elevators[0].public_code
    assert client.get(f"/api/v1/elevators/by-public-code/{code}", headers=auth(world.tech1)).json["id"] == (
        world.elevators[0].id
    )
    assert client.get(f"/api/v1/elevators/by-public-code/{code}", headers=auth(other.tech1)).status_code == 404


def test_regulator_sees_elevators_of_their_district_only(client):
    tianhe, yuexiu = make_world("天河区"), make_world("越秀区")
    regulator = make_authority("regulator", district="天河区")
    listed = client.get("/api/v1/elevators?per_page=100", headers=auth(regulator)).json
    assert {item["id"] for item in listed["items"]} == {e.id for e in tianhe.elevators}
    assert client.get(f"/api/v1/elevators/{yuexiu.elevators[0].id}", headers=auth(regulator)).status_code == 404
    city = make_authority("regulator")
    assert client.get("/api/v1/elevators?per_page=100", headers=auth(city)).json["total"] == 4


def test_the_list_and_the_detail_name_the_use_unit_and_the_maintenance_unit(client):
    world = make_world()
    elevator = world.elevators[0]
    listed = client.get("/api/v1/elevators", headers=auth(world.admin)).json["items"]
    assert {(item["use_unit_name"], item["maintenance_unit_name"]) for item in listed} == {
        (world.use_unit.name, world.unit.name)
    }
    detail = client.get(f"/api/v1/elevators/{elevator.id}", headers=auth(world.uu_admin)).json
    assert detail["use_unit_name"] == world.use_unit.name and detail["maintenance_unit_name"] == world.unit.name
    elevator.use_unit_id = None
    db.session.commit()
    assert client.get(f"/api/v1/elevators/{elevator.id}", headers=auth(world.admin)).json["use_unit_name"] is None


def test_the_list_filters_by_status(client):
    world = make_world()
    stopped = world.elevators[1]
    client.patch(f"/api/v1/elevators/{stopped.id}", headers=auth(world.admin), json={"status": "out_of_service"})
    listed = client.get("/api/v1/elevators?status=out_of_service", headers=auth(world.admin)).json
    assert [item["id"] for item in listed["items"]] == [stopped.id] and listed["total"] == 1
    in_service = client.get("/api/v1/elevators?status=in_service", headers=auth(world.admin)).json["items"]
    assert [item["id"] for item in in_service] == [world.elevators[0].id]
    assert client.get("/api/v1/elevators?status=broken", headers=auth(world.admin)).status_code == 422


def test_assignments_name_each_maintenance_unit_even_after_a_transfer(client):
    world, new = make_world(), make_world()
    new.unit.name = "广州接手电梯工程有限公司"
    db.session.commit()
    elevator = world.elevators[0]
    client.post(
        f"/api/v1/elevators/{elevator.id}/transfer",
        headers=auth(world.admin),
        json={"maintenance_unit_credit_code": new.unit.credit_code},
    )
    listed = client.get(f"/api/v1/elevators/{elevator.id}/assignments", headers=auth(new.admin)).json["items"]
    assert [item["maintenance_unit_name"] for item in listed] == [world.unit.name, "广州接手电梯工程有限公司"]


def test_inspector_finds_an_elevator_by_any_of_its_codes_or_part_of_its_address(client):
    world, other = make_world("天河区"), make_world("越秀区")
    target = world.elevators[0]
    target.rescue_code = "44017"
    target.use_certificate_no = "梯11粤A01234(23)"
    target.registration_code = "REG2024000777"
    target.address = "广州市天河区珠江新城华夏路 10 号富力中心"
    db.session.commit()
    inspector = make_authority("inspector")
    db.session.commit()

    def found(q, account=inspector):
        response = client.get("/api/v1/elevators", query_string={"q": q, "per_page": 100}, headers=auth(account))
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    for q in (
        target.device_code,
        target.device_code[-6:],
        "REG2024000777",
        "44017",
        "粤A01234",
        target.public_code,
        "富力中心",
    ):
        assert found(q) == {target.id}, q
    # Every elevator here is on a 广州市天河区 address: a search across both units, for a city-wide reader only.
    assert found("某大厦") == {e.id for e in world.elevators[1:] + other.elevators}
    assert found("某大厦", other.admin) == {e.id for e in other.elevators}  # never another unit's rows
    assert found("富力中心", other.admin) == set()
    assert found("%") == set() and found("_") == set()  # LIKE wildcards are searched as themselves
    too_long = client.get("/api/v1/elevators", query_string={"q": "x" * 51}, headers=auth(inspector))
    assert too_long.status_code == 422 and "q" in too_long.json["error"]["fields"]
