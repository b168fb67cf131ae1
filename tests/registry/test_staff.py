from miniback.extensions import db
from miniback.models import Account, ChangeLog
from tests.factories.registry import auth, make_world


def test_org_nodes_nest_to_any_depth_and_list_in_tree_order(client):
    world = make_world()
    headers = auth(world.admin)
    parent_id = world.team1.id
    for depth in range(3):
        response = client.post(
            "/api/v1/org-nodes", headers=headers, json={"name": f"小组{depth}", "parent_id": parent_id}
        )
        assert response.status_code == 201
        parent_id = response.json["id"]
    nodes = client.get("/api/v1/org-nodes?per_page=100", headers=headers).json["items"]
    deepest = next(node for node in nodes if node["id"] == parent_id)
    assert deepest["path"].startswith(world.team1.path) and deepest["path"].count("/") == 7  # six levels


def test_hierarchy_depth_has_a_sensible_limit(client):
    world = make_world()
    headers = auth(world.admin)
    parent_id, status = world.team1.id, 201
    for _ in range(6):
        response = client.post("/api/v1/org-nodes", headers=headers, json={"name": "下级", "parent_id": parent_id})
        status = response.status_code
        if status != 201:
            break
        parent_id = response.json["id"]
    assert status == 422
    assert "层级不能超过 8 级" in response.json["error"]["fields"]["parent_id"]


def test_org_node_parent_from_another_unit_is_404(client):
    world, other = make_world(), make_world()
    response = client.post(
        "/api/v1/org-nodes", headers=auth(world.admin), json={"name": "x", "parent_id": other.team1.id}
    )
    assert response.status_code == 404


def test_admin_creates_moves_and_deactivates_staff(client):
    world = make_world()
    headers = auth(world.admin)
    created = client.post(
        "/api/v1/staff",
        headers=headers,
        json={
            "name": "赵六",
            "mobile": "13712345678",
            "certificate_no": "TSX-2024-0001",
            "role": "technician",
            "org_node_id": world.team1.id,
        },
    )
    assert created.status_code == 201, created.json
    staff_id = created.json["id"]
    moved = client.patch(f"/api/v1/staff/{staff_id}", headers=headers, json={"org_node_id": world.team2.id})
    assert moved.status_code == 200 and moved.json["org_node_id"] == world.team2.id
    move_log = db.session.execute(db.select(ChangeLog).where(ChangeLog.entity == "account")).scalar_one()
    assert (move_log.old_value, move_log.new_value) == (str(world.team1.id), str(world.team2.id))
    gone = client.post(f"/api/v1/staff/{staff_id}/deactivate", headers=headers)
    assert gone.json["active"] is False
    assert db.session.get(Account, staff_id) is not None  # kept, never deleted


def test_staff_needs_a_node_of_the_admins_own_unit(client):
    world, other = make_world(), make_world()
    body = {"name": "赵六", "mobile": "13712345678", "role": "technician"}
    assert client.post("/api/v1/staff", headers=auth(world.admin), json=body).status_code == 422
    body["org_node_id"] = other.team1.id
    assert client.post("/api/v1/staff", headers=auth(world.admin), json=body).status_code == 404


def test_maintenance_admin_cannot_create_use_unit_roles_and_vice_versa(client):
    world = make_world()
    manager = {"name": "某", "mobile": "13712345678", "role": "uu_manager", "org_node_id": world.team1.id}
    assert client.post("/api/v1/staff", headers=auth(world.admin), json=manager).status_code == 422
    tech = {"name": "某", "mobile": "13712345678", "role": "technician"}
    assert client.post("/api/v1/staff", headers=auth(world.uu_admin), json=tech).status_code == 422


def test_duplicate_active_mobile_in_one_unit_is_409(client):
    world = make_world()
    body = {"name": "赵六", "mobile": world.tech1.mobile, "role": "technician", "org_node_id": world.team1.id}
    response = client.post("/api/v1/staff", headers=auth(world.admin), json=body)
    assert response.status_code == 409


