"""The stages of one sweep cycle, in order. Add a stage by adding it to :func:`default_stages`.

Each stage opens its own transactions (one per unit of work: a case, a batch of messages), is safe
when another sweeper overlaps it, and returns counts. A stage that raises is recorded with its error
and the next stage still runs (:mod:`engine.sweep.cycle`). See /work/coord/CONTRACTS.md ("sweep").
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.audit.heads import last_sealed_at, latest_head, log_top, seal_log, sealed_size, sign_head
from engine.audit.keystore import configured_private_key
from engine.cases.hooks import HookRegistry
from engine.clock import Clock, as_utc, to_db
from engine.db import Database
from engine.field.reminders import GENERATE_EVERY, GENERATE_MARKER
from engine.field.service import FieldService
from engine.joint.service import JointService
from engine.hotline import CallbackSender, HotlineService
from engine.notify import OutboxService, Sender
from engine.notify.channels import channels_from_env
from engine.notify.outbox import LOG
from engine.notify.senders import SENDER_ENV
from engine.notify.service import NotificationService
from engine.rectification.service import RectificationService
from engine.privacy.retention import sweep_retention
from engine.sweep.models import SweepLease
from engine.sweep.votes import sweep_due

#: Messages the outbox stage sends at once on the channels the environment configures (thread-safe senders).
SEND_CONCURRENCY = 4
#: How often the Merkle log gets a signed tree head (``$CASEGRID_AUDIT_HEAD_MINUTES`` overrides it).
HEAD_EVERY = timedelta(minutes=10)
HEAD_MINUTES_ENV = "CASEGRID_AUDIT_HEAD_MINUTES"
#: The retention sweep runs once a day, erasing at most this many cases a cycle; its next run is kept as a
#: lease row of this name.
RETENTION_EVERY = timedelta(days=1)
RETENTION_LIMIT = 2000
RETENTION_MARKER = "privacy-retention"
HOTLINE_URL_ENV = "CASEGRID_HOTLINE_CALLBACK_URL"
HOTLINE_SECRET_ENV = "CASEGRID_HOTLINE_CALLBACK_SECRET"
#: Timers: due cases per batch, and the most batches one cycle runs (a backlog drains over several cycles).
TIMER_BATCH, TIMER_BATCHES = 500, 20


@dataclass(frozen=True)
class SweepContext:
    db: Database
    clock: Clock
    #: The cycle's one instant (aware UTC): every stage of a cycle works as of this time.
    now: datetime


@dataclass(frozen=True)
class Stage:
    #: Key of the stage's counts in the cycle's record (``timers``, ``outbox`` …).
    name: str
    #: How the operations page names it.
    label: str
    run: Callable[[SweepContext], Mapping[str, int]]


def timers_stage(hooks: HookRegistry) -> Stage:
    """Due household votes and case timers (escalations); a failing case becomes an incident."""

    def run(ctx: SweepContext) -> Mapping[str, int]:
        return sweep_due(ctx.db, ctx.now, hooks, TIMER_BATCH, TIMER_BATCHES).counts()

    return Stage("timers", "到期定时器", run)


def reminders_stage() -> Stage:
    """Deadline reminders (50/80/100 %), the daily overdue digest, sitting and default-rating reminders."""

    def run(ctx: SweepContext) -> Mapping[str, int]:
        return NotificationService(ctx.db, ctx.clock).remind(ctx.now)

    return Stage("reminders", "提醒与日报", run)


def cadence_stage() -> Stage:
    """The joint meetings' cadence rule: a reminder before a window ends without a sitting, an alert after
    (engine.joint.cadence); one transaction per committee."""

    def run(ctx: SweepContext) -> Mapping[str, int]:
        return JointService(ctx.db, ctx.clock).sweep_cadence(ctx.now)

    return Stage("cadence", "联席会议召开周期", run)


def rectification_stage() -> Stage:
    """Rectification items past their deadline and not 已整改: flagged once, the street office told
    (engine.rectification.overdue); one transaction per item."""

    def run(ctx: SweepContext) -> Mapping[str, int]:
        return RectificationService(ctx.db, ctx.clock).sweep_overdue(ctx.now)

    return Stage("rectification", "整改事项逾期", run)


def outbox_stage(sender: str | Sender | None = None) -> Stage:
    """Send the outbox on the channels the environment configures (e-mail, signed webhook; see
    :mod:`engine.notify.channels`). ``sender`` is a sender for the log channel, ``module:attribute`` naming
    one, or None for the one ``$CASEGRID_NOTIFY_SENDER`` names (the log when nothing else is configured).

    The channels are set up at each cycle, so a mistake in their configuration shows as this stage's error
    on the operations page instead of stopping the server from starting.
    """
    def run(ctx: SweepContext) -> Mapping[str, int]:
        if sender is not None and not isinstance(sender, str):
            report = OutboxService(ctx.db, ctx.clock, channels={LOG: sender}).send_pending()
        else:
            # Set up each cycle and closed after it: a pooled webhook connection serves one cycle's batch.
            channels = channels_from_env(sender=sender or os.environ.get(SENDER_ENV))
            try:
                report = OutboxService(ctx.db, ctx.clock, channels=channels,
                                       concurrency=SEND_CONCURRENCY).send_pending()
            finally:
                for channel in {id(c): c for c in channels.values()}.values():
                    if callable(close := getattr(channel, "close", None)):
                        close()
        return {"sent": report.sent, "failed": len(report.failed)}

    return Stage("outbox", "通知发送", run)


def hotline_stage(hooks: HookRegistry) -> Stage:
    """12345 callbacks: queue ``closed`` for orders whose case closed, and deliver what is due to
    ``$CASEGRID_HOTLINE_CALLBACK_URL`` signed with ``$CASEGRID_HOTLINE_CALLBACK_SECRET`` (docs/hotline.md)."""
    def run(ctx: SweepContext) -> Mapping[str, int]:
        url, secret = os.environ.get(HOTLINE_URL_ENV, ""), os.environ.get(HOTLINE_SECRET_ENV, "")
        sender = CallbackSender(ctx.db, ctx.clock, url, secret) if url and secret else None
        try:
            return {"sent": HotlineService(ctx.db, ctx.clock, hooks, sender=sender).sweep()}
        finally:
            if sender is not None:
                sender.close()

    return Stage("hotline", "12345 工单回调", run)


def head_interval() -> timedelta:
    minutes = os.environ.get(HEAD_MINUTES_ENV, "").strip()
    return timedelta(minutes=float(minutes)) if minutes else HEAD_EVERY


def heads_stage(every: timedelta | None = None) -> Stage:
    """Make the Merkle log final and sign a tree head when the newest head (or seal) is ``every`` old (10
    minutes by default) and the log grew: nobody has to remember to checkpoint.

    Without a configured signing key (the demo; an installation before ``casegrid audit keygen``) the log
    is still sealed — ids burned by rolled-back steps filled with gap leaves, a ``seal`` leaf appended —
    and the stage counts ``no_key``: the log stays complete and the first head signed later covers all of
    it. A key that cannot be read is an error (and nothing is sealed: the operator meant to sign).
    """
    def run(ctx: SweepContext) -> Mapping[str, int]:
        interval = every if every is not None else head_interval()
        with ctx.db.reading() as s:  # read first: most cycles have nothing to seal and write nothing
            last = last_sealed_at(s)
            top, sealed, head = log_top(s), sealed_size(s), latest_head(s)
        if last is not None and ctx.now - last < interval:
            return {"signed": 0}
        key = configured_private_key()
        # with a key, leaves sealed before it existed are still to be signed
        if top <= (sealed if key is None else head.size if head is not None else 0):
            return {"signed": 0}
        with ctx.db.transaction() as s:
            if key is None:
                sealed = seal_log(s, at=ctx.now)
                return {"signed": 0, "no_key": 1, "sealed": int(sealed.created), "size": sealed.size,
                        "gaps": sealed.gaps}
            result = sign_head(s, key, at=ctx.now)
        return {"signed": int(result.created), "size": int(result.head["size"]), "gaps": result.gaps}

    return Stage("heads", "日志封存与树头签名", run)


def _turn(ctx: SweepContext, marker_name: str, every: timedelta) -> bool:
    """Whether a stage that runs once every ``every`` is due; if so its next run is set ``every`` later (a lease
    row named ``marker_name`` keeps it). Read first: most cycles are not its turn and write nothing."""
    with ctx.db.reading() as s:
        marker = s.get(SweepLease, marker_name)
        if marker is not None and marker.expires_at is not None and as_utc(marker.expires_at) > ctx.now:
            return False
    with ctx.db.transaction() as s:
        marker = s.get(SweepLease, marker_name)
        if marker is None:
            marker = SweepLease(name=marker_name)
            s.add(marker)
        marker.holder = "next-run"
        marker.expires_at = to_db(ctx.now + every)
    return True


def field_stage(hooks: HookRegistry, every: timedelta = GENERATE_EVERY) -> Stage:
    """Due visits of the visit plans (「独居老人每月至少2次上门」): make this month's (once every ``every``) and
    tell each grid's workers of deadlines near or missed, once each (:mod:`engine.field.reminders`)."""
    def run(ctx: SweepContext) -> Mapping[str, int]:
        field = FieldService(ctx.db, ctx.clock, hooks)
        generated = field.generate_due(at=ctx.now).created if _turn(ctx, GENERATE_MARKER, every) else 0
        return {"generated": generated, **field.remind_due(ctx.now)}

    return Stage("field", "入户走访到期", run)


