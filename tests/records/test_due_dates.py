"""Due dates per category (Asia/Shanghai days, month ends), the overdue list and delay notices."""

from datetime import date, timedelta

import pytest

from miniback.extensions import db
from miniback.models import utcnow
from miniback.records.calendar import local_day
from miniback.records.due import due_dates, record_maintenance_done
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_world


def _due(elevator, as_of):
    return {due.category: due for due in due_dates(elevator, as_of)}


@pytest.mark.parametrize(
    ("last", "due_on"),
    [
        (date(2026, 1, 20), date(2026, 2, 4)),
        (date(2026, 2, 20), date(2026, 3, 7)),
        (date(2028, 2, 20), date(2028, 3, 6)),
        (date(2026, 12, 25), date(2027, 1, 9)),
        (date(2026, 1, 31), date(2026, 2, 15)),
    ],
)
def test_half_monthly_job_is_due_within_15_days_across_month_ends(app, last, due_on):
    elevator = make_world().elevators[0]
    record_maintenance_done(elevator.id, "half_month", last)
    assert _due(elevator, due_on)["half_month"].due_on == due_on
    assert _due(elevator, due_on)["half_month"].overdue is False
    assert _due(elevator, due_on + timedelta(days=1))["half_month"].overdue is True


def test_a_higher_category_counts_as_the_half_monthly_job_and_months_clamp(app):
    elevator = make_world().elevators[0]
    record_maintenance_done(elevator.id, "half_month", date(2026, 1, 10))
    record_maintenance_done(elevator.id, "year", date(2026, 1, 31))
    due = _due(elevator, date(2026, 2, 1))
    assert due["half_month"].last_on == date(2026, 1, 31)
    assert due["half_month"].due_on == date(2026, 2, 15)
    assert due["quarter"].due_on == date(2026, 4, 30)
    assert due["half_year"].due_on == date(2026, 7, 31)
    assert due["year"].due_on == date(2027, 1, 31)


def test_quarterly_due_date_clamps_to_end_of_february(app):
    elevator = make_world().elevators[0]
    record_maintenance_done(elevator.id, "quarter", date(2026, 11, 30))
    due = _due(elevator, date(2027, 3, 1))
    assert due["quarter"].due_on == date(2027, 2, 28)
    assert due["quarter"].overdue is True
    assert due["half_year"].last_on is None


def test_a_late_upload_of_an_older_job_never_moves_the_due_date_back(app):
    elevator = make_world().elevators[0]
    record_maintenance_done(elevator.id, "half_month", date(2026, 3, 10))
    record_maintenance_done(elevator.id, "half_month", date(2026, 3, 1))
    assert _due(elevator, date(2026, 3, 11))["half_month"].due_on == date(2026, 3, 25)


def test_submitting_a_record_advances_the_elevator_due_date(client):
    world = make_world()
    elevator = world.elevators[0]
    record = submitted_record(client, world.tech1, elevator, category="quarter")
    day = date.fromisoformat(record["maintenance_day"])
    response = client.get(f"/api/v1/elevators/{elevator.id}/due?as_of={day.isoformat()}", headers=auth(world.admin))
    assert response.status_code == 200
    by_category = {row["category"]: row for row in response.json["categories"]}
    assert by_category["half_month"]["due_on"] == (day + timedelta(days=15)).isoformat()
    assert by_category["quarter"]["last_on"] == day.isoformat()
    assert by_category["half_year"]["last_on"] is None


def _age(elevator, days):
    elevator.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_overdue_list_shows_elevators_past_their_due_date_in_scope(client):
    world, other = make_world("天河区"), make_world("越秀区")
    today = local_day(utcnow())
    for elevator in world.elevators + other.elevators:
        _age(elevator, 60)
    record_maintenance_done(world.elevators[0].id, "half_month", today - timedelta(days=10))
    record_maintenance_done(world.elevators[1].id, "half_month", today - timedelta(days=20))
    db.session.commit()
    response = client.get("/api/v1/overdue", headers=auth(world.admin))
    assert response.status_code == 200
    assert [(row["elevator_id"], row["days_overdue"]) for row in response.json["items"]] == [(world.elevators[1].id, 5)]
    regulator = client.get("/api/v1/overdue", headers=auth(make_authority("regulator", "越秀区"))).json
    assert {row["elevator_id"] for row in regulator["items"]} == {e.id for e in other.elevators}
    assert all(row["last_on"] is None for row in regulator["items"])


def test_new_elevator_is_not_overdue_before_15_days(client):
    world = make_world()
    _age(world.elevators[0], 10)
    _age(world.elevators[1], 16)
    ids = {row["elevator_id"] for row in client.get("/api/v1/overdue", headers=auth(world.admin)).json["items"]}
    assert ids == {world.elevators[1].id}


