"""photo evidence: a unit's extra photo positions, draft photos, a record's photos and its missing-photo reasons,
the positions a draft requires, a record's photo counts and the public page's "照片 n/m"

``record_photo`` and ``record_photo_missing`` are insert-only: the database refuses UPDATE and DELETE, like the
record they belong to.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


APPEND_ONLY = ("record_photo", "record_photo_missing")


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            name = f"trg_{table}_no_{verb.lower()}"
            message = f"{table} is append-only: {verb} refused"
            if dialect == "mysql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON {table} FOR EACH ROW "
                    f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"
                )
            elif dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def _photo_columns() -> list[sa.Column]:
    return [
        sa.Column("position", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("captured_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("received_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Numeric(precision=10, scale=7), nullable=True),
        sa.Column("lng", sa.Numeric(precision=10, scale=7), nullable=True),
        sa.Column("accuracy_m", sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column("coord_system", sa.String(length=8), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "unit_photo_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("maintenance_unit_id", sa.Integer(), nullable=False),
        sa.Column("elevator_type", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_unit_photo_position_created_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_unit_id"],
            ["maintenance_unit.id"],
            name=op.f("fk_unit_photo_position_maintenance_unit_id_maintenance_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_photo_position")),
        sa.UniqueConstraint("maintenance_unit_id", "elevator_type", "code", name="uq_unit_photo_position_code"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "draft_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        *_photo_columns(),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["record_draft.id"], name=op.f("fk_draft_photo_draft_id_record_draft")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["account.id"], name=op.f("fk_draft_photo_uploaded_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_photo")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_draft_photo_draft", "draft_photo", ["draft_id", "position", "id"], unique=False)
    op.create_table(
        "record_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        *_photo_columns(),
        sa.ForeignKeyConstraint(
            ["record_id"], ["maintenance_record.id"], name=op.f("fk_record_photo_record_id_maintenance_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_photo")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_record_photo_record", "record_photo", ["record_id", "seq"], unique=False)
    op.create_index("ix_record_photo_sha256", "record_photo", ["sha256", "record_id"], unique=False)
    op.create_index("ix_record_photo_phash", "record_photo", ["phash", "record_id"], unique=False)
    op.create_table(
        "record_photo_missing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["maintenance_record.id"],
            name=op.f("fk_record_photo_missing_record_id_maintenance_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_photo_missing")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_record_photo_missing_record", "record_photo_missing", ["record_id", "seq"], unique=False)
    with op.batch_alter_table("record_draft") as batch:
        batch.add_column(sa.Column("photo_positions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("photo_positions_version", sa.String(length=64), nullable=True))
    # Nullable columns on the insert-only record table: DDL, no row is updated (MariaDB adds them instantly).
    with op.batch_alter_table("maintenance_record") as batch:
        batch.add_column(sa.Column("photos_required", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("photos_present", sa.Integer(), nullable=True))
    with op.batch_alter_table("public_history_entry") as batch:
        batch.add_column(sa.Column("photos", sa.String(length=16), nullable=True))
    _create_append_only_triggers()


def downgrade() -> None:
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{verb}")
    with op.batch_alter_table("public_history_entry") as batch:
        batch.drop_column("photos")
    with op.batch_alter_table("maintenance_record") as batch:
        batch.drop_column("photos_present")
        batch.drop_column("photos_required")
    with op.batch_alter_table("record_draft") as batch:
        batch.drop_column("photo_positions_version")
        batch.drop_column("photo_positions")
    # Each table with its indexes (MariaDB refuses to drop an index a foreign key needs), children first.
    for table in ("record_photo_missing", "record_photo", "draft_photo", "unit_photo_position"):
        op.drop_table(table)
