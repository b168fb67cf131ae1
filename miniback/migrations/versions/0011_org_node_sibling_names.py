"""org nodes: one name per parent (top level included)

A unique key treats NULLs as distinct, so the top level (``parent_id`` NULL) is keyed by a generated column,
``parent_key`` = the parent's id or 0. Names already repeated under one parent get the node's id appended
(``一组（#12）``), oldest node first keeping its name, so the key can be added to a database in use.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _rename_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, maintenance_unit_id, parent_id, name FROM org_node ORDER BY id")).all()
    seen: set[tuple[int, int, str]] = set()
    for node_id, unit_id, parent_id, name in rows:
        # The key compares names as the column's collation does (case- and trailing-space-insensitive).
        key = (unit_id, parent_id or 0, name.strip().casefold())
        if key in seen:
            suffix = f"（#{node_id}）"
            bind.execute(
                sa.text("UPDATE org_node SET name = :name WHERE id = :id"),
                {"name": name.strip()[: 100 - len(suffix)] + suffix, "id": node_id},
            )
        else:
            seen.add(key)


def upgrade():
    _rename_duplicates()
    with op.batch_alter_table("org_node") as batch_op:
        parent_key = sa.Computed("coalesce(parent_id, 0)", persisted=True)
        batch_op.add_column(sa.Column("parent_key", sa.Integer(), parent_key))
        batch_op.create_unique_constraint("uq_org_node_sibling_name", ["maintenance_unit_id", "parent_key", "name"])


def downgrade():
    with op.batch_alter_table("org_node") as batch_op:
        batch_op.drop_constraint("uq_org_node_sibling_name", type_="unique")
        batch_op.drop_column("parent_key")
