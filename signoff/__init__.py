"""The sign-off domain: lifecycle states, deadlines, sign / object / default-confirm, record hashing, ledger."""
