"""Org nodes (分级设置) are renamed, moved with their subtree, and deleted once empty — by the unit's admin only."""

from concurrent.futures import ThreadPoolExecutor

from miniback.extensions import db
from miniback.models import OrgNode
from miniback.registry.staff import create_org_node
from tests.factories.records import submitted_record
from tests.factories.registry import auth, make_world


def _patch(client, account, node, body):
    return client.patch(f"/api/v1/org-nodes/{node.id}", json=body, headers=auth(account))


def test_admin_moves_a_node_with_its_subtree_and_the_supervisor_scope_follows(client):
    world = make_world()
    other_branch = create_org_node(world.unit.id, world.company, "海珠分公司")
    below = create_org_node(world.unit.id, world.team1, "一组夜班")

    response = _patch(client, world.admin, world.team1, {"parent_id": other_branch.id})

    assert response.status_code == 200
    assert response.json["parent_id"] == other_branch.id
    assert response.json["path"] == f"{other_branch.path}{world.team1.id}/"
    assert db.session.get(OrgNode, below.id).path == f"{other_branch.path}{world.team1.id}/{below.id}/"
    # The branch supervisor no longer sees the moved team's technician.
    listed = client.get("/api/v1/staff?per_page=100", headers=auth(world.supervisor)).json["items"]
    assert {row["id"] for row in listed} == {world.supervisor.id, world.tech2.id}


def test_admin_moves_a_node_to_the_top_level_and_renames_it_in_one_request(client):
    world = make_world()

    response = _patch(client, world.admin, world.team2, {"parent_id": None, "name": "直属二组"})

    assert response.status_code == 200
    assert response.json["parent_id"] is None and response.json["name"] == "直属二组"
    assert response.json["path"] == f"/{world.team2.id}/"


def test_rename_alone_keeps_the_parent(client):
    world = make_world()
    response = _patch(client, world.admin, world.team1, {"name": "改名一组"})
    assert response.status_code == 200
    assert response.json["parent_id"] == world.branch.id and response.json["name"] == "改名一组"


def test_moving_a_node_under_its_own_subtree_is_409(client):
    world = make_world()
    for target in (world.branch, world.team1):
        response = _patch(client, world.admin, world.branch, {"parent_id": target.id})
        assert response.status_code == 409, target.name
        assert response.json["error"]["code"] == "org_node_cycle"
        assert response.json["error"]["message"] == "不能把组织节点移到它自己或它的下级节点之下"
    assert db.session.get(OrgNode, world.branch.id).parent_id == world.company.id


def test_moving_under_another_units_node_is_404(client):
    world, other = make_world(), make_world()
    response = _patch(client, world.admin, world.team1, {"parent_id": other.team1.id})
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {"parent_id": "不存在"}


def test_moving_beyond_the_depth_limit_is_refused(client):
    world = make_world()
    chain = world.team1
    for level in range(5):  # team1 is at depth 3; this makes depth 8, the limit
        chain = create_org_node(world.unit.id, chain, f"第{level}级")
    response = _patch(client, world.admin, world.team2, {"parent_id": chain.id})
    assert response.status_code == 422
    assert "层级不能超过 8 级" in response.json["error"]["fields"]["parent_id"]


def test_an_empty_patch_is_a_validation_error(client):
    world = make_world()
    assert _patch(client, world.admin, world.team1, {}).status_code == 422


def test_admin_deletes_an_empty_node_and_a_second_delete_is_404(client):
    world = make_world()
    empty_id = create_org_node(world.unit.id, world.branch, "临时组").id

    response = client.delete(f"/api/v1/org-nodes/{empty_id}", headers=auth(world.admin))

    assert response.status_code == 204
    assert db.session.get(OrgNode, empty_id) is None
    assert client.delete(f"/api/v1/org-nodes/{empty_id}", headers=auth(world.admin)).status_code == 404


def test_a_node_with_child_nodes_or_staff_cannot_be_deleted(client):
    world = make_world()
    for node in (world.branch, world.team1):  # branch has child nodes, team1 has a technician
        response = client.delete(f"/api/v1/org-nodes/{node.id}", headers=auth(world.admin))
        assert response.status_code == 409, node.name
        assert response.json["error"]["message"] == "该组织节点下仍有下级节点或人员，无法删除"
        assert db.session.get(OrgNode, node.id) is not None


