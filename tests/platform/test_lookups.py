"""The look-ups integrators map their ids with (me, units, elevators, staff) and delay notices: each shows only what
the units that authorised the platform own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from miniback.extensions import db
from miniback.models import DelayNotice, DelayNoticeElevator, PlatformUpload, utcnow
from miniback.records.calendar import local_day
from tests.factories.platform import add_key, call, make_platform
from tests.factories.registry import make_world
from tests.factories.uploads import certify

BASE = "/api/v1/platform"


def test_me_is_the_connection_test(client, app):
    world = make_world()
    platform = make_platform("testing", authorised_by=[(world.unit, world.admin)])
    add_key(platform.client)
    db.session.commit()
    response = call(client, platform, "GET", f"{BASE}/me")
    assert response.status_code == 200
    me = response.json
    assert me["code"] == platform.client.code and me["status"] == "testing" and me["sandbox"] is True
    assert me["authorised_units"] == 1
    assert [key["active"] for key in me["keys"]] == [True, True]
    assert me["keys"][-1]["key_id"] == platform.key_id  # newest first, as on every key list
    assert me["keys"][0]["fingerprint"] and "PUBLIC KEY" in me["keys"][0]["public_key_pem"]


def test_units_elevators_and_staff_show_only_authorising_units(client, app):
    mine, theirs = make_world(), make_world()
    certify(mine.tech1, theirs.tech1)
    platform = make_platform("connected", authorised_by=[(mine.unit, mine.admin)])
    db.session.commit()
    units = call(client, platform, "GET", f"{BASE}/units").json
    assert [unit["id"] for unit in units["items"]] == [mine.unit.id]
    assert units["items"][0]["credit_code"] == mine.unit.credit_code

    elevators = call(client, platform, "GET", f"{BASE}/elevators").json
    assert sorted(e["id"] for e in elevators["items"]) == sorted(e.id for e in mine.elevators)
    assert elevators["items"][0]["has_location"] is False
    code = mine.elevators[1].device_code
    matched = call(client, platform, "GET", f"{BASE}/elevators?device_code={code}").json
    assert [e["id"] for e in matched["items"]] == [mine.elevators[1].id]
    foreign = theirs.elevators[0].device_code
    assert call(client, platform, "GET", f"{BASE}/elevators?device_code={foreign}").json["total"] == 0
    other_unit = call(client, platform, "GET", f"{BASE}/elevators?maintenance_unit_id={theirs.unit.id}")
    assert other_unit.status_code == 404 and other_unit.json["error"]["code"] == "unit_not_authorised"

    staff = call(client, platform, "GET", f"{BASE}/staff").json
    assert sorted(s["name"] for s in staff["items"]) == sorted([mine.tech1.name, mine.tech2.name])
    number = mine.tech1.certificate_no
    by_number = call(client, platform, "GET", f"{BASE}/staff?certificate_no={number}").json
    assert [s["certificate_no"] for s in by_number["items"]] == [number]
    theirs_number = theirs.tech1.certificate_no
    assert call(client, platform, "GET", f"{BASE}/staff?certificate_no={theirs_number}").json["total"] == 0
    assert call(client, platform, "GET", f"{BASE}/staff?maintenance_unit_id={theirs.unit.id}").status_code == 404


def notice_payload(world, ref: str = "NOTICE-1", **overrides):
    today = local_day(utcnow())
    payload = {
        "platform_notice_id": ref,
        "elevators": [{"device_code": elevator.device_code} for elevator in world.elevators],
        "cause": "area_lockdown",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "explanation": "小区封闭管理，维保人员无法进入",
    }
    payload.update(overrides)
    return payload


def test_delay_notice_is_filed_by_the_platform_once(client, app):
    world = make_world()
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    payload = notice_payload(world)
    first = call(client, platform, "POST", f"{BASE}/delay-notices", payload)
    assert first.status_code == 201, first.json
    out = first.json["delay_notice"]
    notice = db.session.get(DelayNotice, out["delay_notice_id"])
    assert notice.filed_by_id == platform.client.account_id
    assert notice.maintenance_unit_id == world.unit.id
    assert sorted(out["elevator_ids"]) == sorted(e.id for e in world.elevators)
    again = call(client, platform, "POST", f"{BASE}/delay-notices", payload)
    assert again.status_code == 200 and again.json["result"] == "duplicate"
    changed = call(client, platform, "POST", f"{BASE}/delay-notices", {**payload, "cause": "other"})
    assert changed.status_code == 409
    assert changed.json["error"]["details"]["delay_notice_id"] == notice.id
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(DelayNotice)).scalar_one() == 1


def test_delay_notice_for_a_foreign_elevator_is_a_404_and_writes_nothing(client, app):
    world, other = make_world(), make_world()
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    elevators = [{"device_code": world.elevators[0].device_code}, {"device_code": other.elevators[0].device_code}]
    response = call(client, platform, "POST", f"{BASE}/delay-notices", notice_payload(world, elevators=elevators))
    assert response.status_code == 404 and response.json["error"]["code"] == "elevator_unknown"
    assert "elevators.1" in response.json["error"]["fields"]
    too_long = notice_payload(world, ends_on="2099-01-01")
    assert call(client, platform, "POST", f"{BASE}/delay-notices", too_long).status_code == 422
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(DelayNotice)).scalar_one() == 0


def test_sandbox_delay_notice_files_nothing(client, app):
    world = make_world()
    platform = make_platform("testing", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    response = call(client, platform, "POST", f"{BASE}/delay-notices", notice_payload(world))
    assert response.status_code == 201
    assert response.json["delay_notice"]["delay_notice_id"] is None
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(DelayNotice)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(DelayNoticeElevator)).scalar_one() == 0
    upload = db.session.execute(select(PlatformUpload)).scalar_one()
    assert upload.sandbox is True and upload.kind == "delay_notice"
