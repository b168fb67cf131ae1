"""near-duplicate photo confirmations: each photo's difference hash and colour signature beside its phash

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


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "colour")
        op.drop_column(table, "dhash")
