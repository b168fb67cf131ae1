"""Each job runs in an app context it makes itself: no app exists at import time.

A worker process builds its app once, lazily, from the environment (``create_app()``); the in-process demo
runner and tests hand over the app they already have (``use_app``), so jobs share its database and fake Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from miniback.extensions import db

_app: Flask | None = None


def use_app(app: Flask | None) -> None:
    """Run jobs of this process in ``app`` (``None``: build one from the environment on first use)."""
    global _app
    _app = app


def job_app() -> Flask:
    global _app
    if _app is None:
        from miniback import create_app

        _app = create_app()
    return _app


@contextmanager
def job_context() -> Iterator[Flask]:
    """An app context with a fresh database session, removed afterwards whatever happens."""
    app = job_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
