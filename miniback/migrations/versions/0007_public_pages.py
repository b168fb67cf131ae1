"""public pages: each elevator's rendered page, kept honest by triggers

A resident's page view used to read the elevator, its units, due dates and latest history entries and render
them every time; ``public_page`` keeps the last rendering, found by the elevator's public code. Triggers on every
table the page shows mark it stale in the writing transaction itself (``generation`` + 1, the page cleared), so
no write path can forget to; the next view renders it again. ``flask public render-pages`` renders them all ahead
of residents (optional: a view renders a missing page itself).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:40:00
"""

import sqlalchemy as sa
from alembic import op

import miniback.models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STALE = "UPDATE public_page SET generation = generation + 1, html_gzip = NULL WHERE "

# name: (event, table, statement). ``{changed:column}`` is true when an UPDATE changed that column.
TRIGGERS = {
    "trg_elevator_page_add": (
        "AFTER INSERT",
        "elevator",
        "INSERT INTO public_page (elevator_id, public_code, generation) VALUES (NEW.id, NEW.public_code, 0)",
    ),
    "trg_elevator_page_stale": (
        "AFTER UPDATE",
        "elevator",
        "UPDATE public_page SET generation = generation + 1, html_gzip = NULL, public_code = NEW.public_code"
        " WHERE elevator_id = NEW.id",
    ),
    "trg_maintenance_unit_page_stale": (
        "AFTER UPDATE",
        "maintenance_unit",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE maintenance_unit_id = NEW.id)"
        " AND ({changed:name} OR {changed:emergency_phone})",
    ),
    "trg_use_unit_page_stale": (
        "AFTER UPDATE",
        "use_unit",
        STALE + "elevator_id IN (SELECT id FROM elevator WHERE use_unit_id = NEW.id) AND {changed:name}",
    ),
    "trg_elevator_due_page_add": ("AFTER INSERT", "elevator_due", STALE + "elevator_id = NEW.elevator_id"),
    "trg_elevator_due_page_stale": ("AFTER UPDATE", "elevator_due", STALE + "elevator_id = NEW.elevator_id"),
    "trg_public_history_entry_page_add": (
        "AFTER INSERT",
        "public_history_entry",
        STALE + "elevator_id = NEW.elevator_id",
    ),
    "trg_public_history_entry_page_stale": (
        "AFTER UPDATE",
        "public_history_entry",
        STALE + "elevator_id IN (OLD.elevator_id, NEW.elevator_id)",
    ),
    "trg_public_history_entry_page_gone": (
        "AFTER DELETE",
        "public_history_entry",
        STALE + "elevator_id = OLD.elevator_id",
    ),
    "trg_delay_notice_elevator_page_add": (
        "AFTER INSERT",
        "delay_notice_elevator",
        STALE + "elevator_id = NEW.elevator_id",
    ),
    "trg_delay_notice_elevator_page_gone": (
        "AFTER DELETE",
        "delay_notice_elevator",
        STALE + "elevator_id = OLD.elevator_id",
    ),
    "trg_delay_notice_page_stale": (
        "AFTER UPDATE",
        "delay_notice",
        STALE + "elevator_id IN (SELECT elevator_id FROM delay_notice_elevator WHERE notice_id = NEW.id)",
    ),
}


def _statement(template: str, dialect: str) -> str:
    """The trigger's statement with each ``{changed:column}`` written for ``dialect``."""
    parts = template.split("{changed:")
    out = [parts[0]]
    for part in parts[1:]:
        column, rest = part.split("}", 1)
        changed = f"NOT (NEW.{column} <=> OLD.{column})" if dialect == "mysql" else f"NEW.{column} IS NOT OLD.{column}"
        out.append(changed + rest)
    return "".join(out)


def upgrade() -> None:
    op.create_table(
        "public_page",
        sa.Column("elevator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("public_code", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("html_gzip", sa.LargeBinary(length=65535), nullable=True),
        sa.Column("etag", sa.String(length=64), nullable=True),
        sa.Column("valid_until", miniback.models.types.UTCDateTime(), nullable=True),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("rendered_at", miniback.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["elevator_id"], ["elevator.id"], name=op.f("fk_public_page_elevator_id_elevator")),
        sa.PrimaryKeyConstraint("elevator_id", name=op.f("pk_public_page")),
        sa.UniqueConstraint("public_code", name=op.f("uq_public_page_public_code")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
    )
    op.execute("INSERT INTO public_page (elevator_id, public_code, generation) SELECT id, public_code, 0 FROM elevator")
    dialect = op.get_bind().dialect.name
    for name, (event, table, template) in TRIGGERS.items():
        statement = _statement(template, dialect)
        if dialect == "mysql":
            op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW {statement}")
        elif dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {statement}; END")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("public_page")
