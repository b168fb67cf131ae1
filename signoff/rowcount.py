"""How many rows a conditional UPDATE/INSERT changed: the number that decides every sign-off race."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount
