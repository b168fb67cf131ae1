"""The public history read model (public_history_entry) is written with every change residents can see:
submissions and corrections, each sign-off outcome, a technician's rename; rebuilt from the sources it equals
what the writes left behind."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from miniback.extensions import db
from miniback.models import PublicHistoryEntry, utcnow
from miniback.projections.public_history import project_public_history, rebuild_public_history
from miniback.public.history import local_today
from signoff.confirmation import apply_default_confirmations
from signoff.operations import record_submitted
from tests.factories.public import insert_record
from tests.factories.records import complete_draft, point, submit, submitted_record
from tests.factories.registry import auth, make_world
from tests.factories.signatures import manager_signature_b64


def public_records(client, elevator) -> list[dict]:
    response = client.get(f"/api/v1/public/elevators/{elevator.public_code}")
    assert response.status_code == 200
    return response.json["records"]


def labels(client, elevator) -> list[str]:
    return [record["signoff_label"] for record in public_records(client, elevator)]


def correct(client, tech, record_id: int) -> dict:
    """A technician's correction of ``record_id``, done on site again and submitted."""
    headers = auth(tech)
    started = client.post(f"/api/v1/records/{record_id}/corrections", json={}, headers=headers)
    assert started.status_code == 201, started.json
    url = f"/api/v1/drafts/{started.json['id']}"
    results = [{"code": item["code"], "result": "normal"} for item in started.json["items"]]
    client.post(f"{url}/check-in", json=point(utcnow() - timedelta(minutes=30)), headers=headers)
    client.put(f"{url}/results", json={"results": results}, headers=headers)
    client.post(f"{url}/check-out", json=point(utcnow()), headers=headers)
    submitted = submit(client, tech, started.json["id"])
    assert submitted.status_code == 201, submitted.json
    return submitted.json


def entries() -> dict[int, tuple]:
    rows = db.session.execute(select(PublicHistoryEntry).execution_options(populate_existing=True)).scalars()
    return {
        row.record_id: tuple(getattr(row, column.name) for column in PublicHistoryEntry.__table__.columns)
        for row in rows
    }


def test_submitted_record_is_on_the_page_at_once_masked_and_awaiting_signoff(client):
    world = make_world()
    elevator = world.elevators[0]
    draft = complete_draft(client, world.tech1, elevator, category="quarter", second_technician_id=world.tech2.id)
    assert submit(client, world.tech1, draft["id"]).status_code == 201
    (record,) = public_records(client, elevator)
    assert record["maintained_on"] == local_today().isoformat()
    assert record["category_name"] == "季度维保"
    assert record["technicians"] == ["张*明", "李*强"]
    assert record["signoff_label"] == "待确认"
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "张*明、李*强" in page and "张伟明" not in page


def test_sign_objection_and_resolution_show_on_the_page_as_they_commit(client):
    world = make_world()
    elevator = world.elevators[0]
    first = submitted_record(client, world.tech1, elevator)
    second = submitted_record(client, world.tech1, elevator, locate=False)
    manager = auth(world.manager)
    signed = client.post(
        f"/api/v1/signoff/records/{first['id']}/sign", json={"signature_png": manager_signature_b64()}, headers=manager
    )
    assert signed.status_code == 201
    assert labels(client, elevator) == ["待确认", "已签字确认"]
    objected = client.post(
        f"/api/v1/signoff/records/{second['id']}/objection", json={"reason": "未见维保人员"}, headers=manager
    )
    assert objected.status_code == 201
    assert labels(client, elevator) == ["有异议", "已签字确认"]
    resolved = client.post(
        f"/api/v1/signoff/records/{second['id']}/objection/resolve", json={"note": "已撤回"}, headers=manager
    )
    assert resolved.status_code == 200
    assert labels(client, elevator) == ["待确认", "已签字确认"]


def test_a_correction_replaces_the_record_it_corrects_on_the_page(client):
    world = make_world()
    elevator = world.elevators[0]
    original = submitted_record(client, world.tech1, elevator)
    correction = correct(client, world.tech1, original["id"])
    assert len(public_records(client, elevator)) == 1
    assert list(entries()) == [correction["id"]]  # the correction's entry, not the original's


def test_pending_record_shows_default_confirmation_from_its_deadline_without_a_write(client):
    world = make_world()
    elevator = world.elevators[0]
    record = insert_record(elevator, [world.tech1], local_today() - timedelta(days=1))
    record_submitted(record, now=utcnow() - timedelta(days=1), min_window=timedelta(hours=2))
    db.session.commit()
    assert labels(client, elevator) == ["默认确认"]  # the deadline passed; the deadline job has not run yet
    before = entries()
    now = utcnow()
    assert apply_default_confirmations(now, 100, now=now) == 1
    db.session.commit()
    assert entries() == before  # the (batched) deadline job never touches the read model
    assert labels(client, elevator) == ["默认确认"]


