"""push deliveries: a push that found nobody to send to is recorded too

``push_delivery.account_id`` becomes nullable: the push job writes one ``no_recipient`` row (no account) when
the record's use unit has no active, WeChat-bound manager, so "pushed to nobody" is a fact in the table rather
than the absence of rows, which also means "the job has not run yet".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("push_delivery") as batch:
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM push_delivery WHERE account_id IS NULL")
    with op.batch_alter_table("push_delivery") as batch:
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
