"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0, §2.1): tree hashes, inclusion and consistency proofs.

Leaves are hashed ``H(0x00 ‖ leaf)`` and interior nodes ``H(0x01 ‖ left ‖ right)``; the tree over ``n``
leaves splits at the largest power of two below ``n``. Every hash the algorithms need is the hash of a
*perfect* subtree (``2^level`` leaves starting at a multiple of ``2^level``) or is built from such
hashes, so the log stores only those of level ≥ :data:`STORED_FROM` (one row per 256 leaves and above,
written by the head stage) and computes the smaller ones from at most 255 leaves: a proof over a million
leaves reads a few dozen rows.

The hash function is a parameter (SHA-256, or SM3 in the 国密 profile); nothing here touches the database.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

#: A hash function from bytes to its digest (32 bytes for SHA-256 and SM3).
HashFn = Callable[[bytes], bytes]
#: Perfect subtrees of this level and above are stored; smaller ones are computed from their leaves.
STORED_FROM = 8


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes, h: HashFn = sha256) -> bytes:
    return h(b"\x00" + data)


def node_hash(left: bytes, right: bytes, h: HashFn = sha256) -> bytes:
    return h(b"\x01" + left + right)


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes], h: HashFn = sha256) -> bytes:
    """MTH of the leaves (their hashes given), level by level: one pass, no recursion, 2n hashes.

    Pairing left to right and carrying an odd last node up unchanged gives the RFC's tree: its
    left subtrees are always perfect, so the carried node is the right edge at each level.
    """
    if not leaf_hashes:
        return h(b"")
    level = list(leaf_hashes)
    prefix = b"\x01"
    while len(level) > 1:
        nxt = [h(prefix + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def perfect_levels(leaf_hashes: Sequence[bytes], h: HashFn = sha256) -> list[list[bytes]]:
    """Every level of perfect subtree hashes: ``levels[k][i]`` covers leaves ``[i·2^k, (i+1)·2^k)``."""
    levels = [list(leaf_hashes)]
    fast = hashlib.sha256 if h is sha256 else None  # the C constructor, not a Python call per node
    while len(levels[-1]) > 1:
        below = levels[-1]
        if fast is not None:
            levels.append([fast(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)])
        else:
            levels.append([h(b"\x01" + below[i] + below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


# -- which perfect subtrees a computation needs ------------------------------------------------------------

#: A perfect subtree: (level, index) covering leaves [index·2^level, (index+1)·2^level).
Node = tuple[int, int]


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose hashes make MTH(D[start:end]) for a range the RFC's recursion visits
    (``start`` aligned to the largest power of two not above ``end - start``), left to right."""
    nodes: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1 if size & (size - 1) == 0 else split_point(size).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def combine(hashes: Sequence[bytes], h: HashFn = sha256) -> bytes:
    """MTH of a range from its :func:`range_nodes` hashes (the right edge folds in from the right)."""
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = h(b"\x01" + left + acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PATH(index, D[0:size]), bottom-up (RFC 9162 §2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return list(reversed(ranges))


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PROOF(old, D[0:new]), bottom-up (RFC 9162 §2.1.4.1, SUBPROOF)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    ranges: list[tuple[int, int]] = []
    start, end, whole = 0, new, True
    m = old
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            whole = False
    return list(reversed(ranges))


def needed_nodes(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    return {node for start, end in ranges for node in range_nodes(start, end)}


def ranges_hashes(ranges: Sequence[tuple[int, int]], nodes: Mapping[Node, bytes], h: HashFn = sha256) -> list[bytes]:
    return [combine([nodes[n] for n in range_nodes(start, end)], h) for start, end in ranges]


# -- checking proofs (what an outsider runs) ---------------------------------------------------------------

def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], h: HashFn = sha256) -> bytes:
    """The root a valid inclusion proof leads to (RFC 9162 §2.1.3.2); ``ValueError`` if it cannot be one."""
    if index >= size:
        raise ValueError("leaf index beyond the tree size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r, h)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p, h)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes,
                     h: HashFn = sha256) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof, h) == root
    except ValueError:
        return False


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes],
                       h: HashFn = sha256) -> bool:
    """Whether ``proof`` shows the tree of size ``new`` extends the one of size ``old`` (RFC 9162 §2.1.4.2)."""
    if old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr, h)
            sr = node_hash(c, sr, h)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c, h)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
