"""The JSON API under ``/api/v1``: one blueprint per area, nested under one ``api_v1`` blueprint."""

from flask import Blueprint

URL_PREFIX = "/api/v1"


def create_blueprint() -> Blueprint:
    """The ``api_v1`` blueprint with every area's blueprint nested in it.

    Made anew for each app: Flask registers a blueprint once per app, and the tests make many apps.
    """
    from miniback.api import (
        accounts,
        auth,
        due,
        elevators,
        exports,
        ledger,
        onsite,
        openapi,
        password_reset,
        public,
        qr,
        records,
        sessions,
        signoff,
        staff,
        units,
    )

    api_v1 = Blueprint("api_v1", __name__, url_prefix=URL_PREFIX)
    for area in (
        accounts,
        auth,
        due,
        elevators,
        exports,
        ledger,
        onsite,
        openapi,
        password_reset,
        public,
        qr,
        records,
        sessions,
        signoff,
        staff,
        units,
    ):
        api_v1.register_blueprint(area.bp)
    return api_v1