def test_a_node_whose_records_remain_cannot_be_deleted(client):
    world = make_world()
    submitted_record(client, world.tech1, world.elevators[0])
    # The technician moves away: the node is empty of people but its record stays with it.
    moved = client.patch(
        f"/api/v1/staff/{world.tech1.id}", json={"org_node_id": world.team2.id}, headers=auth(world.admin)
    )
    assert moved.status_code == 200

    response = client.delete(f"/api/v1/org-nodes/{world.team1.id}", headers=auth(world.admin))

    assert response.status_code == 409
    assert response.json["error"]["code"] == "org_node_in_use"
    assert db.session.get(OrgNode, world.team1.id) is not None


def test_only_the_units_admin_moves_or_deletes_nodes(client):
    world, other = make_world(), make_world()
    empty = create_org_node(world.unit.id, world.branch, "临时组")
    for account in (world.supervisor, world.tech1):
        assert _patch(client, account, empty, {"parent_id": None}).status_code == 403
        assert client.delete(f"/api/v1/org-nodes/{empty.id}", headers=auth(account)).status_code == 403
    assert _patch(client, other.admin, empty, {"parent_id": None}).status_code == 404
    assert client.delete(f"/api/v1/org-nodes/{empty.id}", headers=auth(other.admin)).status_code == 404
    assert db.session.get(OrgNode, empty.id).parent_id == world.branch.id


def _post(client, account, name, parent):
    body = {"name": name, "parent_id": parent.id if parent else None}
    return client.post("/api/v1/org-nodes", json=body, headers=auth(account))


def test_a_second_node_of_the_same_name_under_one_parent_is_409(client):
    world = make_world()
    for parent, name in ((world.branch, "一组"), (None, "公司")):  # a child level and the top level
        response = _post(client, world.admin, name, parent)
        assert response.status_code == 409, name
        assert response.json["error"]["code"] == "duplicate_org_node"
        assert response.json["error"]["message"] == "同一上级节点下已有同名的组织节点"
    # Elsewhere the name is free: under another parent, and in another unit.
    assert _post(client, world.admin, "一组", world.team2).status_code == 201
    other = make_world()
    assert _post(client, world.admin, "直属组", None).status_code == 201
    assert _post(client, other.admin, "直属组", None).status_code == 201


def test_renaming_or_moving_onto_a_siblings_name_is_409(client):
    world = make_world()
    renamed = _patch(client, world.admin, world.team2, {"name": "一组"})
    assert renamed.status_code == 409 and renamed.json["error"]["code"] == "duplicate_org_node"
    namesake = create_org_node(world.unit.id, world.company, "一组")
    moved = _patch(client, world.admin, namesake, {"parent_id": world.branch.id})
    assert moved.status_code == 409 and moved.json["error"]["code"] == "duplicate_org_node"
    assert db.session.get(OrgNode, namesake.id).parent_id == world.company.id
    # Renaming a node to its own name is no conflict.
    assert _patch(client, world.admin, world.team1, {"name": "一组"}).status_code == 200


def test_the_database_key_refuses_a_duplicate_the_check_missed(client, monkeypatch):
    """The race: two requests pass the name check together; the unique key (top level too) decides, as a 409."""
    world = make_world()
    monkeypatch.setattr("miniback.registry.staff._require_unique_name", lambda *args: None)
    for parent, name in ((world.branch, "一组"), (None, "公司")):
        response = _post(client, world.admin, name, parent)
        assert response.status_code == 409, name
        assert response.json["error"]["code"] == "duplicate_org_node"
    count = db.select(db.func.count()).select_from(OrgNode).where(OrgNode.maintenance_unit_id == world.unit.id)
    assert db.session.execute(count).scalar_one() == 4


def test_concurrent_creates_of_one_name_make_one_node(app, client):
    world = make_world()
    headers = auth(world.admin)
    db.session.commit()

    def one(_):
        with app.app_context():
            response = client.post("/api/v1/org-nodes", json={"name": "新组", "parent_id": None}, headers=headers)
            db.session.remove()
            return response.status_code

    with ThreadPoolExecutor(3) as pool:
        statuses = sorted(pool.map(one, range(3)))
    assert statuses == [201, 409, 409]
    named = db.select(db.func.count()).select_from(OrgNode).where(OrgNode.name == "新组")
    assert db.session.execute(named).scalar_one() == 1
