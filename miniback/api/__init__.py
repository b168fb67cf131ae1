"""The JSON API under ``/api/v1``."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_views() -> None:
    from miniback.api import (  # noqa: F401
        auth,
        due,
        elevators,
        ledger,
        onsite,
        openapi,
        public,
        qr,
        records,
        signoff,
        staff,
        units,
    )
