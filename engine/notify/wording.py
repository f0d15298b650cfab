"""What a message says: a built-in wording per kind in Chinese and English, which an admin may replace.

Templates are Jinja run in a :class:`~jinja2.sandbox.SandboxedEnvironment` (no attribute tricks, no
imports), see the values a notification carries (``params``) plus ``tracking_code``, ``title`` and
``message`` (the Chinese text written with the notification). A template that does not parse, or fails on a
sample notification, is refused when saved, naming the line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.errors import ValidationError
from engine.notify.models import NotificationTemplate

LOCALES = ("zh_CN", "en")


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


def _w(subject: str, body: str) -> Wording:
    return Wording(subject, body)


#: kind → locale → the built-in wording. ``message`` is the Chinese text the notification was written with.
DEFAULTS: dict[str, dict[str, Wording]] = {
    "verification_code": {"zh_CN": _w("验证码", "{{ message }}"),
                          "en": _w("Verification code", "{{ message }}")},
    "new_work": {"zh_CN": _w("新待办：{{ task }}", "{{ message }}"),
                 "en": _w("New task: {{ task }}", "Case {{ tracking_code }} ({{ title }}) waits for you: {{ task }}.")},
    "reassigned": {"zh_CN": _w("任务改派：{{ task }}", "{{ message }}"),
                   "en": _w("Task reassigned: {{ task }}",
                            "Case {{ tracking_code }}: the task {{ task }} was reassigned. Reason: {{ reason }}")},
    "escalated": {"zh_CN": _w("督办提醒：案件 {{ tracking_code }}", "{{ message }}"),
                  "en": _w("Escalation: case {{ tracking_code }}", "Case {{ tracking_code }} ({{ title }}) was escalated.")},
    "deadline": {"zh_CN": _w("时限提醒：{{ task }}", "{{ message }}"),
                 "en": _w("Deadline reminder: {{ task }}",
                          "Case {{ tracking_code }}: {{ level }} % of the time for {{ task }} has passed "
                          "(deadline {{ deadline }}).")},
    "digest": {"zh_CN": _w("超期工作日报", "{{ message }}"),
               "en": _w("Overdue work today", "Overdue work by department: {{ summary }}")},
    "sitting": {"zh_CN": _w("议事会议提醒", "{{ message }}"),
                "en": _w("Council sitting reminder", "The council sits at {{ when }}: {{ topic }}.")},
    "joint_reminder": {"zh_CN": _w("联席会议召开提醒", "{{ message }}"),
                       "en": _w("Joint meeting due", "{{ community }} has held no joint meeting yet in this period, "
                                "which ends on {{ until }}.")},
    "joint_missed": {"zh_CN": _w("联席会议未按期召开", "{{ message }}"),
                     "en": _w("Joint meeting missed", "{{ community }} held no joint meeting from {{ since }} "
                              "to {{ until }}.")},
    "field_due": {"zh_CN": _w("走访提醒：{{ plan }}", "{{ message }}"),
                  "en": _w("Visits due: {{ plan }}", "Grid {{ grid }}: {{ households }} households still wait for "
                           "visit no. {{ number }} of \"{{ plan }}\", due by {{ until }}.")},
    "field_overdue": {"zh_CN": _w("走访超期：{{ plan }}", "{{ message }}"),
                      "en": _w("Visits overdue: {{ plan }}", "Grid {{ grid }}: {{ households }} households did not "
                               "get visit no. {{ number }} of \"{{ plan }}\" by {{ until }}.")},
    "rectification_overdue": {"zh_CN": _w("整改事项逾期未整改", "{{ message }}"),
                              "en": _w("Rectification overdue", "{{ unit }} has not rectified \"{{ problem }}\" "
                                       "({{ source }}) by {{ deadline }}.")},
    "receipt": {"zh_CN": _w("已收到您反映的问题", "{{ message }}"),
                "en": _w("We received your report",
                         "Your report {{ tracking_code }} was received. Follow it here: {{ link }}")},
    "case_update": {"zh_CN": _w("您反映的问题有新进展", "{{ message }}"),
                    "en": _w("Your report has news", "Report {{ tracking_code }}: {{ update_en }}. {{ link }}")},
    "urged": {"zh_CN": _w("催办：案件 {{ tracking_code }}", "{{ message }}"),
              "en": _w("Reminder from the supervisor: case {{ tracking_code }}",
                       "The supervisor urges you to handle case {{ tracking_code }} ({{ title }}).")},
    "returned": {"zh_CN": _w("退单：案件 {{ tracking_code }}", "{{ message }}"),
                 "en": _w("Returned: case {{ tracking_code }}",
                          "{{ department }} returned case {{ tracking_code }} ({{ title }}): {{ reason }}. "
                          "Please dispatch it again.")},
    "extension_requested": {"zh_CN": _w("延期申请：案件 {{ tracking_code }}", "{{ message }}"),
                            "en": _w("Extension requested: case {{ tracking_code }}",
                                     "A department asks for more time on case {{ tracking_code }} ({{ title }}).")},
    "extension_decided": {"zh_CN": _w("延期申请结果：案件 {{ tracking_code }}", "{{ message }}"),
                          "en": _w("Extension decided: case {{ tracking_code }}",
                                   "The supervisor decided on your extension request for case {{ tracking_code }}.")},
    "rating_reminder": {"zh_CN": _w("请评价办理结果", "{{ message }}"),
                        "en": _w("Please rate the result",
                                 "Report {{ tracking_code }}: please rate the result before {{ deadline }}, "
                                 "otherwise it counts as fairly satisfied. {{ link }}")},
}
#: The wording used for a kind with no entry above (other helpers' events).
FALLBACK = {"zh_CN": _w("案件 {{ tracking_code }} 通知", "{{ message }}"),
            "en": _w("Case {{ tracking_code }}", "{{ message }}")}

_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_LENIENT = SandboxedEnvironment(autoescape=False)


def values(note: Notification, case: Case | None) -> dict[str, Any]:
    params = json.loads(note.params) if note.params else {}
    return {**params, "tracking_code": case.tracking_code if case else "", "title": case.title if case else "",
            "message": note.message, "kind": note.kind, "link": link(note, case)}


def link(note: Notification, case: Case | None) -> str:
    """The page the notification is about: its task, else its case (a digest or sitting names its own)."""
    params = json.loads(note.params) if note.params else {}
    if "link" in params:
        return str(params["link"])
    if note.work_item_id is not None:
        return f"/inbox/tasks/{note.work_item_id}"
    return f"/cases/{case.tracking_code}" if case else "/"


def builtin(kind: str, locale: str) -> Wording:
    return DEFAULTS.get(kind, FALLBACK).get(locale) or DEFAULTS.get(kind, FALLBACK)["zh_CN"]


class Catalogue:
    """Every admin-edited template, read once (a handful of rows) for a batch of messages."""

    def __init__(self, session: Session) -> None:
        self.custom = {(t.kind, t.locale): Wording(t.subject, t.body)
                       for t in session.scalars(select(NotificationTemplate))}
        self._compiled: dict[str, Any] = {}

    def wording(self, kind: str, locale: str) -> Wording:
        return self.custom.get((kind, locale)) or builtin(kind, locale)

    def render(self, note: Notification, case: Case | None, locale: str = "zh_CN") -> tuple[str, str]:
        template = self.wording(note.kind, locale)
        context = values(note, case)
        try:
            return (self._template(template.subject).render(context).strip(),
                    self._template(template.body).render(context).strip())
        except TemplateError:  # a delivery is never blocked by its wording: fall back to the stored text
            return note.message[:60], note.message

    def _template(self, text: str) -> Any:
        if text not in self._compiled:
            self._compiled[text] = _LENIENT.from_string(text)
        return self._compiled[text]


def render(session: Session, note: Notification, case: Case | None, locale: str = "zh_CN") -> tuple[str, str]:
    return Catalogue(session).render(note, case, locale)


#: What a preview and the save check render a template with.
SAMPLE = {"tracking_code": "CG20261207-0001", "title": "3号楼电梯故障", "message": "案件 CG20261207-0001 有新待办",
          "kind": "sample", "task": "部门报到", "reason": "职责调整", "level": 80, "deadline": "2026-12-09 17:30",
          "summary": "城管 3, 民政 1", "when": "2026-12-10 19:00", "topic": "加装电梯", "link": "/track/x",
          "update_en": "dispatched to a department", "department": "住建办",
          "community": "幸福里社区", "since": "2026-11-01", "until": "2026-11-30"}


def check(subject: str, body: str) -> Wording:
    """Parse and trial-render a template; a mistake raises :class:`ValidationError` naming field and line."""
    errors = {}
    for name, text in (("subject", subject), ("body", body)):
        try:
            _ENV.from_string(text).render(SAMPLE)
        except TemplateSyntaxError as exc:
            errors[name] = f"第 {exc.lineno} 行：{exc.message}"
        except TemplateError as exc:
            errors[name] = f"模板无法生成：{exc}"
    if not subject.strip():
        errors["subject"] = "标题不能为空"
    if errors:
        raise ValidationError("模板有误，未保存", errors)
    return Wording(subject.strip(), body)


def preview(subject: str, body: str) -> tuple[str, str]:
    checked = check(subject, body)
    return (_ENV.from_string(checked.subject).render(SAMPLE), _ENV.from_string(checked.body).render(SAMPLE))
