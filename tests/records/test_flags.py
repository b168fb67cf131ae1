"""Authenticity flags and the late-upload flag are stored on the record and filterable."""

from datetime import UTC, datetime, time, timedelta

from miniback.models import utcnow
from miniback.records.calendar import SHANGHAI
from miniback.records.geo import haversine_m, wgs84_to_gcj02
from tests.factories.records import SITE, north_of, submitted_record
from tests.factories.registry import auth, make_world


def test_check_in_within_radius_is_not_flagged(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0], check_in_where=north_of(150))
    assert record["check_in_distance_m"] == "150.0"
    assert record["flag_distance"] is False and record["flagged"] is False


def test_check_out_far_from_the_elevator_is_flagged(client):
    world = make_world()
    record = submitted_record(client, world.tech1, world.elevators[0], check_out_where=north_of(350))
    assert record["flag_distance"] is True and record["flagged"] is True
    assert record["check_out_distance_m"] == "350.0"
    flagged = client.get("/api/v1/records?flag=distance", headers=auth(world.supervisor)).json["items"]
    assert [item["id"] for item in flagged] == [record["id"]]


def test_wgs84_fix_at_the_elevator_is_converted_before_comparing(client):
    world = make_world()
    # The same physical spot given in WGS-84 differs by ~500 m on the map in Guangzhou; it must not be flagged.
    wgs = (SITE[0] + 0.00268, SITE[1] - 0.00540)
    gcj = wgs84_to_gcj02(*wgs)
    assert haversine_m(*gcj, *SITE) < 30
    assert haversine_m(*wgs, *SITE) > 400
    elevator = world.elevators[0]
    from tests.factories.records import complete_draft, confirm_location, submit

    confirm_location(client, world.tech1, elevator)
    draft = complete_draft(client, world.tech1, elevator, locate=False, check_in_where=gcj)
    record = submit(client, world.tech1, draft["id"]).json
    assert record["flag_distance"] is False
    # And the WGS-84 fix itself, sent as wgs84, is stored as sent and compared after conversion.
    response = client.post(
        f"/api/v1/elevators/{elevator.id}/site-confirmations",
        json={
            "location": {
                "lat": wgs[0],
                "lng": wgs[1],
                "accuracy_m": 10,
                "coord_system": "wgs84",
                "captured_at": utcnow().isoformat(),
            }
        },
        headers=auth(world.tech1),
    )
    assert response.json["location"]["kind"] == "confirmed"
    assert float(response.json["location"]["distance_m"]) < 30


def test_too_short_job_is_flagged_per_category(client):
    world = make_world()
    short_half_month = submitted_record(client, world.tech1, world.elevators[0], minutes=10)
    assert short_half_month["flag_duration"] is True
    long_enough = submitted_record(client, world.tech1, world.elevators[1], minutes=25, locate=True)
    assert long_enough["flag_duration"] is False
    short_year = submitted_record(client, world.tech2, world.elevators[1], category="year", minutes=50, locate=False)
    assert short_year["flag_duration"] is True
    assert short_year["duration_seconds"] == 50 * 60


def test_one_technician_on_two_elevators_at_overlapping_times_is_flagged(client):
    world = make_world()
    start = utcnow() - timedelta(hours=3)
    first = submitted_record(client, world.tech1, world.elevators[0], check_in_at=start, minutes=40)
    assert first["flag_overlap"] is False
    second = submitted_record(
        client, world.tech1, world.elevators[1], check_in_at=start + timedelta(minutes=20), minutes=40
    )
    assert second["flag_overlap"] is True and second["flagged"] is True
    after = submitted_record(
        client, world.tech1, world.elevators[0], check_in_at=start + timedelta(minutes=70), minutes=40, locate=False
    )
    assert after["flag_overlap"] is False


def test_second_technician_elsewhere_at_the_same_time_is_flagged(client):
    world = make_world()
    start = utcnow() - timedelta(hours=3)
    submitted_record(client, world.tech2, world.elevators[0], check_in_at=start, minutes=40)
    record = submitted_record(
        client,
        world.tech1,
        world.elevators[1],
        check_in_at=start + timedelta(minutes=10),
        minutes=40,
        second_technician_id=world.tech2.id,
    )
    assert record["flag_overlap"] is True


def test_record_finished_yesterday_and_uploaded_today_is_accepted_and_flagged_late(client):
    world = make_world()
    today = utcnow().astimezone(SHANGHAI).date()
    yesterday_evening = datetime.combine(today, time(0, 0), tzinfo=SHANGHAI).astimezone(UTC) - timedelta(hours=2)
    record = submitted_record(client, world.tech1, world.elevators[0], check_in_at=yesterday_evening, minutes=40)
    assert record["late_upload"] is True
    assert record["maintenance_day"] == (today - timedelta(days=1)).isoformat()
    regulator = client.get("/api/v1/records?late_upload=true", headers=auth(world.admin)).json["items"]
    assert [item["id"] for item in regulator] == [record["id"]]


def test_supervisor_filters_flagged_records_of_their_subtree_only(client):
    world, other = make_world(), make_world()
    far = submitted_record(client, world.tech1, world.elevators[0], check_out_where=north_of(350))
    submitted_record(client, world.tech2, world.elevators[1])  # not flagged
    submitted_record(client, other.tech1, other.elevators[0], check_out_where=north_of(350))  # another unit's
    for query in ("flagged=true", "flag=distance"):
        listed = client.get(f"/api/v1/records?{query}", headers=auth(world.supervisor)).json["items"]
        assert [item["id"] for item in listed] == [far["id"]], query
    bad = client.get("/api/v1/records?flag=everything", headers=auth(world.supervisor))
    assert bad.status_code == 422 and "flag" in bad.json["error"]["fields"]
