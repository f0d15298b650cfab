"""Rate limits of every public endpoint, in one table: who is counted (an address, a token, an address and
a username) and against which configured limit.

Anyone on the internet can call these routes, so each has a budget per client address; integrations
that present an API token are counted per token instead, against a quota of their own
(``INTEGRATION_LIMIT``) that residents' traffic from the same address never uses up; the login form counts
per address *and username*, so one office behind one NAT address does not lock itself out while a
guesser trying many names from one address still meets ``LOGIN_ADDRESS_LIMIT``. A new public route
without a row here fails ``tests/web/test_throttles.py``.

Counters live in ``RATELIMIT_STORAGE_URI`` (``memory://`` in one process; ``redis://…`` when several
workers must share them — see docs/security.md). A refusal is 429 with ``Retry-After`` and a message
saying when to try again, as a page, as JSON under ``/api`` or in GeoReport's error format under Open311.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from web.errors import render_error
from web.extensions import limiter
from web.local_window import LocalFixedWindow, Window
from web.retry_time import retry_clock
from web.open311.blueprint import request_format
from web.open311.formats import errors

log = logging.getLogger("casegrid.web")

#: Open311 submissions without a valid token share the residents' form budget (``PUBLIC_FORM_LIMIT``).
FORM_LIMIT = "PUBLIC_FORM_LIMIT"


@dataclass(frozen=True)
class Counter:
    """One count this request adds to: ``scope`` names the budget, ``who`` the client within it."""

    scope: str
    limit: str  # the config key holding the limit, e.g. "PUBLIC_READ_LIMIT" (web/config.py)
    who: str


Rule = Callable[[], "Counter | None"]


def _digest(text: str) -> str:
    # Usernames and tokens are hashed: people type passwords into the username field, and a token is a secret.
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _address() -> str:
    return request.remote_addr or "unknown"


def _integration_token() -> str | None:
    """The API token this request presents (Bearer header or Open311 ``api_key``), if it is an active one."""
    auth = request.authorization
    secret = (auth.token if auth is not None and auth.type == "bearer" else None) \
        or request.values.get("api_key") or ""
    secret = secret.strip()
    if not secret or not current_app.extensions["casegrid.tokens"].is_active(secret):
        return None
    return secret


def per_address(scope: str, limit: str, methods: frozenset[str] | None = None) -> Rule:
    def rule() -> Counter | None:
        if methods is not None and request.method not in methods:
            return None
        return Counter(scope, limit, _address())
    return rule


def per_token_or_address(scope: str, limit: str, methods: frozenset[str] | None = None) -> Rule:
    """An integration's own quota when it presents an active token; else the address's ``limit``."""
    def rule() -> Counter | None:
        if methods is not None and request.method not in methods:
            return None
        if (token := _integration_token()) is not None:
            return Counter("integration", "INTEGRATION_LIMIT", _digest(token))
        return Counter(scope, limit, _address())
    return rule


def per_integration_token() -> Counter | None:
    """An API call with a Bearer token counts against that token's quota (Basic and sessions do not)."""
    auth = request.authorization
    if auth is None or auth.type != "bearer" or (token := _integration_token()) is None:
        return None
    return Counter("integration", "INTEGRATION_LIMIT", _digest(token))


def per_login_name() -> Counter | None:
    if request.method != "POST":
        return None
    username = (request.form.get("username") or "").strip()
    return Counter("login", "LOGIN_LIMIT", f"{_address()}/{_digest(username)}")


def per_ballot() -> Counter | None:
    if request.method != "POST":
        return None
    return Counter("ballot", "VOTE_TOKEN_LIMIT", _digest((request.view_args or {}).get("token", "")))


POST = frozenset({"POST"})
READ = per_address("public-read", "PUBLIC_READ_LIMIT")
OPEN311_READ = per_token_or_address("open311-read", "OPEN311_READ_LIMIT")
RESIDENT = per_address("resident-app", "RESIDENT_APP_LIMIT")

