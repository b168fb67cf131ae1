"""The signed routes in the OpenAPI document: the signing scheme is a security scheme pointing at the
specification, every ``@platform_required`` operation uses it (and nothing else does), and the specification's
route table (docs/platform-api.md §4) lists exactly the signed operations the app serves."""

from __future__ import annotations

import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "platform-api.md"


def signed_operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if {"platform_signature": []} in operation.get("security", [])
    }


def test_the_signature_is_a_security_scheme_that_points_at_the_specification(client):
    scheme = client.get("/api/v1/openapi.json").json["components"]["securitySchemes"]["platform_signature"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "docs/platform-api.md" in scheme["description"] and "MINIBACK-SIG-V1" in scheme["description"]


def test_every_platform_route_is_signed_only_and_documents_its_refusals(client, app):
    document = client.get("/api/v1/openapi.json").json
    signed = signed_operations(document)
    protected = {
        (method, re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "platform_operation", None)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert protected and set(signed) == protected
    for (method, path), operation in signed.items():
        assert path.startswith("/api/v1/platform/"), path
        assert operation["security"] == [{"platform_signature": []}], (method, path)  # never a log-in
        assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)
        assert operation["x-platform-operation"]
    # And no log-in route (the operator's /platforms, a unit's authorisations) is documented as signed.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method.upper(), path) not in signed:
                assert "platform_signature" not in str(operation.get("security")), (method, path)


def test_the_specification_lists_exactly_the_signed_routes(client):
    signed = set(signed_operations(client.get("/api/v1/openapi.json").json))
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## 4. 接口一览") : text.index("## 5.")]
    listed = {
        (method, "/api/v1" + path) for method, path in re.findall(r"^\| `([A-Z]+) (/platform/[^`]*)` \|", table, re.M)
    }
    assert listed == signed