def _notice(client, world, elevators, **overrides):
    today = local_day(utcnow())
    body = {
        "elevator_ids": [e.id for e in elevators],
        "cause": "area_lockdown",
        "starts_on": (today - timedelta(days=3)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "explanation": "小区因疫情封控，维保人员无法进入",
        **overrides,
    }
    return client.post("/api/v1/delay-notices", json=body, headers=auth(world.admin))


def test_delay_notice_excuses_but_does_not_erase_overdue_status(client):
    world = make_world("天河区")
    for elevator in world.elevators:
        _age(elevator, 60)
    filed = _notice(client, world, [world.elevators[0]])
    assert filed.status_code == 201
    assert filed.json["cause_label"] == "区域封锁"
    rows = client.get("/api/v1/overdue", headers=auth(world.admin)).json["items"]
    assert {(row["elevator_id"], row["excused"]) for row in rows} == {
        (world.elevators[0].id, True),
        (world.elevators[1].id, False),
    }
    unexcused = client.get("/api/v1/overdue?excused=false", headers=auth(world.admin)).json["items"]
    assert [row["elevator_id"] for row in unexcused] == [world.elevators[1].id]
    due = client.get(f"/api/v1/elevators/{world.elevators[0].id}/due", headers=auth(world.admin)).json
    half_month = due["categories"][0]
    assert half_month["overdue"] is True and half_month["excused"] is True
    assert half_month["notice_ids"] == [filed.json["id"]]
    # After the notice's period the elevator is overdue and no longer excused.
    later = (local_day(utcnow()) + timedelta(days=8)).isoformat()
    rows = client.get(f"/api/v1/overdue?as_of={later}", headers=auth(world.admin)).json["items"]
    assert all(row["excused"] is False for row in rows)


def test_delay_notices_are_visible_to_regulators_of_the_district_only(client):
    world, other = make_world("天河区"), make_world("越秀区")
    notice_id = _notice(client, world, world.elevators).json["id"]
    tianhe = make_authority("regulator", "天河区")
    yuexiu = make_authority("regulator", "越秀区")
    assert client.get(f"/api/v1/delay-notices/{notice_id}", headers=auth(tianhe)).status_code == 200
    assert client.get(f"/api/v1/delay-notices/{notice_id}", headers=auth(yuexiu)).status_code == 404
    assert client.get("/api/v1/delay-notices", headers=auth(yuexiu)).json["total"] == 0
    assert client.get("/api/v1/delay-notices", headers=auth(world.manager)).json["total"] == 1
    assert client.get(f"/api/v1/delay-notices/{notice_id}", headers=auth(other.admin)).status_code == 404


def test_bad_delay_notices_are_refused(client):
    world, other = make_world(), make_world()
    foreign = _notice(client, world, [world.elevators[0], other.elevators[0]])
    assert foreign.status_code == 404
    assert foreign.json["error"]["fields"] == {"elevator_ids": str(other.elevators[0].id)}
    reversed_period = _notice(client, world, world.elevators, starts_on="2026-03-10", ends_on="2026-03-01")
    assert reversed_period.status_code == 422
    assert reversed_period.json["error"]["fields"] == {"ends_on": "结束日期不能早于开始日期"}
    assert _notice(client, world, world.elevators, cause="typhoon").status_code == 422
    by_technician = client.post(
        "/api/v1/delay-notices",
        json={
            "elevator_ids": [world.elevators[0].id],
            "cause": "other",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-02",
            "explanation": "x",
        },
        headers=auth(world.tech1),
    )
    assert by_technician.status_code == 403
    assert client.get("/api/v1/delay-notices", headers=auth(world.admin)).json["total"] == 0


def test_delay_notice_names_its_elevators_in_order(client):
    world = make_world("天河区")
    second, first = world.elevators[1], world.elevators[0]
    filed = _notice(client, world, [second, first])
    assert filed.status_code == 201, filed.json
    notice = client.get(f"/api/v1/delay-notices/{filed.json['id']}", headers=auth(world.manager)).json
    assert notice["elevator_ids"] == [first.id, second.id]
    assert [(e["id"], e["device_code"], e["address"]) for e in notice["elevators"]] == [
        (first.id, first.device_code, first.address),
        (second.id, second.device_code, second.address),
    ]


def test_a_delay_notice_explanation_may_run_over_several_lines_but_holds_no_other_control_character(client):
    world = make_world()
    filed = _notice(client, world, [world.elevators[0]], explanation="小区封控。\r\n物业通知：解封后补做维保。")
    assert filed.status_code == 201
    assert filed.json["explanation"] == "小区封控。\n物业通知：解封后补做维保。"
    refused = _notice(client, world, [world.elevators[1]], explanation="封控\x07")
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["explanation"] == "不能包含控制字符（换行除外）"
