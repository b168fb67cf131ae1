from tests.factories import auth, make_world


def test_admin_lists_own_elevators(client):
    world = make_world()
    response = client.get("/api/v1/elevators", headers=auth(world.admin))
    assert response.status_code == 200
    assert response.json["total"] == 2
