"""Signed tree heads of the global Merkle log, the proofs against them, and their review.

A head says: "the log had ``size`` leaves whose RFC 9162 root is ``root`` at ``time``", signed with
the deployment's private key (Ed25519, or SM2 in the 国密 profile) and naming the key's id and the
profile. Each head also commits to the previous head's signature, so a head removed from the middle
shows; the newest heads removed show against the head an auditor keeps outside the database
(``casegrid audit check --trusted FILE``), or against a cosignature or time-stamp given out.

Heads are made by the background sweep (every 10 minutes by default), never edited; the node hashes
that make proofs fast (:class:`engine.cases.leaves.MerkleNode`) are written with them.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import ForeignKey, Select, String, Text, event, func, insert, select, text, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.audit import merkle
from engine.cases.leaves import APPEND_LOCK, EVENT, EVIDENCE, GAP, LEAVES, SEAL, MerkleLeaf, MerkleNode, leaf_bytes
from engine.audit.signing import ED25519, KeyRing, PrivateKey, hash_of
from engine.bpmn.serializer import canonical_json
from engine.clock import as_utc, to_db
from engine.db import Base

GENESIS = "0" * 64
#: Leaves read per round trip when the whole log is hashed.
STREAM_ROWS = 50_000


class TreeHead(Base):
    __tablename__ = "tree_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(nullable=False)
    #: Hex of the RFC 9162 root over leaves 1…size.
    root: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(nullable=False)
    #: ``ed25519-sha256`` or ``sm2-sm3``: the tree's hash and the signature's algorithm.
    profile: Mapped[str] = mapped_column(String(20), nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    #: The previous head's signature (:data:`GENESIS` for the first).
    prev_signature: Mapped[str] = mapped_column(Text, nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False)
    #: ``system`` (the sweep) or who asked for it.
    made_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<TreeHead {self.id} size={self.size}>"


class TreeHeadWitness(Base):
    """Something outside the operator's control vouching for a head: an auditor's cosignature or a TSA token."""

    __tablename__ = "tree_head_witness"

    id: Mapped[int] = mapped_column(primary_key=True)
    head_id: Mapped[int] = mapped_column(ForeignKey("tree_head.id"), nullable=False, index=True)
    #: ``cosignature`` or ``timestamp``.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The cosigner's key id, or the TSA's URL.
    signer: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Hex signature, or the base64 DER time-stamp token.
    value: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<TreeHeadWitness {self.kind} head={self.head_id}>"


@event.listens_for(TreeHead, "before_update")
@event.listens_for(TreeHead, "before_delete")
@event.listens_for(TreeHeadWitness, "before_update")
@event.listens_for(TreeHeadWitness, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: Any) -> None:
    raise RuntimeError(f"tree heads are append-only: refused to change {target!r}")


# -- what is signed -------------------------------------------------------------------------------

def format_time(at: datetime) -> str:
    return as_utc(at).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def head_dict(head: TreeHead) -> dict[str, Any]:
    """The head as exported (and as an auditor keeps it): everything needed to check its signature."""
    return {"id": head.id, "size": head.size, "root": head.root, "time": format_time(head.at),
            "profile": head.profile, "key_id": head.key_id, "prev_signature": head.prev_signature,
            "signature": head.signature}


def signed_message(head: dict[str, Any]) -> bytes:
    return canonical_json({"log": "casegrid", "size": int(head["size"]), "root": head["root"],
                           "time": head["time"], "profile": head["profile"], "key_id": head["key_id"],
                           "prev_signature": head["prev_signature"]}).encode("utf-8")


def head_signature_ok(head: dict[str, Any], ring: KeyRing) -> bool | None:
    """True / False, or None when the ring has no key of that id (cannot say)."""
    key = ring.get(str(head.get("key_id")))
    if key is None or key.profile != head.get("profile"):
        return None
    return key.verify(signed_message(head), str(head.get("signature")))


def cosign_message(head: dict[str, Any]) -> bytes:
    """What an auditor's cosignature signs: the head's own signature covers everything it states."""
    return b"casegrid-cosignature\n" + signed_message(head) + b"\n" + str(head["signature"]).encode()


# -- reading the tree -------------------------------------------------------------------------------

def _leaf_hashes(session: Session, first: int, last: int, h: merkle.HashFn) -> list[bytes]:
    """Hashes of leaves with ids first…last (1-based, inclusive), in order."""
    rows = session.execute(select(MerkleLeaf.kind, MerkleLeaf.ref, MerkleLeaf.seq, MerkleLeaf.entry_hash)
                           .where(MerkleLeaf.id >= first, MerkleLeaf.id <= last).order_by(MerkleLeaf.id)).all()
    return [merkle.leaf_hash(leaf_bytes(*row), h) for row in rows]


def fetch_nodes(session: Session, nodes: set[merkle.Node], h: merkle.HashFn) -> dict[merkle.Node, bytes]:
    """The hashes of these perfect subtrees: stored ones read (one query), small ones computed from the
    leaves of the 256-leaf blocks they lie in (one query per block: a proof touches one or two)."""
    found: dict[merkle.Node, bytes] = {}
    stored = sorted(n for n in nodes if n[0] >= merkle.STORED_FROM)
    if stored:
        rows = session.execute(select(MerkleNode.level, MerkleNode.idx, MerkleNode.hash)
                               .where(tuple_(MerkleNode.level, MerkleNode.idx).in_(stored))).all()
        found.update({(level, idx): bytes.fromhex(digest) for level, idx, digest in rows})
    small = sorted(n for n in nodes if n[0] < merkle.STORED_FROM)
    for block in sorted({(idx << level) >> merkle.STORED_FROM for level, idx in small}):
        first = block << merkle.STORED_FROM
        levels = merkle.perfect_levels(_leaf_hashes(session, first + 1, first + (1 << merkle.STORED_FROM), h), h)
        for level, idx in small:
            if (idx << level) >> merkle.STORED_FROM == block:
                at = idx - (first >> level)
                if level < len(levels) and at < len(levels[level]):
                    found[(level, idx)] = levels[level][at]
    for level, idx in sorted(nodes - set(found)):
        hashes = _leaf_hashes(session, idx * (1 << level) + 1, (idx + 1) * (1 << level), h)
        if len(hashes) != 1 << level:
            raise LookupError(f"Merkle 日志缺少第 {idx * (1 << level) + 1}–{(idx + 1) * (1 << level)} 号叶子")
        found[(level, idx)] = merkle.root_of(hashes, h)
    return found


def _ranges_hashes(session: Session, ranges: Sequence[tuple[int, int]], h: merkle.HashFn) -> list[bytes]:
    return merkle.ranges_hashes(ranges, fetch_nodes(session, merkle.needed_nodes(ranges), h), h)


def tree_root(session: Session, size: int, h: merkle.HashFn) -> bytes:
    if size == 0:
        return h(b"")
    return _ranges_hashes(session, [(0, size)], h)[0]


def inclusion_proof(session: Session, index: int, size: int, h: merkle.HashFn) -> list[bytes]:
    return _ranges_hashes(session, merkle.inclusion_ranges(index, size), h)


def consistency_proof(session: Session, old: int, new: int, h: merkle.HashFn) -> list[bytes]:
    if old == 0 or old == new:
        return []
    return _ranges_hashes(session, merkle.consistency_ranges(old, new), h)


# -- making a head --------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeadResult:
    head: dict[str, Any]
    #: False when nothing was appended since the newest head (that one is returned).
    created: bool
    #: Abandoned ids filled with gap leaves (PostgreSQL rollbacks).
    gaps: int = 0


#: The condition of the partial index ``ix_merkle_leaf_seal``, as a literal the planner can match.
SEAL_ONLY = text(f"merkle_leaf.kind = '{SEAL}'")


def latest_head(session: Session) -> TreeHead | None:
    return session.scalar(select(TreeHead).order_by(TreeHead.id.desc()).limit(1))


def last_seal(session: Session, head: TreeHead | None) -> MerkleLeaf | None:
    """The newest seal leaf above the newest head (an unsigned installation's mark of how far the log is
    final), if any: one below the head says nothing the head does not (the head was signed after it).

    Read through the partial index of the seal leaves (``ix_merkle_leaf_seal``, migration 0035): a log
    that was never signed has no head to start from, and the first seal would otherwise read every leaf.
    The kind is written into the statement, not bound: a plan PostgreSQL keeps for a prepared statement
    cannot use a partial index whose condition depends on a parameter.
    """
    return session.scalar(last_seal_query(head.size if head else 0))


def last_seal_query(after: int) -> Select[tuple[MerkleLeaf]]:
    return select(MerkleLeaf).where(SEAL_ONLY, MerkleLeaf.id > after).order_by(MerkleLeaf.id.desc()).limit(1)


def sealed_size(session: Session) -> int:
    """How many leaves are final: the newest head's size or the newest seal leaf's place, whichever is later.

    Below it every id holds a leaf (holes were filled with gap leaves when it was sealed), so a hole there
    is a deletion; above it, on PostgreSQL, a hole may still be an id a rolled-back step burned.
    """
    head = latest_head(session)
    seal = last_seal(session, head)
    return max(head.size if head is not None else 0, seal.id if seal is not None else 0)


def last_sealed_at(session: Session) -> datetime | None:
    """When the log was last sealed or signed (None: never), for the sweep's "is it due" check."""
    head = latest_head(session)
    seal = last_seal(session, head)
    times = [as_utc(head.at)] if head is not None else []
    if seal is not None:
        try:
            times.append(datetime.fromisoformat(seal.ref.rstrip("Z")).replace(tzinfo=timezone.utc))
        except ValueError:  # an edited seal leaf: seal again (the review names the edit)
            return None
    return max(times) if times else None


