"""The statistics routes answer for a regulator on an empty city, and refuse roles without statistics."""

from tests.factories.registry import get_json, make_authority, make_world


def test_indicator_list_names_every_indicator_with_its_definition(app, client):
    regulator = make_authority("regulator")
    response = get_json(client, "/api/v1/stats/indicators", regulator)
    assert response.status_code == 200
    codes = {item["code"] for item in response.get_json()["items"]}
    assert {"on_time_rate", "overdue_unexcused", "signed_rate", "default_confirmed_rate", "flag_rate:distance"} <= codes
    assert "route_share:miniprogram" in codes


def test_city_table_by_district_lists_every_district(app, client):
    regulator = make_authority("regulator")
    response = get_json(
        client,
        "/api/v1/stats/table?indicators=on_time_rate,elevators_in_use,overdue_now&group_by=district"
        "&from=2026-11-01&to=2026-11-30",
        regulator,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["from"] == "2026-11-01" and len(body["rows"]) == 11
    assert body["total"]["values"]["on_time_rate"] == {"value": None, "numerator": 0, "denominator": 0}


def test_inspectors_and_use_units_get_no_statistics(app, client):
    world = make_world()
    for account in (make_authority("inspector"), world.uu_admin, world.tech1):
        assert get_json(client, "/api/v1/stats/indicators", account).status_code == 403
