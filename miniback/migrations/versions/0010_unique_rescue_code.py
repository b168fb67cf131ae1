"""elevator: the 96333 rescue identification code is unique

The code names one elevator to the rescue dispatcher, so two elevators may not carry the same one (NULL, no code
yet, stays allowed for any number of them). The unique index replaces the plain one; an existing database that
already holds a duplicate is refused with the codes to correct, rather than half-migrated.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT rescue_code FROM elevator WHERE rescue_code IS NOT NULL"
                " GROUP BY rescue_code HAVING COUNT(*) > 1 ORDER BY rescue_code"
            )
        )
        .scalars()
        .all()
    )
    if duplicates:
        raise RuntimeError(
            "elevator.rescue_code must be unique, but these codes are on more than one elevator; correct them"
            " (PATCH /api/v1/elevators/<id>) and migrate again: " + ", ".join(duplicates)
        )
    op.create_index("uq_elevator_rescue_code", "elevator", ["rescue_code"], unique=True)
    op.drop_index("ix_elevator_rescue_code", table_name="elevator")


def downgrade() -> None:
    op.create_index("ix_elevator_rescue_code", "elevator", ["rescue_code"], unique=False)
    op.drop_index("uq_elevator_rescue_code", table_name="elevator")
