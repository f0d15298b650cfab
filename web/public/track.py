"""Follow a case by its tracking code (no login). The code is public: it shows, it never acts.

Rating and every other act of the reporter live behind the private link (:mod:`web.public.mine`).
"""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine import NotFound
from engine.public import PublicCase, PublicService
from web import services
from web.access import public
from web.public.blueprint import bp
from web.public.forms import TrackForm
from web.public.limits import track_lookup_limit, track_miss_limit


def public_service() -> PublicService:
    return current_app.extensions["casegrid.public"]


def _unknown(code: str | None = None) -> ResponseReturnValue:
    """The friendly page for a code that finds nothing, with the form to try again."""
    return render_template("public/unknown.html", form=TrackForm(formdata=None, data={"code": code})), 404


@bp.route("/track", methods=["GET", "POST"])
@public
@track_lookup_limit()
def track() -> ResponseReturnValue:
    form = TrackForm(data={"code": request.args.get("code", "")})
    if form.validate_on_submit():
        try:
            view = public_service().track(form.code.data)
        except NotFound:
            return _unknown(form.code.data)
        return redirect(url_for("public.case", code=view.tracking_code))
    return render_template("public/track.html", form=form), 400 if form.errors else 200


@bp.route("/track/<code>")
@public
@track_miss_limit()
def case(code: str) -> ResponseReturnValue:
    try:
        view = public_service().track(code)
    except NotFound:
        return _unknown(code)
    if view.tracking_code != code:
        return redirect(url_for("public.case", code=view.tracking_code))
    return render_template("public/case.html", case=view,
                           photos=services.evidence().public_photos(view.tracking_code))


def latest_rating(view: PublicCase) -> tuple[str | None, bool]:
    rated = [step for step in view.steps if step.kind == "rated"]
    return (rated[-1].value, rated[-1].default) if rated else (None, False)


@bp.route("/track/<code>/rate")
@public
@track_miss_limit()
def rate(code: str) -> ResponseReturnValue:
    """Where rating used to be: the tracking code is public, so it only explains the reporter's private link."""
    try:
        view = public_service().track(code)
    except NotFound:
        return _unknown(code)
    value, default = latest_rating(view)
    return render_template("public/rate_by_link.html", case=view, value=value, default=default)