def test_supervisor_sees_their_subtree_only(client):
    world = make_world()
    outsider = Account(role="technician", name="外组", maintenance_unit_id=world.unit.id, org_node_id=world.company.id)
    db.session.add(outsider)
    listed = client.get("/api/v1/staff?per_page=100", headers=auth(world.supervisor)).json
    ids = {item["id"] for item in listed["items"]}
    assert ids == {world.supervisor.id, world.tech1.id, world.tech2.id}
    assert client.get(f"/api/v1/staff/{outsider.id}", headers=auth(world.supervisor)).status_code == 404


def test_technician_sees_only_themself(client):
    world = make_world()
    listed = client.get("/api/v1/staff", headers=auth(world.tech1)).json
    assert [item["id"] for item in listed["items"]] == [world.tech1.id]
    assert client.get(f"/api/v1/staff/{world.tech2.id}", headers=auth(world.tech1)).status_code == 404


def test_admin_cannot_deactivate_themself_or_another_admin(client):
    world = make_world()
    assert client.post(f"/api/v1/staff/{world.admin.id}/deactivate", headers=auth(world.admin)).status_code == 403
    other = make_world()
    assert client.post(f"/api/v1/staff/{other.tech1.id}/deactivate", headers=auth(world.admin)).status_code == 404
    assert db.session.get(Account, other.tech1.id).active is True


def test_technician_lists_active_colleagues_of_the_unit_for_the_second_technician(client):
    world, other = make_world(), make_world()
    gone = Account(
        role="technician", name="离职", maintenance_unit_id=world.unit.id, org_node_id=world.team1.id, active=False
    )
    db.session.add(gone)
    listed = client.get("/api/v1/staff/colleagues", headers=auth(world.tech1)).json
    assert [item["id"] for item in listed["items"]] == [world.tech2.id]
    assert set(listed["items"][0]) == {"id", "name", "org_node_id"}
    assert other.tech1.id not in {item["id"] for item in listed["items"]}
    assert client.get("/api/v1/staff/colleagues", headers=auth(world.manager)).status_code == 403


def test_unknown_role_filter_is_a_validation_error_like_other_enums(client):
    world = make_world()
    response = client.get("/api/v1/staff?role=bogus", headers=auth(world.admin))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "role" in response.json["error"]["fields"]
    listed = client.get("/api/v1/staff?role=technician&per_page=100", headers=auth(world.admin)).json["items"]
    assert {row["id"] for row in listed} == {world.tech1.id, world.tech2.id}


def test_the_role_filter_accepts_every_role_the_list_can_show():
    from typing import get_args

    from miniback.api.staff import ListedRole
    from miniback.models.accounts import ROLES

    assert set(get_args(ListedRole)) == set(ROLES) - {"platform_operator"}


def test_staff_list_shows_wechat_binding_as_the_detail_does(client):
    world = make_world()
    world.tech1.openid = "o-staff-list-bound"
    db.session.commit()
    headers = auth(world.admin)
    items = client.get("/api/v1/staff?per_page=100", headers=headers).json["items"]
    bound = {item["id"]: item["wechat_bound"] for item in items}
    assert bound[world.tech1.id] is True
    assert bound[world.tech2.id] is False
    for item in items:
        assert client.get(f"/api/v1/staff/{item['id']}", headers=headers).json == item


def test_staff_list_filters_by_part_of_the_name_literally(client):
    world = make_world()
    percent = Account(role="technician", name="百分%号", maintenance_unit_id=world.unit.id, org_node_id=world.team1.id)
    db.session.add(percent)
    db.session.commit()
    headers = auth(world.admin)
    by_name = client.get("/api/v1/staff?name=伟明", headers=headers).json["items"]
    assert [row["id"] for row in by_name] == [world.tech1.id]
    # % is a character to look for, not a wildcard that would list everyone.
    literal = client.get("/api/v1/staff?name=%25", headers=headers).json["items"]
    assert [row["id"] for row in literal] == [percent.id]
