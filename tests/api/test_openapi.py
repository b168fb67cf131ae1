import re

from tests.factories.registry import auth, make_world


def test_openapi_document_describes_every_api_endpoint(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_v1.") or rule.endpoint == "api_v1.openapi.openapi_document":
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}").replace(
                f"<string:{argument}>", f"{{{argument}}}"
            )
            path = path.replace(f"<{argument}>", f"{{{argument}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_request_schemas_in_the_document_are_the_validating_ones(client):
    document = client.get("/api/v1/openapi.json").json
    registration = document["paths"]["/api/v1/maintenance-units"]["post"]
    ref = registration["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"name", "credit_code", "admin", "emergency_phone"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert schema["properties"]["name"]["maxLength"] == 100
    listing = document["paths"]["/api/v1/elevators"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"page", "per_page", "district"} <= names
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}, {"console_session": []}]


def _operation(document, method, path):
    return document["paths"][f"/api/v1{path}"][method]


def _success(operation):
    return {status: response for status, response in operation["responses"].items() if status.startswith("2")}


def test_creates_are_documented_as_201_and_idempotent_ones_also_as_200(client):
    document = client.get("/api/v1/openapi.json").json
    for path in ("/maintenance-units", "/use-units", "/drafts", "/delay-notices", "/org-nodes", "/staff"):
        assert set(_success(_operation(document, "post", path))) == {"201"}, path
    for path in ("/elevators", "/drafts/{draft_id}/submit", "/signoff/records/{record_id}/sign"):
        assert set(_success(_operation(document, "post", path))) == {"201", "200"}, path
    registration = _success(_operation(document, "post", "/maintenance-units"))["201"]
    assert registration["content"]["application/json"]["schema"]["$ref"].endswith("/MaintenanceUnitRegisteredOut")
    elevator = _success(_operation(document, "post", "/elevators"))["201"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][elevator["$ref"].rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"elevator", "matched"}


PLATFORM_KEYS = {"platform_record_id"}


def test_path_ids_are_integers_and_errors_share_the_one_shape(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                # A platform's own record id is its key, not ours: a string (the view checks its form, else 404).
                if parameter["in"] == "path" and parameter["name"] in PLATFORM_KEYS:
                    assert parameter["schema"]["type"] == "string", (method, path, parameter)
                elif parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    assert parameter["schema"]["type"] == "integer", (method, path, parameter)
            errors = {status for status in operation["responses"] if not status.startswith("2")}
            assert {"404", "422", "4XX"} <= errors, (method, path)
            assert all(operation["responses"][s] == {"$ref": "#/components/responses/Error"} for s in errors)
    error = document["components"]["responses"]["Error"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}


def test_lists_page_alike_except_records_which_page_by_cursor(client):
    document = client.get("/api/v1/openapi.json").json
    for path in ("/drafts", "/unit-templates", "/elevators", "/signoff/records"):
        operation = _operation(document, "get", path)
        assert {"page", "per_page"} <= {p["name"] for p in operation["parameters"]}, path
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(schema["required"]) == {"items", "page", "per_page", "total"}, path
    records = _operation(document, "get", "/records")
    assert {"cursor", "per_page"} <= {p["name"] for p in records["parameters"]}
    ref = records["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {"items", "next_cursor"}
    subscriptions = _operation(document, "post", "/wechat/subscriptions")["responses"]["200"]
    ref = subscriptions["content"]["application/json"]["schema"]["$ref"]
    assert set(document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {"quotas"}


def test_drafts_and_unit_templates_page_for_real(client):
    world = make_world()
    for _ in range(3):
        start = {"elevator_id": world.elevators[0].id, "category": "half_month"}
        assert client.post("/api/v1/drafts", json=start, headers=auth(world.tech1)).status_code == 201
    page = client.get("/api/v1/drafts?per_page=2&page=2", headers=auth(world.tech1)).json
    assert (len(page["items"]), page["page"], page["per_page"], page["total"]) == (1, 2, 2, 3)
    empty = client.get("/api/v1/unit-templates", headers=auth(world.admin)).json
    assert empty == {"items": [], "page": 1, "per_page": 20, "total": 0}
    assert client.get("/api/v1/drafts?per_page=0", headers=auth(world.tech1)).status_code == 422


EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_api_reference_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert not EXTERNAL_URL.search(html), "the page must load nothing from another host"
    assert '"url": "/api/v1/openapi.json"' in html and '"validatorUrl": null' in html
    assets = re.findall(r"""(?:src|href)="([^"]+)\"""", html)
    assert {"/api/v1/docs/swagger-ui-bundle.js", "/api/v1/docs/swagger-ui.css"} <= set(assets)
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200 and len(response.data) > 100, asset
    assert client.get("/api/v1/docs/../../../etc/passwd").status_code == 404
