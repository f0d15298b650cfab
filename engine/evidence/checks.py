"""Every file the record refers to is there and is the file that was hashed (part of ``casegrid verify``).

The references are read from the ``evidence_attached`` events themselves (the hash chain covers them),
not from the attachment rows: a row could be edited, an event cannot without breaking the chain.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.evidence.operations import EVENT_TYPE
from engine.evidence.store import Store

#: The files one event refers to, and what each is called in a finding.
_COPIES = (("sha256", "原件"), ("public_sha256", "公开副本"), ("thumb_sha256", "缩略图"))


@dataclass(frozen=True)
class FileProblem:
    case_id: int
    tracking_code: str
    seq: int
    sha256: str
    problem: str

    def __str__(self) -> str:
        return f"案件 {self.tracking_code} 第 {self.seq} 个事件的{self.problem}：{self.sha256}"


@dataclass(frozen=True)
class FileCheck:
    #: Stored files checked (originals and their copies).
    files: int
    problems: list[FileProblem]


def check_files(session: Session, store: Store, case_ids: list[int] | None = None) -> FileCheck:
    """Hash every file the events refer to; the problems in case and seq order."""
    checked: list[str] = []
    problems = list(file_problems(session, store, case_ids, checked))
    return FileCheck(len(checked), problems)


def file_problems(session: Session, store: Store, case_ids: list[int] | None = None,
                  checked: list[str] | None = None) -> Iterator[FileProblem]:
    """Each missing or altered file referred to by an ``evidence_attached`` event, in case and seq order.

    ``checked`` (when given) collects the hashes looked at.
    """
    stmt = (select(CaseEvent.case_id, Case.tracking_code, CaseEvent.seq, CaseEvent.payload)
            .join(Case, Case.id == CaseEvent.case_id).where(CaseEvent.type == EVENT_TYPE)
            .order_by(CaseEvent.case_id, CaseEvent.seq).execution_options(yield_per=1000))
    if case_ids is not None:
        stmt = stmt.where(CaseEvent.case_id.in_(case_ids))
    for case_id, code, seq, text in session.execute(stmt):
        payload = json.loads(text)
        for key, name in _COPIES:
            sha256 = payload.get(key)
            if not sha256:
                continue
            if checked is not None:
                checked.append(sha256)
            try:
                problem = store.problem(sha256)
            except ValueError:
                problem = "文件哈希格式不对"
            if problem is not None:
                yield FileProblem(case_id, code, seq, sha256, f"{name}{problem}")
