"""Who may call which route. Every view is marked with exactly one of these decorators;
a test walks the URL map and fails on any route that is neither protected nor deliberately public."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from engine import Actor

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute set on every view function: ``"public"``, ``"login"`` or a frozenset of roles.
ACCESS_ATTR = "casegrid_access"


def public(view: F) -> F:
    """Anyone, without logging in (resident pages, login, static assets)."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def login_required(view: F) -> F:
    """Any logged-in user, whatever the role (logout, language, own profile)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, "login")
    return wrapper  # type: ignore[return-value]


def roles(*allowed: str) -> Callable[[F], F]:
    """Only users whose role is one of ``allowed``; others get 403, anonymous users the login page."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, frozenset(allowed))
        return wrapper  # type: ignore[return-value]

    return decorate


def current_actor() -> Actor:
    """The logged-in user as the engine's :class:`~engine.Actor`."""
    return current_user.actor
