"""RQ: queues, job functions (ids in, one commit, idempotent), worker entry, periodic sweeps."""
