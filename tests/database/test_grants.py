"""The production grants: the app's write paths work under them; changing or removing legal records does not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from miniback import create_app
from miniback.database.grants import APPEND_ONLY_FOR_APP, grant_statements
from miniback.extensions import db
from miniback.models import LedgerEntry
from signoff.archive.local import LocalArchive
from signoff.archive.segments import archive_pending
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.verify import verify_ledger
from tests import conftest
from tests.conftest import DB_HOST, DB_NAME, ROOT
from tests.factories.ledger import submit_record
from tests.factories.registry import make_world

APP_USER = f"app_{DB_NAME}"[:32]
PASSWORD = "app-user-password-for-tests"


@pytest.fixture
def restricted_app(app: Flask) -> Iterator[Flask]:
    """An app connected as a user holding exactly the production grants."""
    root = pymysql.connect(host=DB_HOST, user="root", autocommit=True)
    with root.cursor() as cursor:
        cursor.execute(f"DROP USER IF EXISTS '{APP_USER}'@'%'")
        cursor.execute(f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{PASSWORD}'")
        for statement in grant_statements(DB_NAME, APP_USER)[1:]:
            cursor.execute(statement)
    url = f"mysql+pymysql://{APP_USER}:{PASSWORD}@{DB_HOST}/{DB_NAME}?charset=utf8mb4"
    restricted = create_app(conftest.test_config(SQLALCHEMY_DATABASE_URI=url))
    try:
        yield restricted
    finally:
        with root.cursor() as cursor:
            cursor.execute(f"DROP USER IF EXISTS '{APP_USER}'@'%'")
        root.close()


def test_grants_give_no_update_delete_drop_or_alter_on_protected_tables(app: Flask) -> None:
    statements = grant_statements("prod", "app")
    for table in APPEND_ONLY_FOR_APP:
        if table in db.metadata.tables:
            assert f"GRANT SELECT, INSERT ON `prod`.`{table}` TO 'app'@'%'" in statements
    assert not [s for s in statements if any(word in s for word in ("DROP", "ALTER", "ALL PRIVILEGES ON"))]
    # The shipped script is the command's output for this release's tables: none forgotten, none stale.
    shipped = (ROOT / "deploy" / "grants.sql").read_text(encoding="utf-8")
    shipped_grants = [line.removesuffix(";") for line in shipped.splitlines() if line.startswith(("GRANT", "REVOKE"))]
    assert shipped_grants == grant_statements("miniback", "miniback_app")


def test_app_write_paths_work_under_the_production_grants(restricted_app: Flask, tmp_path: Path) -> None:
    with restricted_app.app_context():
        world = make_world()
        records = [submit_record(world.elevators[i % 2], world.tech1.id) for i in range(3)]
        db.session.commit()
        result = build_checkpoint()
        db.session.commit()
        assert result.tree_size == 3
        assert archive_pending(LocalArchive(tmp_path)) == 3
        assert verify_ledger().problems == []
        for statement in (
            f"UPDATE maintenance_record SET remarks = 'x' WHERE id = {records[0].id}",
            "DELETE FROM ledger_entry",
            "UPDATE ledger_checkpoint SET root_hash = 'x'",
            "TRUNCATE TABLE ledger_entry",
            "DROP TABLE merkle_node",
            "ALTER TABLE ledger_entry ADD COLUMN x INT",
            "DELETE FROM ledger_head",
        ):
            with pytest.raises((OperationalError, ProgrammingError)) as refused:
                db.session.execute(text(statement))
            assert refused.value.orig.args[0] in (1142, 1143), statement  # command denied to user
            db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == 3
        db.session.remove()
        db.engine.dispose()
