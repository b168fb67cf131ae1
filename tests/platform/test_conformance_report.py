"""The conformance report (对接测试) is computed from the platform's sandbox calls and callbacks: each required
scenario ✓/✗, with when it first passed. Production traffic, other platforms' traffic and near misses do not count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from miniback.extensions import db
from miniback.models import utcnow
from miniback.platform.conformance import SCENARIO_CODES, conformance_report
from tests.factories.platform import make_platform
from tests.factories.platform_traffic import all_green_sandbox_traffic, callback, log_call
from tests.factories.registry import auth, make_authority, make_world


def report_of(client, platform, account=None):
    account = account or make_authority("platform_operator")
    response = client.get(f"/api/v1/platforms/{platform.client.id}/conformance", headers=auth(account))
    assert response.status_code == 200, response.json
    return response.json


def passed(report):
    return {scenario["code"] for scenario in report["scenarios"] if scenario["passed"]}


def test_a_new_platform_has_every_scenario_open(client):
    report = report_of(client, make_platform("testing"))
    assert report["all_passed"] is False
    assert [s["code"] for s in report["scenarios"]] == list(SCENARIO_CODES)
    assert [s["code"] for s in report["scenarios"]] == [
        "single_upload",
        "batch_with_invalid",
        "idempotent_retry",
        "conflict_409",
        "delay_notice",
        "callback_acked",
    ]
    assert all(s["at"] is None and s["detail"] and s["title"] for s in report["scenarios"])


def test_all_green_sandbox_traffic_passes_every_scenario_with_when_it_first_passed(client):
    platform = make_platform("testing")
    first = utcnow() - timedelta(hours=2)
    log_call(platform.client, "record", 201, [("created", None)], at=first)
    all_green_sandbox_traffic(platform.client)
    report = report_of(client, platform)
    assert report["all_passed"] is True and passed(report) == set(SCENARIO_CODES)
    single = next(s for s in report["scenarios"] if s["code"] == "single_upload")
    assert single["at"].startswith(first.strftime("%Y-%m-%dT%H:%M")) and "2 次" in single["detail"]


@pytest.mark.parametrize("missing", SCENARIO_CODES)
def test_each_missing_scenario_keeps_the_report_red(client, missing):
    platform = make_platform("testing")
    all_green_sandbox_traffic(platform.client, **{missing: True})
    report = report_of(client, platform)
    assert report["all_passed"] is False and passed(report) == set(SCENARIO_CODES) - {missing}


def test_near_misses_do_not_pass(client):
    platform = make_platform("testing")
    client_row = platform.client
    log_call(client_row, "record", 422, [("invalid", "validation_error")], error_code="validation_error")
    log_call(client_row, "batch", 200, [("invalid", "elevator_unknown"), ("invalid", "item_unknown")])  # nothing ok
    log_call(client_row, "batch", 200, [("created", None), ("created", None)])  # no bad item
    log_call(client_row, "record", 409, None, error_code="conflict")  # a 409, but not the idempotency one
    log_call(client_row, "delay_notice", 422, [("invalid", "validation_error")], error_code="validation_error")
    log_call(client_row, "me", 200)
    callback(client_row, "failed", [500, 500, None])
    callback(client_row, "pending", [503])
    assert passed(report_of(client, platform)) == set()


def test_production_and_other_platforms_traffic_do_not_count(client):
    platform, other = make_platform("testing"), make_platform("testing")
    all_green_sandbox_traffic(other.client)
    log_call(platform.client, "record", 201, [("created", None)], sandbox=False)
    callback(platform.client, "delivered", [200], sandbox=False)
    assert passed(report_of(client, platform)) == set()
    assert conformance_report(other.client).all_passed is True


def test_batch_conflicts_and_batch_duplicates_count_too(client):
    platform = make_platform("testing")
    log_call(platform.client, "batch", 200, [("duplicate", None), ("conflict", "idempotency_conflict")])
    assert passed(report_of(client, platform)) == {"idempotent_retry", "conflict_409"}


def test_only_the_operator_sees_the_report(client):
    world = make_world()
    platform = make_platform("testing")
    db.session.commit()
    url = f"/api/v1/platforms/{platform.client.id}/conformance"
    assert client.get(url, headers=auth(world.admin)).status_code == 403
    assert client.get(url).status_code == 401
    assert (
        client.get(
            "/api/v1/platforms/99999999/conformance", headers=auth(make_authority("platform_operator"))
        ).status_code
        == 404
    )
