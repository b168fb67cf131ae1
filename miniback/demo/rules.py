"""Demo data of issue 18's rules: each demo use unit's admin has accepted the current default-confirmation rules
(without a consent its records would never be default-confirmed)."""

from __future__ import annotations

from datetime import timedelta

from miniback.models import Account, UseUnit, utcnow
from signoff.consent import accept_rules, current_rules


def consent_demo(use_unit: UseUnit, admin: Account) -> None:
    accept_rules(use_unit, admin, current_rules().version, None, now=utcnow(), min_window=timedelta(hours=2))
