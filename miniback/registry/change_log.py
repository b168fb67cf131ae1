"""Field-level change history for registry objects (who, when, old → new)."""

from __future__ import annotations

from typing import Any

from miniback.extensions import db
from miniback.models import Account, ChangeLog


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def apply_changes(obj: Any, entity: str, changes: dict[str, Any], actor: Account | None) -> list[str]:
    """Set each changed attribute on ``obj`` and log it; returns the names of the fields that changed."""
    changed = []
    for field, new in changes.items():
        old = getattr(obj, field)
        if old == new:
            continue
        setattr(obj, field, new)
        db.session.add(
            ChangeLog(
                entity=entity,
                entity_id=obj.id,
                field=field,
                old_value=_text(old),
                new_value=_text(new),
                actor_id=actor.id if actor else None,
            )
        )
        changed.append(field)
    db.session.flush()
    return changed


def history_of(entity: str, entity_id: int) -> Any:
    return (
        db.select(ChangeLog)
        .where(ChangeLog.entity == entity, ChangeLog.entity_id == entity_id)
        .order_by(ChangeLog.id.desc())
    )
