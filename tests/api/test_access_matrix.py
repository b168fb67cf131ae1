"""Every role × endpoint, allowed and denied. Denied requests must change nothing in the database.

Actors: the authorities, the people of unit A (owner of the target objects) and of unit B (another unit in
another district), and anonymous callers. A guessed id of another unit's object is a 404; a role that may
never do something is a 403; no token is a 401.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from miniback.api.exports import EXPORT_ROLES
from miniback.extensions import db
from miniback.models import PushDelivery, utcnow
from miniback.records.calendar import local_day
from miniback.registry.staff import create_org_node
from tests.factories.records import submitted_record
from tests.factories.registry import PASSWORD, UnitWorld, auth, make_authority, make_elevator, make_staff, make_world
from tests.factories.signatures import manager_signature_b64

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
# The console's people (exports): all but the technicians and the use units' managers, who use the mini-program.
DESK_ROLES = expect(403, **{actor: 200 for actor in ACTORS[1:] if not actor.startswith(("technician", "manager"))})

STATS = expect(
    403, platform_operator=200, regulator_a=200, regulator_b=200, regulator_city=200, mu_admin_a=200, mu_admin_b=200
)


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
    (
        "password reset link",
        "POST",
        lambda w: f"/api/v1/accounts/{w.a.supervisor.id}/password-reset",
        None,
        expect(403, platform_operator=201, mu_admin_a=201, mu_admin_b=404, uu_admin_a=404, uu_admin_b=404),
    ),
    ("list sessions", "GET", lambda w: "/api/v1/me/sessions", None, ALL_LOGGED_IN),
    ("list accounts", "GET", lambda w: "/api/v1/accounts", None, ONLY_OPERATOR),
    ("read account", "GET", lambda w: f"/api/v1/accounts/{w.a.tech2.id}", None, ONLY_OPERATOR),
    (
        "create account",
        "POST",
        lambda w: "/api/v1/accounts",
        lambda w: {"role": "inspector", "name": "特检院", "username": f"inspect-{next(CODES)}", "password": PASSWORD},
        expect(403, platform_operator=201),
    ),
    (
        "deactivate account",
        "POST",
        lambda w: f"/api/v1/accounts/{w.accounts['regulator_b'].id}/deactivate",
        None,
        ONLY_OPERATOR,
    ),
    (
        "reactivate account",
        "POST",
        lambda w: f"/api/v1/accounts/{w.accounts['regulator_b'].id}/reactivate",
        None,
        ONLY_OPERATOR,
    ),
    (
        "unit label sheet",
        "GET",
        lambda w: f"/api/v1/maintenance-units/{w.a.unit.id}/labels.pdf",
        None,
        expect(403, platform_operator=200, mu_admin_a=200, mu_admin_b=404),
    ),
    ("export overdue", "GET", lambda w: "/api/v1/overdue/export.xlsx", None, DESK_ROLES),
    ("export records", "GET", lambda w: "/api/v1/records/export.xlsx", None, DESK_ROLES),
    ("export records csv", "GET", lambda w: "/api/v1/exports/records.csv", None, DESK_ROLES),
    # Statistics exports (issue 17): the statistics' readers and scope; the monthly report for the regulators.
    ("export stats table", "GET", lambda w: "/api/v1/exports/stats/table.xlsx?indicators=signed_rate", None, STATS),
    (
        "export unit A's stats table",
        "GET",
        lambda w: f"/api/v1/exports/stats/table.csv?indicators=signed_rate&maintenance_unit_id={w.a.unit.id}",
        None,
        {**STATS, "regulator_b": 404, "mu_admin_b": 404},
    ),
    ("export stats drill", "GET", lambda w: "/api/v1/exports/stats/drill.csv?indicator=elevators_in_use", None, STATS),
    (
        "export monthly report",
        "GET",
        lambda w: f"/api/v1/exports/monthly-report?month={local_day(utcnow()).strftime('%Y-%m')}",
        None,
        expect(403, platform_operator=200, regulator_a=200, regulator_b=200, regulator_city=200),
    ),
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


# Record-bearing endpoints (issue 12, defects 0 and 12): every actor against four of unit A's records, so a
# supervisor's subtree and a technician's team are checked on each endpoint that reads or acts on a record.
#   team    — by a team-mate of technician_a (team1, under the supervisor's branch)
#   branch  — by tech2 (team2, under the supervisor's branch, not technician_a's team)
#   outside — by tech3 (team3, directly under the company: outside the supervisor's subtree)
#   own     — by tech3 in team3, with technician_a as the second technician
RECORD_KEYS = ("team", "branch", "outside", "own")
EVERY_RECORD = frozenset(RECORD_KEYS)
VISIBLE_RECORDS: dict[str, frozenset[str]] = {
    "anonymous": frozenset(),
    "platform_operator": EVERY_RECORD,
    "regulator_a": EVERY_RECORD,
    "regulator_b": frozenset(),
    "regulator_city": EVERY_RECORD,
    "inspector": EVERY_RECORD,
    "mu_admin_a": EVERY_RECORD,
    "supervisor_a": frozenset({"team", "branch"}),
    "technician_a": frozenset({"team", "own"}),
    "mu_admin_b": frozenset(),
    "technician_b": frozenset(),
    "uu_admin_a": EVERY_RECORD,
    "manager_a": EVERY_RECORD,
    "uu_admin_b": frozenset(),
    "manager_b": frozenset(),
}


def build_with_records(client: FlaskClient) -> tuple[Worlds, dict[str, int]]:
    w = build()
    a = w.a
    team3 = create_org_node(a.unit.id, a.company, "三组（公司直属）")
    tech3 = make_staff(a.admin, "technician", team3, "陈三")
    mate = make_staff(a.admin, "technician", a.team1, "同组")
    start = utcnow() - timedelta(hours=6)
    made = {
        "team": submitted_record(client, mate, a.elevators[0], check_in_at=start),
        "branch": submitted_record(client, a.tech2, a.elevators[1], check_in_at=start),
        "outside": submitted_record(
            client, tech3, a.elevators[0], check_in_at=start + timedelta(hours=1), locate=False
        ),
        "own": submitted_record(
            client,
            tech3,
            a.elevators[1],
            check_in_at=start + timedelta(hours=2),
            locate=False,
            second_technician_id=a.tech1.id,
        ),
    }
    return w, {key: record["id"] for key, record in made.items()}


def object_to_every_record(client: FlaskClient, w: Worlds, records: dict[str, int]) -> None:
    for record_id in records.values():
        response = client.post(
            f"/api/v1/signoff/records/{record_id}/objection", json={"reason": "未见维保人员"}, headers=auth(w.a.manager)
        )
        assert response.status_code == 201, response.json


@dataclass(frozen=True)
class RecordEndpoint:
    method: str
    path: str  # as in the OpenAPI document
    roles: tuple[str, ...] | None  # None: every logged-in role
    ok: int
    again: int | None = None  # the answer to a second allowed call on the same record (None: ``ok`` again)
    body: Callable[[Worlds], Any] | None = None
    prepare: Callable[[FlaskClient, Worlds, dict[str, int]], None] | None = None


RECORD_ENDPOINTS = [
    RecordEndpoint("GET", "/api/v1/records/{record_id}", None, 200),
    RecordEndpoint("GET", "/api/v1/records/{record_id}/signature.png", None, 200),
    RecordEndpoint("GET", "/api/v1/records/{record_id}/pdf", None, 200),
    RecordEndpoint("POST", "/api/v1/records/{record_id}/corrections", ("technician",), 201, body=lambda w: {}),
    RecordEndpoint("GET", "/api/v1/signoff/records/{record_id}", None, 200),
    RecordEndpoint(
        "POST",
        "/api/v1/signoff/records/{record_id}/sign",
        ("uu_manager",),
        201,
        body=lambda w: {"signature_png": manager_signature_b64()},
    ),
    RecordEndpoint(
        "POST",
        "/api/v1/signoff/records/{record_id}/objection",
        ("uu_manager",),
        201,
        body=lambda w: {"reason": "有异议"},
    ),
    RecordEndpoint(
        "POST",
        "/api/v1/signoff/records/{record_id}/objection/resolve",
        ("uu_manager", "mu_admin", "mu_supervisor"),
        200,
        again=409,  # the first actor in scope resolved it already
        body=lambda w: {"note": "已处理"},
        prepare=object_to_every_record,
    ),
]


def push_reached_nobody(records: dict[str, int]) -> None:
    """Each record's push found no WeChat-bound manager (the row the push job writes then)."""
    for record_id in records.values():
        db.session.add(PushDelivery(record_id=record_id, account_id=None, outcome="no_recipient"))
    db.session.commit()


