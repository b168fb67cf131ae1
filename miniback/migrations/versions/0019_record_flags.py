"""authenticity signals: the insert-only ``record_flag`` table, and the record indexes the signals look up

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

APPEND_ONLY = ("record_flag", "record_photo_band")


def upgrade() -> None:
    op.create_table(
        "record_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=16), nullable=False),
        sa.Column("raised_by_record_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["maintenance_record.id"]),
        sa.ForeignKeyConstraint(["raised_by_record_id"], ["maintenance_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "record_photo_band",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=4), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["maintenance_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_record_photo_band_value", "record_photo_band", ["band", "value", "record_id"])
    op.create_index("ix_record_flag_record_kind", "record_flag", ["record_id", "kind"])
    op.create_index("ix_record_flag_kind_record", "record_flag", ["kind", "record_id"])
    op.create_index("ix_record_check_in_point", "maintenance_record", ["check_in_lat", "check_in_lng"])
    op.create_index("ix_record_technician_received", "maintenance_record", ["technician_id", "received_at"])
    dialect = op.get_bind().dialect.name
    for verb in ("UPDATE", "DELETE"):
        name = f"trg_record_flag_no_{verb.lower()}"
        message = f"record_flag is append-only: {verb} refused"
        if dialect == "mysql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON record_flag FOR EACH ROW "
                f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"
            )
        elif dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON record_flag BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade() -> None:
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{verb}")
    op.drop_table("record_photo_band")
    if op.get_bind().dialect.name == "mysql":
        # MariaDB dropped the index it made for the technician's foreign key once this one could serve it; put it
        # back (under the name it had) before this one goes, or the drop is refused (1553).
        op.create_index("fk_maintenance_record_technician_id_account", "maintenance_record", ["technician_id"])
    op.drop_index("ix_record_technician_received", table_name="maintenance_record")
    op.drop_index("ix_record_check_in_point", table_name="maintenance_record")
    op.drop_table("record_flag")
