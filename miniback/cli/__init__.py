"""Every ``flask …`` command, one module per area; each module lists its commands in ``COMMANDS``.

Names: a group is ``<area>_cli`` (``flask ledger …``), a command is ``<name>_command``; a refusal raises
``miniback.cli.errors.CommandError`` (``错误：…`` on standard error, exit status 1).
"""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """The one place every command is registered (called by ``create_app``)."""
    from miniback.cli import accounts, backup, database, demo, jobs, ledger, public, qr, records, statistics

    for area in (accounts, demo, qr, jobs, ledger, backup, database, public, statistics, records):
        for command in area.COMMANDS:
            app.cli.add_command(command)
    from flask_migrate.cli import db as db_group

    for command in database.DB_GROUP_COMMANDS:  # ``flask db galera-check``
        db_group.add_command(command)
