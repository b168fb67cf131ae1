"""miniback: paperless elevator maintenance for Guangzhou (the Flask app)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from miniback.config import DEFAULTS, LOCAL_DEFAULTS, check_production

# Inside the package, so an installed wheel carries them (``flask --app miniback db upgrade`` from any directory).
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def _demo_defaults(app: Flask) -> None:
    """The embedded demo: SQLite in the instance folder, in-process jobs, fixed non-secret secrets."""
    os.makedirs(app.instance_path, exist_ok=True)
    demo = {
        "SECRET_KEY": "demo-only-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(app.instance_path) / 'demo.sqlite3'}",
        "JOBS_MODE": "inline",
        "WECHAT_APPID": "wxdemo0000000000",
        "WECHAT_SECRET": "demo-secret",
        "WECHAT_SIGNOFF_TEMPLATE_ID": "demo-signoff-template",
        "PLATFORM_CALLBACK_ALLOW_PRIVATE": True,
    }
    for key, value in demo.items():
        if not app.config.get(key) or (key == "JOBS_MODE" and "MINIBACK_JOBS_MODE" not in os.environ):
            app.config[key] = value


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from their headers.

    Rate limits key on the caller's address: without this every resident would share the proxy's one limit.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to add WSGI middleware; mypy sees the assignment as replacing a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("MINIBACK_INSTANCE_PATH") or None)
    from miniback.api.validation import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids in URLs are bounded like ids in bodies
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("MINIBACK")
    if config:
        app.config.update(config)
    if app.config["ENV_MODE"] == "demo":
        _demo_defaults(app)
    if app.config["ENV_MODE"] != "production":
        for key, value in LOCAL_DEFAULTS.items():
            app.config[key] = app.config.get(key) or value
    if app.config["SESSION_COOKIE_SECURE"] is None:
        # Flask's own key (its session cookie, unused here, follows the same rule): https-only in production.
        app.config["SESSION_COOKIE_SECURE"] = app.config["ENV_MODE"] == "production"
    check_production(app.config)
    if app.config["ENV_MODE"] == "production":
        from signoff.archive.settings import check_archive

        check_archive(app.config)  # outside production the store is built, and checked, when first used
        from signoff.ledger.logkey import check_log_key

        check_log_key(app.config)  # outside production the key is generated when first needed
        from miniback.records.pdf.signing import check_document_key

        check_document_key(app.config)  # the record PDFs' signing key; generated when first needed elsewhere
    if isinstance(app.json, DefaultJSONProvider):  # Flask's own provider, the one this app keeps
        app.json.ensure_ascii = False
    _trust_proxies(app)

    from miniback.database import pool
    from miniback.extensions import db, migrate
    from miniback.public.reads import add_public_read_bind

    add_public_read_bind(app.config)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]  # the default engine's (the public read bind has its own)
    lean = pool.lean_engine_options(app.config["SQLALCHEMY_DATABASE_URI"], options)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = lean
    db.init_app(app)
    if lean is not options:
        with app.app_context():
            pool.install(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)

    from miniback.errors import register_error_handlers

    register_error_handlers(app)

    from miniback.extensions import init_app as init_clients

    init_clients(app)  # Redis (one client per purpose) and WeChat

    from miniback.api import create_blueprint as create_api_blueprint

    app.register_blueprint(create_api_blueprint())

    from miniback.api.docs import init_docs

    init_docs(app)

    from miniback.public import init_public

    init_public(app)

    from miniback.console import init_console

    init_console(app)

    from miniback.cli import register_commands

    register_commands(app)
    return app
