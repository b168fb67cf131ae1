"""console sessions and password-reset links

``api_token`` gets the session's ``kind`` (``bearer`` for the header tokens every existing row is, ``console``
for the web console's cookie session), when it was last used (console sessions end when idle) and the browser's
user agent and address, shown on the account's session list. ``password_reset`` holds the one-time links an
admin issues: the token's SHA-256, who issued it for whom, and when it was used or voided by a newer link.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:30:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="bearer", nullable=False))
        batch.add_column(sa.Column("last_used_at", miniback.models.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("user_agent", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("voided_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_password_reset_account_id_account")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["account.id"], name=op.f("fk_password_reset_issued_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(op.f("ix_password_reset_account_id"), "password_reset", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_table("password_reset")  # its indexes with it (MariaDB refuses to drop one a foreign key needs)
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("ip")
        batch.drop_column("user_agent")
        batch.drop_column("last_used_at")
        batch.drop_column("kind")
