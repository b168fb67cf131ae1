import pytest

from miniback.records.templates import TSG_TEMPLATE_VERSION, tsg_template
from tests.factories.registry import auth, make_world

# DESIGN.md §9: cumulative counts per type (half-monthly / quarterly / half-yearly / yearly).
EXPECTED = {
    "traction": (31, 44, 59, 76),
    "hydraulic": (30, 43, 52, 66),
    "dumbwaiter": (20, 28, 38, 52),
    "escalator": (33, 38, 50, 63),
}


@pytest.mark.parametrize("elevator_type", sorted(EXPECTED))
def test_tsg_template_counts_are_cumulative_per_type_and_category(elevator_type):
    counts = tuple(len(tsg_template(elevator_type, c).items) for c in ("half_month", "quarter", "half_year", "year"))
    assert counts == EXPECTED[elevator_type]


def test_quarterly_template_is_half_monthly_items_plus_quarterly_ones():
    half_month = [item.code for item in tsg_template("traction", "half_month").items]
    quarter = [item.code for item in tsg_template("traction", "quarter").items]
    assert quarter[:31] == half_month
    assert quarter[31] == "A-2-01"
    assert {item.category for item in tsg_template("traction", "quarter").items} == {"half_month", "quarter"}


def test_elevator_template_endpoint_returns_items_for_its_type(client):
    world = make_world()
    response = client.get(
        f"/api/v1/elevators/{world.elevators[0].id}/template?category=year", headers=auth(world.tech1)
    )
    assert response.status_code == 200
    assert response.json["version"] == TSG_TEMPLATE_VERSION
    assert response.json["count"] == 76
    assert response.json["items"][0] == {
        "code": "A-1-01",
        "item": "机房、滑轮间环境",
        "requirement": "清洁，门窗完好，照明正常",
        "category": "half_month",
    }


def test_template_for_unknown_category_is_refused(client):
    world = make_world()
    response = client.get(
        f"/api/v1/elevators/{world.elevators[0].id}/template?category=monthly", headers=auth(world.tech1)
    )
    assert response.status_code == 422
    assert "category" in response.json["error"]["fields"]


def test_unit_template_is_cumulative_and_used_by_a_draft(client):
    world = make_world()
    body = {
        "name": "消防员电梯（制造单位要求）",
        "elevator_type": "traction",
        "items": [
            {"category": "half_month", "item": "消防员开关", "requirement": "动作正常，返回基站"},
            {"category": "half_month", "item": "消防电话", "requirement": "通话清晰"},
            {"category": "quarter", "item": "备用电源切换", "requirement": "切换时间符合制造单位要求"},
        ],
    }
    created = client.post("/api/v1/unit-templates", json=body, headers=auth(world.admin))
    assert created.status_code == 201
    template_id = created.json["id"]
    assert created.json["template_version"] == f"UNIT-{template_id}/1"
    quarter = client.get(
        f"/api/v1/elevators/{world.elevators[0].id}/template?category=quarter&unit_template_id={template_id}",
        headers=auth(world.tech1),
    )
    assert [item["item"] for item in quarter.json["items"]] == ["消防员开关", "消防电话", "备用电源切换"]
    draft = client.post(
        "/api/v1/drafts",
        json={"elevator_id": world.elevators[0].id, "category": "half_month", "unit_template_id": template_id},
        headers=auth(world.tech1),
    )
    assert draft.status_code == 201
    assert draft.json["template_version"] == f"UNIT-{template_id}/1"
    assert [item["code"] for item in draft.json["items"]] == [f"U{template_id}-01", f"U{template_id}-02"]


def test_other_units_template_cannot_be_used(client):
    world, other = make_world(), make_world()
    body = {
        "name": "防爆电梯",
        "elevator_type": "traction",
        "items": [{"category": "half_month", "item": "防爆接线盒", "requirement": "密封完好"}],
    }
    template_id = client.post("/api/v1/unit-templates", json=body, headers=auth(other.admin)).json["id"]
    draft = client.post(
        "/api/v1/drafts",
        json={"elevator_id": world.elevators[0].id, "category": "half_month", "unit_template_id": template_id},
        headers=auth(world.tech1),
    )
    assert draft.status_code == 404