#: Every public endpoint → the counters a request to it adds to. (Some keep a limit of their own besides,
#: declared where they are: the tracking-code guesses in web/public/limits.py, the resident form posts.)
PUBLIC_ENDPOINTS: Mapping[str, tuple[Rule, ...]] = {
    "auth.home": (READ,),
    "auth.language": (READ,),
    "auth.login": (READ, per_login_name, per_address("login-address", "LOGIN_ADDRESS_LIMIT", POST)),
    # Single sign-on: going to the identity provider and coming back with its code (each callback makes the
    # server call the provider) count with the public pages' reads of the address.
    "sso.start": (READ,),
    "sso.callback": (READ,),
    "api.openapi": (READ,),
    "open311.openapi": (READ,),
    "open311.discovery": (READ,),
    "open311.service_list": (per_token_or_address("public-read", "PUBLIC_READ_LIMIT"),),
    "open311.service_definition": (per_token_or_address("public-read", "PUBLIC_READ_LIMIT"),),
    "open311.request_list": (OPEN311_READ,),
    "open311.request_detail": (OPEN311_READ,),
    # Filing: an integration on its own quota; anyone else (a made-up api_key too) on the residents' form's.
    "open311.submit": (per_token_or_address("public-form", FORM_LIMIT),),
    "public.report": (READ,),
    "public.report_step": (READ,),
    "public.review": (READ,),
    "public.report_done": (READ,),
    "public.track": (READ,),
    "public.case": (READ,),
    "public.rate": (READ,),
    # The reporter's own pages (their secret link): keys that find nothing count as tracking misses too.
    "public.mine": (READ,),
    "public.my_reports": (READ,),
    "public.mine_rate": (READ,),
    "public.mine_rated": (READ,),
    "public.mine_add": (READ,),
    "public.mine_erase": (READ,),
    # Report photos (their uploads have their own per-address limit besides) and a case's public photos.
    "public.report_photos": (READ,),
    "public.report_photo": (READ,),
    "public.case_photo": (READ,),
    "public.board": (READ,),
    "public.board_feed": (READ,),
    "public.board_qr": (READ,),
    "public.board_photo": (READ,),
    "notify.resident": (READ,),
    # The residents' app (web/api/resident.py): codes and logins per address on a small budget (each code is
    # an SMS; the engine also limits codes per phone and guesses per code); the token's routes like pages.
    "api.resident_code": (RESIDENT, per_address("resident-code", "RESIDENT_CODE_LIMIT")),
    "api.resident_login": (RESIDENT, per_address("resident-code", "RESIDENT_CODE_LIMIT")),
    "api.resident_reports": (RESIDENT,),
    "api.resident_report": (RESIDENT, per_address("public-form", FORM_LIMIT)),
    "api.resident_report_detail": (RESIDENT,),
    "api.resident_add_information": (RESIDENT,),
    "api.resident_rate": (RESIDENT,),
    "api.resident_follow": (RESIDENT,),
    "api.resident_withdraw": (RESIDENT,),
    "api.resident_volunteer": (RESIDENT,),
    "vote.ballot": (READ, per_ballot, per_address("ballot-address", "VOTE_ADDRESS_LIMIT", POST)),
    "vote.result": (READ,),
}
#: Blueprints whose every request adds to a counter (the staff API: integrations' tokens).
BLUEPRINTS: Mapping[str, tuple[Rule, ...]] = {"api": (per_integration_token,)}


