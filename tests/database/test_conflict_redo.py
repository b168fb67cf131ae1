"""A transaction rolled back whole by the database (1213 at COMMIT: a Galera certification failure, or a deadlock)
is redone whole on every write path, and the client is answered once: exactly one record, one terminal event, one
checkpoint, one stored page, one upload — never a second copy, never a redo after a commit went through."""

from __future__ import annotations

import pymysql
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from jobs.context import use_app
from jobs.ledger import seal_ledger
from jobs.signoff import run_default_confirmations
from miniback.database import conflicts
from miniback.database.conflicts import ATTEMPTS, redo_on_conflict, rolled_back_whole
from miniback.extensions import db
from miniback.models import (
    LedgerCheckpoint,
    LedgerEntry,
    MaintenanceRecord,
    PlatformRequest,
    PlatformUpload,
    PublicPage,
    SignoffEvent,
)
from miniback.public.pages import public_page
from tests.database.conflicts import DEADLOCK, conflict_at_commit
from tests.factories.platform import call, make_platform
from tests.factories.records import complete_draft, submit
from tests.factories.registry import auth, make_world
from tests.factories.signatures import manager_signature_b64
from tests.factories.signoff import due_records, submitted_records
from tests.factories.uploads import certify, record_payload


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conflicts, "BACKOFF_SECONDS", 0)


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    db.session.commit()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def kinds(record_id: int) -> list[str]:
    db.session.commit()
    rows = select(SignoffEvent.kind).where(SignoffEvent.record_id == record_id).order_by(SignoffEvent.id)
    return list(db.session.execute(rows).scalars())


def conflict(code: int = 1213) -> OperationalError:
    return OperationalError("COMMIT", {}, pymysql.err.OperationalError(code, DEADLOCK))


def test_submission_redone_after_a_conflict_at_commit_answers_once_with_one_record(client, monkeypatch):
    world = make_world()
    draft = complete_draft(client, world.tech1, world.elevators[0])
    with conflict_at_commit(monkeypatch, db.engine, "maintenance_record") as injected:
        response = submit(client, world.tech1, draft["id"])
    assert injected.injected == 1, "the first COMMIT failed as a Galera node would answer"
    assert response.status_code == 201, response.json
    records = db.session.execute(select(MaintenanceRecord.id).where(MaintenanceRecord.draft_id == draft["id"]))
    assert list(records.scalars()) == [response.json["id"]]
    assert kinds(response.json["id"]) == ["submitted"]
    again = submit(client, world.tech1, draft["id"])  # the technician's retry finds the same record
    assert (again.status_code, again.json["id"]) == (200, response.json["id"])


def test_manager_sign_redone_after_a_conflict_at_commit_has_one_signed_event(client, monkeypatch):
    world = make_world()
    (state,) = submitted_records(world)
    db.session.commit()
    url = f"/api/v1/signoff/records/{state.record_id}/sign"
    with conflict_at_commit(monkeypatch, db.engine, "signoff_event") as injected:
        response = client.post(url, json={"signature_png": manager_signature_b64()}, headers=auth(world.manager))
    assert injected.injected == 1
    assert response.status_code == 201 and response.json["state"] == "signed", response.json
    assert kinds(state.record_id) == ["submitted", "signed"]


def test_deadline_batch_redone_after_conflicts_confirms_each_record_once(app, monkeypatch):
    world = make_world()
    record_ids = due_records(world, 5)
    db.session.commit()
    use_app(app)
    try:
        with conflict_at_commit(monkeypatch, db.engine, "signoff_event", times=3) as injected:
            confirmed = run_default_confirmations(None)
    finally:
        use_app(None)
    assert injected.injected == 3
    assert confirmed == 5
    for record_id in record_ids:
        assert kinds(record_id) == ["submitted", "default_confirmed"]


def test_ledger_checkpoint_redone_after_a_conflict_at_commit_is_published_once(app, monkeypatch, tmp_path):
    world = make_world()
    record_ids = [state.record_id for state in submitted_records(world, 3)]
    db.session.commit()
    app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    with conflict_at_commit(monkeypatch, db.engine, "ledger_checkpoint") as injected:
        result = seal_ledger()
    assert injected.injected == 1
    assert count(LedgerCheckpoint) == 1 and result.checkpoint_size == result.tree_size
    events = count(SignoffEvent, SignoffEvent.record_id.in_(record_ids))
    assert count(LedgerEntry) == events == 3  # each event chained once
    again = seal_ledger()
    assert (again.added, count(LedgerCheckpoint)) == (0, 1)


