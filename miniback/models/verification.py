"""Inspection material anyone can check: each record's verification code, and the log key's checkpoint signatures.

Both tables are insert-only (database triggers refuse UPDATE and DELETE), like the records and checkpoints they
belong to. They are keyed by the record id and the checkpoint's tree size, so neither touches the insert-only rows
it describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from miniback.extensions import TABLE_OPTIONS, Model
from miniback.models.types import UTCDateTime, utcnow

VERIFICATION_CODE_LENGTH = 16


class RecordVerification(Model):
    """The unguessable code of a record's public verification page (``/v/<code>``), minted when it is submitted."""

    __tablename__ = "record_verification"
    __table_args__ = (TABLE_OPTIONS,)

    record_id: Mapped[int] = mapped_column(ForeignKey("maintenance_record.id"), primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(VERIFICATION_CODE_LENGTH), unique=True)


class LedgerCheckpointSignature(Model):
    """A checkpoint signed with the platform's Ed25519 log key: the whole C2SP signed note, as published."""

    __tablename__ = "ledger_checkpoint_signature"
    __table_args__ = (TABLE_OPTIONS,)

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(8))  # hex of the note's 4-byte key id
    signed_note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
