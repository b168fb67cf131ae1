"""The integrity ledger: the hash chain of entries, the Merkle tree and its checkpoints, and verification."""
