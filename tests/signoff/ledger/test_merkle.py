"""RFC 6962 Merkle tree: the published reference vectors (transparency-dev/merkle) and mutated proofs."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from signoff.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MemoryTree,
    ProofError,
    consistency_proof,
    edge_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_needed,
    verify_consistency,
    verify_inclusion,
)

# The 8-leaf reference data set of transparency-dev/merkle (testonly/constants.go) and its roots by size.
LEAVES = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
# Reference proofs (proof/verify_test.go); indices there are 1-based, here 0-based.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

TREE = MemoryTree(LEAVES)


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert [leaf_hash(data).hex() for data in LEAVES] == LEAF_HASHES


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix_matches_the_published_root(size: int) -> None:
    assert TREE.root(size).hex() == ROOTS[size]
    assert MemoryTree(LEAVES[:size]).root().hex() == ROOTS[size]


def test_compact_range_reaches_every_published_root_and_resumes_from_its_edge() -> None:
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT
    for size, data in enumerate(LEAVES, start=1):
        created = compact.append(leaf_hash(data))
        assert compact.root().hex() == ROOTS[size]
        assert all(TREE.node(level, index) == h for level, index, h in created)
    for size in range(9):
        edge = [TREE.node(level, index) for level, index in edge_nodes(size)]
        resumed = CompactRange(size, edge)
        for data in LEAVES[size:]:
            resumed.append(leaf_hash(data))
        assert resumed.root().hex() == ROOTS[8]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proof_matches_the_reference_proof(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(index, size, TREE.node)
    assert hexes(proof) == expected
    assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proof_matches_the_reference_proof(first: int, second: int, expected: list[str]) -> None:
    proof = consistency_proof(first, second, TREE.node)
    assert hexes(proof) == expected
    assert verify_consistency(first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof)


def test_every_inclusion_and_consistency_proof_of_the_reference_tree_verifies() -> None:
    for size in range(1, 9):
        root = bytes.fromhex(ROOTS[size])
        for index in range(size):
            proof = inclusion_proof(index, size, TREE.node)
            assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, root)
        for first in range(0, size + 1):
            proof = consistency_proof(first, size, TREE.node)
            assert verify_consistency(first, size, bytes.fromhex(ROOTS[first]), root, proof)


def flipped(proof: list[bytes], element: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[element])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:element], bytes(changed), *proof[element + 1 :]]


def test_mutated_inclusion_proofs_are_rejected() -> None:
    # A larger tree so that proofs have several elements of both orientations.
    tree = MemoryTree([i.to_bytes(4, "big") for i in range(37)])
    for size, index in itertools.product((5, 8, 13, 37), (0, 3, 4)):
        leaf, root = tree.node(0, index), tree.root(size)
        proof = inclusion_proof(index, size, tree.node)
        assert verify_inclusion(index, size, leaf, proof, root)
        assert not verify_inclusion(index + 1, size, leaf, proof, root), "wrong index"
        if index > 0:
            assert not verify_inclusion(index - 1, size, leaf, proof, root), "wrong index"
        # Sizes whose path has another shape (as the reference tests mutate them: doubled, halved).
        assert not verify_inclusion(index, size * 2, leaf, proof, root), "wrong size"
        if index < size // 2:
            assert not verify_inclusion(index, size // 2, leaf, proof, root), "wrong size"
        assert not verify_inclusion(index, size, tree.node(0, index + 1), proof, root), "wrong leaf"
        assert not verify_inclusion(index, size, leaf, proof, flipped([root], 0, 7)[0]), "wrong root"
        assert not verify_inclusion(index, size, leaf, [*proof, proof[-1]], root), "extra element"
        assert not verify_inclusion(index, size, leaf, [*proof, bytes(32)], root), "extra element"
        assert not verify_inclusion(index, size, leaf, proof[:-1], root), "missing element"
        assert not verify_inclusion(index, size, leaf, proof[1:], root), "missing element"
        for element in range(len(proof)):
            for bit in (0, 77, 255):
                assert not verify_inclusion(index, size, leaf, flipped(proof, element, bit), root)
        assert not verify_inclusion(index, size, leaf, [*proof[:-1], proof[-1][:31]], root), "short element"
    assert not verify_inclusion(0, 0, b"x" * 32, [], EMPTY_ROOT)


def test_mutated_consistency_proofs_are_rejected() -> None:
    tree = MemoryTree([i.to_bytes(4, "big") for i in range(37)])
    for first, second in ((1, 8), (3, 7), (4, 13), (6, 8), (13, 37), (16, 37)):
        r1, r2 = tree.root(first), tree.root(second)
        proof = consistency_proof(first, second, tree.node)
        assert verify_consistency(first, second, r1, r2, proof)
        assert not verify_consistency(first + 1, second, r1, r2, proof), "wrong first size"
        assert not verify_consistency(first - 1, second, r1, r2, proof), "wrong first size"
        assert not verify_consistency(first, second * 2, r1, r2, proof), "wrong second size"
        if second // 2 > first:
            assert not verify_consistency(first, second // 2, r1, r2, proof), "wrong second size"
        assert not verify_consistency(second, first, r2, r1, proof), "sizes swapped"
        assert not verify_consistency(first, second, tree.root(first + 1), r2, proof), "wrong first root"
        assert not verify_consistency(first, second, r1, tree.root(second - 1), proof), "wrong second root"
        assert not verify_consistency(first, second, r1, r2, [*proof, proof[-1]]), "extra element"
        assert not verify_consistency(first, second, r1, r2, proof[:-1]), "missing element"
        assert not verify_consistency(first, second, r1, r2, proof[1:]), "missing element"
        for element in range(len(proof)):
            for bit in (0, 100, 255):
                assert not verify_consistency(first, second, r1, r2, flipped(proof, element, bit))
    assert not verify_consistency(3, 3, tree.root(3), tree.root(3), [bytes(32)]), "extra element on equal sizes"


def test_proof_arguments_outside_the_tree_are_refused() -> None:
    with pytest.raises(ProofError):
        inclusion_proof(8, 8, TREE.node)
    with pytest.raises(ProofError):
        consistency_proof(5, 4, TREE.node)


def test_nodes_needed_lists_exactly_the_reads_of_a_proof() -> None:
    wanted = nodes_needed(lambda reader: inclusion_proof(5, 8, reader))
    assert wanted == {(0, 4), (1, 3), (2, 0)}
    wanted = nodes_needed(lambda reader: consistency_proof(6, 8, reader))
    assert wanted == {(1, 2), (1, 3), (2, 0)}
