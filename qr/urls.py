"""What an elevator's QR code holds: ``<public base URL>/e/<public code>``."""

from __future__ import annotations

import re

# Public codes are generated from lower-case letters and digits (see ``miniback.registry.elevators``); the column
# holds at most 32 characters, which is also WeChat's limit for a mini-program code's scene.
PUBLIC_CODE_MAX_LENGTH = 32
_PUBLIC_CODE = re.compile(r"[0-9a-z]{4,32}")


def is_public_code(value: str) -> bool:
    """Whether ``value`` can be a public code at all (checked before any database look-up)."""
    return _PUBLIC_CODE.fullmatch(value) is not None


def public_url(base_url: str, public_code: str) -> str:
    """The URL printed in the elevator's QR code."""
    if not is_public_code(public_code):
        raise ValueError(f"not a public code: {public_code!r}")
    return f"{base_url.rstrip('/')}/e/{public_code}"
