"""The CLI's one error type: a command's refusal, printed in Chinese (click's own prefix is ``Error:``)."""

from __future__ import annotations

from typing import IO, Any

import click


class CommandError(click.ClickException):
    """Exit with status 1 and ``错误：<message>`` on standard error."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)
