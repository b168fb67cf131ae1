"""Migrations are the only way the schema is made: one head, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from miniback.extensions import db


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_head_revision(app):
    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_tables_are_utf8mb4_with_microsecond_times(app):
    with db.engine.connect() as connection:
        charset = (
            connection.exec_driver_sql(
                "SELECT DISTINCT CCSA.character_set_name FROM information_schema.TABLES T "
                "JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA "
                "ON CCSA.collation_name = T.table_collation WHERE T.table_schema = DATABASE()"
            )
            .scalars()
            .all()
        )
        precision = (
            connection.exec_driver_sql(
                "SELECT DISTINCT DATETIME_PRECISION FROM information_schema.COLUMNS "
                "WHERE table_schema = DATABASE() AND DATA_TYPE = 'datetime'"
            )
            .scalars()
            .all()
        )
    assert charset == ["utf8mb4"]
    assert precision == [6]
