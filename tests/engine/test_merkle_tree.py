"""The RFC 9162 tree against the RFC's recursive definitions, for every size and index up to 70 leaves."""
from __future__ import annotations

import hashlib

from engine.audit import merkle


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, literally."""
    if not leaves:
        return h(b"")
    if len(leaves) == 1:
        return h(b"\x00" + leaves[0])
    k = merkle.split_point(len(leaves))
    return h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1, literally."""
    if len(leaves) == 1:
        return []
    k = merkle.split_point(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1, literally."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


LEAVES = [f"leaf {i}".encode() for i in range(70)]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def nodes_for(size: int) -> dict[merkle.Node, bytes]:
    levels = merkle.perfect_levels(HASHES[:size])
    return {(k, i): node for k, level in enumerate(levels) for i, node in enumerate(level)}


def test_root_and_proofs_match_the_rfc_for_every_size() -> None:
    for size in range(1, len(LEAVES) + 1):
        root = mth(LEAVES[:size])
        assert merkle.root_of(HASHES[:size]) == root
        nodes = nodes_for(size)
        assert merkle.ranges_hashes([(0, size)], nodes) == [root]
        for index in range(size):
            proof = merkle.ranges_hashes(merkle.inclusion_ranges(index, size), nodes)
            assert proof == path(index, LEAVES[:size])
            assert merkle.verify_inclusion(index, size, HASHES[index], proof, root)
            assert not merkle.verify_inclusion(index, size, HASHES[(index + 1) % size], proof, root) or size == 1
        for old in range(1, size + 1):
            proof = merkle.ranges_hashes(merkle.consistency_ranges(old, size), nodes)
            assert proof == subproof(old, LEAVES[:size], True)
            assert merkle.verify_consistency(old, size, mth(LEAVES[:old]), root, proof)


def test_a_forked_or_rewritten_tree_fails_the_consistency_proof() -> None:
    forked = HASHES[:40] + [merkle.leaf_hash(b"rewritten")] + HASHES[41:60]
    nodes = {(k, i): n for k, level in enumerate(merkle.perfect_levels(forked)) for i, n in enumerate(level)}
    proof = merkle.ranges_hashes(merkle.consistency_ranges(50, 60), nodes)
    assert not merkle.verify_consistency(50, 60, mth(LEAVES[:50]), merkle.root_of(forked), proof)
    assert not merkle.verify_inclusion(3, 10, HASHES[3], [], mth(LEAVES[:10]))
