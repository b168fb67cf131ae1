"""Bad input gets a clear 4xx in the one error shape and changes nothing; never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from miniback.extensions import db
from miniback.models import Elevator, MaintenanceUnit
from tests.conftest import IsolatedClient
from tests.factories.registry import PASSWORD, auth, maintenance_unit_data, make_world


def fingerprint():
    names = [t.name for t in db.metadata.sorted_tables if t.name != "api_token"]
    return db.session.execute(text("CHECKSUM TABLE " + ", ".join(f"`{n}`" for n in names))).all()


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert set(response.json) == {"error"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def registration():
    body = maintenance_unit_data()
    body["admin"] = {"name": "林晓燕", "username": "new-admin", "password": PASSWORD}
    return body


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("name"), "name"),
        (lambda b: b.update(name=""), "name"),
        (lambda b: b.update(name="   "), "name"),
        (lambda b: b.update(name="长" * 101), "name"),
        (lambda b: b.update(name=123), "name"),
        (lambda b: b.update(name=None), "name"),
        (lambda b: b.update(name="a\x00b"), "name"),
        (lambda b: b.update(credit_code="91440300568520498B"), "credit_code"),
        (lambda b: b.update(credit_code=["91440300568520498A"]), "credit_code"),
        (lambda b: b.update(emergency_phone="call me"), "emergency_phone"),
        (lambda b: b.update(contact_phone="1" * 30), "contact_phone"),
        (lambda b: b.update(unexpected="x"), "unexpected"),
        (lambda b: b["admin"].pop("username"), "admin.username"),
        (lambda b: b["admin"].update(username="a b;DROP TABLE account"), "admin.username"),
        (lambda b: b["admin"].update(mobile="12345"), "admin.mobile"),
        (lambda b: b.update(admin="not an object"), "admin"),
    ],
)
def test_registration_field_errors_name_the_field(client, mutate, field):
    body = registration()
    mutate(body)
    before = fingerprint()
    error = assert_error(client.post("/api/v1/maintenance-units", json=body), 422, "validation_error")
    assert field in error["fields"], error
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 422, "malformed_json"),
        ('["a", "list"]', "application/json", 422, "bad_request"),
        ('"just a string"', "application/json", 422, "bad_request"),
        ("name=x", "application/x-www-form-urlencoded", 422, "bad_request"),
        ("", "application/json", 422, "malformed_json"),
        (b"\xff\xfe\x00", "application/json", 422, "malformed_json"),
    ],
)
def test_malformed_bodies_are_4xx(client, data, content_type, status, code):
    response = client.post("/api/v1/maintenance-units", data=data, content_type=content_type)
    assert_error(response, status, code)


def test_oversized_body_is_413(client):
    body = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    assert_error(client.post("/api/v1/maintenance-units", data=body, content_type="application/json"), 413)


def test_sql_and_html_in_text_fields_are_stored_verbatim_and_harmless(client):
    world = make_world()
    nasty = "<script>alert(1)</script>'; DROP TABLE elevator; --"
    response = client.patch(
        f"/api/v1/elevators/{world.elevators[0].id}", headers=auth(world.admin), json={"position": nasty}
    )
    assert response.status_code == 200
    assert db.session.get(Elevator, world.elevators[0].id).position == nasty
    assert db.session.execute(db.select(db.func.count(Elevator.id))).scalar() == 2
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "per_page=0",
        "per_page=101",
        "per_page=1e3",
        "district=福田区",
        "elevator_type=rocket",
        "use_unit_id=x",
        "bogus=1",
    ],
)
def test_bad_list_parameters_are_422(client, query):
    world = make_world()
    error = assert_error(client.get(f"/api/v1/elevators?{query}", headers=auth(world.admin)), 422)
    assert error["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/elevators/999999",
        "/api/v1/elevators/99999999999999999999999",
        "/api/v1/staff/0",
        "/api/v1/maintenance-units/424242",
        "/api/v1/use-units/31337",
        "/api/v1/elevators/by-public-code/" + "z" * 500,
        "/api/v1/no-such-endpoint",
    ],
)
def test_unknown_ids_and_urls_are_404(client, url):
    world = make_world()
    assert_error(client.get(url, headers=auth(world.admin)), 404)


def test_wrong_method_is_405_json(client):
    assert_error(client.delete("/api/v1/maintenance-units"), 405, "method_not_allowed")


def test_patch_with_wrong_types_changes_nothing(client):
    world = make_world()
    before = fingerprint()
    response = client.patch(
        f"/api/v1/maintenance-units/{world.unit.id}",
        headers=auth(world.admin),
        json={"name": "新名字", "emergency_phone": {"nested": True}},
    )
    assert_error(response, 422)
    assert fingerprint() == before
    assert db.session.get(MaintenanceUnit, world.unit.id).name == world.unit.name


def test_elevator_numbers_out_of_range_are_422(client):
    world = make_world()
    body = {
        "device_code": "31104401002025000001",
        "elevator_type": "traction",
        "address": "某路",
        "district": "天河区",
        "rated_speed_mps": "123.456",
        "stops": -1,
        "rated_load_kg": 10**12,
    }
    error = assert_error(client.post("/api/v1/elevators", headers=auth(world.admin), json=body), 422)
    assert {"rated_speed_mps", "stops", "rated_load_kg"} <= set(error["fields"])


HUGE = 186320767589747752960  # beyond 64 bits: SQLite (the demo) cannot even compare it


@pytest.fixture(params=["mariadb", "sqlite"])
def any_client(request):
    """A test client on MariaDB and one on SQLite (the demo's database)."""
    app = request.getfixturevalue("app" if request.param == "mariadb" else "sqlite_app")
    app.test_client_class = IsolatedClient
    return app.test_client()


def test_integers_beyond_64_bits_in_bodies_and_queries_are_422_naming_the_field(any_client):
    world = make_world()
    before = fingerprint() if db.engine.dialect.name == "mysql" else None
    notice = {
        "elevator_ids": [HUGE],
        "cause": "other",
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-02",
        "explanation": "台风",
    }
    error = assert_error(any_client.post("/api/v1/delay-notices", json=notice, headers=auth(world.admin)), 422)
    assert error["fields"] == {"elevator_ids.0": "不能大于 9223372036854775807"}
    url = "/api/v1/records?org_node_id=-74641276221413564401648018619629568"
    records = any_client.get(url, headers=auth(world.admin))
    assert assert_error(records, 422)["fields"] == {"org_node_id": "不能小于 1"}
    elevators = any_client.get(f"/api/v1/elevators?use_unit_id={HUGE}", headers=auth(world.admin))
    assert "use_unit_id" in assert_error(elevators, 422)["fields"]
    draft = {"elevator_id": world.elevators[0].id, "category": "half_month", "second_technician_id": -(2**64)}
    error = assert_error(any_client.post("/api/v1/drafts", json=draft, headers=auth(world.tech1)), 422)
    assert error["fields"] == {"second_technician_id": "不能小于 1"}
    assert before is None or fingerprint() == before


@pytest.mark.parametrize("number", [HUGE, 2**63, 0, "9" * 5000])
def test_ids_in_urls_beyond_64_bits_or_below_1_are_404(any_client, number):
    world = make_world()
    for url in (f"/api/v1/elevators/{number}", f"/api/v1/records/{number}", f"/api/v1/staff/{number}/bind-code"):
        method = any_client.post if url.endswith("bind-code") else any_client.get
        assert_error(method(url, headers=auth(world.admin)), 404, "not_found")


def test_the_document_states_the_integer_bounds(client):
    document = client.get("/api/v1/openapi.json").json
    notice = document["components"]["schemas"]["DelayNoticeIn"]["properties"]["elevator_ids"]["items"]
    assert (notice["minimum"], notice["maximum"]) == (1, 2**63 - 1)
    path = document["paths"]["/api/v1/elevators/{elevator_id}"]["get"]["parameters"][0]["schema"]
    assert path == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    records = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/records"]["get"]["parameters"]}
    assert records["org_node_id"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
