"""Masking personal data before it reaches a public page: done on the server, so the raw value never leaves it."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_name(name: str) -> str:
    """张伟明 → 张*明, 李强 → 李*, 欧阳娜娜 → 欧**娜: the first and (from three characters) the last are kept."""
    name = "".join(name.split())
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13911110002 → 139****0002; anything that is not a mobile number keeps only its last four digits."""
    digits = "".join(char for char in phone if char.isdigit())
    if _PHONE.fullmatch(digits):
        return _PHONE.sub(r"\1****\3", digits)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_phones_in_text(text: str) -> str:
    """Mobile numbers inside free text (remarks, delay notices) are masked as well."""
    return _PHONE.sub(r"\1****\3", text)