def test_public_page_store_redone_after_a_conflict_at_commit_keeps_the_page(app, monkeypatch):
    world = make_world()
    elevator = world.elevators[0]
    db.session.commit()
    with conflict_at_commit(monkeypatch, db.engine, "public_page") as injected:
        rendered = public_page(elevator.public_code)
    assert injected.injected == 1 and rendered is not None
    db.session.commit()
    page = db.session.execute(select(PublicPage).where(PublicPage.elevator_id == elevator.id)).scalar_one()
    assert page.html_gzip == rendered.gzipped and page.etag == rendered.etag


def test_platform_upload_redone_after_a_conflict_at_commit_creates_one_record(client, monkeypatch):
    world = make_world()
    certify(world.tech1, world.tech2)
    platform = make_platform("connected", authorised_by=[(world.unit, world.admin)])
    db.session.commit()
    payload = record_payload(world.elevators[0], [world.tech1, world.tech2])
    with conflict_at_commit(monkeypatch, db.engine, "maintenance_record") as injected:
        response = call(client, platform, "POST", "/api/v1/platform/records", payload)
    assert injected.injected == 1
    assert response.status_code == 201 and response.json["result"] == "created", response.json
    assert count(PlatformRequest) == 1  # the evidence, committed before the item, is not written twice
    ref = payload["platform_record_id"]
    assert count(PlatformUpload, PlatformUpload.platform_ref == ref) == 1
    assert count(MaintenanceRecord) == 1
    again = call(client, platform, "POST", "/api/v1/platform/records", payload)
    assert (again.status_code, again.json["result"]) == (200, "duplicate")


def test_no_redo_once_a_commit_of_the_unit_went_through(app):
    calls = []

    def work() -> None:
        calls.append(1)
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # visible to everyone from here: the client may be told
        raise conflict()

    with pytest.raises(OperationalError):
        redo_on_conflict(work)
    assert len(calls) == 1


def test_redo_is_bounded_and_only_for_whole_rollbacks(app):
    calls = []

    def always(code: int):  # type: ignore[no-untyped-def]
        def work() -> None:
            calls.append(code)
            raise conflict(code)

        return work

    with pytest.raises(OperationalError):
        redo_on_conflict(always(1213))
    assert len(calls) == ATTEMPTS
    calls.clear()
    with pytest.raises(OperationalError):
        redo_on_conflict(always(1205))
    assert len(calls) == ATTEMPTS
    calls.clear()
    with pytest.raises(OperationalError):
        redo_on_conflict(always(1062))  # a duplicate key is an answer, not a conflict: never redone
    assert calls == [1062]


def test_a_conflict_hidden_behind_a_failed_savepoint_rollback_is_recognised() -> None:
    try:
        try:
            raise conflict(1213)
        except OperationalError:
            raise conflict(1305) from None  # SAVEPOINT does not exist: raised while rolling back
    except OperationalError as error:
        hidden = error
    assert rolled_back_whole(hidden)
    assert not rolled_back_whole(conflict(1305))


def test_one_definition_of_the_codes_redone() -> None:
    """The codes live in one place; the retry loops that had their own copies use it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    copies = [
        str(path.relative_to(root))
        for folder in ("miniback", "jobs", "signoff")
        for path in (root / folder).rglob("*.py")
        if "(1213, 1205)" in path.read_text() and path.name != "conflicts.py"
    ]
    assert copies == []


def test_pause_before_each_redo_is_random_and_doubles(app, monkeypatch) -> None:
    monkeypatch.setattr(conflicts, "BACKOFF_SECONDS", 0.02)
    pauses: list[float] = []
    bounds: list[tuple[float, float]] = []
    monkeypatch.setattr(conflicts.time, "sleep", pauses.append)

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return high / 2

    monkeypatch.setattr(conflicts.random, "uniform", uniform)

    def work() -> None:
        raise conflict()

    with pytest.raises(OperationalError):
        redo_on_conflict(work)
    assert bounds == [(0, 0.02), (0, 0.04), (0, 0.08), (0, 0.16)]
    assert pauses == [0.01, 0.02, 0.04, 0.08]
