"""Does the Merkle log hold exactly the record? Every event, access-log entry, attachment and joint meeting
has its leaf, and every leaf still points at a row with the hash it committed to.

The joins run in the database (indexed on ``(case_id, seq)``): at a million events they cost seconds,
and each finding names the case, event or entry concerned.
"""
from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.audit.access_log import AccessLogEntry
from engine.audit.heads import review_log
from engine.audit.joint_log import joint_problems
from engine.audit.keystore import read_ring, ring_path
from engine.cases.leaves import ACCESS, EVENT, EVIDENCE, MerkleLeaf, access_digest
from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.config import instance_path
from engine.db import Database
from engine.evidence.models import Attachment

#: Findings listed per kind before "and N more".
SHOWN = 5


def _listed(rows: list[str], total: int) -> list[str]:
    return rows[:SHOWN] + ([f"……另有 {total - SHOWN} 处"] if total > SHOWN else [])


def event_problems(session: Session) -> list[str]:
    found: list[str] = []
    codes = dict(session.execute(select(Case.uuid, Case.tracking_code)).tuples().all())
    gone = session.execute(
        select(MerkleLeaf.id, MerkleLeaf.ref, MerkleLeaf.seq, MerkleLeaf.entry_hash, CaseEvent.hash)
        .outerjoin(CaseEvent, and_(CaseEvent.case_id == MerkleLeaf.case_id, CaseEvent.seq == MerkleLeaf.seq))
        .where(MerkleLeaf.kind == EVENT, (CaseEvent.id.is_(None)) | (CaseEvent.hash != MerkleLeaf.entry_hash))
        .order_by(MerkleLeaf.id)).all()
    for leaf_id, uuid, seq, committed, now in gone:
        case = f"案件 {codes[uuid]}" if uuid in codes else f"案件 {uuid}（案件记录已被删除）"
        if now is None:
            found.append(f"{case} 第 {seq} 个事件已被删除（Merkle 日志第 {leaf_id} 号叶子仍记录着它）")
        else:
            found.append(f"{case} 第 {seq} 个事件已被改写：哈希 {now[:16]}… 不是写入日志时的 {committed[:16]}…")
    extra = session.execute(
        select(Case.tracking_code, CaseEvent.seq)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(MerkleLeaf, and_(MerkleLeaf.kind == EVENT, MerkleLeaf.case_id == CaseEvent.case_id,
                                    MerkleLeaf.seq == CaseEvent.seq))
        .where(MerkleLeaf.id.is_(None)).order_by(CaseEvent.case_id, CaseEvent.seq)).all()
    found += [f"案件 {code} 第 {seq} 个事件不在 Merkle 日志中（事件是绕过程序插入的）" for code, seq in extra]
    return found


def access_problems(session: Session) -> list[str]:
    found: list[str] = []
    uuids = dict(session.execute(select(Case.id, Case.uuid)).tuples().all())
    leaves: dict[int, tuple[int, str]] = {}
    for leaf_id, ref, digest in session.execute(
            select(MerkleLeaf.id, MerkleLeaf.ref, MerkleLeaf.entry_hash).where(MerkleLeaf.kind == ACCESS)):
        if not str(ref).isdigit():
            found.append(f"Merkle 日志第 {leaf_id} 号叶子指向的访问记录编号 {ref!r} 无效（叶子被改写）")
            continue
        leaves[int(ref)] = (leaf_id, digest)
    for entry in session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)):
        digest = access_digest(entry.id, entry.at, entry.username, entry.role, entry.kind,
                               uuids.get(entry.case_id) if entry.case_id else None, entry.what, entry.reason)
        leaf = leaves.pop(entry.id, None)
        if leaf is None:
            found.append(f"访问记录 #{entry.id}（{entry.username}，{entry.kind}）不在 Merkle 日志中（绕过程序插入）")
        elif leaf[1] != digest:
            found.append(f"访问记录 #{entry.id}（{entry.username}，{entry.kind}）已被改写")
    for entry_id, (leaf_id, _) in sorted(leaves.items()):
        found.append(f"访问记录 #{entry_id} 已被删除（Merkle 日志第 {leaf_id} 号叶子仍记录着它）")
    return found


def evidence_problems(session: Session) -> list[str]:
    rows = session.execute(
        select(MerkleLeaf.id, MerkleLeaf.ref, MerkleLeaf.seq, MerkleLeaf.entry_hash, Attachment.sha256)
        .outerjoin(Attachment, and_(Attachment.case_id == MerkleLeaf.case_id, Attachment.event_seq == MerkleLeaf.seq))
        .where(MerkleLeaf.kind == EVIDENCE, (Attachment.id.is_(None)) | (Attachment.sha256 != MerkleLeaf.entry_hash))
    ).all()
    return [f"案件 {uuid} 第 {seq} 个事件的附件记录{'已被删除' if now is None else '所指文件已被替换'}"
            f"（Merkle 日志第 {leaf_id} 号叶子记录的是 {committed[:16]}…）" for leaf_id, uuid, seq, committed, now in rows]


def case_leaf_problem(session: Session, case: Case, events: list[CaseEvent]) -> tuple[int, str] | None:
    """(seq, problem) of the first of the case's events that is not as the Merkle log recorded it."""
    leaves = dict(session.execute(select(MerkleLeaf.seq, MerkleLeaf.entry_hash).where(
        MerkleLeaf.case_id == case.id, MerkleLeaf.kind == EVENT)).tuples().all())
    for event in events:
        committed = leaves.pop(event.seq, None)
        if committed is None:
            return event.seq, "该事件不在 Merkle 日志中（绕过程序插入）"
        if committed != event.hash:
            return event.seq, ("与 Merkle 日志不符：哈希已不是写入日志时的值"
                               "（该事件或之前的记录连同哈希链被整体改写）")
    if leaves:
        seq = min(leaves)
        return seq, f"Merkle 日志记录着第 {seq} 个事件，事件表中已没有（事件被删除）"
    return None


def record_problems(session: Session) -> list[str]:
    """Every difference between the log's leaves and the rows they record, named."""
    found = []
    for check in (event_problems, access_problems, evidence_problems, joint_problems):
        problems = check(session)
        found += _listed(problems, len(problems))
    return found


def merkle_log_problems(db: Database) -> list[str]:
    """For ``casegrid verify``: the leaves against the record, and the heads against the leaves (their
    signatures with the instance's public key ring when there is one; an auditor runs ``audit check``)."""
    ring_file = ring_path(instance_path())
    ring = read_ring([ring_file]) if ring_file.exists() else None
    with db.reading() as s:
        return review_log(s, ring).problems + record_problems(s)
