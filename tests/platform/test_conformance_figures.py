"""A connected platform's figures per Asia/Shanghai day (抽查评估): uploads, duplicates, rejections by error code,
the late-upload share and flag rates of its records, and callback failures. Production only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from miniback.extensions import db
from miniback.models import utcnow
from miniback.records.calendar import local_day
from tests.factories.platform import make_platform
from tests.factories.platform_traffic import callback, log_call, upload
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_authority, make_world


def figures(client, platform, query=""):
    operator = make_authority("platform_operator")
    response = client.get(f"/api/v1/platforms/{platform.client.id}/figures{query}", headers=auth(operator))
    assert response.status_code == 200, response.json
    return response.json


def test_figures_count_each_days_production_traffic(client):
    world = make_world()
    platform = make_platform("connected")
    normal = submitted_record(client, world.tech1, world.elevators[0])
    short = submitted_record(client, world.tech2, world.elevators[1], minutes=3)  # too short: flagged
    # Finished yesterday, received today: late.
    late = submitted_record(client, world.tech1, world.elevators[1], check_in_at=utcnow() - timedelta(hours=25))
    today = local_day(utcnow())
    # Noon in Shanghai two days ago, so the day is the same however late in the day the test runs.
    earlier = datetime.combine(today - timedelta(days=2), datetime.min.time()).replace(tzinfo=UTC) + timedelta(hours=4)

    uploaded = upload(platform.client, sandbox=False, record_id=normal["id"])
    upload(platform.client, sandbox=False, record_id=short["id"])
    upload(platform.client, sandbox=False, record_id=late["id"])
    upload(platform.client, sandbox=False, record_id=normal["id"], at=earlier - timedelta(days=30))  # out of the period
    upload(platform.client, sandbox=False, kind="delay_notice")
    upload(platform.client, sandbox=True)  # the sandbox never counts here
    log_call(
        platform.client,
        "batch",
        200,
        [("created", None), ("duplicate", None), ("invalid", "elevator_unknown")],
        sandbox=False,
    )
    log_call(platform.client, "record", 409, [("conflict", "idempotency_conflict")], sandbox=False)
    log_call(platform.client, "record", 401, None, error_code="signature_invalid", sandbox=False)
    log_call(platform.client, "record", 422, [("invalid", "elevator_unknown")], sandbox=False)
    log_call(platform.client, "record", 422, [("invalid", "technician_unknown")], sandbox=True)
    log_call(platform.client, "record", 200, [("duplicate", None)], sandbox=False, at=earlier)
    callback(platform.client, "delivered", [500, 200], sandbox=False, about=uploaded)
    callback(platform.client, "failed", [None, 503], sandbox=False, about=uploaded)
    callback(platform.client, "failed", [None], sandbox=True)
    db.session.commit()

    body = figures(client, platform, f"?date_from={today - timedelta(days=2)}&date_to={today}")
    assert body["date_from"] == str(today - timedelta(days=2)) and body["date_to"] == str(today)
    assert [day["day"] for day in body["days"]] == [str(today - timedelta(days=n)) for n in (2, 1, 0)]
    two_days_ago, yesterday, now = body["days"]
    assert two_days_ago["duplicates"] == 1 and two_days_ago["uploads"] == 0
    assert two_days_ago["late_upload_share"] is None and two_days_ago["flag_rates"]["any"] is None
    assert yesterday["uploads"] == 0 and yesterday["rejected"] == 0 and yesterday["callback_failures"] == 0
    assert now["uploads"] == 3 and now["delay_notices"] == 1 and now["duplicates"] == 1
    assert now["rejections"] == {"elevator_unknown": 2, "idempotency_conflict": 1, "signature_invalid": 1}
    assert now["rejected"] == 4
    assert now["late_upload_share"] == round(1 / 3, 4)
    assert now["flag_rates"] == {"distance": 0.0, "duration": round(1 / 3, 4), "overlap": 0.0, "any": round(1 / 3, 4)}
    assert now["callbacks_delivered"] == 1 and now["callback_failures"] == 3 and now["callbacks_failed"] == 1


def test_the_default_period_is_the_last_thirty_days(client):
    body = figures(client, make_platform("connected"))
    today = local_day(utcnow())
    assert body["date_to"] == str(today) and body["date_from"] == str(today - timedelta(days=29))
    assert len(body["days"]) == 30 and all(day["uploads"] == 0 for day in body["days"])


@pytest.mark.parametrize(
    "query, field",
    [
        ("?date_from=2026-12-05&date_to=2026-12-01", "date_from"),
        ("?date_from=2026-01-01&date_to=2026-12-01", "date_to"),
        ("?date_from=yesterday", "date_from"),
        ("?date_to=2026-02-30", "date_to"),
        ("?date_from=9999-12-30&date_to=9999-12-31", "date_from"),
        ("?date_from=0001-01-01&date_to=0001-01-02", "date_from"),
    ],
)
def test_bad_periods_are_422_naming_the_field(client, query, field):
    platform = make_platform("connected")
    operator = make_authority("platform_operator")
    db.session.commit()
    response = client.get(f"/api/v1/platforms/{platform.client.id}/figures{query}", headers=auth(operator))
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json
