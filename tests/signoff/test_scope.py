"""Who sees a record's sign-off: everyone who may read the record, on the same scope rules (issue 12, 0 and 12).

The record's sign-off state travels with the record (list and detail) and filters both lists.
"""

from __future__ import annotations

from datetime import timedelta

from miniback.extensions import db
from miniback.models import utcnow
from miniback.registry.staff import create_org_node
from signoff.confirmation import apply_default_confirmations
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_staff, make_world
from tests.factories.signatures import manager_signature_b64
from tests.factories.signoff import due_records, submitted_records


def _sign(client, world, record_id):
    body = {"signature_png": manager_signature_b64()}
    response = client.post(f"/api/v1/signoff/records/{record_id}/sign", json=body, headers=auth(world.manager))
    assert response.status_code == 201, response.json


def _object(client, world, record_id, reason="未见维保人员到场"):
    url = f"/api/v1/signoff/records/{record_id}/objection"
    response = client.post(url, json={"reason": reason}, headers=auth(world.manager))
    assert response.status_code == 201, response.json


def _default_confirm(record_ids):
    now = utcnow()
    assert apply_default_confirmations(now, 100, now=now, record_ids=record_ids) == len(record_ids)
    db.session.commit()


def _listed(client, account, url):
    response = client.get(url, headers=auth(account))
    assert response.status_code == 200, response.json
    return [item.get("record_id", item.get("id")) for item in response.json["items"]]


def test_supervisor_cannot_read_other_branch_signoff(client):
    world = make_world()
    branch2 = create_org_node(world.unit.id, world.company, "二分公司")
    team = create_org_node(world.unit.id, branch2, "二分公司一组")
    other_tech = make_staff(world.admin, "technician", team, "王二")
    theirs = submitted_record(client, other_tech, world.elevators[0])
    ours = submitted_record(client, world.tech1, world.elevators[1])
    headers = auth(world.supervisor)
    assert client.get(f"/api/v1/records/{theirs['id']}", headers=headers).status_code == 404
    response = client.get(f"/api/v1/signoff/records/{theirs['id']}", headers=headers)
    assert response.status_code == 404
    assert "record" not in response.json and response.json["error"]["message"] == "找不到该维保记录"
    assert client.get(f"/api/v1/signoff/records/{ours['id']}", headers=headers).status_code == 200
    # Resolving is the supervisor's to do in their own subtree only.
    _object(client, world, theirs["id"])
    resolve = client.post(
        f"/api/v1/signoff/records/{theirs['id']}/objection/resolve", json={"note": "已处理"}, headers=headers
    )
    assert resolve.status_code == 404


def test_regulator_sees_signoff_state_in_district(client):
    world = make_world("天河区")
    other = make_world("越秀区")
    (state,) = submitted_records(world)
    (elsewhere,) = submitted_records(other)
    _sign(client, world, state.record_id)
    regulator = make_authority("regulator", "天河区")
    detail = client.get(f"/api/v1/signoff/records/{state.record_id}", headers=auth(regulator))
    assert detail.status_code == 200
    assert detail.json["state"] == "signed" and detail.json["signed_by_id"] == world.manager.id
    assert [event["kind"] for event in detail.json["events"]] == ["submitted", "signed"]
    assert client.get(f"/api/v1/signoff/records/{elsewhere.record_id}", headers=auth(regulator)).status_code == 404
    (item,) = client.get("/api/v1/records", headers=auth(regulator)).json["items"]
    assert item["id"] == state.record_id
    assert item["signoff"]["state"] == "signed" and item["signoff"]["decided_at"] is not None
    assert _listed(client, regulator, "/api/v1/signoff/records?state=signed") == [state.record_id]


def test_every_reading_role_gets_the_signoff_history_but_only_the_manager_signs(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    url = f"/api/v1/signoff/records/{record['id']}"
    readers = [
        world.tech1,
        world.uu_admin,
        world.admin,
        world.supervisor,
        make_authority("platform_operator"),
        make_authority("inspector"),
        make_authority("regulator"),
    ]
    for reader in readers:
        response = client.get(url, headers=auth(reader))
        assert response.status_code == 200, reader.role
        assert response.json["state"] == "pending"
        assert [event["kind"] for event in response.json["events"]][0] == "submitted"
        signed = client.post(f"{url}/sign", json={"signature_png": manager_signature_b64()}, headers=auth(reader))
        assert signed.status_code == 403, reader.role
    _sign(client, world, record["id"])


def test_record_detail_carries_its_signoff(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0])
    _object(client, world, record["id"], "三号梯未见维保人员到场")
    detail = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.tech1)).json
    signoff = detail["signoff"]
    assert (signoff["state"], signoff["objection_open"]) == ("objected", True)
    assert signoff["objection_reason"] == "三号梯未见维保人员到场"
    assert signoff["deadline_at"] and signoff["decided_at"]


