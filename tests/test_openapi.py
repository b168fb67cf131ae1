from miniback.api import bp


def test_openapi_document_describes_every_api_endpoint(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{bp.name}.") or rule.endpoint == "api.openapi_document":
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
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]
