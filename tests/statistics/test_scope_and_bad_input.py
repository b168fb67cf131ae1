"""Scope per role (404 out of scope, 403 without statistics) and the bad inputs of STATS.md (400 with fields,
nothing written)."""

from __future__ import annotations

from datetime import date

import pytest

from miniback.extensions import db
from miniback.models import StatsRollup
from miniback.statistics.rollup import rebuild
from tests.factories.platform import make_platform
from tests.factories.registry import get_json, make_authority, make_world
from tests.factories.statistics import add_record, registered_on

D = date(2026, 10, 5)
TABLE = "/api/v1/stats/table?indicators=signed_rate,elevators_in_use&from=2026-10-01&to=2026-10-31"


@pytest.fixture
def two_districts(app):
    tianhe, yuexiu = make_world("天河区"), make_world("越秀区")
    for world in (tianhe, yuexiu):
        for elevator in world.elevators:
            registered_on(elevator, date(2026, 9, 1))
            add_record(elevator, D, world.tech1.id, state="signed", decided_at=None)
    db.session.commit()
    rebuild()
    return tianhe, yuexiu


def test_a_district_regulator_sees_only_their_district(client, two_districts):
    tianhe, yuexiu = two_districts
    regulator = make_authority("regulator", "天河区")
    body = get_json(client, TABLE + "&group_by=district", regulator).get_json()
    assert [row["key"] for row in body["rows"]] == ["天河区"]
    assert body["scope"]["district"] == "天河区"
    assert body["total"]["values"]["elevators_in_use"]["value"] == 2
    assert get_json(client, TABLE + "&district=越秀区", regulator).status_code == 404
    assert get_json(client, TABLE + f"&maintenance_unit_id={yuexiu.unit.id}", regulator).status_code == 404
    assert get_json(client, TABLE + f"&use_unit_id={yuexiu.use_unit.id}", regulator).status_code == 404
    assert get_json(client, TABLE + f"&maintenance_unit_id={tianhe.unit.id}", regulator).status_code == 200


def test_the_city_regulator_and_the_operator_see_the_city(client, two_districts):
    for account in (make_authority("regulator"), make_authority("platform_operator")):
        body = get_json(client, TABLE, account).get_json()
        assert body["total"]["values"]["elevators_in_use"]["value"] == 4
        ranking = get_json(client, "/api/v1/stats/ranking?indicator=signed_rate&from=2026-10-01&to=2026-10-31", account)
        assert ranking.status_code == 200
        assert [row["rank"] for row in ranking.get_json()["rows"]] == [1, 2]


def test_a_unit_admin_sees_their_own_unit_and_no_rankings(client, two_districts):
    tianhe, yuexiu = two_districts
    body = get_json(client, TABLE, tianhe.admin).get_json()
    assert body["scope"]["maintenance_unit_id"] == tianhe.unit.id
    assert body["total"]["values"]["signed_rate"]["denominator"] == 2
    assert get_json(client, TABLE + f"&maintenance_unit_id={yuexiu.unit.id}", tianhe.admin).status_code == 404
    assert get_json(client, TABLE + f"&use_unit_id={yuexiu.use_unit.id}", tianhe.admin).status_code == 404
    drill = get_json(
        client, "/api/v1/stats/drill?indicator=signed_rate&from=2026-10-01&to=2026-10-31", tianhe.admin
    ).get_json()
    assert {item["maintenance_unit_id"] for item in drill["items"]} == {tianhe.unit.id}
    ranking = get_json(
        client, "/api/v1/stats/ranking?indicator=signed_rate&from=2026-10-01&to=2026-10-31", tianhe.admin
    )
    assert ranking.status_code == 403


def test_inspectors_use_units_and_staff_get_403(client, two_districts):
    tianhe, _ = two_districts
    for account in (make_authority("inspector"), tianhe.uu_admin, tianhe.manager, tianhe.supervisor, tianhe.tech1):
        assert get_json(client, TABLE, account).status_code == 403


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("indicators=signed_rate&from=2026-10-31&to=2026-10-01", "range_reversed", "from"),
        ("indicators=signed_rate&from=2026-10-01&to=2999-01-01", "range_in_future", "to"),
        ("indicators=signed_rate&group_by=day&from=2022-01-01&to=2026-10-01", "range_too_long", "from"),
        ("indicators=no_such_thing&from=2026-10-01&to=2026-10-31", "bad_request", "indicator"),
        ("indicators=route_share:platform:nope&from=2026-10-01&to=2026-10-31", "bad_request", "indicator"),
        ("indicators=signed_rate&district=北京区&from=2026-10-01&to=2026-10-31", "bad_request", "district"),
        (
            "indicators=signed_rate&maintenance_unit_id=999999&from=2026-10-01&to=2026-10-31",
            "bad_request",
            "maintenance_unit_id",
        ),
        ("indicators=signed_rate&use_unit_id=999999&from=2026-10-01&to=2026-10-31", "bad_request", "use_unit_id"),
        ("indicators=signed_rate&platform=nope&from=2026-10-01&to=2026-10-31", "bad_request", "platform"),
        ("indicators=elevators_in_use&group_by=platform&from=2026-10-01&to=2026-10-31", "bad_request", "group_by"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(client, two_districts, query, code, field):
    before = db.session.execute(db.select(db.func.count()).select_from(StatsRollup)).scalar_one()
    response = get_json(client, f"/api/v1/stats/table?{query}", make_authority("regulator"))
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert db.session.execute(db.select(db.func.count()).select_from(StatsRollup)).scalar_one() == before


def test_series_at_day_granularity_over_three_years_is_too_long_but_by_month_is_fine(client, two_districts):
    regulator = make_authority("regulator")
    url = "/api/v1/stats/series?indicator=signed_rate&from=2023-01-01&to=2026-10-31&granularity="
    assert get_json(client, url + "day", regulator).get_json()["error"]["code"] == "range_too_long"
    body = get_json(client, url + "month", regulator).get_json()
    assert len(body["points"]) == 46 and body["points"][-1]["period"] == "2026-10"


def test_a_known_platform_filters_record_figures(client, two_districts):
    platform = make_platform()
    db.session.commit()
    regulator = make_authority("regulator")
    response = get_json(
        client,
        TABLE.replace("elevators_in_use", "same_day_upload_rate") + f"&platform={platform.client.code}",
        regulator,
    )
    assert response.status_code == 200
    assert response.get_json()["total"]["values"]["signed_rate"]["denominator"] == 0
    mini = get_json(client, TABLE.replace(",elevators_in_use", "") + "&platform=miniprogram", regulator).get_json()
    assert mini["total"]["values"]["signed_rate"]["denominator"] == 4


def test_the_table_pages_with_a_cursor(client, two_districts):
    regulator = make_authority("regulator")
    first = get_json(client, TABLE + "&group_by=district&limit=4", regulator).get_json()
    assert len(first["rows"]) == 4 and first["next_cursor"] == "4"
    keys = [row["key"] for row in first["rows"]]
    cursor = first["next_cursor"]
    while cursor:
        page = get_json(client, TABLE + f"&group_by=district&limit=4&cursor={cursor}", regulator).get_json()
        keys += [row["key"] for row in page["rows"]]
        cursor = page["next_cursor"]
    assert len(keys) == 11 == len(set(keys))
