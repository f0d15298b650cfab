"""The community notice board (公示栏): a public page per community, its Atom feed, its QR code for the
printed A3 poster, and the public copies of the completion photos it shows. No login; throttled like the
other public pages (web/throttles.py)."""
from __future__ import annotations

import io

import segno
from flask import Response, abort, render_template, url_for
from flask.typing import ResponseReturnValue

from engine import NotFound
from engine.evidence.service import FileToSend
from web import services
from web.access import public
from web.public.blueprint import bp
from web.public.labels import outcome_text, rating_text
from web.public.photos import send_public_copy
from web.public.track import public_service

#: Longest community name looked up (longer ones are not names: 404 without a query).
MAX_NAME = 100
_SHA256 = frozenset("0123456789abcdef")


def _board(community: str):  # type: ignore[no-untyped-def]
    if len(community) > MAX_NAME:
        abort(404)
    try:
        return public_service().notice_board(community)
    except NotFound:
        abort(404)


def _board_url(community: str) -> str:
    return url_for("public.board", community=community, _external=True)


@bp.route("/board/<community>")
@public
def board(community: str) -> ResponseReturnValue:
    page = _board(community)
    return render_template("public/board.html", board=page, outcome_text=outcome_text, rating_text=rating_text,
                           board_url=_board_url(community))


@bp.route("/board/<community>/feed.atom")
@public
def board_feed(community: str) -> ResponseReturnValue:
    page = _board(community)
    body = render_template("public/board_feed.xml", board=page, board_url=_board_url(community),
                           outcome_text=outcome_text)
    return Response(body, mimetype="application/atom+xml")


@bp.route("/board/<community>/qr.svg")
@public
def board_qr(community: str) -> ResponseReturnValue:
    """The board's address as a QR code, for the printed poster on the physical board."""
    _board(community)
    out = io.BytesIO()
    segno.make(_board_url(community), error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False,
                                                        title=f"{community} 公示栏")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/board/<community>/photos/<sha256>")
@public
def board_photo(community: str, sha256: str) -> ResponseReturnValue:
    """A public copy (or thumbnail) of a completion photo the board shows: never an original."""
    if len(community) > MAX_NAME or len(sha256) != 64 or not set(sha256) <= _SHA256:
        abort(404)
    if not public_service().board_photo_allowed(community, sha256):
        abort(404)
    try:
        return send_public_copy(FileToSend(services.evidence().store, sha256, "image/jpeg"))
    except NotFound:
        abort(404)


