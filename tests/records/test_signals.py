"""Authenticity signals (record_flag): each rule just inside and just outside its threshold, flags a later record
reveals (new rows on the earlier record), who sees them, the list filter, and bad input."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from miniback.extensions import db
from miniback.models import RecordFlag, utcnow
from miniback.records.calendar import SHANGHAI
from tests.factories.photos import encoded, jpeg, photo_image, upload
from tests.factories.records import SITE, confirm_location, north_of, point, start, submit
from tests.factories.registry import auth, make_authority, make_world

# Check-out a few metres from check-in: a real fix drifts (a point that never moves is its own signal).
NEAR = (SITE[0] + 0.00004, SITE[1] + 0.00003)
_SPREAD = itertools.count(1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def days_ago(days: int) -> date:
    return utcnow().astimezone(SHANGHAI).date() - timedelta(days=days)


def job(
    client: Any,
    tech: Any,
    elevator: Any,
    check_in_at: datetime,
    *,
    minutes: float = 40,
    check_in_where: tuple[float, float] | None = None,
    check_out_where: tuple[float, float] | None = None,
    accuracy_in: float = 15.0,
    accuracy_out: float = 12.0,
    photos: dict[str, tuple[bytes, datetime]] | None = None,
) -> dict[str, Any]:
    """A complete job (the elevator's location already known), submitted; returns the record. By default each
    job's points are its own (a few metres apart), so no two jobs share a point by accident."""
    spread = next(_SPREAD) * 0.00001
    check_in_where = check_in_where or (SITE[0] + spread, SITE[1])
    check_out_where = check_out_where or (NEAR[0] + spread, NEAR[1])
    draft = start(client, tech, elevator).json
    headers = auth(tech)
    body = point(check_in_at, *check_in_where, accuracy=accuracy_in)
    assert client.post(f"/api/v1/drafts/{draft['id']}/check-in", json=body, headers=headers).status_code == 200
    results = [{"code": item["code"], "result": "normal"} for item in draft["items"]]
    assert (
        client.put(f"/api/v1/drafts/{draft['id']}/results", json={"results": results}, headers=headers).status_code
        == 200
    )
    body = point(check_in_at + timedelta(minutes=minutes), *check_out_where, accuracy=accuracy_out)
    assert client.post(f"/api/v1/drafts/{draft['id']}/check-out", json=body, headers=headers).status_code == 200
    for position, (data, captured_at) in (photos or {}).items():
        uploaded = upload(client, tech, draft["id"], position, data, captured_at=captured_at)
        assert uploaded.status_code == 201, uploaded.json
    response = submit(client, tech, draft["id"])
    assert response.status_code == 201, response.json
    assert response.json["signal_kinds"] is None  # never shown to the technician
    # What this submission raised on its own record (later rows on it come with later submissions); these jobs
    # take no photos (a reason is given for each position), so every one has photo_missing: left out here.
    kinds = {flag.kind for flag in flags(response.json["id"])} - ({"photo_missing"} if not photos else set())
    return {**response.json, "signal_kinds": sorted(kinds)}


def flags(record_id: int, kind: str | None = None) -> list[RecordFlag]:
    query = db.select(RecordFlag).where(RecordFlag.record_id == record_id).order_by(RecordFlag.id)
    if kind:
        query = query.where(RecordFlag.kind == kind)
    return list(db.session.execute(query).scalars())


def receive_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The server's receive time of the next submissions (device times stay real: ``moment`` is in the future)."""
    monkeypatch.setattr("miniback.records.submit.utcnow", lambda: moment)


@pytest.fixture()
def world(client):
    world = make_world()
    confirm_location(client, world.tech1, world.elevators[0])
    far = north_of(10000)
    confirm_location(client, world.tech1, world.elevators[1], lat=far[0], lng=far[1])
    return world


@pytest.fixture()
def local_photo_stores(app, tmp_path):
    app.config.update(ARCHIVE_DIR=str(tmp_path / "archive"), PHOTO_DIR=str(tmp_path / "photos"))


FAR, FAR_NEAR = north_of(10000), (north_of(10000)[0] + 0.00004, SITE[1] + 0.00002)


# Impossible travel: 10 km between check-out and the next check-in; 80 km/h is 450 s.
@pytest.mark.parametrize(("gap_seconds", "flagged"), [(460, False), (440, True)])
def test_impossible_travel_just_inside_and_outside_the_speed(client, world, gap_seconds, flagged):
    first_in = local(days_ago(1), 10)
    first = job(client, world.tech1, world.elevators[0], first_in)
    second_in = first_in + timedelta(minutes=40, seconds=gap_seconds)
    second = job(client, world.tech1, world.elevators[1], second_in, check_in_where=FAR, check_out_where=FAR_NEAR)
    assert ("impossible_travel" in second["signal_kinds"]) is flagged
    assert bool(flags(second["id"], "impossible_travel")) is flagged
    earlier = flags(first["id"], "impossible_travel")
    assert bool(earlier) is flagged
    if flagged:
        # The first record was submitted clean; the second revealed it: a new row on the first, raised later.
        assert earlier[0].raised_by == "later" and earlier[0].raised_by_record_id == second["id"]
        own = flags(second["id"], "impossible_travel")[0]
        assert own.raised_by == "submission"
        assert own.evidence["from_record_id"] == first["id"] and own.evidence["to_record_id"] == second["id"]
        assert own.evidence["distance_m"] == pytest.approx(10000, abs=20) and own.evidence[
            "speed_kmh"
        ] == pytest.approx(81.8, abs=0.1)
        assert f"#{first['id']}" in own.explanation and "10.0 公里" in own.explanation


@pytest.mark.parametrize(("metres", "flagged"), [(990, False), (1010, True)])
def test_impossible_travel_needs_the_minimum_distance(client, world, metres, flagged):
    near_far = north_of(metres)
    first_in = local(days_ago(1), 10)
    job(client, world.tech1, world.elevators[0], first_in, check_out_where=SITE)
    # 30 s later, ~1 km away: well over 80 km/h, but only the distance threshold decides.
    second = job(
        client,
        world.tech1,
        world.elevators[1],
        first_in + timedelta(minutes=40, seconds=30),
        check_in_where=near_far,
        check_out_where=FAR_NEAR,
    )
    assert ("impossible_travel" in second["signal_kinds"]) is flagged


def test_a_late_upload_of_an_earlier_job_flags_itself_and_the_next_job_later(client, world):
    first_in = local(days_ago(1), 10)
    later_job = job(
        client,
        world.tech1,
        world.elevators[1],
        first_in + timedelta(minutes=45),
        check_in_where=FAR,
        check_out_where=FAR_NEAR,
    )
    assert later_job["signal_kinds"] == []
    earlier_job = job(client, world.tech1, world.elevators[0], first_in)
    assert earlier_job["signal_kinds"] == ["impossible_travel"]
    revealed = flags(later_job["id"], "impossible_travel")
    assert [(flag.raised_by, flag.raised_by_record_id) for flag in revealed] == [("later", earlier_job["id"])]


def test_overlapping_jobs_are_the_overlap_flag_not_travel(client, world):
    first_in = local(days_ago(1), 10)
    job(client, world.tech1, world.elevators[0], first_in)
    second = job(
        client, world.tech1, world.elevators[1], first_in + timedelta(minutes=20), check_in_where=FAR,
        check_out_where=FAR_NEAR,
    )  # fmt: skip
    assert second["flag_overlap"] is True and "impossible_travel" not in second["signal_kinds"]


# Suspect location.
@pytest.mark.parametrize(("accuracy", "flagged"), [(0.1, False), (0.0, True)])
def test_accuracy_of_exactly_zero_is_suspect(client, world, accuracy, flagged):
    record = job(client, world.tech1, world.elevators[0], local(days_ago(1), 9), accuracy_out=accuracy)
    assert ("suspect_location" in record["signal_kinds"]) is flagged
    if flagged:
        assert flags(record["id"])[0].rule == "zero_accuracy" and "精度为 0" in flags(record["id"])[0].explanation


@pytest.mark.parametrize(("minutes", "flagged"), [(29.5, False), (30, True)])
def test_a_point_that_never_moves_over_a_long_job_is_suspect(client, world, minutes, flagged):
    record = job(
        client, world.tech1, world.elevators[0], local(days_ago(1), 9), minutes=minutes, check_in_where=SITE,
        check_out_where=SITE,
    )  # fmt: skip
    assert ("suspect_location" in record["signal_kinds"]) is flagged
    if flagged:
        assert flags(record["id"])[0].rule == "static_point"


@pytest.mark.parametrize(("offset", "flagged"), [(0.000001, False), (0.0000008, True)])
def test_the_same_point_to_the_micro_degree_on_another_day_is_suspect(client, world, offset, flagged):
    spot = (23.1327001, 113.3322001)
    first = job(client, world.tech1, world.elevators[0], local(days_ago(2), 10), check_in_where=spot)
    assert first["signal_kinds"] == []
    again = (spot[0] + offset, spot[1])  # 23.1327011 is the next micro-degree, 23.1327009 still the same one
    second = job(client, world.tech2, world.elevators[0], local(days_ago(1), 10), check_in_where=again)
    assert ("suspect_location" in second["signal_kinds"]) is flagged
    if flagged:
        own = flags(second["id"], "suspect_location")[0]
        assert own.rule == "repeated_point" and own.evidence["other_record_id"] == first["id"]
        revealed = flags(first["id"], "suspect_location")
        assert [(flag.raised_by, flag.raised_by_record_id) for flag in revealed] == [("later", second["id"])]


def test_the_same_point_on_the_same_day_is_not_a_repeat(client, world):
    spot = (23.1327001, 113.3322001)
    day = days_ago(1)
    job(client, world.tech1, world.elevators[0], local(day, 9), check_in_where=spot)
    second = job(client, world.tech2, world.elevators[0], local(day, 11), check_in_where=spot)
    assert second["signal_kinds"] == []


# Bulk upload.
@pytest.mark.parametrize(("hours_ago", "flagged"), [(12.9, True), (12.0 + 40 / 60 - 0.02, False)])
def test_three_uploads_long_after_the_jobs_are_a_bulk_upload(client, world, app, hours_ago, flagged):
    app.config["SIGNAL_BULK_NIGHT_HOURS"] = [0, 0]  # the late rule alone, whatever the hour in Guangzhou now
    # Check-out is 40 minutes after check-in: the last job's check-out is (hours_ago - 40 min) before receipt.
    now = utcnow()
    records = [job(client, world.tech1, world.elevators[0], now - timedelta(hours=hours_ago + 3 - i)) for i in range(2)]
    last = job(client, world.tech1, world.elevators[0], now - timedelta(hours=hours_ago))
    assert ("bulk_upload" in last["signal_kinds"]) is flagged
    for record in records:
        assert "bulk_upload" not in record["signal_kinds"]  # two are not yet a burst
        assert bool(flags(record["id"], "bulk_upload")) is flagged  # the third reveals them
    if flagged:
        own = flags(last["id"], "bulk_upload")[0]
        assert own.rule == "late" and own.evidence["count"] == 3
        assert own.evidence["record_ids"] == [records[0]["id"], records[1]["id"], last["id"]]
        assert all(flag.raised_by == "later" for record in records for flag in flags(record["id"], "bulk_upload"))


@pytest.mark.parametrize(("last_after_minutes", "flagged"), [(9, True), (11, False)])
def test_a_night_burst_within_the_window(client, world, app, monkeypatch, last_after_minutes, flagged):
    app.config["SIGNAL_BULK_LATE_HOURS"] = 1000  # the night rule alone
    tomorrow = utcnow().astimezone(SHANGHAI).date() + timedelta(days=1)
    first_received = local(tomorrow, 2)
    check_in = utcnow() - timedelta(hours=3)
    received = [
        first_received,
        first_received + timedelta(minutes=4),
        first_received + timedelta(minutes=last_after_minutes),
    ]
    records = []
    for i, moment in enumerate(received):
        receive_at(monkeypatch, moment)
        records.append(job(client, world.tech1, world.elevators[0], check_in + timedelta(minutes=45 * i), minutes=40))
    assert [("bulk_upload" in record["signal_kinds"]) for record in records] == [False, False, flagged]
    if flagged:
        assert flags(records[2]["id"], "bulk_upload")[0].rule == "night"
        assert "夜间 0:00–5:00" in flags(records[2]["id"], "bulk_upload")[0].explanation


def test_a_burst_in_the_morning_just_after_the_night_is_not_a_night_burst(client, world, app, monkeypatch):
    app.config["SIGNAL_BULK_LATE_HOURS"] = 1000  # the night rule alone
    tomorrow = utcnow().astimezone(SHANGHAI).date() + timedelta(days=1)
    check_in = utcnow() - timedelta(hours=3)
    kinds = []
    for i, moment in enumerate([local(tomorrow, 4, 56), local(tomorrow, 4, 58), local(tomorrow, 5, 0)]):
        receive_at(monkeypatch, moment)
        kinds.append(job(client, world.tech1, world.elevators[0], check_in + timedelta(minutes=45 * i))["signal_kinds"])
    assert kinds == [[], [], []]


def test_thresholds_are_configurable(client, world, app):
    app.config["SIGNAL_TRAVEL_MAX_KMH"] = 200
    first_in = local(days_ago(1), 10)
    job(client, world.tech1, world.elevators[0], first_in)
    second = job(
        client, world.tech1, world.elevators[1], first_in + timedelta(minutes=40, seconds=300), check_in_where=FAR,
        check_out_where=FAR_NEAR,
    )  # fmt: skip
    assert second["signal_kinds"] == []  # 120 km/h is under 200


# Who sees them.
def test_supervisor_and_regulator_see_signals_with_explanations_the_technician_does_not(client, world):
    record = job(client, world.tech1, world.elevators[0], local(days_ago(1), 9), accuracy_in=0)
    detail = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.supervisor)).json
    assert detail["signal_kinds"] == ["photo_missing", "suspect_location"]
    signal, missing = detail["signals"]
    assert missing["kind"] == "photo_missing" and "测试记录，未拍照" in missing["explanation"]
    assert (
        signal["label"] == "疑似虚拟定位" and signal["raised_by"] == "submission" and signal["rule"] == "zero_accuracy"
    )
    regulator = make_authority("regulator")
    assert client.get(f"/api/v1/records/{record['id']}", headers=auth(regulator)).json["signals"] == detail["signals"]
    own = client.get(f"/api/v1/records/{record['id']}", headers=auth(world.tech1)).json
    assert own["signals"] is None and own["signal_kinds"] is None
    listed = client.get("/api/v1/records?flag=suspect_location", headers=auth(world.supervisor)).json["items"]
    assert [(item["id"], item["signal_kinds"]) for item in listed] == [
        (record["id"], ["photo_missing", "suspect_location"])
    ]
    refused = client.get("/api/v1/records?flag=suspect_location", headers=auth(world.tech1))
    assert refused.status_code == 403 and "flag" in refused.json["error"]["fields"]