def test_technician_rename_shows_on_every_page_they_appear(client):
    world = make_world()
    for elevator in world.elevators[:2]:
        insert_record(elevator, [world.tech2, world.tech1], local_today() - timedelta(days=3))
    response = client.patch(f"/api/v1/staff/{world.tech1.id}", json={"name": "王小红"}, headers=auth(world.admin))
    assert response.status_code == 200, response.json
    for elevator in world.elevators[:2]:
        assert public_records(client, elevator)[0]["technicians"] == ["李*强", "王*红"]


def test_rebuild_from_the_sources_equals_what_the_writes_kept(client, app):
    world = make_world()
    a, b = world.elevators[:2]
    manager = auth(world.manager)
    signed = submitted_record(client, world.tech1, a)
    objected = submitted_record(client, world.tech2, a, locate=False)
    corrected = submitted_record(client, world.tech1, b)
    client.post(
        f"/api/v1/signoff/records/{signed['id']}/sign", json={"signature_png": manager_signature_b64()}, headers=manager
    )
    client.post(f"/api/v1/signoff/records/{objected['id']}/objection", json={"reason": "漏检"}, headers=manager)
    correct(client, world.tech1, corrected["id"])
    late = insert_record(b, [world.tech2], local_today() - timedelta(days=2), late_upload=True)
    record_submitted(late, now=utcnow() - timedelta(days=2), min_window=timedelta(hours=2))
    db.session.commit()
    now = utcnow()
    apply_default_confirmations(now, 100, now=now)
    db.session.commit()
    client.patch(f"/api/v1/staff/{world.tech2.id}", json={"name": "欧阳强"}, headers=auth(world.admin))
    kept = entries()
    assert len(kept) == 4
    assert {row[2]: row[4] for row in kept.values()}[objected["id"]] == "欧*强"
    computed = {row["record_id"]: row for rows in project_public_history() for row in rows}
    assert sorted(computed) == sorted(kept)
    assert rebuild_public_history() == 4
    db.session.commit()
    assert entries() == kept


def test_rebuild_command_fills_an_emptied_read_model(client, app):
    world = make_world()
    elevator = world.elevators[0]
    submitted_record(client, world.tech1, elevator)
    db.session.execute(delete(PublicHistoryEntry))
    db.session.commit()
    assert public_records(client, elevator) == []
    result = app.test_cli_runner().invoke(args=["public", "rebuild-history"])
    assert result.exit_code == 0, result.output
    assert "已重建 1 条公开维保记录" in result.output
    assert [r["technicians"] for r in public_records(client, elevator)] == [["张*明"]]


def test_the_one_query_page_and_the_plain_row_reads_agree(app):
    """MariaDB folds the entries into the elevator's row; MySQL and SQLite read them as rows: same records."""
    from miniback.public import history

    world = make_world()
    elevator = world.elevators[0]
    today = local_today()
    for n in range(30):  # more than a page holds
        record = insert_record(
            elevator, [world.tech1, world.tech2][: 1 + n % 2], today - timedelta(days=n), late_upload=n % 5 == 0
        )
        record_submitted(record, now=utcnow() - timedelta(days=n), min_window=timedelta(hours=2))
    db.session.commit()
    now = utcnow()
    row, folded = history._page_rows(elevator.public_code, now)
    assert len(folded) == history.HISTORY_LIMIT
    assert folded == history._row_entries(row.id, now)
    assert folded[0].signoff_state == "pending" and folded[1].signoff_state == "default_confirmed"
    assert {r.technicians for r in folded} == {("张*明",), ("张*明", "李*强")}


def test_a_history_cut_short_by_the_server_is_read_again_as_rows(app, monkeypatch):
    from miniback.public import history

    world = make_world()
    elevator = world.elevators[0]
    for n in range(3):
        insert_record(elevator, [world.tech1], local_today() - timedelta(days=n))
    db.session.commit()
    real = history._from_json

    def truncated(page, now):
        # The server cut the concatenation inside the last record (its last field separator and after).
        row, records = real(page[: page.rindex("\\u001F")] + '"]', now)
        assert records is None
        return row, records

    monkeypatch.setattr(history, "_from_json", truncated)
    assert len(history.public_history(elevator.public_code).records) == 3
