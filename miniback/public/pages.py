"""The resident's page as sent: the stored rendering while nothing it shows has changed, else a fresh one.

A QR code on a lift is scanned far more often than its records change, so each elevator's page is rendered
once and kept in ``public_page`` (see the model). The database marks a page stale in the very transaction that
changes anything on it, so a view sends the stored bytes only when they are exactly what a fresh rendering
would give: same data (the page is cleared by triggers on every write), same moment (``valid_until``), same code
and templates (``format``). Otherwise the view renders the page from the read model as before, sends it and
stores it for the next resident — unless a write changed the elevator meanwhile (the ``generation`` it read
has moved on), in which case the next view renders again.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app, render_template
from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError
from werkzeug.http import generate_etag

from miniback.database.conflicts import redo_on_conflict
from miniback.extensions import db
from miniback.models import PublicPage, utcnow
from miniback.projections import masking
from miniback.public import history
from miniback.public.history import LOCAL_TZ, PublicHistory, public_history
from miniback.public.reads import has_public_reads, read_row
from qr.urls import is_public_code

log = logging.getLogger(__name__)
TEMPLATE = "public/elevator.html"
FORMAT_KEY = "miniback_public_page_format"
RENDER_BATCH = 1000


class RenderedPage(NamedTuple):
    """A page gzip-compressed (sent as is to the browsers that accept it: all phones) and the ETag of its HTML."""

    gzipped: bytes
    etag: str

    def html(self) -> bytes:
        return zlib.decompress(self.gzipped, wbits=31)  # gzip framing; a third faster than gzip.decompress


class StoredPage(NamedTuple):
    """An elevator's stored page (``gzipped`` ``None`` when it must be rendered)."""

    elevator_id: int
    generation: int
    gzipped: bytes | None
    etag: str | None
    valid_until: datetime | None
    format: str | None

    def if_current(self, now: datetime, page_format: str) -> RenderedPage | None:
        """The stored page while it is current (stored, rendered in ``page_format``, before ``valid_until``)."""
        if self.gzipped is None or self.etag is None or self.format != page_format:
            return None
        if self.valid_until is not None and now >= self.valid_until:
            return None
        return RenderedPage(self.gzipped, self.etag)


_STORED = db.select(
    PublicPage.elevator_id,
    PublicPage.generation,
    PublicPage.html_gzip,
    PublicPage.etag,
    PublicPage.valid_until,
    PublicPage.format,
).where(PublicPage.public_code == bindparam("code"))
# On MySQL and MariaDB the same row packed into one binary value, ``<elevator id> <generation> <etag> <valid
# until> <format> <gzipped page>`` ('-' for a missing value): PyMySQL parses a column descriptor per column, which costs
# more than reading the page's bytes.
_STORED_PACKED = text(
    "SELECT CONCAT_WS(' ', elevator_id, generation, IFNULL(etag, '-'),"
    " IFNULL(DATE_FORMAT(valid_until, '%Y-%m-%dT%H:%i:%s.%f'), '-'), IFNULL(format, '-'), IFNULL(html_gzip, ''))"
    " FROM public_page WHERE public_code = :code"
)
_LOCK = (
    db.select(PublicPage.generation)
    .where(PublicPage.elevator_id == bindparam("b_elevator_id"))
    .with_for_update(skip_locked=True)
)
_STORE = (
    db.update(PublicPage)
    .where(PublicPage.elevator_id == bindparam("b_elevator_id"), PublicPage.generation == bindparam("b_generation"))
    .values(
        html_gzip=bindparam("b_gzipped"),
        etag=bindparam("b_etag"),
        valid_until=bindparam("b_valid_until"),
        format=bindparam("b_format"),
        rendered_at=bindparam("b_rendered_at"),
    )
)


def page_format() -> str:
    """Names what renders a page: the page's modules and templates (a deploy that changes any of them makes every
    stored page stale)."""
    known = current_app.extensions.get(FORMAT_KEY)
    if known is None:
        digest = hashlib.sha256()
        for source_file in (history.__file__, masking.__file__, __file__):
            digest.update(Path(str(source_file)).read_bytes())
        environment = current_app.jinja_env
        loader = environment.loader
        assert loader is not None  # Flask always gives its Jinja environment a loader (the app's templates)
        for name in ("public/base.html", TEMPLATE):
            source, _, _ = loader.get_source(environment, name)
            digest.update(source.encode())
        known = current_app.extensions[FORMAT_KEY] = digest.hexdigest()[:32]
    return str(known)


def stored_page(code: str) -> StoredPage | None:
    """The stored page of the elevator with public code ``code``; ``None`` for anything that is not one (malformed
    input never reaches the database)."""
    if not is_public_code(code):
        return None
    if has_public_reads():
        row = read_row(_STORED_PACKED, code=code)
        if row is None:
            return None
        elevator_id, generation, etag, until, page_format_, gzipped = bytes(row[0]).split(b" ", 5)
        return StoredPage(
            int(elevator_id),
            int(generation),
            gzipped or None,
            etag.decode() if etag != b"-" else None,
            datetime.fromisoformat(until.decode()).replace(tzinfo=UTC) if until != b"-" else None,
            page_format_.decode() if page_format_ != b"-" else None,
        )
    with db.engine.connect() as connection:
        found = connection.execute(_STORED, {"code": code}).first()
    return StoredPage(*found) if found is not None else None


