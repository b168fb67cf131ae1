"""verification codes for records, signatures of checkpoints

``record_verification`` holds each record's unguessable verification code (the public page ``/v/<code>`` a printed
record's QR code opens); records submitted before this revision get theirs here. ``ledger_checkpoint_signature``
holds each checkpoint's C2SP signed note under the platform's Ed25519 log key (the checkpoint builder signs the
latest existing checkpoint on its first run after this revision, and every new one in the transaction that
publishes it). Both are insert-only: the database refuses UPDATE and DELETE.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:30:00
"""

import base64
import secrets

import sqlalchemy as sa
from alembic import op

import miniback.models.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

APPEND_ONLY = ("record_verification", "ledger_checkpoint_signature")
BACKFILL_BATCH = 5000


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


def _new_code() -> str:
    # The same form as miniback.records.verification.new_code (80 random bits, lowercase base32).
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def _backfill_codes() -> None:
    connection = op.get_bind()
    codes = sa.table("record_verification", sa.column("record_id", sa.Integer), sa.column("code", sa.String))
    after = 0
    while True:
        ids = (
            connection.execute(
                sa.text(
                    "SELECT r.id FROM maintenance_record r LEFT JOIN record_verification v ON v.record_id = r.id"
                    " WHERE v.record_id IS NULL AND r.id > :after ORDER BY r.id LIMIT :limit"
                ),
                {"after": after, "limit": BACKFILL_BATCH},
            )
            .scalars()
            .all()
        )
        if not ids:
            return
        connection.execute(sa.insert(codes), [{"record_id": record_id, "code": _new_code()} for record_id in ids])
        after = ids[-1]


def upgrade() -> None:
    op.create_table(
        "record_verification",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["maintenance_record.id"], name=op.f("fk_record_verification_record_id_maintenance_record")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_verification")),
        sa.UniqueConstraint("code", name=op.f("uq_record_verification_code")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "ledger_checkpoint_signature",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("signed_note", sa.Text(), nullable=False),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_checkpoint_signature")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    _backfill_codes()
    _create_append_only_triggers()


def downgrade() -> None:
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{verb}")
    op.drop_table("ledger_checkpoint_signature")
    op.drop_table("record_verification")
