"""Each indicator's definition on hand-built cases, read through the API after a rebuild (fixed past days)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from miniback.extensions import db
from miniback.statistics.rollup import rebuild
from tests.factories.registry import get_json, make_authority, make_elevator, make_world
from tests.factories.statistics import add_notice, add_record, at, registered_on

D = date(2026, 10, 1)


def figure(client: Any, account: Any, indicator: str, start: date, end: date, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = get_json(client, f"/api/v1/stats/table?indicators={indicator}&from={start}&to={end}&{query}", account)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]["values"][indicator]


def drill_total(client: Any, account: Any, indicator: str, start: date, end: date, part: str = "numerator") -> int:
    response = get_json(
        client, f"/api/v1/stats/drill?indicator={indicator}&from={start}&to={end}&part={part}&limit=500", account
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert len(body["items"]) == body["total"]
    return body["total"]


def rebuilt() -> None:
    db.session.commit()
    rebuild()


def test_an_interval_of_exactly_15_days_is_on_time_and_16_days_is_not(app, client):
    world = make_world()
    a, b = world.elevators
    for elevator in (a, b):
        registered_on(elevator, D - timedelta(days=1))
        add_record(elevator, D, world.tech1.id)
    add_record(a, D + timedelta(days=15), world.tech1.id)
    add_record(b, D + timedelta(days=16), world.tech1.id)
    rebuilt()
    regulator = make_authority("regulator")
    result = figure(client, regulator, "on_time_rate", date(2026, 10, 1), date(2026, 10, 31))
    assert result == {"value": 50.0, "numerator": 1, "denominator": 2}
    assert drill_total(client, regulator, "on_time_rate", date(2026, 10, 1), date(2026, 10, 31)) == 1
    # A higher category counts as the half-monthly job.
    add_record(a, D + timedelta(days=30), world.tech1.id, category="quarter")
    rebuilt()
    result = figure(client, regulator, "on_time_rate", date(2026, 10, 1), date(2026, 10, 31))
    assert result == {"value": round(200 / 3, 2), "numerator": 2, "denominator": 3}


def test_overdue_days_excused_by_a_delay_notice_count_as_excused_not_unexcused(app, client):
    world = make_world()
    excused, unexcused = world.elevators
    for elevator in (excused, unexcused):
        registered_on(elevator, D - timedelta(days=1))
        add_record(elevator, D, world.tech1.id)
    # Both fall due after 16 Oct (last allowed day); both are maintained again on 20 Oct.
    for elevator in (excused, unexcused):
        add_record(elevator, D + timedelta(days=19), world.tech1.id)
    add_notice(world.unit.id, world.admin.id, [excused], date(2026, 10, 15), date(2026, 10, 25))
    rebuilt()
    regulator = make_authority("regulator")
    period = (date(2026, 10, 1), date(2026, 10, 31))
    assert figure(client, regulator, "overdue_unexcused", *period)["numerator"] == 1
    assert figure(client, regulator, "overdue_excused", *period)["numerator"] == 1
    assert figure(client, regulator, "overdue_rate", *period) == {"value": 100.0, "numerator": 2, "denominator": 2}
    # 16 Oct is the last allowed day: nobody is overdue that day; on 17 Oct both are.
    assert figure(client, regulator, "overdue_now", date(2026, 10, 16), date(2026, 10, 16))["numerator"] == 0
    assert figure(client, regulator, "overdue_now", date(2026, 10, 17), date(2026, 10, 17))["numerator"] == 2
    body = get_json(
        client, "/api/v1/stats/drill?indicator=overdue_unexcused&from=2026-10-01&to=2026-10-31", regulator
    ).get_json()
    assert [item["id"] for item in body["items"]] == [unexcused.id]


def test_a_correction_counts_instead_of_the_record_it_supersedes(app, client):
    world = make_world()
    elevator = world.elevators[0]
    registered_on(elevator, D - timedelta(days=1))
    original = add_record(elevator, D, world.tech1.id, late_upload=True, hazards=2)
    add_record(elevator, D + timedelta(days=1), world.tech1.id, supersedes_id=original, hazards=1)
    rebuilt()
    regulator = make_authority("regulator")
    period = (date(2026, 10, 1), date(2026, 10, 31))
    assert figure(client, regulator, "same_day_upload_rate", *period) == {
        "value": 100.0,
        "numerator": 1,
        "denominator": 1,
    }
    assert figure(client, regulator, "hazards_reported", *period)["value"] == 1
    # The superseded day is gone from the elevator's history: no interval closes.
    assert figure(client, regulator, "on_time_rate", *period)["denominator"] == 0


def test_a_late_upload_lowers_the_same_day_upload_rate(app, client):
    world = make_world()
    elevator = world.elevators[0]
    add_record(elevator, D, world.tech1.id)
    add_record(elevator, D + timedelta(days=3), world.tech1.id, late_upload=True)
    rebuilt()
    regulator = make_authority("regulator")
    result = figure(client, regulator, "same_day_upload_rate", date(2026, 10, 1), date(2026, 10, 31))
    assert result == {"value": 50.0, "numerator": 1, "denominator": 2}


def test_sign_off_outcomes_stay_side_by_side_never_merged(app, client):
    world = make_world()
    elevator = world.elevators[0]
    add_record(elevator, D, world.tech1.id, state="signed", decided_at=at(D, 11, 30))  # 29 min after upload, same day
    add_record(elevator, D + timedelta(days=1), world.tech1.id, state="default_confirmed", decided_at=at(D, 23))
    add_record(elevator, D + timedelta(days=2), world.tech1.id, state="default_confirmed", objected=True)
    add_record(elevator, D + timedelta(days=3), world.tech1.id, state="pending")
    rebuilt()
    regulator = make_authority("regulator")
    period = (date(2026, 10, 1), date(2026, 10, 31))
    assert figure(client, regulator, "signed_rate", *period) == {"value": 25.0, "numerator": 1, "denominator": 4}
    assert figure(client, regulator, "default_confirmed_rate", *period)["numerator"] == 2
    assert figure(client, regulator, "objected_rate", *period)["numerator"] == 1
    assert figure(client, regulator, "pending_rate", *period)["numerator"] == 1
    assert figure(client, regulator, "signed_same_day_rate", *period)["numerator"] == 1
    assert figure(client, regulator, "median_sign_minutes", *period) == {
        "value": 29.0,
        "numerator": None,
        "denominator": 1,
    }
    assert drill_total(client, regulator, "default_confirmed_rate", *period) == 2
    assert drill_total(client, regulator, "objected_rate", *period) == 1


def test_flags_durations_verification_hazards_and_routes(app, client):
    world = make_world()
    elevator = world.elevators[0]
    add_record(elevator, D, world.tech1.id, flags=("distance",), distances=(450.0, 12.0), duration_minutes=30)
    add_record(elevator, D + timedelta(days=1), world.tech1.id, duration_minutes=50, hazard_items=2)
    add_record(elevator, D + timedelta(days=2), world.tech1.id, duration_minutes=70, distances=(None, 10.0))
    add_record(elevator, D + timedelta(days=3), world.tech1.id, category="year", duration_minutes=300)
    rebuilt()
    regulator = make_authority("regulator")
    period = (date(2026, 10, 1), date(2026, 10, 31))
    assert figure(client, regulator, "flag_rate:distance", *period)["numerator"] == 1
    assert figure(client, regulator, "onsite_verified_rate", *period)["numerator"] == 2
    assert figure(client, regulator, "median_duration:half_month", *period)["value"] == 50.0
    assert figure(client, regulator, "median_duration:year", *period)["value"] == 300.0
    assert figure(client, regulator, "hazard_items", *period)["value"] == 2
    assert figure(client, regulator, "route_share:miniprogram", *period)["value"] == 100.0


def test_month_and_year_boundaries_split_by_maintenance_day(app, client):
    world = make_world()
    elevator = world.elevators[0]
    registered_on(elevator, date(2025, 12, 1))
    add_record(elevator, date(2025, 12, 20), world.tech1.id)
    add_record(elevator, date(2025, 12, 31), world.tech1.id)
    add_record(elevator, date(2026, 1, 1), world.tech1.id, late_upload=True)
    add_record(elevator, date(2026, 1, 17), world.tech1.id)  # 16 days after 1 Jan
    rebuilt()
    regulator = make_authority("regulator")
    series = get_json(
        client,
        "/api/v1/stats/series?indicator=on_time_rate&granularity=month&from=2025-12-01&to=2026-01-31",
        regulator,
    ).get_json()
    assert [(p["period"], p["numerator"], p["denominator"]) for p in series["points"]] == [
        ("2025-12", 1, 1),
        ("2026-01", 1, 2),
    ]
    # A range cut inside months reads the day rows at both ends.
    assert figure(client, regulator, "same_day_upload_rate", date(2025, 12, 31), date(2026, 1, 1))["denominator"] == 2


def test_coverage_and_workload_over_the_30_days_ending_to(app, client):
    world = make_world()
    a, b = world.elevators
    idle = make_elevator(world.admin, world.use_unit)
    for elevator in (a, b, idle):
        registered_on(elevator, date(2026, 9, 1))
    add_record(a, date(2026, 10, 2), world.tech1.id)  # 30 days ending 31 Oct start on 2 Oct
    add_record(b, date(2026, 10, 1), world.tech2.id)  # one day too early
    rebuilt()
    regulator = make_authority("regulator")
    end = date(2026, 10, 31)
    assert figure(client, regulator, "elevator_coverage", end, end) == {
        "value": round(100 / 3, 2),
        "numerator": 1,
        "denominator": 3,
    }
    assert figure(client, regulator, "unit_coverage", end, end) == {"value": 100.0, "numerator": 1, "denominator": 1}
    assert figure(client, regulator, "workload", end, end) == {"value": 3.0, "numerator": 3, "denominator": 1}
    assert figure(client, regulator, "elevators_registered:traction", end, end)["value"] == 3
