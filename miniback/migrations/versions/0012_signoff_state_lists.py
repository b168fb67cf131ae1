"""sign-off state lists: the record's district and org node on its sign-off, and indexes to list by state

Every role that may read a record now reads its sign-off and lists records and sign-offs by sign-off state or
open objection. The sign-off row gets the two scope columns it lacked (district, org node; copied from the
record, like the units), so those lists check the reader's scope on the sign-off row itself, and indexes that
make each rare state (pending, objected …) and the open objections a short range per district or unit.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_signoff_state_state_district_day": ["state", "district", "maintenance_day", "record_id"],
    "ix_signoff_state_mu_state_day": ["maintenance_unit_id", "state", "maintenance_day", "record_id"],
    "ix_signoff_state_objection_district": ["objection_open", "district", "deadline_at"],
    "ix_signoff_state_mu_objection": ["maintenance_unit_id", "objection_open", "deadline_at"],
}
FK_ORG_NODE = "fk_signoff_state_org_node_id_org_node"


def upgrade() -> None:
    with op.batch_alter_table("signoff_state") as batch:
        batch.add_column(sa.Column("district", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("org_node_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(FK_ORG_NODE, "org_node", ["org_node_id"], ["id"])
    op.execute(
        "UPDATE signoff_state SET"
        " district = (SELECT r.district FROM maintenance_record r WHERE r.id = signoff_state.record_id),"
        " org_node_id = (SELECT r.org_node_id FROM maintenance_record r WHERE r.id = signoff_state.record_id)"
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "signoff_state", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="signoff_state")
    with op.batch_alter_table("signoff_state") as batch:
        batch.drop_constraint(FK_ORG_NODE, type_="foreignkey")
        batch.drop_column("org_node_id")
        batch.drop_column("district")
