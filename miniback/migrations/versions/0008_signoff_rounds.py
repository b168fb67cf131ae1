"""signoff rounds: a resolved objection reopens the sign-off

An objection made before any confirmation used to end a record's sign-off for good: once resolved it stayed
``objection_resolved``, which no one could sign and no deadline confirmed. Resolving it now reopens the sign-off
as a new round with a new deadline. The projection row keeps the round number (its terminal event's ``once_key``
is ``terminal`` in round 1 and ``terminal:<n>`` in round n, so the unique (record, once_key) index still allows
exactly one terminal outcome per round) and when the round reopened. Events keep their columns (their hashes
cover every column); records stuck in ``objection_resolved`` are reopened by the sweep, which appends the events.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:40:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signoff_state") as batch:
        batch.add_column(sa.Column("round_no", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("reopened_at", miniback.models.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signoff_state") as batch:
        batch.drop_column("reopened_at")
        batch.drop_column("round_no")
