"""Attach stored files to a case: the rows and their events in the caller's transaction."""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.leaves import add_evidence_leaf
from engine.cases.models import Case
from engine.clock import to_db
from engine.errors import ValidationError
from engine.bpmn.forms import FormSpec
from engine.evidence.content import FIELD, IMAGE_TYPES
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.purposes import PURPOSES
from engine.people.actor import Actor

#: Default most files one case may hold.
MAX_PER_CASE = 30
EVENT_TYPE = "evidence_attached"


def evidence_payload(file: EvidenceFile, purpose: str) -> dict[str, Any]:
    """What the attaching event records of the file, so the hash chain covers its bytes and metadata."""
    return {
        "sha256": file.sha256, "size": file.size, "media_type": file.media_type, "purpose": purpose,
        "width": file.width, "height": file.height, "captured_at": file.captured_at,
        "gps": [file.gps_lat, file.gps_lon] if file.gps_lat is not None else None,
        "public_sha256": file.public_sha256, "thumb_sha256": file.thumb_sha256,
    }


def attach(session: Session, case: Case, sha256s: Sequence[str], *, purpose: str, actor: Actor,
           at: datetime, max_per_case: int = MAX_PER_CASE, field: str = FIELD,
           kinds: Collection[str] | None = None, context: Mapping[str, Any] | None = None) -> list[Attachment]:
    """One ``evidence_attached`` event and attachment row per file, through the one chain append path.

    ``case`` must be locked by the caller (its chain head moves). The files must have been received
    (:meth:`engine.evidence.service.EvidenceService.receive`); a file named twice is attached once.
    ``kinds``: the media types the step takes (a photo field takes no PDF); refusals name ``field``.
    ``context``: more the event records of where the file was attached (a council sitting's id); the file's
    own keys always win.
    """
    if purpose not in PURPOSES:
        raise ValidationError("用途不对", {field: f"未知的用途：{purpose}"})
    wanted = list(dict.fromkeys(sha256s))
    files = {f.sha256: f for f in session.scalars(select(EvidenceFile).where(EvidenceFile.sha256.in_(wanted)))}
    if missing := [s for s in wanted if s not in files]:
        raise ValidationError("文件未找到", {field: f"有 {len(missing)} 个文件未上传成功，请重新上传"})
    if kinds is not None and (wrong := [s for s in wanted if files[s].media_type not in kinds]):
        raise ValidationError("文件类型不对", {field: f"这里只能上传照片（JPEG、PNG、WebP 或 HEIC），有 {len(wrong)} 个文件不是照片"})
    held = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id)) or 0
    if held + len(wanted) > max_per_case:
        raise ValidationError("文件太多", {field: f"每件案件最多 {max_per_case} 个文件（已有 {held} 个）"})
    attached = []
    for sha256 in wanted:
        event = append_event(session, case, type=EVENT_TYPE, actor=actor.username, role=actor.role, at=at,
                             payload={**(context or {}), **evidence_payload(files[sha256], purpose)})
        row = Attachment(case_id=case.id, event_seq=event.seq, sha256=sha256, purpose=purpose,
                         uploaded_by=actor.username, uploaded_role=actor.role, attached_at=to_db(at))
        session.add(row)
        add_evidence_leaf(session, case.id, case.uuid, event.seq, sha256)
        attached.append(row)
    session.flush()
    return attached


def attach_form_files(session: Session, case: Case, form: FormSpec, data: Mapping[str, Any], *, actor: Actor,
                      at: datetime, max_per_case: int = MAX_PER_CASE) -> None:
    """Attach the files of a task form's ``file``/``photo`` fields (validated by the form) with the purpose
    the diagram declares for each: their events come just before the step's own, in its transaction."""
    for f in form.fields:
        if f.is_file and data.get(f.id):
            attach(session, case, data[f.id], purpose=f.purpose or "", actor=actor, at=at, field=f.id,
                   max_per_case=max_per_case, kinds=IMAGE_TYPES.values() if f.type == "photo" else None)


#: A link to a file kept elsewhere (an Open311 client's ``media_url``), recorded as given: casegrid holds no copy.
LINK_EVENT_TYPE = "evidence_linked"
MAX_LINK_LENGTH = 2000


def check_link(url: str, field: str = FIELD) -> str:
    """An ``http(s)`` URL with a host and no credentials; :class:`ValidationError` naming ``field`` otherwise."""
    text = (url or "").strip()
    parts = urlsplit(text) if len(text) <= MAX_LINK_LENGTH else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ValidationError("链接有误", {field: f"应为 http(s) 开头、不含用户名密码、不超过 {MAX_LINK_LENGTH} 字符的网址"})
    return text


def link(session: Session, case: Case, url: str, *, purpose: str, actor: Actor, at: datetime) -> None:
    """Record a link to a file held elsewhere (checked with :func:`check_link`) in the case's chained record."""
    append_event(session, case, type=LINK_EVENT_TYPE, actor=actor.username, role=actor.role, at=at,
                 payload={"url": url, "purpose": purpose})
