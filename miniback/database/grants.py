"""Production grants: the application's database user may append to the legal records but never change them.

Records, their items and signatures, sign-off events, the ledger and its checkpoints, and the platforms' signed
requests, uploads and history get ``SELECT, INSERT`` only: no UPDATE, DELETE, DROP, TRUNCATE (which needs DROP) or
ALTER. Other tables get ``SELECT, INSERT, UPDATE, DELETE``. Migrations and restores run as a separate owner
account. ``flask --app miniback grants`` prints the script for the current schema (``deploy/grants.sql`` is its
output for the tables of this release).
"""

from __future__ import annotations

from miniback.extensions import db

# Append-only for the application (DESIGN.md §5): the record, event, ledger and checkpoint tables.
APPEND_ONLY_FOR_APP = (
    "maintenance_record",
    "record_item",
    "record_technician",
    "signature_image",
    "signoff_event",
    "ledger_entry",
    "ledger_leaf",
    "merkle_node",
    "ledger_checkpoint",
    # The platform interface's evidence: the signed requests, what they created, and the platforms' history.
    "platform_request",
    "platform_upload",
    "platform_client_event",
    # Each record's verification code and each checkpoint's signature (issue 18).
    "record_verification",
    "ledger_checkpoint_signature",
    # Issue 18's rules: use-unit consents, paperless and regulator-notice history.
    "use_unit_consent",
    "paperless_event",
    "regulator_notice_subject",
    "regulator_notice_event",
    # Photo evidence: a submitted record's photos and its reasons for missing ones.
    "record_photo",
    "record_photo_missing",
    # Authenticity signals (issue 19): a flag raised later is a new row, never an update.
    "record_flag",
    "record_photo_band",
)
# Chain heads move forward (UPDATE) but are never removed.
NO_DELETE_FOR_APP = ("ledger_head",)


def grant_statements(database: str, user: str, host: str = "%") -> list[str]:
    account = f"'{user}'@'{host}'"
    statements = [f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}"]
    for table in sorted(db.metadata.tables):
        if table in APPEND_ONLY_FOR_APP:
            privileges = "SELECT, INSERT"
        elif table in NO_DELETE_FOR_APP:
            privileges = "SELECT, INSERT, UPDATE"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {privileges} ON `{database}`.`{table}` TO {account}")
    return statements