@dataclass(frozen=True)
class RecordList:
    path: str  # as in the OpenAPI document
    query: str
    roles: tuple[str, ...] | None = None  # None: every logged-in role
    prepare: Callable[[dict[str, int]], None] | None = None


# The lists, with a query that would include all four records (each is pending, its deadline ahead).
RECORD_LISTS = [
    RecordList("/api/v1/records", "?per_page=100"),
    RecordList("/api/v1/signoff/records", "?per_page=100"),
    RecordList(
        "/api/v1/signoff/unreached",
        "?per_page=100",
        roles=("mu_admin", "mu_supervisor", "uu_admin"),
        prepare=push_reached_nobody,
    ),
]


def overdue_without_consent(records: dict[str, int]) -> None:
    """Each record's deadline has passed and its use unit never consented to the default confirmation (issue 18):
    overdue and unsigned, listed instead of confirmed."""
    from miniback.models import SignoffState, UseUnit

    ids = list(records.values())
    db.session.execute(
        SignoffState.__table__.update()
        .where(SignoffState.record_id.in_(ids))
        .values(deadline_at=utcnow() - timedelta(minutes=5))
    )
    units = db.select(SignoffState.use_unit_id).where(SignoffState.record_id.in_(ids)).scalar_subquery()
    db.session.execute(UseUnit.__table__.update().where(UseUnit.id.in_(units)).values(consent_id=None))
    db.session.commit()


