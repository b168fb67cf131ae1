"""Record queries are scoped by role; a record outside the scope is a 404, never leaked by a list."""

from datetime import timedelta

import pytest

from miniback.models import utcnow
from miniback.registry.staff import create_org_node
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_staff, make_world


@pytest.fixture
def records(client):
    """Two units in two districts; team1/team2 technicians of the first unit and one of the second."""
    world = make_world("天河区")
    other = make_world("越秀区")
    team3 = create_org_node(world.unit.id, world.company, "三组（公司直属）")
    tech3 = make_staff(world.admin, "technician", team3, "陈三")
    mate = make_staff(world.admin, "technician", world.team1, "同组")
    start = utcnow() - timedelta(hours=6)
    made = {
        "t1": submitted_record(client, world.tech1, world.elevators[0], check_in_at=start),
        "t2": submitted_record(client, world.tech2, world.elevators[1], check_in_at=start),
        "t3": submitted_record(client, tech3, world.elevators[0], check_in_at=start + timedelta(hours=1), locate=False),
        "mate": submitted_record(
            client, mate, world.elevators[1], check_in_at=start + timedelta(hours=1), locate=False
        ),
        "other": submitted_record(client, other.tech1, other.elevators[0], check_in_at=start),
    }
    ids = {key: value["id"] for key, value in made.items()}
    return world, other, tech3, mate, ids


def _listed(client, account, query=""):
    response = client.get(f"/api/v1/records{query}", headers=auth(account))
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def test_technician_sees_own_and_team_records(client, records):
    world, other, tech3, mate, ids = records
    assert _listed(client, world.tech1) == {ids["t1"], ids["mate"]}
    assert _listed(client, tech3) == {ids["t3"]}


def test_second_technician_sees_the_record_they_worked_on(client, records):
    world, other, tech3, mate, ids = records
    record = submitted_record(
        client, world.tech2, world.elevators[0], second_technician_id=world.tech1.id, locate=False
    )
    assert record["id"] in _listed(client, world.tech1)


def test_supervisor_sees_their_subtree_only(client, records):
    world, other, tech3, mate, ids = records
    assert _listed(client, world.supervisor) == {ids["t1"], ids["t2"], ids["mate"]}


def test_unit_admin_sees_the_whole_unit(client, records):
    world, other, tech3, mate, ids = records
    assert _listed(client, world.admin) == {ids["t1"], ids["t2"], ids["t3"], ids["mate"]}
    assert _listed(client, other.admin) == {ids["other"]}


def test_use_unit_sees_records_of_its_elevators(client, records):
    world, other, tech3, mate, ids = records
    expected = {ids["t1"], ids["t2"], ids["t3"], ids["mate"]}
    assert _listed(client, world.manager) == expected
    assert _listed(client, world.uu_admin) == expected
    assert _listed(client, other.manager) == {ids["other"]}


def test_district_regulator_sees_their_district_and_city_readers_everything(client, records):
    world, other, tech3, mate, ids = records
    assert _listed(client, make_authority("regulator", "越秀区")) == {ids["other"]}
    everything = set(ids.values())
    assert _listed(client, make_authority("regulator")) == everything
    assert _listed(client, make_authority("inspector")) == everything
    assert _listed(client, make_authority("platform_operator")) == everything


def test_guessed_record_id_outside_scope_is_404(client, records):
    world, other, tech3, mate, ids = records
    assert client.get(f"/api/v1/records/{ids['other']}", headers=auth(world.admin)).status_code == 404
    assert client.get(f"/api/v1/records/{ids['t2']}", headers=auth(world.tech1)).status_code == 404
    assert client.get(f"/api/v1/records/{ids['t2']}/signature.png", headers=auth(world.tech1)).status_code == 404
    assert client.get(f"/api/v1/records/{ids['t2']}", headers=auth(world.supervisor)).status_code == 200


def test_filters_narrow_within_the_scope(client, records):
    world, other, tech3, mate, ids = records
    city = make_authority("platform_operator")
    elevator = world.elevators[0]
    assert _listed(client, city, f"?elevator_id={elevator.id}") == {ids["t1"], ids["t3"]}
    assert _listed(client, city, f"?device_code={elevator.device_code}") == {ids["t1"], ids["t3"]}
    assert _listed(client, city, f"?maintenance_unit_id={other.unit.id}") == {ids["other"]}
    assert _listed(client, city, f"?org_node_id={world.branch.id}") == {ids["t1"], ids["t2"], ids["mate"]}
    assert _listed(client, city, f"?use_unit_id={world.use_unit.id}") == {ids["t1"], ids["t2"], ids["t3"], ids["mate"]}
    assert _listed(client, city, "?district=越秀区") == {ids["other"]}
    assert _listed(client, city, f"?technician_id={tech3.id}") == {ids["t3"]}
    assert _listed(client, city, "?category=quarter") == set()
    day = utcnow().date()
    far = (day - timedelta(days=30)).isoformat()
    assert _listed(client, city, f"?date_to={far}") == set()
    # A filter cannot widen the scope: the other unit's admin asks for this unit's records.
    assert _listed(client, other.admin, f"?maintenance_unit_id={world.unit.id}") == set()


def test_keyset_pages_walk_every_record_once(client, records):
    world, other, tech3, mate, ids = records
    city = make_authority("inspector")
    seen, cursor, pages = [], None, 0
    while True:
        query = "?per_page=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/records{query}", headers=auth(city)).json
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(ids.values()) and len(seen) == len(set(seen))


def test_bad_cursor_and_reversed_dates_are_422(client, records):
    world = records[0]
    assert client.get("/api/v1/records?cursor=abc", headers=auth(world.admin)).status_code == 422
    response = client.get("/api/v1/records?date_from=2026-02-01&date_to=2026-01-01", headers=auth(world.admin))
    assert response.status_code == 422


def test_technician_keyset_pages_merge_own_and_team_records_once(client, records):
    world, other, tech3, mate, ids = records
    # tech1 as second technician on a team2 job: outside the team, inside "own".
    helped = submitted_record(
        client, world.tech2, world.elevators[0], second_technician_id=world.tech1.id, locate=False
    )
    seen, cursor = [], None
    while True:
        query = "?per_page=1" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/records{query}", headers=auth(world.tech1)).json
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [helped["id"], ids["mate"], ids["t1"]]
