"""near-duplicate photo confirmations: each photo's difference hash and colour signature beside its phash;
the public history entry's flag count (the resident's page shows how many kinds of flag a record carries)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 20:45:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ("draft_photo", "record_photo", "record_photo_band")


def upgrade() -> None:
    # Nullable: photos uploaded before this have only their phash (docs/signals.md says how they are compared).
    for table in TABLES:
        op.add_column(table, sa.Column("dhash", sa.String(length=16), nullable=True))
        op.add_column(table, sa.Column("colour", sa.String(length=96), nullable=True))
    op.add_column("public_history_entry", sa.Column("flags", sa.SmallInteger(), nullable=False, server_default="0"))
    # The records' flags so far: set flag columns plus distinct record_flag kinds (the entry's trigger makes each
    # stored page stale).
    op.execute(
        "UPDATE public_history_entry SET flags ="
        " (SELECT r.flag_distance + r.flag_duration + r.flag_overlap"
        " FROM maintenance_record r WHERE r.id = public_history_entry.record_id)"
        " + (SELECT COUNT(DISTINCT f.kind) FROM record_flag f WHERE f.record_id = public_history_entry.record_id)"
    )


def downgrade() -> None:
    op.drop_column("public_history_entry", "flags")
    for table in TABLES:
        op.drop_column(table, "colour")
        op.drop_column(table, "dhash")
