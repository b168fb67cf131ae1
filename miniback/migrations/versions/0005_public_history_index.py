"""public history: covering index for an elevator's records by day

The public page lists an elevator's latest records (day, category, late-upload mark); with these columns in
the index the records part is an index-only range instead of one random row read per record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 03:10:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Create the new index before dropping the old one: the elevator foreign key needs an index at all times.
    op.create_index(
        "ix_record_elevator_day_cover",
        "maintenance_record",
        ["elevator_id", "maintenance_day", "id", "category", "late_upload"],
        unique=False,
    )
    op.drop_index("ix_record_elevator_day", table_name="maintenance_record")


def downgrade() -> None:
    op.create_index(
        "ix_record_elevator_day", "maintenance_record", ["elevator_id", "maintenance_day", "id"], unique=False
    )
    op.drop_index("ix_record_elevator_day_cover", table_name="maintenance_record")
