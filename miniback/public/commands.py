"""``flask public …``: maintenance of the residents' pages."""

from __future__ import annotations

import click

from miniback.extensions import db


@click.group("public")
def public_cli() -> None:
    """The public pages residents see (/e/<code>)."""


@public_cli.command("rebuild-history")
@click.option("--batch", default=5000, show_default=True, help="records read per query")
def rebuild_history_command(batch: int) -> None:
    """Recompute every elevator's public history from the records, sign-off states and accounts (one
    transaction: pages show the old or the new history, never a half-built one)."""
    from miniback.public.entries import rebuild_public_history

    total = rebuild_public_history(batch, progress=lambda done: click.echo(f"  {done} 条 …"))
    db.session.commit()
    click.echo(f"已重建 {total} 条公开维保记录")
