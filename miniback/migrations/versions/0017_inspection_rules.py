"""inspection rules: use-unit consent to the default confirmation, paperless approval, regulator notices

- ``use_unit_consent``: which version of the default-confirmation rules a use unit's admin accepted, when, and the
  SHA-256 of its text; ``use_unit.consent_id`` points to the latest. Existing use units have none: their records
  past the deadline are no longer default-confirmed but listed as overdue and unsigned until they consent; their
  first consent gives those records a fresh deadline (``deadline_renewed``), after which confirmation runs as usual.
- ``signoff_event.consent_id``: the consent each ``default_confirmed`` event relied on.
- ``paperless_application`` / ``paperless_event``: applications to stop keeping paper records and their steps;
  ``maintenance_unit.paperless_application_id``: the approval in force.
- ``regulator_notice`` (+ ``_subject``, ``_event``): rectification and suspension notices;
  ``maintenance_unit.halted_by_notice_id``: the suspension in force.
- The public page's staleness triggers on the two unit tables also fire for the new columns the page shows.

Insert-only: ``use_unit_consent``, ``paperless_event``, ``regulator_notice_subject``, ``regulator_notice_event``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:21:40
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APPEND_ONLY = ("use_unit_consent", "paperless_event", "regulator_notice_subject", "regulator_notice_event")

STALE = "UPDATE public_page SET generation = generation + 1, html_gzip = NULL WHERE "
# The page triggers of migration 0007, each before (downgrade) and after (upgrade) this revision.
PAGE_TRIGGERS = {
    "trg_maintenance_unit_page_stale": (
        "maintenance_unit",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE maintenance_unit_id = NEW.id)"
        " AND ({changed:name} OR {changed:emergency_phone})",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE maintenance_unit_id = NEW.id)"
        " AND ({changed:name} OR {changed:emergency_phone} OR {changed:paperless_application_id})",
    ),
    "trg_use_unit_page_stale": (
        "use_unit",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE use_unit_id = NEW.id) AND {changed:name}",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE use_unit_id = NEW.id)"
        " AND ({changed:name} OR {changed:consent_id})",
    ),
}


def _statement(template: str, dialect: str) -> str:
    parts = template.split("{changed:")
    out = [parts[0]]
    for part in parts[1:]:
        column, rest = part.split("}", 1)
        changed = f"NOT (NEW.{column} <=> OLD.{column})" if dialect == "mysql" else f"NEW.{column} IS NOT OLD.{column}"
        out.append(changed + rest)
    return "".join(out)


def _page_triggers(which: int) -> None:
    dialect = op.get_bind().dialect.name
    for name, spec in PAGE_TRIGGERS.items():
        table, template = spec[0], spec[which]
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        statement = _statement(template, dialect)
        if dialect == "mysql":
            op.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW {statement}")
        elif dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW BEGIN {statement}; END")


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
        "paperless_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("maintenance_unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.String(length=500), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["applied_by_id"], ["account.id"], name=op.f("fk_paperless_application_applied_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["account.id"], name=op.f("fk_paperless_application_decided_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_unit_id"],
            ["maintenance_unit.id"],
            name=op.f("fk_paperless_application_maintenance_unit_id_maintenance_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paperless_application")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index(
        "ix_paperless_application_unit", "paperless_application", ["maintenance_unit_id", "status"], unique=False
    )
    op.create_table(
        "regulator_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("maintenance_unit_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("deadline_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.Column("escalated_to_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalated_to_id"],
            ["regulator_notice.id"],
            name=op.f("fk_regulator_notice_escalated_to_id_regulator_notice"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["account.id"], name=op.f("fk_regulator_notice_issued_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_unit_id"],
            ["maintenance_unit.id"],
            name=op.f("fk_regulator_notice_maintenance_unit_id_maintenance_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_notice")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_regulator_notice_district", "regulator_notice", ["district", "issued_at"], unique=False)
    op.create_index("ix_regulator_notice_unit", "regulator_notice", ["maintenance_unit_id", "status"], unique=False)
    op.create_table(
        "use_unit_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_unit_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["account.id"], name=op.f("fk_use_unit_consent_accepted_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["use_unit_id"], ["use_unit.id"], name=op.f("fk_use_unit_consent_use_unit_id_use_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_unit_consent")),
        sa.UniqueConstraint("use_unit_id", "rule_version", name="uq_use_unit_consent_version"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_table(
        "paperless_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("occurred_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], name=op.f("fk_paperless_event_actor_id_account")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["paperless_application.id"],
            name=op.f("fk_paperless_event_application_id_paperless_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paperless_event")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_paperless_event_application", "paperless_event", ["application_id", "id"], unique=False)
    op.create_table(
        "regulator_notice_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("record_ids", sa.JSON(), nullable=True),
        sa.Column("occurred_at", miniback.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], name=op.f("fk_regulator_notice_event_actor_id_account")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["regulator_notice.id"], name=op.f("fk_regulator_notice_event_notice_id_regulator_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_notice_event")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_regulator_notice_event_notice", "regulator_notice_event", ["notice_id", "id"], unique=False)
    op.create_table(
        "regulator_notice_subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("elevator_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["elevator_id"], ["elevator.id"], name=op.f("fk_regulator_notice_subject_elevator_id_elevator")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["regulator_notice.id"], name=op.f("fk_regulator_notice_subject_notice_id_regulator_notice")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["maintenance_record.id"],
            name=op.f("fk_regulator_notice_subject_record_id_maintenance_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_notice_subject")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.create_index("ix_regulator_notice_subject_notice", "regulator_notice_subject", ["notice_id"], unique=False)
    op.add_column("maintenance_unit", sa.Column("halted_by_notice_id", sa.Integer(), nullable=True))
    op.add_column("maintenance_unit", sa.Column("paperless_application_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (the demo): a plain ADD COLUMN (a batch copy would drop the table's append-only triggers).
        op.add_column("signoff_event", sa.Column("consent_id", sa.Integer(), nullable=True))
    else:
        op.add_column("signoff_event", sa.Column("consent_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_signoff_event_consent_id_use_unit_consent"),
            "signoff_event",
            "use_unit_consent",
            ["consent_id"],
            ["id"],
        )
    op.add_column("use_unit", sa.Column("consent_id", sa.Integer(), nullable=True))
    _create_append_only_triggers()
    _page_triggers(2)


def downgrade() -> None:
    _page_triggers(1)
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{verb}")
    op.drop_column("use_unit", "consent_id")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_signoff_event_consent_id_use_unit_consent"), "signoff_event", type_="foreignkey")
    op.drop_column("signoff_event", "consent_id")
    op.drop_column("maintenance_unit", "paperless_application_id")
    op.drop_column("maintenance_unit", "halted_by_notice_id")
    op.drop_table("regulator_notice_subject")
    op.drop_table("regulator_notice_event")
    op.drop_table("paperless_event")
    op.drop_table("use_unit_consent")
    op.drop_table("regulator_notice")
    op.drop_table("paperless_application")
