"""RFC 6962 / RFC 9162 Merkle trees: tree hash, inclusion and consistency proofs (stdlib ``hashlib`` only).

Leaves are hashed ``H(0x00 ‖ data)``, interior nodes ``H(0x01 ‖ left ‖ right)`` (RFC 6962 §2.1), which keeps a
leaf from ever being passed off as a node. Proof generation follows the recursive PATH/SUBPROOF definitions
(RFC 6962 §2.1.1–2.1.2); verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.

Generation reads the hashes of *complete, aligned* subtrees through a ``NodeReader`` — ``reader(level, index)``
is the hash over leaves ``[index·2^level, (index+1)·2^level)`` — so a tree of millions of leaves is served from
stored nodes in O(log² n) reads. ``nodes_needed`` lists those reads in advance so a caller can fetch them in one
query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

NodeReader = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof was asked for arguments that do not describe a tree (index ≥ size, first > second …)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, reader: NodeReader) -> bytes:
    """MTH(D[start:end]) for a range whose ``start`` is aligned as in the RFC's recursion."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return reader(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_hash(start, start + k, reader), subtree_hash(start + k, end, reader))


def root_hash(size: int, reader: NodeReader) -> bytes:
    return subtree_hash(0, size, reader)


def _path(m: int, start: int, end: int, reader: NodeReader) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, start, start + k, reader), subtree_hash(start + k, end, reader)]
    return [*_path(m - k, start + k, end, reader), subtree_hash(start, start + k, reader)]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of the first ``size`` leaves (RFC 6962 §2.1.1)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    return _path(index, 0, size, reader)


def _subproof(m: int, start: int, end: int, whole: bool, reader: NodeReader) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree_hash(start, end, reader)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, reader), subtree_hash(start + k, end, reader)]
    return [*_subproof(m - k, start + k, end, False, reader), subtree_hash(start, start + k, reader)]


def consistency_proof(first: int, second: int, reader: NodeReader) -> list[bytes]:
    """Proof that the tree of ``second`` leaves extends the tree of ``first`` leaves (RFC 6962 §2.1.2)."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    return _subproof(first, 0, second, True, reader)


def nodes_needed(build: Callable[[NodeReader], object]) -> set[tuple[int, int]]:
    """The (level, index) pairs ``build`` will read: proofs' shapes depend on sizes only, never on hashes."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(32)

    build(record)
    return wanted


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a proof leads to, or ``ProofError`` when its shape does not fit."""
    if not 0 <= index < size:
        raise ProofError("leaf index outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32:
            raise ProofError("proof element is not a SHA-256 hash")
        if sn == 0:
            raise ProofError("proof has extra elements")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is missing elements")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does the tree ``second_root`` (size ``second``) extend ``first_root`` (size ``first``)?"""
    if not 0 <= first <= second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class CompactRange:
    """The right edge of a growing tree: one perfect subtree per set bit of ``size`` (append in O(1) amortised).

    ``append`` returns the complete nodes it created, as ``(level, index, hash)`` with the leaf itself first, so a
    builder can store them; ``root()`` is the RFC tree hash of everything appended so far.
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        """Resume at ``size`` from its edge hashes, largest subtree first (see ``edge_nodes``)."""
        if len(edge) != bin(size).count("1"):
            raise ProofError("edge does not match the size")
        self.size = size
        self.stack: list[tuple[int, bytes]] = [(level, h) for (level, _), h in zip(edge_nodes(size), edge, strict=True)]

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        index = self.size
        created = [(0, index, leaf)]
        level, h = 0, leaf
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            h = node_hash(left, h)
            level += 1
            created.append((level, index >> level, h))
        self.stack.append((level, h))
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r


def edge_nodes(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the perfect subtrees that make up a tree of ``size`` leaves, largest first."""
    nodes = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


class MemoryTree:
    """All complete nodes of a tree held in memory (tests, the inspector's recipe, small trees)."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for data in leaves:
            self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        level = 0
        while len(self.levels[level]) % 2 == 0:
            row = self.levels[level]
            if len(self.levels) == level + 1:
                self.levels.append([])
            self.levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.node)
