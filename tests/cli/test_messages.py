"""Every CLI command speaks Chinese: its --help (command and options) and what it prints when it runs."""

import logging
import re

import click
import pytest
from flask import Flask

from tests.factories.records import submitted_record
from tests.factories.registry import make_world

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row, the last two lower case: a sentence ("Show this message and exit"), not an
# identifier or a command quoted in Chinese text ("make demo PORT=8000", "UPDATE/DELETE").
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [a-z]{2,}){2,}\b")
OUR_PACKAGES = ("miniback.", "jobs.")


def _our_commands(app: Flask) -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        if path and (command.callback is None or command.callback.__module__.startswith(OUR_PACKAGES)):
            found[path] = command

    walk(app.cli, "")
    return {path: command for path, command in found.items() if command.callback is not None}


def _english(text: str | None) -> bool:
    return not text or not CJK.search(text) or bool(ENGLISH_SENTENCE.search(text))


def test_every_commands_help_and_options_are_chinese(app):
    commands = _our_commands(app)
    assert {"create-account", "demo", "sweep", "ledger verify", "backup restore", "qr labels"} <= set(commands)
    english = []
    for path, command in sorted(commands.items()):
        if _english(command.help):
            english.append(f"{path}: {command.help}")
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help" and _english(param.help):
                english.append(f"{path} {param.opts[0]}: {param.help}")
    assert english == []


@pytest.fixture
def root_logging_restored():
    """``sweep`` configures logging for its process; here it runs in the test's, so put the root logger back."""
    handlers, level = logging.root.handlers[:], logging.root.level
    yield
    logging.root.handlers[:] = handlers
    logging.root.setLevel(level)


def test_what_the_commands_print_is_chinese(app, client, tmp_path, root_logging_restored):
    world = make_world()
    submitted_record(client, world.tech1, world.elevators[0])
    app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    runner = app.test_cli_runner()
    runs = [
        ["create-account", "--role", "regulator", "--username", "reg-cli", "--name", "区监管", "--district", "天河区",
         "--password", "Secret2026pass"],
        ["reset-password", "--username", "reg-cli", "--password", "Secret2026again"],
        ["rebuild-signoff-state"],
        ["ledger", "checkpoint"],
        ["ledger", "verify"],
        ["backup", "archive"],
        ["backup", "verify"],
        ["public", "rebuild-history"],
        ["public", "render-pages"],
        ["sweep"],
        ["qr", "labels", "--unit", str(world.unit.id), "--out", str(tmp_path / "labels.pdf")],
        ["qr", "labels", "--unit", "999999", "--out", str(tmp_path / "none.pdf")],  # an error, in Chinese too
    ]  # fmt: skip
    english = []
    for args in runs:
        result = runner.invoke(args=args)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert lines, args
        english += [f"{' '.join(args[:2])}: {line}" for line in lines if _english(line) or "Error:" in line]
    assert english == []
    assert "错误：找不到维保单位 999999" in result.output  # the last run: a refusal, without click's English prefix


def test_seeding_the_demo_reports_in_chinese(tmp_path):
    from flask_migrate import upgrade

    from miniback import create_app
    from miniback.extensions import db

    app = create_app({"ENV_MODE": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}"})
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines and not [line for line in lines if _english(line)]
    # Sign-off states by their Chinese names, not the API's identifiers.
    assert "待确认" in result.output
    assert not re.search(r"\b(pending|signed|objected|[a-z]+_[a-z_]+)\b", result.output), result.output
