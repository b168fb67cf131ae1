"""The 96333 rescue identification code names one elevator: unique in the database, a clear 409 on every path."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError

from miniback import create_app
from miniback.extensions import db
from miniback.models import Elevator, utcnow
from tests.conftest import test_config as app_config
from tests.factories.registry import auth, make_world
from tests.registry.test_elevators import elevator_body

TAKEN = "应急救援识别码已被其他电梯使用"


def _carrying(rescue_code: str) -> list[int]:
    query = db.select(Elevator.id).where(Elevator.rescue_code == rescue_code).order_by(Elevator.id)
    return list(db.session.execute(query).scalars())


def _assert_taken(response: Any) -> None:
    assert response.status_code == 409, response.json
    assert response.json["error"] == {
        "code": "duplicate_rescue_code",
        "message": TAKEN,
        "fields": {"rescue_code": "已存在"},
    }


def test_registering_an_elevator_with_a_rescue_code_another_carries_is_409(client):
    world, other = make_world(), make_world()
    first = client.post("/api/v1/elevators", headers=auth(world.admin), json=elevator_body(world, rescue_code="44011"))
    assert first.status_code == 201
    again = elevator_body(world, device_code="31104401002024000002", rescue_code="44011")
    _assert_taken(client.post("/api/v1/elevators", headers=auth(world.admin), json=again))
    # The code is unique city-wide, not per maintenance unit.
    elsewhere = elevator_body(other, device_code="31104401002024000003", rescue_code="44011")
    _assert_taken(client.post("/api/v1/elevators", headers=auth(other.admin), json=elsewhere))
    assert _carrying("44011") == [first.json["elevator"]["id"]]


def test_a_matched_elevator_does_not_take_a_rescue_code_another_carries(client):
    world = make_world()
    unmaintained = world.elevators[0]
    unmaintained.maintenance_unit_id = None  # known to the registry, no unit yet: registering it fills its blanks
    world.elevators[1].rescue_code = "44012"
    db.session.commit()
    body = elevator_body(world, device_code=unmaintained.device_code, rescue_code="44012")
    _assert_taken(client.post("/api/v1/elevators", headers=auth(world.admin), json=body))
    assert _carrying("44012") == [world.elevators[1].id]


def test_changing_to_a_rescue_code_another_elevator_carries_is_409(client):
    world = make_world()
    first, second = world.elevators
    headers = auth(world.admin)
    assert (
        client.patch(f"/api/v1/elevators/{first.id}", headers=headers, json={"rescue_code": "44013"}).status_code == 200
    )
    _assert_taken(client.patch(f"/api/v1/elevators/{second.id}", headers=headers, json={"rescue_code": "44013"}))
    # Sending an elevator's own code again is no conflict.
    response = client.patch(f"/api/v1/elevators/{first.id}", headers=headers, json={"rescue_code": "44013"})
    assert response.status_code == 200
    assert _carrying("44013") == [first.id]


def test_the_database_refuses_a_second_elevator_with_the_same_rescue_code(app):
    world = make_world()
    first, second = world.elevators
    assert first.rescue_code is None and second.rescue_code is None  # any number of elevators without a code
    first.rescue_code = second.rescue_code = "44014"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _wait_until_a_request_waits_for_a_lock(timeout: float = 20.0) -> None:
    waiting = text(
        "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id"
        " IN (SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE())"
    )
    deadline = time.monotonic() + timeout
    with db.engine.connect() as probe:
        while probe.execute(waiting).scalar_one() == 0:
            assert time.monotonic() < deadline, "the request never reached the unique index"
            time.sleep(0.2)  # InnoDB refreshes INNODB_TRX only when it was last read over 0.1 s ago
            probe.rollback()


def _race(app: Any, client: Any, take_the_code: Any, request: Any) -> Any:
    """Another transaction takes the code and commits only once ``request`` has passed the application's own check
    and waits on the unique index: the request then meets the IntegrityError itself."""
    db.session.commit()
    with db.engine.connect() as other, ThreadPoolExecutor(1) as pool:
        take_the_code(other)

        def call() -> Any:
            with app.app_context():
                try:
                    return request()
                finally:
                    db.session.remove()

        future = pool.submit(call)
        try:
            _wait_until_a_request_waits_for_a_lock()
        finally:
            other.commit()
        response = future.result(timeout=30)
    db.session.rollback()  # read what is committed now, not a snapshot taken while the race was on
    return response


def test_a_registration_racing_another_for_the_same_rescue_code_is_409(app, client):
    world = make_world()
    headers = auth(world.admin)

    def take_the_code(connection: Any) -> None:
        row = {"public_code": "race0000000000a1", "elevator_type": "traction", "address": "广州市天河区某路 2 号"}
        row |= {"district": "天河区", "status": "in_service", "created_at": utcnow(), "rescue_code": "44015"}
        connection.execute(insert(Elevator.__table__).values(**row))

    def register() -> Any:
        return client.post("/api/v1/elevators", headers=headers, json=elevator_body(world, rescue_code="44015"))

    _assert_taken(_race(app, client, take_the_code, register))
    assert len(_carrying("44015")) == 1


def test_a_change_racing_another_for_the_same_rescue_code_is_409(app, client):
    world = make_world()
    first, second = world.elevators
    headers = auth(world.admin)

    def take_the_code(connection: Any) -> None:
        table = Elevator.__table__
        connection.execute(update(table).where(table.c.id == first.id).values(rescue_code="44016"))

    def change() -> Any:
        return client.patch(f"/api/v1/elevators/{second.id}", headers=headers, json={"rescue_code": "44016"})

    _assert_taken(_race(app, client, take_the_code, change))
    assert _carrying("44016") == [first.id]


# The migration that makes the code unique, and the one before it (where a failed upgrade must leave the database).
UNIQUE_RESCUE_CODE, BEFORE_UNIQUE_RESCUE_CODE = "0010", "0009"


def test_the_migration_names_duplicate_rescue_codes_instead_of_half_migrating(tmp_path, capfd):
    app = create_app(app_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}"))
    with app.app_context():
        upgrade(revision=BEFORE_UNIQUE_RESCUE_CODE)
        row = {"elevator_type": "traction", "address": "广州市天河区某路 3 号", "district": "天河区"}
        row |= {"status": "in_service", "created_at": utcnow(), "rescue_code": "44017"}
        with db.engine.begin() as connection:
            for public_code in ("dup0000000000001", "dup0000000000002"):
                connection.execute(insert(Elevator.__table__).values(public_code=public_code, **row))
        with pytest.raises(SystemExit):
            upgrade(revision=UNIQUE_RESCUE_CODE)  # ``flask db upgrade`` prints the error and exits 1
        printed = capfd.readouterr().err
        assert "rescue_code must be unique" in printed and "44017" in printed
        with db.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
                == BEFORE_UNIQUE_RESCUE_CODE
            )
        db.engine.dispose()
