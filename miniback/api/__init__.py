"""The JSON API under ``/api/v1``: one blueprint per area, nested under one ``api_v1`` blueprint."""

from flask import Blueprint, Response

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
        photos,
        platform,
        platform_callbacks,
        platform_keys,
        platforms,
        public,
        qr,
        record_pdf,
        records,
        rules,
        sessions,
        signoff,
        staff,
        statistics,
        stats_exports,
        units,
    )

    api_v1 = Blueprint("api_v1", __name__, url_prefix=URL_PREFIX)
    areas = (accounts, auth, due, elevators, exports, ledger, onsite, openapi, password_reset, public, qr, records)
    for area in (*areas, platform, platform_callbacks, platform_keys, platforms, sessions, signoff, staff, units):
        api_v1.register_blueprint(area.bp)
    api_v1.register_blueprint(photos.bp)
    api_v1.register_blueprint(statistics.bp)  # issue 17
    api_v1.register_blueprint(stats_exports.bp)  # issue 17 (exports)
    api_v1.register_blueprint(record_pdf.bp)
    api_v1.register_blueprint(rules.bp)  # issue 18: consent, paperless approval, regulator notices
    api_v1.after_request(_not_stored)
    return api_v1


def _not_stored(response: Response) -> Response:
    """Answers for one account are never kept by the browser: Back after log-out must not replay them from cache.

    A view that may be cached (a QR image, the public elevator data) says so itself.
    """
    response.headers.setdefault("Cache-Control", "no-store")
    return response
