"""Delivering a message a case's diagram waits for (a message catch event), from the API or the case page.

A diagram from another modeller often waits for word from outside — 材料已补齐, 复核结果 — with a
message catch event. Correlation is by case and message name: the caller names the case and the
message, and the payload lands in the process variable named after the message. The civic loop's
own messages (a whistle) go through their domain's operations, which keep its records.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.bpmn.forms import FORBIDDEN_CHARACTERS
from engine.cases.access import check_may_change, check_may_view
from engine.cases.hooks import HookRegistry
from engine.cases.queries import find_case, lock_case
from engine.cases.steps import StepResult, run_engine_event
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.specs.registry import process_of

#: Who may deliver a message by hand or through the API (an integration's token belongs to a supervisor).
DELIVERERS = frozenset({Role.SUPERVISOR.value})
#: Largest payload, as canonical JSON.
MAX_PAYLOAD_BYTES = 16_000
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")


def check_payload(data: Any) -> dict[str, Any]:
    """A payload is a JSON object of plain values whose keys can be read as variable names in conditions."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError("消息内容有误", {"data": "消息内容应为 JSON 对象，例如 {\"result\": \"ok\"}"})
    for key, value in data.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise ValidationError("消息内容有误", {"data": f"字段名 {str(key)[:40]!r} 应以英文字母开头，只含字母、数字和 _"})
        if not _plain(value, 0):
            raise ValidationError("消息内容有误", {"data": f"字段 {key} 的值应为文本、数字、是/否或它们的列表"})
    if len(json.dumps(data, ensure_ascii=False).encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValidationError("消息内容有误", {"data": f"消息内容超过 {MAX_PAYLOAD_BYTES} 字节"})
    return dict(data)


def _plain(value: Any, depth: int) -> bool:
    if value is None or isinstance(value, (bool, int, float)):
        return not isinstance(value, float) or value == value and abs(value) != float("inf")
    if isinstance(value, str):
        return not FORBIDDEN_CHARACTERS.search(value)
    if isinstance(value, list) and depth < 1:
        return len(value) <= 100 and all(_plain(v, depth + 1) for v in value)
    return False


def deliver_message(session: Session, ref: str | int, name: str, data: Mapping[str, Any] | None, *, actor: Actor,
                    at: datetime, hooks: HookRegistry) -> StepResult:
    """Deliver message ``name`` with ``data`` to the case ``ref`` (409 when it is not waiting for it)."""
    if actor.role not in DELIVERERS:
        raise PermissionDenied("只有街道督办可以向案件发送消息")
    case = find_case(session, ref)
    check_may_view(session, actor, case)
    check_may_change(session, actor, case)
    payload = check_payload(data)
    process = process_of(session, case.process_version_id)
    name = (name or "").strip()
    if case.process_key in hooks.intake_owners:
        raise ConflictError(f"流程 {case.process_key} 的消息由它自己的页面发送（如吹哨），不能在此发送")
    if name not in process.message_names:
        accepted = "、".join(sorted(process.message_names)) or "无"
        raise ValidationError("消息有误", {"name": f"流程“{process.name}”不接收消息“{name[:60]}”（可接收：{accepted}）"})
    case = lock_case(session, case.id)
    if case.status != "open":
        raise ConflictError(f"案件 {case.tracking_code} 已结案，不能再接收消息")
    return run_engine_event(session, case, event_type="message_received", actor=actor, at=at, hooks=hooks,
                            payload={"name": name, "data": payload}, process=process)