class Throttled(TooManyRequests):
    """429 with the seconds until the budget refills."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)
        self.seconds = retry_after


class Throttles:
    """The counters of one app (its own storage: Flask-Limiter's extension object is shared per process).

    When the shared store cannot be reached (Redis down), counting goes on in this process's memory — the
    limits hold per worker instead of across them — and the outage is logged; nobody gets a 500 for it."""

    def __init__(self, storage_uri: str, prefix: str) -> None:
        self.local = LocalFixedWindow()
        self.shared: Window = self.local if storage_uri.startswith("memory://") \
            else FixedWindowRateLimiter(storage_from_string(storage_uri))
        self.prefix = prefix

    def check(self, counters: list[Counter], config: Mapping[str, object]) -> None:
        """Count the request in every counter, or in none: :class:`Throttled` (with the longest wait) when
        one is used up. A refused request uses up nobody's budget (a ballot refused for its token does not
        count against its address)."""
        items = [(parse(str(config[c.limit])), (self.prefix, c.scope, c.who)) for c in counters]
        try:
            waits = self._count(self.shared, items)
        except Exception:  # noqa: BLE001 - any failure of the store (connection, timeout, protocol)
            log.warning("rate-limit store unreachable: counting in this process's memory", exc_info=True)
            waits = self._count(self.local, items)
        if waits:
            raise Throttled(max(waits))

    @staticmethod
    def _count(window: Window, items: list[tuple[RateLimitItem, tuple[str, ...]]]) -> list[int]:
        # Several counters: test them all first, so that a refusal uses up none (one round trip less
        # to Redis when there is only one).
        waits = [] if len(items) == 1 else [_wait(window, item, key) for item, key in items
                                            if not window.test(item, *key)]
        if not waits:
            waits = [_wait(window, item, key) for item, key in items if not window.hit(item, *key)]
        return waits


def _wait(window: Window, item: RateLimitItem, key: tuple[str, ...]) -> int:
    reset = window.get_window_stats(item, *key).reset_time
    return max(1, math.ceil(reset - time.time()))


def _counters() -> list[Counter]:
    rules = [*PUBLIC_ENDPOINTS.get(request.endpoint or "", ()), *BLUEPRINTS.get(request.blueprint or "", ())]
    return [counter for rule in rules if (counter := rule()) is not None]


def _check() -> None:
    if not current_app.config["RATELIMIT_ENABLED"] or request.endpoint is None:
        return
    counters = _counters()
    if counters:
        throttles: Throttles = current_app.extensions["casegrid.throttles"]
        throttles.check(counters, current_app.config)


def retry_message(seconds: int) -> str:
    """How long to wait and until when, in local time: "请 3 分钟后再试（14:36 之后）"."""
    if seconds < 120:
        return _("操作过于频繁，请 %(n)d 秒后再试（%(time)s 之后）。", n=seconds, time=retry_clock(seconds))
    return _("操作过于频繁，请 %(n)d 分钟后再试（%(time)s 之后）。", n=math.ceil(seconds / 60),
             time=retry_clock(seconds))


def too_many(seconds: int) -> ResponseReturnValue:
    """The 429 answer in the caller's format, saying when to retry (and ``Retry-After``)."""
    message = retry_message(seconds)
    if request.path.startswith("/open311/"):
        response, status = errors(request_format(), 429, [message])
    else:
        response, status = render_error(429, message, retry_after=seconds)  # type: ignore[misc]
        response = current_app.make_response(response)
    response.headers["Retry-After"] = str(seconds)
    return response, status


def _throttled(error: Throttled) -> ResponseReturnValue:
    return too_many(error.seconds)


def limiter_retry_after() -> int:
    """Seconds until the Flask-Limiter limit that refused this request resets."""
    current = limiter.current_limit
    return max(1, math.ceil(current.reset_at - time.time())) if current is not None else 60


def _limiter_refused(_error: RateLimitExceeded) -> ResponseReturnValue:
    return too_many(limiter_retry_after())


def init_app(app: Flask) -> None:
    app.extensions["casegrid.throttles"] = Throttles(app.config["RATELIMIT_STORAGE_URI"],
                                                    str(app.config.get("RATELIMIT_KEY_PREFIX") or "casegrid"))
    app.before_request(_check)
    app.register_error_handler(Throttled, _throttled)
    app.register_error_handler(RateLimitExceeded, _limiter_refused)