def _local_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def valid_until(page: PublicHistory, now: datetime) -> datetime | None:
    """When the clock alone changes ``page`` as rendered at ``now``: a pending record's deadline (default-confirmed
    from then on) or the next local midnight that changes the overdue warning (the elevator falls due, or an
    overdue count goes up a day). ``None``: only a write can change it."""
    moments = [
        record.changes_at for record in page.records if record.changes_at is not None and record.changes_at > now
    ]
    if page.next_due_on is not None and page.status == "in_service":
        today = now.astimezone(LOCAL_TZ).date()
        moments.append(
            _local_midnight(today + timedelta(days=1) if page.overdue else page.next_due_on + timedelta(days=1))
        )
    return min(moments, default=None)


def render_page(page: PublicHistory) -> RenderedPage:
    html = render_template(TEMPLATE, h=page).encode()
    # mtime 0: the same page always compresses to the same bytes.
    return RenderedPage(gzip.compress(html, compresslevel=6, mtime=0), generate_etag(html))


def _store(stored: StoredPage, rendered: RenderedPage, page: PublicHistory, now: datetime) -> bool:
    """Keep ``rendered`` for the next views, unless a write changed the elevator since ``stored`` was read.
    Best effort: a page that cannot be stored now (a write holds the row, the database is busy) is simply
    rendered again by the next view."""
    values = {
        "b_elevator_id": stored.elevator_id,
        "b_generation": stored.generation,
        "b_gzipped": rendered.gzipped,
        "b_etag": rendered.etag,
        "b_valid_until": valid_until(page, now),
        "b_format": page_format(),
        "b_rendered_at": now,
    }

    def store_once() -> bool:
        with db.engine.begin() as connection:
            # A write (or another view storing the page) holds the row: skip rather than wait for it.
            current = connection.execute(_LOCK, {"b_elevator_id": stored.elevator_id}).scalar()
            return current == stored.generation and bool(connection.execute(_STORE, values).rowcount)

    try:
        # On Galera the row lock is this node's only: a conflicting store or write on another node surfaces as
        # 1213 at COMMIT. Redone, the generation check sees what won, so a stale page is never kept.
        return redo_on_conflict(store_once, what=f"public page of elevator {stored.elevator_id}")
    except OperationalError as exc:
        log.warning("public page of elevator %s not stored: %s", stored.elevator_id, exc.orig)
        return False


def public_page(code: str, now: datetime | None = None) -> RenderedPage | None:
    """The page of the elevator with public code ``code`` as residents see it at ``now``, or ``None`` for anything
    that is not a known code."""
    return page_for(code, stored_page(code), now)


def page_for(code: str, stored: StoredPage | None, now: datetime | None = None) -> RenderedPage | None:
    """The page for ``code`` given its ``stored_page``: the stored bytes while current, else a fresh rendering
    (kept for the next views if no write intervened). Not a code: ``public_history`` answers ``None``."""
    now = now or utcnow()
    current = stored.if_current(now, page_format()) if stored is not None else None
    if current is not None:
        return current
    page = public_history(code, now=now)  # every elevator has a page row; this also answers if one went missing
    if page is None:
        return None
    rendered = render_page(page)
    if stored is not None:
        _store(stored, rendered, page, now)
    return rendered


def _stale_pages(now: datetime, page_format_: str) -> Iterator[list[tuple[str, StoredPage]]]:
    """Elevators whose stored page is missing or out of date (public code and stored page), a batch at a time."""
    last = 0
    while True:
        rows = db.session.execute(
            db.select(PublicPage.public_code, *_STORED.selected_columns)
            .where(
                PublicPage.elevator_id > last,
                # A page never rendered has neither page nor format; the triggers clear only the page.
                PublicPage.html_gzip.is_(None) | (PublicPage.format != page_format_) | (PublicPage.valid_until <= now),
            )
            .order_by(PublicPage.elevator_id)
            .limit(RENDER_BATCH)
        ).all()
        db.session.rollback()  # each batch reads what is committed now, not a snapshot from the first batch
        if not rows:
            return
        yield [(code, StoredPage(*stored)) for code, *stored in rows]
        last = rows[-1].elevator_id


def render_pages(progress: Callable[[int], None] | None = None) -> int:
    """Render and store every elevator's page that is missing or out of date (after a deploy, or ahead of
    residents after ``rebuild-history``); returns how many were rendered. Each page is stored on its own, so
    residents' views and writes go on meanwhile."""
    now, page_format_ = utcnow(), page_format()
    done = 0
    for batch in _stale_pages(now, page_format_):
        for code, stored in batch:
            page_for(code, stored, now)
        done += len(batch)
        if progress is not None:
            progress(done)
    return done