def log_top(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(MerkleLeaf.id), 0))) or 0


def _lock_appends(session: Session) -> None:
    """On PostgreSQL take the append lock exclusively until this transaction ends: it waits for the steps
    writing leaves now to commit, and holds new ones for the few milliseconds until this transaction
    commits. After that no transaction can still add a leaf below the maximum id, so ids missing then
    were rolled back for good."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


def _fill_gaps(session: Session, since: int, upto: int) -> int:
    """Fill the ids in (since, upto] that hold no leaf with gap leaves (PostgreSQL rollbacks); how many.

    Only ever called under the exclusive append lock. On SQLite ids never skip: nothing to read.
    """
    if upto <= since or session.get_bind().dialect.name != "postgresql":
        return 0
    present = set(session.scalars(select(MerkleLeaf.id).where(MerkleLeaf.id > since, MerkleLeaf.id <= upto)))
    gaps = [i for i in range(since + 1, upto + 1) if i not in present]
    if gaps:
        session.execute(insert(LEAVES), [{"id": i, "kind": GAP, "case_id": None, "seq": None, "ref": str(i),
                                          "entry_hash": GENESIS} for i in gaps])
    return len(gaps)


def _seal_leaves(session: Session) -> tuple[int, int]:
    """Make every leaf id up to the current maximum final, filling abandoned ids: (log size, gaps filled)."""
    _lock_appends(session)
    size = log_top(session)
    return size, _fill_gaps(session, sealed_size(session), size)


@dataclass(frozen=True)
class SealResult:
    #: Leaves now final (the seal leaf's own place included).
    size: int
    #: False when nothing was appended since the log was last sealed or signed.
    created: bool
    gaps: int = 0


def seal_log(session: Session, *, at: datetime) -> SealResult:
    """Make the log final up to now without a signing key: fill abandoned ids, then append a seal leaf.

    An unsigned installation (the demo, or one whose operator has not run ``casegrid audit keygen`` yet)
    still builds a complete log: every id below the newest seal holds a leaf, so a hole there is a
    deletion, and the first head signed later covers every sealed leaf. The seal leaf is a leaf like any
    other (``seal``, its time): it is committed to by every later head and proves nothing by itself —
    without a key anybody with database access can append one.

    The seal leaf takes its id from the sequence *first*, above every id a rolled-back step may have
    burned (those are filled below it), so the sequence never hands out an id that is already used.
    """
    _lock_appends(session)
    since = sealed_size(session)
    if log_top(session) <= since:
        return SealResult(since, created=False)
    seal_id = session.execute(insert(LEAVES), {"kind": SEAL, "case_id": None, "seq": None,
                                               "ref": format_time(at), "entry_hash": GENESIS}
                              ).inserted_primary_key[0]
    return SealResult(int(seal_id), created=True, gaps=_fill_gaps(session, since, int(seal_id) - 1))


def _store_nodes(session: Session, size: int, h: merkle.HashFn) -> None:
    """Store the perfect subtrees of level ≥ 8 that lie within ``size`` and are not stored yet."""
    block = 1 << merkle.STORED_FROM
    have = session.scalar(select(func.count()).select_from(MerkleNode).where(
        MerkleNode.level == merkle.STORED_FROM)) or 0
    full = size // block
    if full <= have:
        return
    level_nodes: list[bytes] = []
    first = have * block + 1
    for start in range(first, full * block + 1, STREAM_ROWS - STREAM_ROWS % block):
        end = min(start + STREAM_ROWS - STREAM_ROWS % block - 1, full * block)
        hashes = _leaf_hashes(session, start, end, h)
        level_nodes += [merkle.root_of(hashes[i:i + block], h) for i in range(0, len(hashes), block)]
    rows = [{"level": merkle.STORED_FROM, "idx": have + i, "hash": n.hex()} for i, n in enumerate(level_nodes)]
    # higher levels: pair up what is stored below (read back the left sibling when it was stored earlier)
    level, below = merkle.STORED_FROM, dict(enumerate(level_nodes, start=have))
    while True:
        level += 1
        count_here = size >> level
        have_here = session.scalar(select(func.count()).select_from(MerkleNode).where(MerkleNode.level == level)) or 0
        if count_here <= have_here:
            break
        missing = {2 * i for i in range(have_here, count_here)} | {2 * i + 1 for i in range(have_here, count_here)}
        need = sorted(missing - set(below))
        if need:
            below.update({idx: bytes.fromhex(digest) for idx, digest in session.execute(
                select(MerkleNode.idx, MerkleNode.hash).where(MerkleNode.level == level - 1,
                                                              MerkleNode.idx.in_(need)))})
        here = {i: merkle.node_hash(below[2 * i], below[2 * i + 1], h) for i in range(have_here, count_here)}
        rows += [{"level": level, "idx": i, "hash": n.hex()} for i, n in here.items()]
        below = here
    if rows:
        session.execute(insert(MerkleNode.__table__), rows)


def sign_head(session: Session, key: PrivateKey, *, at: datetime, by: str = "system") -> HeadResult:
    """Sign the log as it stands (in the caller's transaction; commit promptly on PostgreSQL)."""
    previous = latest_head(session)
    if previous is not None and previous.profile != key.profile:
        raise ValueError(f"日志使用 {previous.profile} 签名配置，不能改用 {key.profile}")
    size, gaps = _seal_leaves(session)
    if previous is not None and previous.size == size:
        return HeadResult(head_dict(previous), created=False)
    h = hash_of(key.profile)
    _store_nodes(session, size, h)
    head = TreeHead(size=size, root=tree_root(session, size, h).hex(), at=to_db(at), profile=key.profile,
                    key_id=key.key_id, prev_signature=previous.signature if previous else GENESIS, signature="",
                    made_by=by)
    head.signature = key.sign(signed_message(head_dict(head) | {"time": format_time(at)}))
    session.add(head)
    session.flush()
    return HeadResult(head_dict(head), created=True, gaps=gaps)


# -- proofs for an outsider -------------------------------------------------------------------------

def case_leaves(session: Session, case_id: int) -> list[MerkleLeaf]:
    return list(session.scalars(select(MerkleLeaf).where(MerkleLeaf.case_id == case_id).order_by(MerkleLeaf.id)))


def case_proof(session: Session, case_id: int, head: TreeHead) -> dict[str, Any]:
    """Inclusion proofs of the case's leaves under ``head`` (those appended since are listed as pending)."""
    h = hash_of(head.profile)
    proofs, pending = [], []
    for leaf in case_leaves(session, case_id):
        entry = {"index": leaf.id - 1, "kind": leaf.kind, "ref": leaf.ref, "seq": leaf.seq,
                 "entry_hash": leaf.entry_hash}
        if leaf.id > head.size:
            pending.append(entry)
            continue
        entry["proof"] = [p.hex() for p in inclusion_proof(session, leaf.id - 1, head.size, h)]
        proofs.append(entry)
    return {"format": "casegrid-inclusion-proof/1", "head": head_dict(head), "leaves": proofs, "pending": pending}


def check_case_proof(document: dict[str, Any], ring: KeyRing) -> list[str]:
    """Problems with an inclusion-proof document, checked with the public keys alone (empty: all hold)."""
    head = document["head"]
    problems = []
    ok = head_signature_ok(head, ring)
    if ok is None:
        problems.append(f"没有签名密钥 {head.get('key_id')} 的公钥：无法核对树头签名")
    elif not ok:
        problems.append(f"树头 #{head.get('id')} 的签名无效")
    h = hash_of(str(head["profile"]))
    root = bytes.fromhex(head["root"])
    for leaf in document["leaves"]:
        digest = merkle.leaf_hash(leaf_bytes(leaf["kind"], leaf["ref"], leaf["seq"], leaf["entry_hash"]), h)
        if not merkle.verify_inclusion(int(leaf["index"]), int(head["size"]), digest,
                                       [bytes.fromhex(p) for p in leaf["proof"]], root):
            problems.append(f"第 {leaf['index'] + 1} 号叶子（{leaf['kind']} {leaf['ref']} #{leaf['seq']}）不在树头中")
    return problems


# -- reviewing the whole log --------------------------------------------------------------------------

@dataclass
class LogReview:
    leaves: int = 0
    heads: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    latest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _stream_leaves(session: Session) -> Iterator[Any]:
    stmt = select(MerkleLeaf.id, MerkleLeaf.kind, MerkleLeaf.ref, MerkleLeaf.seq, MerkleLeaf.entry_hash
                  ).order_by(MerkleLeaf.id).execution_options(yield_per=STREAM_ROWS)
    yield from session.execute(stmt)


def review_log(session: Session, ring: KeyRing | None, profile: str | None = None) -> LogReview:
    """Hash every leaf, and check every head's root, chain and (with keys) signature against them."""
    review = LogReview()
    heads = list(session.scalars(select(TreeHead).order_by(TreeHead.id)))
    review.heads = len(heads)
    profile = heads[-1].profile if heads else (profile or "ed25519-sha256")
    h = hash_of(profile)
    hashes: list[bytes] = []
    missing: list[tuple[int, int]] = []
    expected = 1
    # the loop a million leaves go through: leaf_bytes and leaf_hash inlined (same bytes, no calls)
    digest = hashlib.sha256 if profile == ED25519 else None
    for leaf_id, kind, ref, seq, entry_hash in _stream_leaves(session):
        if leaf_id != expected:
            missing.append((expected, leaf_id - 1))
            hashes.extend([b""] * (leaf_id - expected))
            expected = leaf_id
        data = f"\x00{kind}\n{ref}\n{'' if seq is None else seq}\n{entry_hash}".encode("utf-8")
        hashes.append(digest(data).digest() if digest is not None else h(data))
        expected += 1
    review.leaves = len(hashes)
    # On PostgreSQL a step that rolled back (or a process killed mid-step) leaves its leaf id unused; the
    # sweep fills such holes with gap leaves when it next seals the log (signing a head, or appending a seal
    # leaf when there is no key). Above the newest head or seal a hole is therefore expected there; below
    # it, or on SQLite (whose ids never skip), it is a deletion.
    sealed = sealed_size(session)
    sequence_skips = session.get_bind().dialect.name == "postgresql"
    for first, last in missing:
        span = f"{first}–{last}" if first != last else f"{first}"
        if sequence_skips and first > sealed:
            review.notes.append(f"Merkle 日志第 {span} 号编号未使用（回滚的操作留下），后台任务下次封存日志时会补上空叶子")
        else:
            review.problems.append(f"Merkle 日志第 {span} 号叶子已被删除（日志中间出现缺口）")
    levels = merkle.perfect_levels(hashes, h) if hashes else [[]]
    nodes = {(k, i): n for k, level in enumerate(levels) for i, n in enumerate(level)}
    prev = GENESIS
    for head in heads:
        where = f"树头 #{head.id}（{format_time(head.at)}，{head.size} 个叶子）"
        if head.prev_signature != prev:
            review.problems.append(f"{where}：与上一个树头接不上（其间的树头被删除、插入或改写）")
        prev = head.signature
        if head.profile != profile:
            review.problems.append(f"{where}：签名配置 {head.profile} 与日志的 {profile} 不同")
            continue
        if ring is not None:
            ok = head_signature_ok(head_dict(head), ring)
            if ok is None:
                review.notes.append(f"{where}：没有密钥 {head.key_id} 的公钥，签名未核对")
            elif not ok:
                review.problems.append(f"{where}：签名无效（树头被改写）")
        if head.size > len(hashes):
            review.problems.append(f"{where}：签名时日志有 {head.size} 个叶子，现在只有 {len(hashes)} 个"
                                   "（日志末尾被截断，其中的事件或记录被删除）")
            continue
        root = merkle.combine([nodes[n] for n in merkle.range_nodes(0, head.size)], h) if head.size else h(b"")
        if root.hex() != head.root:
            review.problems.append(f"{where}：日志前 {head.size} 个叶子的根哈希与签名时不同（已签名的记录被改写、"
                                   f"删除或插入）{_first_changed_block(session, nodes, head.size)}")
    review.problems += _stored_node_problems(session, nodes)
    review.latest = head_dict(heads[-1]) if heads else None
    if ring is None and heads:
        review.notes.append("未提供公钥：树头签名未核对")
    return review


def _first_changed_block(session: Session, nodes: dict[merkle.Node, bytes], size: int) -> str:
    """Where the stored node hashes (written when signed) first differ from the leaves now."""
    level = merkle.STORED_FROM
    for idx, digest in session.execute(select(MerkleNode.idx, MerkleNode.hash).where(
            MerkleNode.level == level, MerkleNode.idx < size >> level).order_by(MerkleNode.idx)):
        if nodes.get((level, idx), b"").hex() != digest:
            first, last = idx * (1 << level) + 1, (idx + 1) << level
            cases = session.scalars(select(MerkleLeaf.ref).where(
                MerkleLeaf.id.between(first, last), MerkleLeaf.kind.in_((EVENT, EVIDENCE))).distinct().limit(5))
            return f"：第 {first}–{last} 号叶子与签名时不同（涉及 {'、'.join(cases) or '访问记录'}）"
    return ""


def _stored_node_problems(session: Session, nodes: dict[merkle.Node, bytes]) -> list[str]:
    bad = [(level, idx) for level, idx, digest in session.execute(select(MerkleNode.level, MerkleNode.idx,
                                                                          MerkleNode.hash))
           if nodes.get((level, idx), b"").hex() != digest]
    if not bad:
        return []
    return [f"{len(bad)} 个存储的 Merkle 节点与叶子不符（如第 {bad[0][0]} 层第 {bad[0][1]} 个）：证明将无法通过核对"]


def encode_token(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def head_from_json(text_: str) -> dict[str, Any]:
    data = json.loads(text_)
    head = data.get("head", data) if isinstance(data, dict) else None
    if not isinstance(head, dict) or not {"size", "root", "time", "profile", "key_id", "signature"} <= set(head):
        raise ValueError("不是 casegrid 树头文件")
    return head
