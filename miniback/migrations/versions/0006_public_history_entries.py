"""public history read model: one masked row per record a resident may see

The public page used to join an elevator's latest records to their sign-off state and technicians' names and
mask them on every view; this table holds the result, written with every record and sign-off change.
Filled from the source tables by ``flask public rebuild-history`` (run it once after this migration).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 04:05:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_history_entry",
        sa.Column("elevator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("maintenance_day", sa.Date(), nullable=False),
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("technicians", sa.String(length=200), nullable=False),
        sa.Column("late_upload", sa.Boolean(), nullable=False),
        sa.Column("signoff", sa.String(length=16), nullable=False),
        sa.Column("deadline_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["elevator_id"], ["elevator.id"], name=op.f("fk_public_history_entry_elevator_id_elevator")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["maintenance_record.id"], name=op.f("fk_public_history_entry_record_id_maintenance_record")
        ),
        sa.PrimaryKeyConstraint("elevator_id", "maintenance_day", "record_id", name=op.f("pk_public_history_entry")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_public_history_entry_record", "public_history_entry", ["record_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_public_history_entry_record", table_name="public_history_entry")
    op.drop_table("public_history_entry")