def test_an_unknown_signal_kind_is_refused(client, world):
    bad = client.get("/api/v1/records?flag=photo_everything", headers=auth(world.supervisor))
    assert bad.status_code == 422 and bad.json["error"]["fields"]


def test_record_flag_rows_are_insert_only(client, world):
    record = job(client, world.tech1, world.elevators[0], local(days_ago(1), 9), accuracy_in=0)
    for statement in (
        f"UPDATE record_flag SET kind = 'bulk_upload' WHERE record_id = {record['id']}",
        f"DELETE FROM record_flag WHERE record_id = {record['id']}",
    ):
        with pytest.raises(OperationalError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


# Photos. The jobs run now (check-in a minute ahead, within the device clock's skew), after the draft is started.
def _photo_job(client, world, elevator, photos, tech=None):
    check_in = utcnow() + timedelta(minutes=1)
    return job(client, tech or world.tech1, elevator, check_in, minutes=3, photos=photos)


def _position(client, world) -> str:
    draft = start(client, world.tech2, world.elevators[0]).json
    return str(draft["photo_positions"][0]["code"])


@pytest.mark.parametrize("how", ["same_bytes", "reencoded", "different"])
def test_a_photo_reused_on_another_elevator_is_flagged_on_both_records(client, world, local_photo_stores, how):
    position = _position(client, world)
    at = utcnow() + timedelta(minutes=2)
    original = jpeg(seed=7)
    first = _photo_job(client, world, world.elevators[0], {position: (original, at)})
    assert "photo_reused" not in first["signal_kinds"]
    again = {
        "same_bytes": original,
        "reencoded": encoded(photo_image(seed=7), "JPEG", quality=50),
        "different": jpeg(seed=8),
    }[how]
    second = _photo_job(client, world, world.elevators[1], {position: (again, at)}, tech=world.tech2)
    assert ("photo_reused" in second["signal_kinds"]) is (how != "different")
    if how != "different":
        own = flags(second["id"], "photo_reused")[0]
        assert own.evidence["other_record_id"] == first["id"]
        assert own.rule == ("sha256" if how == "same_bytes" else "near_duplicate")
        assert f"#{first['id']}" in own.explanation
        revealed = flags(first["id"], "photo_reused")
        assert [(flag.raised_by, flag.raised_by_record_id) for flag in revealed] == [("later", second["id"])]


def test_a_cropped_photo_is_a_near_duplicate_confirmed_by_dhash_and_colour(client, world, local_photo_stores):
    position = _position(client, world)
    at = utcnow() + timedelta(minutes=2)
    first = _photo_job(client, world, world.elevators[0], {position: (jpeg(seed=11), at)})
    image = photo_image(seed=11)
    cropped = image.crop((3, 2, 317, 238)).resize((320, 240))  # 2 % off the edges, scaled back
    second = _photo_job(client, world, world.elevators[1], {position: (encoded(cropped, "JPEG"), at)}, tech=world.tech2)
    own = flags(second["id"], "photo_reused")[0]
    (match,) = own.evidence["photos"]
    assert own.rule == match["how"] == "near_duplicate" and own.evidence["other_record_id"] == first["id"]
    assert match["dhash_bits"] <= 12 and match["colour_difference"] <= 8
    assert "差异哈希" in own.explanation and "平均颜色" in own.explanation


def test_a_different_photo_close_in_phash_alone_is_not_reused(client, world, local_photo_stores):
    """The same brightness pattern in other colours (another lift's machine room, painted differently): the
    perceptual hashes (brightness only) agree, the colour signature does not — not a reused photo."""
    position = _position(client, world)
    at = utcnow() + timedelta(minutes=2)
    grey = photo_image(seed=12).convert("L")
    # Same luminance (0.299 R + 0.587 G + 0.114 B), a strong tint: R up 60, G down to compensate.
    red = grey.point(lambda v: min(255, v + 60))
    green = grey.point(lambda v: max(0, v - round(60 * 0.299 / 0.587)))
    tinted = Image.merge("RGB", (red, green, grey))
    _photo_job(client, world, world.elevators[0], {position: (encoded(grey.convert("RGB"), "JPEG"), at)})
    second = _photo_job(client, world, world.elevators[1], {position: (encoded(tinted, "JPEG"), at)}, tech=world.tech2)
    assert "photo_reused" not in second["signal_kinds"]


def _signatures(phash: int = 0, dhash: int = 0, colour: int = 100) -> dict[str, str]:
    return {"phash": f"{phash:016x}", "dhash": f"{dhash:016x}", "colour": bytes([colour] * 48).hex()}


def _bits(n: int) -> int:
    return (1 << n) - 1


@pytest.mark.parametrize(
    ("other", "how"),
    [
        (_signatures(phash=_bits(10), dhash=_bits(12), colour=108), "near_duplicate"),  # every one at its threshold
        (_signatures(phash=_bits(11)), None),  # phash just outside
        (_signatures(phash=_bits(10), dhash=_bits(13)), None),  # dhash just outside
        (_signatures(phash=_bits(10), colour=109), None),  # colour just outside (9 > 8 on average)
        ({"phash": f"{_bits(10):016x}", "dhash": None, "colour": None}, "phash"),  # before 0020: phash alone
        ({"phash": f"{_bits(11):016x}", "dhash": None, "colour": None}, None),
    ],
)
def test_near_duplicate_rule_at_its_thresholds(app, other, how):
    from miniback.records.signals import near_duplicate

    with app.app_context():
        match = near_duplicate(_signatures(), other)
    assert (match and match["how"]) == how


def test_near_duplicate_thresholds_are_configurable(app):
    from miniback.records.signals import near_duplicate

    with app.app_context():
        app.config.update(SIGNAL_PHOTO_DHASH_MAX_BITS=13, SIGNAL_PHOTO_COLOUR_MAX_DIFFERENCE=9)
        assert near_duplicate(_signatures(), _signatures(phash=_bits(10), dhash=_bits(13), colour=109))


@pytest.mark.parametrize(("minutes_before_check_in", "flagged"), [(4.8, False), (5.2, True)])
def test_a_photo_taken_before_the_check_in_is_not_fresh(
    client, world, local_photo_stores, minutes_before_check_in, flagged
):
    position = _position(client, world)
    check_in = utcnow() + timedelta(minutes=1)
    captured = check_in - timedelta(minutes=minutes_before_check_in)  # within 5 minutes of the draft's start
    record = job(
        client, world.tech1, world.elevators[0], check_in, minutes=3, photos={position: (jpeg(seed=3), captured)}
    )
    assert ("photo_not_fresh" in record["signal_kinds"]) is flagged
    if flagged:
        flag = flags(record["id"], "photo_not_fresh")[0]
        assert flag.rule == "outside_window" and "不在签到至签退之间" in flag.explanation


def test_a_photo_taken_before_the_draft_was_started_is_not_fresh(client, world, local_photo_stores):
    position = _position(client, world)
    check_in = utcnow() + timedelta(minutes=1)
    captured = utcnow() - timedelta(minutes=30)
    record = job(
        client, world.tech1, world.elevators[0], check_in, minutes=3, photos={position: (jpeg(seed=4), captured)}
    )
    assert flags(record["id"], "photo_not_fresh")[0].rule == "before_draft"


# Statistics (stats-core's record_flag_kinds).
def test_statistics_count_signals_and_a_later_flag_marks_the_earlier_record_dirty(client, world):
    from miniback.models import MaintenanceRecord, StatsDirty
    from miniback.statistics.flags import FLAG_KINDS, extra_flag_kinds, flag_condition, record_flag_kinds

    assert FLAG_KINDS["impossible_travel"] == "行程不可能"
    first_in = local(days_ago(1), 10)
    first = job(client, world.tech1, world.elevators[0], first_in)
    assert db.session.execute(db.select(StatsDirty)).scalars().all() == []
    second = job(
        client, world.tech1, world.elevators[1], first_in + timedelta(minutes=45), check_in_where=FAR,
        check_out_where=FAR_NEAR,
    )  # fmt: skip
    record = db.session.get(MaintenanceRecord, first["id"])
    assert "impossible_travel" in record_flag_kinds(record, extra_flag_kinds([first["id"], second["id"]]))
    dirty = db.session.execute(db.select(StatsDirty)).scalars().all()
    assert [(row.day, row.elevator_id) for row in dirty] == [(record.maintenance_day, world.elevators[0].id)]
    ids = db.session.execute(
        db.select(MaintenanceRecord.id).where(flag_condition("impossible_travel")).order_by(MaintenanceRecord.id)
    ).scalars()
    assert list(ids) == [first["id"], second["id"]]


# The resident's page: a count of the kinds of flag, nothing more; a later flag re-renders the stored page.
def _public_flags(client, elevator) -> tuple[str, int]:
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    twin = client.get(f"/api/v1/public/elevators/{elevator.public_code}").json
    return page, twin["records"][0]["flags"]


def test_the_public_page_counts_flags_and_a_later_flag_renders_it_again(client, world, local_photo_stores):
    from miniback.models import MaintenanceRecord, PublicHistoryEntry, PublicPage
    from miniback.projections.public_history import rebuild_public_history

    position = _position(client, world)
    at = utcnow() + timedelta(minutes=2)
    original = jpeg(seed=21)
    first = _photo_job(client, world, world.elevators[0], {position: (original, at)})
    assert {flag.kind for flag in flags(first["id"])} == {"photo_missing"}  # the other positions have a reason
    record = db.session.get(MaintenanceRecord, first["id"])
    assert (record.flag_distance, record.flag_duration, record.flag_overlap) == (False, True, False)  # 3 minutes
    page, count = _public_flags(client, world.elevators[0])
    assert count == 2 and "异常标记 2 项" in page
    stored = db.session.get(PublicPage, world.elevators[0].id)
    db.session.refresh(stored)
    assert stored.html_gzip is not None  # the view kept its rendering for the next resident
    generation = stored.generation

    _photo_job(client, world, world.elevators[1], {position: (original, at)}, tech=world.tech2)
    db.session.refresh(stored)
    assert stored.html_gzip is None and stored.generation > generation  # the later flag made it stale
    page, count = _public_flags(client, world.elevators[0])
    assert count == 3 and "异常标记 3 项" in page
    # A count only: not which flag, nor the other record.
    assert "照片重复使用" not in page and "photo_reused" not in page
    # The rebuilt read model says the same as the one kept up to date at each submission.
    kept = dict(db.session.execute(db.select(PublicHistoryEntry.record_id, PublicHistoryEntry.flags)).all())
    rebuild_public_history()
    rebuilt = dict(db.session.execute(db.select(PublicHistoryEntry.record_id, PublicHistoryEntry.flags)).all())
    assert kept == rebuilt and kept[first["id"]] == 3
