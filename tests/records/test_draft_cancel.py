"""A technician may cancel (delete) an unsubmitted draft; a submitted one and its record stay untouched."""

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordDraft, RecordDraftItem
from tests.factories.records import complete_draft, start, submit
from tests.factories.registry import auth, make_world


def test_technician_deletes_own_open_draft_and_its_items(client):
    world = make_world()
    draft = start(client, world.tech1, world.elevators[0]).json

    response = client.delete(f"/api/v1/drafts/{draft['id']}", headers=auth(world.tech1))

    assert response.status_code == 204 and response.data == b""
    assert db.session.get(RecordDraft, draft["id"]) is None
    items = db.session.execute(db.select(RecordDraftItem).where(RecordDraftItem.draft_id == draft["id"])).all()
    assert items == []
    listed = client.get("/api/v1/drafts", headers=auth(world.tech1)).json["items"]
    assert [row["id"] for row in listed] == []


def test_deleting_a_draft_twice_answers_404(client):
    world = make_world()
    draft = start(client, world.tech1, world.elevators[0]).json
    assert client.delete(f"/api/v1/drafts/{draft['id']}", headers=auth(world.tech1)).status_code == 204

    again = client.delete(f"/api/v1/drafts/{draft['id']}", headers=auth(world.tech1))

    assert again.status_code == 404
    assert again.json["error"]["message"] == "找不到该维保记录草稿"


def test_another_technician_cannot_delete_a_draft(client):
    world = make_world()
    draft = start(client, world.tech1, world.elevators[0]).json

    for other in (world.tech2, world.supervisor):
        response = client.delete(f"/api/v1/drafts/{draft['id']}", headers=auth(other))
        assert response.status_code in (403, 404), other.role
    assert db.session.get(RecordDraft, draft["id"]) is not None


def test_submitted_draft_cannot_be_deleted_and_its_record_stays(client):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    record = submit(client, world.tech1, draft["id"]).json

    response = client.delete(f"/api/v1/drafts/{draft['id']}", headers=auth(world.tech1))

    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_submitted"
    assert db.session.get(RecordDraft, draft["id"]).status == "submitted"
    stored = db.session.get(MaintenanceRecord, record["id"])
    assert stored is not None and stored.content_hash == record["content_hash"]
    assert client.get(f"/api/v1/records/{record['id']}", headers=auth(world.tech1)).status_code == 200
