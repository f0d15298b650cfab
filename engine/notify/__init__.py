"""Notifications: the outbox, its channels (in-app, e-mail, signed webhook for SMS / WeChat), what people are
told (:mod:`engine.notify.triggers`, :mod:`engine.notify.reminders`) and their wording."""
from __future__ import annotations

from engine.notify import triggers
from engine.notify.outbox import OutboxService as OutboxService
from engine.notify.outbox import SendReport as SendReport
from engine.notify.senders import LogSender as LogSender
from engine.notify.senders import Outgoing as Outgoing
from engine.notify.senders import Sender as Sender
from engine.notify.senders import load_sender as load_sender

# Steps write their notifications in their own transaction: the listener must be on before any step runs,
# and every process that writes cases imports the schema (engine.models), which imports this package.
triggers.install()
