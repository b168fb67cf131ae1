"""The call log: one row per answered signed call, for the conformance report and the per-platform figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from miniback.extensions import db
from miniback.models import PlatformCall, utcnow


def record_call(
    client_id: int,
    *,
    sandbox: bool,
    operation: str,
    status: int,
    error_code: str | None = None,
    results: list[dict[str, Any]] | None = None,
    key_id: str | None = None,
) -> None:
    """Write the call in a transaction of its own, apart from the request's session: a refused request (its
    session rolled back) is logged too, and logging never commits the request's own work."""
    with db.engine.begin() as connection:
        connection.execute(
            insert(PlatformCall),
            {
                "platform_client_id": client_id,
                "sandbox": sandbox,
                "operation": operation,
                "status": status,
                "error_code": error_code,
                "results": results,
                "key_id": key_id,
                "created_at": utcnow(),
            },
        )
