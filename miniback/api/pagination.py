"""Every list is paginated the same way: ``?page=&per_page=`` → ``{items, page, per_page, total}``.

The record list (``/records``) is the one exception: it pages by cursor (``{items, next_cursor}``), see README.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select

from miniback.extensions import db


def paginate(
    query: Select[Any],
    page: int,
    per_page: int,
    out: type[BaseModel] | None = None,
    *,
    serialize: Callable[[Any], dict[str, Any]] | None = None,
    prepare: Callable[[Sequence[Any]], Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``query``; each row goes through ``out`` (a response schema) or ``serialize``.

    ``prepare`` turns the page's rows into what ``out`` validates (batch loads).
    """
    if serialize is None:
        assert out is not None
        schema = out

        def serialize(row: Any) -> dict[str, Any]:
            return schema.model_validate(row).model_dump(mode="json")

    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows: Sequence[Any] = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    if prepare is not None:
        rows = prepare(rows)
    return {"items": [serialize(row) for row in rows], "page": page, "per_page": per_page, "total": total}