def test_records_filter_by_signoff_state(client):
    world = make_world()
    pending, signed, objected = (state.record_id for state in submitted_records(world, 3))
    (defaulted,) = due_records(world, 1)
    _default_confirm([defaulted])
    _sign(client, world, signed)
    _object(client, world, objected)
    admin = world.admin
    expected = {
        "pending": [pending],
        "signed": [signed],
        "objected": [objected],
        "default_confirmed": [defaulted],
        "objection_resolved": [],
    }
    for state, ids in expected.items():
        assert _listed(client, admin, f"/api/v1/records?signoff_state={state}") == ids, state
    every = client.get("/api/v1/records", headers=auth(admin)).json["items"]
    assert {item["id"]: item["signoff"]["state"] for item in every} == {
        pending: "pending",
        signed: "signed",
        objected: "objected",
        defaulted: "default_confirmed",
    }
    bad = client.get("/api/v1/records?signoff_state=bogus", headers=auth(admin))
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"signoff_state"}


def test_signoff_state_filter_keeps_keyset_pages_whole(client):
    world = make_world()
    states = submitted_records(world, 6)
    for state in states[:4]:
        _sign(client, world, state.record_id)
    # "signed" is read along the record's index, "pending" (a rare state) through the sign-off's: same pages.
    for state_name, chosen in (("signed", states[:4]), ("pending", states[4:])):
        seen, cursor = [], None
        while True:
            query = f"?signoff_state={state_name}&per_page=1" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(f"/api/v1/records{query}", headers=auth(world.uu_admin)).json
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted((state.record_id for state in chosen), reverse=True), state_name


def test_technician_filters_own_and_team_records_by_signoff_state(client):
    world = make_world()
    mine = submitted_record(client, world.tech1, world.elevators[0])
    helped = submitted_record(
        client,
        world.tech2,
        world.elevators[1],
        second_technician_id=world.tech1.id,
        check_in_at=utcnow() - timedelta(hours=3),
    )
    _sign(client, world, helped["id"])
    assert _listed(client, world.tech1, "/api/v1/records?signoff_state=signed") == [helped["id"]]
    assert _listed(client, world.tech1, "/api/v1/records?signoff_state=pending") == [mine["id"]]


def test_mu_admin_lists_open_objections(client):
    world = make_world()
    other = make_world("越秀区")
    before_deadline, quiet = (state.record_id for state in submitted_records(world, 2))
    (after_default,) = due_records(world, 1)
    _object(client, world, before_deadline)
    _object(client, world, after_default, "当天无人通知")
    (elsewhere,) = submitted_records(other)
    _object(client, other, elsewhere.record_id)
    url = "/api/v1/signoff/records?objection_open=true"
    listed = client.get(url, headers=auth(world.admin)).json
    assert {item["record_id"] for item in listed["items"]} == {before_deadline, after_default}
    assert listed["total"] == 2
    assert {item["state"] for item in listed["items"]} == {"objected", "default_confirmed"}
    assert _listed(client, world.admin, "/api/v1/signoff/records?state=objected") == [before_deadline]
    resolved = client.post(
        f"/api/v1/signoff/records/{before_deadline}/objection/resolve",
        json={"note": "已重新维保"},
        headers=auth(world.admin),
    )
    assert resolved.status_code == 200
    assert _listed(client, world.admin, url) == [after_default]
    assert quiet not in _listed(client, world.admin, url)


def test_supervisor_lists_objections_of_their_subtree_only(client):
    world = make_world()
    branch2 = create_org_node(world.unit.id, world.company, "二分公司")
    other_tech = make_staff(world.admin, "technician", create_org_node(world.unit.id, branch2, "组"), "王二")
    ours = submitted_record(client, world.tech2, world.elevators[0])
    theirs = submitted_record(client, other_tech, world.elevators[1])
    for record in (ours, theirs):
        _object(client, world, record["id"])
    url = "/api/v1/signoff/records?objection_open=true"
    assert _listed(client, world.supervisor, url) == [ours["id"]]
    assert sorted(_listed(client, world.admin, url)) == sorted([ours["id"], theirs["id"]])


def test_manager_default_list_is_still_pending_by_deadline(client):
    world = make_world()
    later = submitted_records(world, 1, deadline_in=timedelta(hours=5))
    sooner = submitted_records(world, 1, deadline_in=timedelta(hours=1))
    due_records(world, 1)
    (objected,) = submitted_records(world, 1)
    _object(client, world, objected.record_id)
    expected = [sooner[0].record_id, later[0].record_id]
    assert _listed(client, world.manager, "/api/v1/signoff/records") == expected
    assert _listed(client, world.uu_admin, "/api/v1/signoff/records") == expected


def test_bad_signoff_list_filters_are_422(client):
    world = make_world()
    for query in ("state=bogus", "objection_open=maybe"):
        response = client.get(f"/api/v1/signoff/records?{query}", headers=auth(world.admin))
        assert response.status_code == 422, query
        assert response.json["error"]["fields"]


def test_migration_copies_each_records_district_and_org_node_onto_its_signoff(client, app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, select

    from miniback.models import SignoffState

    world = make_world("海珠区")
    record = submitted_record(client, world.tech1, world.elevators[0])
    team_id = world.team1.id
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    downgrade(revision="0012-1")  # the sign-off rows lose the two copies …
    db.engine.dispose()
    assert "district" not in {column["name"] for column in inspect(db.engine).get_columns("signoff_state")}
    upgrade()  # … and get them back from their records
    db.engine.dispose()
    state = db.session.execute(select(SignoffState).where(SignoffState.record_id == record["id"])).scalar_one()
    assert (state.district, state.org_node_id) == ("海珠区", team_id)
