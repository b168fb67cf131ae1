"""The demo's verification page: a first signed checkpoint, and the address of one record's page to open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniback.extensions import db
from miniback.models import MaintenanceRecord
from miniback.records.verification import verification_code_of, verification_url
from signoff.ledger.checkpoints import build_checkpoint
from signoff.ledger.logkey import log_key


def seed_verification(echo: Callable[[str], Any]) -> str | None:
    """Checkpoint the seeded records (signed with the demo's log key) and print a verification URL."""
    while not build_checkpoint().caught_up:
        pass
    latest = db.session.execute(db.select(db.func.max(MaintenanceRecord.id))).scalar_one_or_none()
    if latest is None:
        return None
    url = verification_url(verification_code_of(latest))
    echo(f"维保记录核验页（无需登录，打印的记录单二维码即此地址）：{url}")
    echo(f"检查点签名验证公钥：{log_key().verifier_key}")
    return url
