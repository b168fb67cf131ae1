"""Every list is paginated the same way: ``?page=&per_page=`` → ``{items, page, per_page, total}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select

from miniback.extensions import db


def paginate(query: Select[Any], page: int, per_page: int, out: type[BaseModel]) -> dict[str, Any]:
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {
        "items": [out.model_validate(row).model_dump(mode="json") for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }
