"""Sending the notification outbox (``notification`` rows) through a pluggable sender."""
from __future__ import annotations

from engine.notify.outbox import OutboxService as OutboxService
from engine.notify.outbox import SendReport as SendReport
from engine.notify.senders import LogSender as LogSender
from engine.notify.senders import Outgoing as Outgoing
from engine.notify.senders import Sender as Sender
from engine.notify.senders import load_sender as load_sender
