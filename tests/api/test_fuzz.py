"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis): never a 5xx, for any role.

Each operation gets a fixed number of generated requests, valid and invalid ones, with a fixed seed
(``derandomize``: the same requests on every run, so CI is reproducible and its runtime bounded). Each request
is sent once with every role's token and once without one, on MariaDB and on SQLite (the demo's database).
Path ids are drawn partly from the ids of a real world (units, elevators, a submitted record, people, another
unit's objects), so requests reach past the 404 of an unknown id, partly from the whole documented range and
beyond it.
"""

from __future__ import annotations

import contextvars
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from miniback.api.validation import INT64_MAX
from miniback.extensions import db
from miniback.models import Account
from tests.conftest import IsolatedClient
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_staff, make_world

pytestmark = pytest.mark.slow  # about a minute per database on CI's two cores

EXAMPLES_PER_OPERATION = 6


# Operations that end the caller's token: every example gets fresh tokens there.
TOKEN_ENDING = {"/api/v1/auth/logout", "/api/v1/me/password", "/api/v1/me/sessions/{session_id}"}


def _world(app: Flask) -> tuple[dict[str, Account | None], list[int]]:
    """An account for each role (and none), and the ids of a real world's objects, among them another unit's.

    The ids name no account that makes requests, nor its units, so a generated deactivation, role change or
    suspension does not lock the fuzzing accounts out of the operations after it.
    """
    world = make_world()
    other = make_world("越秀区")
    bystander = make_staff(world.admin, "technician", world.team2, "赵六")
    people: dict[str, Account | None] = {
        "platform_operator": make_authority("platform_operator"),
        "regulator": make_authority("regulator"),
        "inspector": make_authority("inspector"),
        "mu_admin": world.admin,
        "mu_supervisor": world.supervisor,
        "technician": world.tech1,
        "uu_admin": world.uu_admin,
        "uu_manager": world.manager,
        "anonymous": None,
    }
    db.session.commit()
    app.test_client_class = IsolatedClient
    record = submitted_record(app.test_client(), world.tech1, world.elevators[0])
    ids = {record["id"], other.unit.id, other.use_unit.id, world.team1.id, world.tech2.id, bystander.id}
    ids |= {elevator.id for elevator in world.elevators} | {other.elevators[0].id, other.tech1.id}
    return people, sorted(ids)


def _tokens(people: dict[str, Account | None]) -> dict[str, dict[str, str]]:
    tokens = {role: auth(account) if account else {} for role, account in people.items()}
    db.session.commit()
    return tokens


@pytest.fixture(params=["mariadb", "sqlite"])
def fuzz_app(request: pytest.FixtureRequest) -> Flask:
    """The app on MariaDB and on SQLite (the demo's database, whose integers stop at 64 bits)."""
    app: Flask = request.getfixturevalue("app" if request.param == "mariadb" else "sqlite_app")
    return app


def _fuzz(app: Flask, operation: Any, people: dict[str, Account | None], ids: Any, statuses: Counter[int]) -> list[str]:
    """Send the operation's generated requests with each role's token; the 5xx among them."""
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    id_names = [parameter.name for parameter in operation.path_parameters if parameter.name.endswith("_id")]
    tokens = _tokens(people)
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, path_ids=st.lists(ids, min_size=len(id_names), max_size=len(id_names)))
    def fuzz(case: Any, path_ids: list[int]) -> None:
        nonlocal tokens
        if operation.path in TOKEN_ENDING:
            tokens = _tokens(people)
        case.path_parameters = {**(case.path_parameters or {}), **dict(zip(id_names, path_ids, strict=True))}
        generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for role, headers in tokens.items():
            case.headers = {**generated, **headers}
            # Its own context, as a request in production: nothing of the test's app context leaks in.
            response = contextvars.Context().run(case.call, app=app)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{role}: {case.as_curl_command(headers=headers)} → {response.status_code}")

    fuzz()
    return failures


def test_no_operation_answers_5xx_to_generated_requests_for_any_role(fuzz_app: Flask) -> None:
    app = fuzz_app
    people, world_ids = _world(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in schema.raw_schema["paths"].values())
    # Beyond the documented range too: such a URL must not match (404), never reach the database.
    ids = st.sampled_from(world_ids) | st.integers(1, INT64_MAX) | st.integers(INT64_MAX + 1, 10**30)
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    failures = [failure for operation in operations for failure in _fuzz(app, operation, people, ids, statuses)]
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"\nfuzzed {len(operations)} operations, {statuses.total()} requests in {elapsed:.0f} s ({summary})")
    assert failures == []