RECORD_LISTS.append(RecordList("/api/v1/signoff/awaiting-consent", "?per_page=100", prepare=overdue_without_consent))
# Record-bearing operations deliberately outside the per-actor scope, and why.
NOT_SCOPED = {
    ("GET", "/api/v1/ledger/records/{record_id}/proof"): "public by design: a content hash and its Merkle proof",
    ("GET", "/api/v1/drafts"): "a technician's own drafts (get_draft_or_404), not submitted records",
    ("GET", "/api/v1/records/{record_id}/photos/{photo_id}.jpg"): "loaded with get_record_or_404 like the record, "
    "then the photo must be that record's; needs a photo id (tests/records/test_photos.py: another unit's reader "
    "gets 404, the use unit's manager 200)",
}


def expected_status(actor: str, role: str | None, key: str, endpoint: RecordEndpoint, done: set[str]) -> int:
    if role is None:
        return 401
    if endpoint.roles is not None and role not in endpoint.roles:
        return 403
    if key not in VISIBLE_RECORDS[actor]:
        return 404
    return endpoint.again if endpoint.again is not None and key in done else endpoint.ok


@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS, ids=[f"{e.method} {e.path}" for e in RECORD_ENDPOINTS])
def test_record_endpoint_follows_each_roles_record_scope(client, endpoint):
    w, records = build_with_records(client)
    if endpoint.prepare is not None:
        endpoint.prepare(client, w, records)
    done: set[str] = set()
    outcomes, expected = {}, {}
    for actor in ACTORS:
        account = w.accounts.get(actor)
        headers = auth(account) if account is not None else {}
        for key, record_id in records.items():
            want = expected_status(actor, account.role if account else None, key, endpoint, done)
            db.session.commit()
            before = database_fingerprint() if want >= 400 and endpoint.method != "GET" else None
            payload = endpoint.body(w) if endpoint.body is not None else None
            response = client.open(
                endpoint.path.format(record_id=record_id), method=endpoint.method, headers=headers, json=payload
            )
            outcomes[actor, key], expected[actor, key] = response.status_code, want
            if response.status_code < 300:
                done.add(key)
            else:
                assert set(response.json) == {"error"} and response.json["error"]["message"]
            if before is not None:
                assert database_fingerprint() == before, f"{actor} was refused on {key} but changed data"
    assert outcomes == expected


