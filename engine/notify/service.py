"""The notification services for ``web/`` and ``workflows/``: each call is one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from engine.cases.models import Case
from engine.clock import Clock, SystemClock, to_db
from engine.db import Database
from engine.errors import NotFound
from engine.notify import centre, preferences, problems, reminders, residents, wording
from engine.notify.models import NotificationTemplate
from engine.notify.preferences import Preferences
from engine.notify.problems import OutboxState
from engine.people.actor import Actor


@dataclass(frozen=True)
class TemplateView:
    kind: str
    locale: str
    subject: str
    body: str
    #: True when an admin replaced the built-in wording.
    custom: bool


class NotificationService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    # -- the notification centre (the person's own notifications only) --------------------------------

    def unread_count(self, username: str) -> int:
        with self.db.reading() as s:
            return centre.unread_count(s, username)

    def notices(self, username: str, *, unread_only: bool = False, page: int = 1, page_size: int = 30,
                locale: str = "zh_CN") -> list[centre.Notice]:
        with self.db.reading() as s:
            return centre.notices(s, username, unread_only=unread_only, limit=page_size,
                                  offset=(max(page, 1) - 1) * page_size, locale=locale)

    def mark_read(self, username: str, delivery_id: int) -> centre.Notice:
        with self.db.transaction() as s:
            return centre.mark_read(s, username, delivery_id, self.clock.now())

    def mark_all_read(self, username: str) -> int:
        with self.db.transaction() as s:
            return centre.mark_all_read(s, username, self.clock.now())

    # -- admins: the outbox ----------------------------------------------------------------------------

    def problems(self) -> list[problems.DeliveryProblem]:
        with self.db.reading() as s:
            return problems.problems(s)

    def outbox_state(self) -> OutboxState:
        with self.db.reading() as s:
            return problems.outbox_state(s)

    def resend(self, delivery_id: int) -> None:
        with self.db.transaction() as s:
            problems.resend(s, delivery_id, self.clock.now())

    # -- preferences --------------------------------------------------------------------------------------

    def preferences(self, username: str) -> Preferences:
        with self.db.reading() as s:
            return preferences.load(s, username)

    def save_preferences(self, username: str, prefs: Preferences) -> None:
        with self.db.transaction() as s:
            preferences.save(s, username, prefs)

    # -- templates ----------------------------------------------------------------------------------------

    def templates(self) -> list[TemplateView]:
        with self.db.reading() as s:
            custom = {(t.kind, t.locale): t for t in s.scalars(select(NotificationTemplate))}
        views = []
        for kind in wording.DEFAULTS:
            for locale in wording.LOCALES:
                row = custom.get((kind, locale))
                text = wording.builtin(kind, locale) if row is None else wording.Wording(row.subject, row.body)
                views.append(TemplateView(kind, locale, text.subject, text.body, row is not None))
        return views

    def template(self, kind: str, locale: str) -> TemplateView:
        if kind not in wording.DEFAULTS or locale not in wording.LOCALES:
            raise NotFound("没有这种通知模板")
        return next(t for t in self.templates() if t.kind == kind and t.locale == locale)

    def save_template(self, kind: str, locale: str, subject: str, body: str, actor: Actor) -> None:
        """Refused with the line of the mistake when the template does not parse or render."""
        self.template(kind, locale)
        checked = wording.check(subject, body)
        with self.db.transaction() as s:
            row = s.scalar(select(NotificationTemplate).where(NotificationTemplate.kind == kind,
                                                              NotificationTemplate.locale == locale))
            if row is None:
                row = NotificationTemplate(kind=kind, locale=locale)
                s.add(row)
            row.subject, row.body = checked.subject, checked.body
            row.updated_by, row.updated_at = actor.username, to_db(self.clock.now())

    def reset_template(self, kind: str, locale: str) -> None:
        self.template(kind, locale)
        with self.db.transaction() as s:
            s.execute(delete(NotificationTemplate).where(NotificationTemplate.kind == kind,
                                                         NotificationTemplate.locale == locale))

    @staticmethod
    def preview(subject: str, body: str) -> tuple[str, str]:
        return wording.preview(subject, body)

    # -- residents ----------------------------------------------------------------------------------------

    def subscribe(self, case_id: int, contact: str, consent: bool, *, link: str, locale: str = "zh_CN") -> bool:
        """Record a reporter's contact and consent and queue their receipt; False when they left none."""
        checked = residents.check_contact(contact, consent)
        if checked is None:
            return False
        with self.db.transaction() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise NotFound("案件不存在")
            residents.subscribe(s, case, *checked, at=self.clock.now(), link=link, locale=locale)
        return True

    def withdraw(self, case_id: int) -> bool:
        with self.db.transaction() as s:
            return residents.withdraw(s, case_id, self.clock.now())

    def subscribed(self, case_id: int) -> bool:
        with self.db.reading() as s:
            return residents.subscribed(s, case_id)

    # -- the sweep's stages ---------------------------------------------------------------------------------

    def remind(self, now: datetime | None = None) -> dict[str, int]:
        """Run every reminder stage once, each in its own transaction: counts by stage."""
        when = now or self.clock.now()
        counts = {stage.__name__: 0 for stage in reminders.STAGES}
        with self.db.reading() as s:
            due = reminders.due(s, when)
        for stage in due:
            with self.db.transaction() as s:
                counts[stage.__name__] = stage(s, when)
        return counts

