"""Every list is paginated the same way: ``?page=&per_page=`` → ``{items, page, per_page, total}``."""

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
    out: type[BaseModel],
    prepare: Callable[[Sequence[Any]], Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``query``; ``prepare`` turns the page's rows into what ``out`` validates (batch loads)."""
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows: Sequence[Any] = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    if prepare is not None:
        rows = prepare(rows)
    return {
        "items": [out.model_validate(row).model_dump(mode="json") for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }
