"""platform data interface: platforms, their keys and history, units' authorisations, signed requests, uploads,
calls and callbacks

The evidence tables (``platform_request``, ``platform_upload``, ``platform_client_event``) are insert-only: the
database refuses UPDATE and DELETE, like the records they vouch for.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import miniback.models.types

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


APPEND_ONLY = ("platform_request", "platform_upload", "platform_client_event")


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


def upgrade() -> None:
    op.create_table(
        "platform_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=23), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("company_name", sa.String(length=100), nullable=False),
        sa.Column("company_credit_code", sa.String(length=18), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("contact_email", sa.String(length=100), nullable=True),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("status_changed_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("connected_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("webhook_secret_version", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_platform_client_account_id_account")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_platform_client_created_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_client")),
        sa.UniqueConstraint("account_id", name=op.f("uq_platform_client_account_id")),
        sa.UniqueConstraint("code", name=op.f("uq_platform_client_code")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "platform_authorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("maintenance_unit_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "live_key",
            sa.Integer(),
            sa.Computed("case when revoked_at is null then 1 else null end", persisted=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["account.id"], name=op.f("fk_platform_authorisation_granted_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_unit_id"],
            ["maintenance_unit.id"],
            name=op.f("fk_platform_authorisation_maintenance_unit_id_maintenance_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_authorisation_platform_client_id_platform_client"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["account.id"], name=op.f("fk_platform_authorisation_revoked_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_authorisation")),
        sa.UniqueConstraint(
            "platform_client_id", "maintenance_unit_id", "live_key", name="uq_platform_authorisation_live"
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_authorisation_unit", "platform_authorisation", ["maintenance_unit_id", "id"], unique=False
    )
    op.create_table(
        "platform_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("key_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_call_platform_client_id_platform_client"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_call")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_call_client", "platform_call", ["platform_client_id", "sandbox", "created_at"], unique=False
    )
    op.create_table(
        "platform_client_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("key_id", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], name=op.f("fk_platform_client_event_actor_id_account")),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_client_event_platform_client_id_platform_client"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_client_event")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_client_event_client", "platform_client_event", ["platform_client_id", "id"], unique=False
    )
    op.create_table(
        "platform_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("retired_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"], name=op.f("fk_platform_key_created_by_id_account")),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_key_platform_client_id_platform_client"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_key")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_platform_key_fingerprint")),
        sa.UniqueConstraint("key_id", name=op.f("uq_platform_key_key_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_platform_key_client", "platform_key", ["platform_client_id", "retired_at"], unique=False)
    op.create_table(
        "platform_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("signed_timestamp", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=700), nullable=False),
        sa.Column("body", sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql"), nullable=False),
        sa.Column("received_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_request_platform_client_id_platform_client"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_request")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_platform_request_client", "platform_request", ["platform_client_id", "id"], unique=False)
    op.create_table(
        "platform_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform_ref", sa.String(length=64), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("delay_notice_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delay_notice_id"], ["delay_notice.id"], name=op.f("fk_platform_upload_delay_notice_id_delay_notice")
        ),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_upload_platform_client_id_platform_client"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["maintenance_record.id"], name=op.f("fk_platform_upload_record_id_maintenance_record")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["platform_request.id"], name=op.f("fk_platform_upload_request_id_platform_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_upload")),
        sa.UniqueConstraint("platform_client_id", "sandbox", "kind", "platform_ref", name="uq_platform_upload_ref"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_upload_client_created",
        "platform_upload",
        ["platform_client_id", "sandbox", "created_at"],
        unique=False,
    )
    op.create_index("ix_platform_upload_record", "platform_upload", ["record_id"], unique=False)
    op.create_table(
        "platform_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.String(length=40), nullable=False),
        sa.Column("platform_client_id", sa.Integer(), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["signoff_event.id"], name=op.f("fk_platform_callback_event_id_signoff_event")
        ),
        sa.ForeignKeyConstraint(
            ["platform_client_id"],
            ["platform_client.id"],
            name=op.f("fk_platform_callback_platform_client_id_platform_client"),
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["platform_upload.id"], name=op.f("fk_platform_callback_upload_id_platform_upload")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_callback")),
        sa.UniqueConstraint("event_id", name=op.f("uq_platform_callback_event_id")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_platform_callback_webhook_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_callback_client",
        "platform_callback",
        ["platform_client_id", "sandbox", "created_at"],
        unique=False,
    )
    op.create_index("ix_platform_callback_due", "platform_callback", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "platform_callback_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("attempted_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["platform_callback.id"],
            name=op.f("fk_platform_callback_attempt_callback_id_platform_callback"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_callback_attempt")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_platform_callback_attempt_callback",
        "platform_callback_attempt",
        ["callback_id", "attempt_no"],
        unique=False,
    )
    _create_append_only_triggers()


def downgrade() -> None:
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{verb}")
    # Each table with its indexes (MariaDB refuses to drop an index a foreign key needs), children first.
    for table in (
        "platform_callback_attempt",
        "platform_callback",
        "platform_upload",
        "platform_request",
        "platform_key",
        "platform_client_event",
        "platform_call",
        "platform_authorisation",
        "platform_client",
    ):
        op.drop_table(table)
