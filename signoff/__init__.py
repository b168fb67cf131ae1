"""The use unit's sign-off: lifecycle (sign / object / default-confirm), deadlines, push, signature images; the
integrity ledger in ``signoff.ledger`` and the second store in ``signoff.archive``."""
