"""The interactive API reference at ``/api/v1/docs/``: Swagger UI over ``/api/v1/openapi.json``.

Its scripts and styles are the pinned ``flask-swagger-ui`` package's own files, served from here: the page loads
nothing from another host (no CDN; the online spec validator is switched off).
"""

from __future__ import annotations

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

DOCS_URL = "/api/v1/docs"
DOCUMENT_URL = "/api/v1/openapi.json"


def init_docs(app: Flask) -> None:
    config = {
        "app_name": "miniback API 参考（电梯无纸化维保）",
        "validatorUrl": None,
        "deepLinking": True,
        "oauth2RedirectUrl": f"{DOCS_URL}/oauth2-redirect.html",
    }
    app.register_blueprint(get_swaggerui_blueprint(DOCS_URL, DOCUMENT_URL, config=config, blueprint_name="api_docs"))
