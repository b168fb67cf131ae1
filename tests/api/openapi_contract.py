"""Holds real responses to the OpenAPI document the app serves: status, media type and body schema.

``ContractClient`` checks every ``/api/v1`` response it receives against the document and remembers which
documented (operation, status) pairs it saw, so a test can insist that every documented success was exercised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.conftest import IsolatedClient

DOCUMENT_URI = "urn:miniback:openapi"
PATH_TEMPLATE = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


@dataclass
class Contract:
    """The document, with a JSON Schema validator for each response schema it names."""

    document: dict[str, Any]
    app: Flask
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        self.adapter = self.app.url_map.bind("localhost")

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        try:
            rule, _ = self.adapter.match(path, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            return None
        template = PATH_TEMPLATE.sub(r"{\1}", rule.rule)
        operation = self.document["paths"].get(template, {}).get(method.lower())
        return (template, operation) if operation is not None else None

    def _response(self, operation: dict[str, Any], status: int) -> dict[str, Any] | None:
        responses = operation["responses"]
        found = responses.get(str(status)) or responses.get(f"{status // 100}XX")
        if found is not None and "$ref" in found:
            found = self.document["components"]["responses"][found["$ref"].rsplit("/", 1)[1]]
        return found

    def check(self, method: str, path: str, response: Any) -> None:
        """Record one real response; note every way it differs from the document."""
        found = self.operation(method, path)
        if found is None:
            return
        template, operation = found
        where = f"{method} {path} → {response.status_code}"
        documented = self._response(operation, response.status_code)
        if documented is None:
            self.problems.append(f"{where}: status not documented ({sorted(operation['responses'])})")
            return
        self.seen.add((template, method.lower(), str(response.status_code)))
        content = documented.get("content")
        if content is None:
            if response.data:
                self.problems.append(f"{where}: a body where the document promises none")
            return
        media_type = response.mimetype
        if media_type not in content:
            self.problems.append(f"{where}: {media_type} not documented ({sorted(content)})")
            return
        schema = content[media_type]["schema"]
        if media_type != "application/json":
            if not response.data:
                self.problems.append(f"{where}: empty {media_type} body")
            return
        validator = Draft202012Validator(_replace_refs(schema), registry=self.registry)
        for error in validator.iter_errors(response.get_json()):
            self.problems.append(f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")

    def unexercised(self) -> list[str]:
        """Documented success responses (2xx) that no real response has shown."""
        missing = []
        for template, operations in self.document["paths"].items():
            for method, operation in operations.items():
                for status in operation["responses"]:
                    if status.startswith("2") and (template, method, status) not in self.seen:
                        missing.append(f"{method.upper()} {template} {status}")
        return missing


def _replace_refs(value: Any) -> Any:
    """``value`` with its ``#/components/...`` references pointed at the document resource."""
    if isinstance(value, dict):
        return {
            key: (DOCUMENT_URI + item if key == "$ref" and item.startswith("#") else _replace_refs(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_refs(item) for item in value]
    return value


class ContractClient(IsolatedClient):
    """The isolated test client, checking each response against ``contract``."""

    contract: Contract

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1/"):
            self.contract.check(request.method, request.path, response)
        return response
