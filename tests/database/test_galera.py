"""Galera's requirements of the schema: every table InnoDB with a primary key, no LOCK TABLES or GET_LOCK in the
code (neither is replicated: each would lock one node only), and ``flask db galera-check`` that says so."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from miniback.database.galera import check_galera_schema
from miniback.extensions import db
from tests.conftest import ROOT


def test_every_table_is_innodb_with_a_primary_key(app):
    with db.engine.connect() as connection:
        report = check_galera_schema(connection)
    assert report.problems == []
    assert report.tables == len(db.metadata.tables) + 1  # and alembic_version
    assert "trg_maintenance_record_no_update" in report.triggers  # the immutability triggers are there


@pytest.fixture
def bad_tables(app) -> Iterator[None]:
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE galera_probe_no_pk (x INT) ENGINE=InnoDB"))
        connection.execute(text("CREATE TABLE galera_probe_myisam (id INT PRIMARY KEY) ENGINE=MyISAM"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS galera_probe_no_pk, galera_probe_myisam"))


def test_a_table_without_primary_key_or_not_innodb_is_reported(app, bad_tables):
    with db.engine.connect() as connection:
        problems = check_galera_schema(connection).problems
    assert problems == [
        "表 galera_probe_myisam 的存储引擎是 MyISAM，Galera 只复制 InnoDB / engine MyISAM, not InnoDB",
        "表 galera_probe_no_pk 没有主键，Galera 无法可靠复制 / has no PRIMARY KEY",
    ]
    result = app.test_cli_runner().invoke(args=["db", "galera-check"])
    assert result.exit_code == 1 and "2 项不满足 Galera 的要求" in result.output, result.output


def test_galera_check_command_passes_on_the_migrated_schema(app):
    result = app.test_cli_runner().invoke(args=["db", "galera-check"])
    assert result.exit_code == 0, result.output
    assert "表 / tables: " in result.output and "Galera 检查通过 / ok" in result.output


def test_no_lock_tables_or_get_lock_in_the_code():
    pattern = re.compile(r"\bLOCK\s+TABLES?\b|\bGET_LOCK\s*\(|\bRELEASE_LOCK\s*\(", re.IGNORECASE)
    uses = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("miniback", "jobs", "signoff", "qr", "deploy", "bench")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".sql", ".sh", ".cfg", ".cnf"} and path.name != "galera.py"
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if pattern.search(line)
    ]
    assert uses == []
