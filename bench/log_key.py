"""A throwaway Ed25519 log key for benches that run the app in production mode (which requires one)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path


@cache
def bench_log_key_path() -> str:
    from signoff.ledger.logkey import write_new_key

    path = Path(tempfile.mkdtemp(prefix="miniback-bench-log-key-")) / "ledger-log-key.pem"
    write_new_key(path)
    return str(path)
