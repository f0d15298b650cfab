"""Notifications: the bell and notification centre, personal settings, and the admins' outbox and templates."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from web import services
from web.notify import admin, labels, resident, views  # noqa: F401  (they register their views on bp)
from web.notify.blueprint import bp


def unread_notifications() -> int:
    """The bell's number for the logged-in user (0 for visitors)."""
    if not current_user.is_authenticated:
        return 0
    return services.notifications().unread_count(current_user.username)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(unread_notifications=unread_notifications, notice_kind=labels.kind_label,
                                 channel_label=lambda c: str(labels.CHANNELS.get(c, c)),
                                 locale_name=lambda code: labels.LOCALE_NAMES.get(code, code))
