"""Every role × endpoint, allowed and denied. Denied requests must change nothing in the database.

Actors: the authorities, the people of unit A (owner of the target objects) and of unit B (another unit in
another district), and anonymous callers. A guessed id of another unit's object is a 404; a role that may
never do something is a 403; no token is a 401.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from miniback.extensions import db
from tests.factories import UnitWorld, auth, make_authority, make_elevator, make_world

ACTORS = (
    "anonymous",
    "platform_operator",
    "regulator_a",
    "regulator_b",
    "regulator_city",
    "inspector",
    "mu_admin_a",
    "supervisor_a",
    "technician_a",
    "mu_admin_b",
    "technician_b",
    "uu_admin_a",
    "manager_a",
    "uu_admin_b",
    "manager_b",
)


@dataclass
class Worlds:
    a: UnitWorld
    b: UnitWorld
    accounts: dict[str, Any]


def build() -> Worlds:
    a, b = make_world("天河区"), make_world("越秀区")
    accounts = {
        "platform_operator": make_authority("platform_operator"),
        "regulator_a": make_authority("regulator", "天河区"),
        "regulator_b": make_authority("regulator", "越秀区"),
        "regulator_city": make_authority("regulator"),
        "inspector": make_authority("inspector"),
        "mu_admin_a": a.admin,
        "supervisor_a": a.supervisor,
        "technician_a": a.tech1,
        "mu_admin_b": b.admin,
        "technician_b": b.tech1,
        "uu_admin_a": a.uu_admin,
        "manager_a": a.manager,
        "uu_admin_b": b.uu_admin,
        "manager_b": b.manager,
    }
    db.session.commit()
    return Worlds(a, b, accounts)


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = {actor: default for actor in ACTORS}
    table["anonymous"] = 401
    table.update(overrides)
    return table


READ_A_UNIT = expect(200, mu_admin_b=404, technician_b=404, uu_admin_b=404, manager_b=404)
READ_A_ELEVATOR = expect(
    404,
    platform_operator=200,
    regulator_a=200,
    regulator_city=200,
    inspector=200,
    mu_admin_a=200,
    supervisor_a=200,
    technician_a=200,
    uu_admin_a=200,
    manager_a=200,
)
ONLY_OPERATOR = expect(403, platform_operator=200)
# Staff of unit A (tech2, in team2, under the supervisor's branch): admin and supervisor of A and the operator.
READ_A_STAFF = expect(404, platform_operator=200, mu_admin_a=200, supervisor_a=200)
MANAGE_A_STAFF = expect(403, mu_admin_a=200, mu_admin_b=404, uu_admin_a=404, uu_admin_b=404)
ALL_LOGGED_IN = expect(200)


CODES = itertools.count(2025000001)


def fresh_elevator(w: Worlds) -> int:
    return make_elevator(w.a.admin, w.a.use_unit).id


ENDPOINTS: list[tuple[str, str, Any, Any, dict[str, int]]] = [
    ("me", "GET", lambda w: "/api/v1/me", None, ALL_LOGGED_IN),
    ("list maintenance units", "GET", lambda w: "/api/v1/maintenance-units", None, ALL_LOGGED_IN),
    ("read maintenance unit", "GET", lambda w: f"/api/v1/maintenance-units/{w.a.unit.id}", None, READ_A_UNIT),
    (
        "maintenance unit history",
        "GET",
        lambda w: f"/api/v1/maintenance-units/{w.a.unit.id}/history",
        None,
        READ_A_UNIT,
    ),
    (
        "update maintenance unit",
        "PATCH",
        lambda w: f"/api/v1/maintenance-units/{w.a.unit.id}",
        {"contact_name": "新联系人"},
        expect(403, mu_admin_a=200, mu_admin_b=404, technician_b=404, uu_admin_b=404, manager_b=404),
    ),
    (
        "suspend maintenance unit",
        "POST",
        lambda w: f"/api/v1/maintenance-units/{w.a.unit.id}/status",
        {"status": "active"},
        ONLY_OPERATOR,
    ),
    ("list use units", "GET", lambda w: "/api/v1/use-units", None, ALL_LOGGED_IN),
    ("read use unit", "GET", lambda w: f"/api/v1/use-units/{w.a.use_unit.id}", None, READ_A_ELEVATOR),
    ("use unit history", "GET", lambda w: f"/api/v1/use-units/{w.a.use_unit.id}/history", None, READ_A_ELEVATOR),
    (
        "update use unit",
        "PATCH",
        lambda w: f"/api/v1/use-units/{w.a.use_unit.id}",
        {"address": "新地址"},
        expect(403, uu_admin_a=200, regulator_b=404, mu_admin_b=404, technician_b=404, uu_admin_b=404, manager_b=404),
    ),
    (
        "suspend use unit",
        "POST",
        lambda w: f"/api/v1/use-units/{w.a.use_unit.id}/status",
        {"status": "active"},
        ONLY_OPERATOR,
    ),
    ("list elevators", "GET", lambda w: "/api/v1/elevators", None, ALL_LOGGED_IN),
    ("read elevator", "GET", lambda w: f"/api/v1/elevators/{w.a.elevators[0].id}", None, READ_A_ELEVATOR),
    (
        "scan elevator",
        "GET",
        lambda w: f"/api/v1/elevators/by-public-code/{w.a.elevators[0].public_code}",
        None,
        READ_A_ELEVATOR,
    ),
    ("elevator history", "GET", lambda w: f"/api/v1/elevators/{w.a.elevators[0].id}/history", None, READ_A_ELEVATOR),
    (
        "elevator assignments",
        "GET",
        lambda w: f"/api/v1/elevators/{w.a.elevators[0].id}/assignments",
        None,
        READ_A_ELEVATOR,
    ),
    (
        "register elevator",
        "POST",
        lambda w: "/api/v1/elevators",
        lambda w: {
            "device_code": f"3110440100{next(CODES)}",
            "elevator_type": "escalator",
            "address": "某路",
            "district": "天河区",
        },
        expect(403, mu_admin_a=201, mu_admin_b=201),
    ),
    (
        "modify elevator",
        "PATCH",
        lambda w: f"/api/v1/elevators/{w.a.elevators[0].id}",
        {"position": "改"},
        expect(403, mu_admin_a=200, mu_admin_b=404),
    ),
    (
        "transfer elevator",
        "POST",
        lambda w: f"/api/v1/elevators/{fresh_elevator(w)}/transfer",
        lambda w: {"maintenance_unit_credit_code": w.b.unit.credit_code},
        expect(403, mu_admin_a=200, uu_admin_a=200, platform_operator=200, mu_admin_b=404, uu_admin_b=404),
    ),
    (
        "list org nodes",
        "GET",
        lambda w: "/api/v1/org-nodes",
        None,
        expect(
            403,
            platform_operator=200,
            mu_admin_a=200,
            supervisor_a=200,
            technician_a=200,
            mu_admin_b=200,
            technician_b=200,
        ),
    ),
    (
        "add org node",
        "POST",
        lambda w: "/api/v1/org-nodes",
        lambda w: {"name": "新组", "parent_id": w.a.team1.id},
        expect(403, mu_admin_a=201, mu_admin_b=404),
    ),
    (
        "rename org node",
        "PATCH",
        lambda w: f"/api/v1/org-nodes/{w.a.team1.id}",
        {"name": "改名"},
        expect(403, mu_admin_a=200, mu_admin_b=404),
    ),
    ("list staff", "GET", lambda w: "/api/v1/staff", None, ALL_LOGGED_IN),
    (
        "list colleagues",
        "GET",
        lambda w: "/api/v1/staff/colleagues",
        None,
        expect(403, supervisor_a=200, technician_a=200, technician_b=200),
    ),
    ("read staff", "GET", lambda w: f"/api/v1/staff/{w.a.tech2.id}", None, READ_A_STAFF),
    ("update staff", "PATCH", lambda w: f"/api/v1/staff/{w.a.tech2.id}", {"certificate_no": "TSX-1"}, MANAGE_A_STAFF),
    (
        "add staff",
        "POST",
        lambda w: "/api/v1/staff",
        lambda w: {"name": "新人", "mobile": "13012345678", "role": "uu_manager"},
        expect(403, uu_admin_a=201, uu_admin_b=201, mu_admin_a=422, mu_admin_b=422),
    ),
    (
        "bind code",
        "POST",
        lambda w: f"/api/v1/staff/{w.a.tech2.id}/bind-code",
        None,
        expect(403, mu_admin_a=201, mu_admin_b=404, uu_admin_a=404, uu_admin_b=404),
    ),
    ("deactivate staff", "POST", lambda w: f"/api/v1/staff/{w.a.tech2.id}/deactivate", None, MANAGE_A_STAFF),
]


def database_fingerprint() -> dict[str, Any]:
    names = [t.name for t in db.metadata.sorted_tables if t.name != "api_token"]
    rows = db.session.execute(text("CHECKSUM TABLE " + ", ".join(f"`{n}`" for n in names))).all()
    return {row[0]: row[1] for row in rows}


@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_role_matrix(client, name, method, url, body, expected):
    w = build()
    headers = {actor: auth(account) for actor, account in w.accounts.items()}
    headers["anonymous"] = {}
    # Denied callers first: each must leave the database exactly as it was.
    ordered = sorted(ACTORS, key=lambda actor: expected[actor] < 300)
    outcomes = {}
    for actor in ordered:
        db.session.commit()
        before = database_fingerprint()
        payload = body(w) if callable(body) else body
        response = client.open(url(w), method=method, headers=headers[actor], json=payload)
        outcomes[actor] = response.status_code
        assert response.status_code != 500
        if response.status_code >= 400:
            assert set(response.json) == {"error"} and response.json["error"]["message"]
            if method != "GET" and "transfer" not in name:
                assert database_fingerprint() == before, f"{actor} was refused but changed data"
    assert outcomes == expected


def test_lists_never_leak_another_units_rows(client):
    w = build()
    for actor, own_ids in (
        ("mu_admin_b", {e.id for e in w.b.elevators}),
        ("manager_a", {e.id for e in w.a.elevators}),
        ("regulator_b", {e.id for e in w.b.elevators}),
    ):
        listed = client.get("/api/v1/elevators?per_page=100", headers=auth(w.accounts[actor])).json
        assert {item["id"] for item in listed["items"]} == own_ids, actor
    units = client.get("/api/v1/maintenance-units", headers=auth(w.b.admin)).json["items"]
    assert [u["id"] for u in units] == [w.b.unit.id]
    use_units = client.get("/api/v1/use-units", headers=auth(w.b.tech1)).json["items"]
    assert [u["id"] for u in use_units] == [w.b.use_unit.id]
    nodes = client.get("/api/v1/org-nodes?per_page=100", headers=auth(w.b.admin)).json["items"]
    assert {n["maintenance_unit_id"] for n in nodes} == {w.b.unit.id}
    staff = client.get("/api/v1/staff?per_page=100", headers=auth(w.b.uu_admin)).json["items"]
    assert {s["use_unit_id"] for s in staff} == {w.b.use_unit.id}


def test_admin_finds_a_use_unit_by_exact_credit_code_only(client):
    w = build()
    found = client.get(f"/api/v1/use-units?credit_code={w.a.use_unit.credit_code}", headers=auth(w.b.admin)).json
    assert [u["id"] for u in found["items"]] == [w.a.use_unit.id]
    assert client.get("/api/v1/use-units", headers=auth(w.b.admin)).json["total"] == 1