@pytest.mark.parametrize("listing", RECORD_LISTS, ids=[e.path for e in RECORD_LISTS])
def test_record_list_shows_each_role_exactly_its_scope(client, listing):
    w, records = build_with_records(client)
    if listing.prepare is not None:
        listing.prepare(records)
    ours = {record_id: key for key, record_id in records.items()}
    listed, expected = {}, {}
    for actor in ACTORS:
        account = w.accounts.get(actor)
        response = client.get(listing.path + listing.query, headers=auth(account) if account else {})
        if account is None:
            assert response.status_code == 401
            continue
        if listing.roles is not None and account.role not in listing.roles:
            assert response.status_code == 403, (actor, response.json)
            continue
        assert response.status_code == 200, (actor, response.json)
        ids = {item.get("record_id", item.get("id")) for item in response.json["items"]}
        listed[actor] = {ours[record_id] for record_id in ids & ours.keys()}
        expected[actor] = set(VISIBLE_RECORDS[actor])
        # Nothing of unit B either (unit B has no records here: a leaked row would be one of unit A's).
        assert ids <= ours.keys(), actor
    assert listed == expected


# Record exports (spreadsheets): their rows are the list's, so the same scope, read from the file's first column.
RECORD_EXPORTS = [
    RecordList("/api/v1/records/export.xlsx", "", roles=EXPORT_ROLES),
    RecordList("/api/v1/exports/records.csv", "", roles=EXPORT_ROLES),
]
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


def _exported_ids(data: bytes) -> set[int]:
    if data.startswith(b"\xef\xbb\xbf"):  # CSV: the BOM, the header row, then the rows
        return {int(row[0]) for row in list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]}
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    ids = {row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    workbook.close()
    return {int(value) for value in ids}


@pytest.mark.parametrize("export", RECORD_EXPORTS, ids=[e.path for e in RECORD_EXPORTS])
def test_record_export_holds_each_role_exactly_its_scope(client, export):
    w, records = build_with_records(client)
    ours = {record_id: key for key, record_id in records.items()}
    exported, expected = {}, {}
    for actor in ACTORS:
        account = w.accounts.get(actor)
        response = client.get(export.path + export.query, headers=auth(account) if account else {})
        if account is None:
            assert response.status_code == 401
            continue
        if export.roles is not None and account.role not in export.roles:
            assert response.status_code == 403, (actor, response.json)
            continue
        assert response.status_code == 200 and response.mimetype in (SPREADSHEET, CSV), actor
        ids = _exported_ids(response.data)
        exported[actor] = {ours[record_id] for record_id in ids & ours.keys()}
        expected[actor] = set(VISIBLE_RECORDS[actor])
        assert ids <= ours.keys(), actor
    assert exported == expected


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _lists_records(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """An operation whose success response has ``items`` that carry a record (its id or content hash)."""
    for status, response in operation.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        items = _schema(document, _schema(document, schema).get("properties", {}).get("items", {}))
        row = _schema(document, items.get("items", {}))
        if {"record_id", "content_hash"} & set(row.get("properties", {})):
            return True
    return False


def _exports_records(path: str, operation: dict[str, Any]) -> bool:
    """A spreadsheet of records: any operation under ``/records`` or ``/signoff`` that answers a spreadsheet."""
    contents = [response.get("content", {}) for response in operation.get("responses", {}).values()]
    return path.startswith(("/api/v1/records", "/api/v1/signoff", "/api/v1/exports/records")) and any(
        SPREADSHEET in c or CSV in c for c in contents
    )


def test_every_record_bearing_endpoint_is_in_the_scope_matrix(client, app):
    """A new endpoint that takes a record id, lists records or exports them fails here until RECORD_ENDPOINTS,
    RECORD_LISTS, RECORD_EXPORTS or NOT_SCOPED (with its reason) names it."""
    bearing = set()
    for rule in app.url_map.iter_rules():
        if "record_id" in rule.arguments:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            bearing |= {(method, path) for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "{" not in path and (_lists_records(document, operation) or _exports_records(path, operation)):
                bearing.add((method.upper(), path))
    covered = {(e.method, e.path) for e in RECORD_ENDPOINTS}
    covered |= {("GET", e.path) for e in RECORD_LISTS + RECORD_EXPORTS}
    assert bearing - covered - NOT_SCOPED.keys() == set()
    assert covered | NOT_SCOPED.keys() <= bearing  # the tables name only real operations
