"""Every joint meeting (联席会议) is a leaf of the global Merkle log each time it changes.

A sitting whose resolutions link to cases is committed by those cases' chains (fact rows, format 4). One that
links to none belongs to no case, so no chain holds it; its rows are still something residents read as fact
(the attendance and minutes on the notice board, the resolutions counted in the assessment). Such a row is
put under the signed tree heads the same way an access-log entry is: when a transaction changed a meeting,
its attendance or its resolutions, commit appends a ``joint`` leaf pointing at the meeting (``ref`` = its id)
whose hash is the sha256 of all of the meeting's rows as they stand then (:func:`meeting_digest`). The last
leaf of a meeting is what the log holds for it; ``casegrid verify`` recomputes every meeting's digest and
names a meeting that differs from it (edited), one without a leaf (inserted by hand) and a leaf whose meeting
is gone (deleted). Every meeting gets its leaf, linked or not, so the check is the same for all; the chains
of the linked cases add the column-by-column comparison.

The leaf holds one sha256 over the whole meeting — its minutes, times, every attendee and resolution — never
a name on its own, so there is no short value (a phone, a name) to test guesses against.
"""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.leaves import MerkleLeaf, _insert
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.joint.models import JointAttendance, JointMeeting, JointResolution

JOINT = "joint"
#: Meeting ids changed in this transaction (leaves appended at commit).
_CHANGED = "casegrid_joint_changed"


def _columns(row: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    values = {}
    for column in row.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def meeting_digest(session: Session, meeting: JointMeeting) -> str:
    """sha256 of the meeting, its attendance and its resolutions (a linked case by uuid: portable)."""
    attendance = session.scalars(select(JointAttendance).where(JointAttendance.meeting_id == meeting.id)
                                 .order_by(JointAttendance.id))
    resolutions = list(session.scalars(select(JointResolution).where(JointResolution.meeting_id == meeting.id)
                                       .order_by(JointResolution.id)))
    linked = {r.case_id for r in resolutions if r.case_id is not None}
    uuids = dict(session.execute(select(Case.id, Case.uuid).where(Case.id.in_(linked))).tuples().all()) \
        if linked else {}
    document = {
        "meeting": _columns(meeting),
        "attendance": [_columns(a) for a in attendance],
        "resolutions": [{**_columns(r, ("case_id",)), "case": uuids.get(r.case_id) if r.case_id else None}
                        for r in resolutions],
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _track(session: Session, _context: Any, _instances: Any) -> None:
    changed: set[int] = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, JointMeeting):
            if obj.id is not None:
                changed.add(obj.id)
            else:
                session.info.setdefault(_CHANGED + "_new", []).append(obj)
        elif isinstance(obj, (JointAttendance, JointResolution)) and obj.meeting_id is not None:
            changed.add(obj.meeting_id)


def _append_leaves(session: Session) -> None:
    """Before commit: one ``joint`` leaf per meeting this transaction changed (after the last flush)."""
    if not session.info.get(_CHANGED) and not session.info.get(_CHANGED + "_new"):
        return
    session.flush()
    changed: set[int] = session.info.pop(_CHANGED, set())
    changed |= {m.id for m in session.info.pop(_CHANGED + "_new", []) if m.id is not None}
    for meeting_id in sorted(changed):
        meeting = session.get(JointMeeting, meeting_id)
        if meeting is None:
            continue  # deleted by the application: nothing does that (a deletion by hand is named at verify)
        _insert(session, {"kind": JOINT, "case_id": None, "seq": None, "ref": str(meeting_id),
                          "entry_hash": meeting_digest(session, meeting)})


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_CHANGED + "_new", None)


orm_event.listen(Session, "before_flush", _track)
orm_event.listen(Session, "before_commit", _append_leaves)
orm_event.listen(Session, "after_commit", _forget)
orm_event.listen(Session, "after_soft_rollback", _forget)


def joint_problems(session: Session) -> list[str]:
    """Each joint meeting against the last leaf the log holds for it."""
    last = select(MerkleLeaf.ref, func.max(MerkleLeaf.id).label("leaf_id")).where(MerkleLeaf.kind == JOINT) \
        .group_by(MerkleLeaf.ref).subquery()
    leaves = {ref: (leaf_id, digest) for ref, leaf_id, digest in session.execute(
        select(MerkleLeaf.ref, MerkleLeaf.id, MerkleLeaf.entry_hash).join(last, MerkleLeaf.id == last.c.leaf_id))}
    found = []
    for meeting in session.scalars(select(JointMeeting).order_by(JointMeeting.id)):
        leaf = leaves.pop(str(meeting.id), None)
        if leaf is None:
            found.append(f"联席会议 #{meeting.id}（{meeting.title}）不在 Merkle 日志中（绕过程序插入）")
        elif leaf[1] != meeting_digest(session, meeting):
            found.append(f"联席会议 #{meeting.id}（{meeting.title}）的会议、出席或决议记录已被改写"
                         f"（与 Merkle 日志第 {leaf[0]} 号叶子不符）")
    for ref, (leaf_id, _digest) in sorted(leaves.items(), key=lambda item: item[1][0]):
        found.append(f"联席会议 #{ref} 已被删除（Merkle 日志第 {leaf_id} 号叶子仍记录着它）")
    return found
