"""Unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (31 maps to ``0``)."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(char not in ALPHABET for char in code):
        return False
    return check_character(code[:17]) == code[17]


def credit_code_problem(code: str) -> str | None:
    """A Chinese explanation of what is wrong with ``code``, or ``None`` when it is valid."""
    if len(code) != 18:
        return "统一社会信用代码应为 18 位"
    bad = [char for char in code if char not in ALPHABET]
    if bad:
        return f"统一社会信用代码含有非法字符 {bad[0]}（不使用 I、O、S、V、Z）"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None