def retention_stage(every: timedelta = RETENTION_EVERY, limit: int = RETENTION_LIMIT) -> Stage:
    """Erase the personal data of closed cases whose retention period ended (engine/privacy/retention.py):
    once a day, at most ``limit`` cases a cycle (a backlog goes on at the next cycle)."""
    def run(ctx: SweepContext) -> Mapping[str, int]:
        if not _turn(ctx, RETENTION_MARKER, every):
            return {"erased": 0}
        report = sweep_retention(ctx.db, ctx.now, limit=limit)
        if len(report.due) >= limit:
            with ctx.db.transaction() as s:
                marker = s.get(SweepLease, RETENTION_MARKER)
                if marker is not None:
                    marker.expires_at = to_db(ctx.now)
        return report.counts()

    return Stage("retention", "个人信息保存期限", run)


def default_stages(hooks: HookRegistry, sender: str | Sender | None = None) -> list[Stage]:
    """Every stage of the SLA sweep, in the order they run: the outbox after what writes notifications, so
    that it goes out in the same cycle; the signed tree head last, over everything the cycle wrote."""
    return [timers_stage(hooks), reminders_stage(), cadence_stage(), rectification_stage(), field_stage(hooks),
            outbox_stage(sender), hotline_stage(hooks),
            retention_stage(), heads_stage()]
