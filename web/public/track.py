"""Follow a case by its tracking code, and rate the result (no login: the code is the key)."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine import ConflictError, NotFound, PermissionDenied
from engine.people.actor import resident
from engine.public import PublicCase, PublicService
from web import services
from web.access import public
from web.public.blueprint import bp
from web.public.forms import RatingForm, TrackForm
from web.public.limits import form_post_limit, track_lookup_limit, track_miss_limit


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
    return render_template("public/case.html", case=view)


def _latest_rating(view: PublicCase) -> tuple[str | None, bool]:
    rated = [step for step in view.steps if step.kind == "rated"]
    return (rated[-1].value, rated[-1].default) if rated else (None, False)


@bp.route("/track/<code>/rate", methods=["GET", "POST"])
@public
@track_miss_limit()
@form_post_limit()
def rate(code: str) -> ResponseReturnValue:
    try:
        view = public_service().track(code)
    except NotFound:
        return _unknown(code)
    form = RatingForm()
    if form.validate_on_submit():
        return _submit_rating(view, form)
    if request.method == "GET":
        item = public_service().rating_task(view.tracking_code)
        if item is None:
            value, default = _latest_rating(view)
            return render_template("public/rate_nothing.html", case=view, value=value, default=default)
        form.item.data = str(item.id)
    return render_template("public/rate.html", case=view, form=form), 400 if form.errors else 200


def _submit_rating(view: PublicCase, form: RatingForm) -> ResponseReturnValue:
    item_id = form.item_id()
    item = public_service().rating_task(view.tracking_code, item_id) if item_id is not None else None
    if item is None:
        return _unknown(view.tracking_code)
    answer = {"rating": form.rating.data, "rating_comment": form.rating_comment.data or None}
    try:
        services.cases().complete_task(item.id, answer, resident(view.tracking_code))
    except ConflictError:
        # Double click, a second tab, or the 7 days ran out meanwhile: say which, never fail.
        item = public_service().rating_task(view.tracking_code, item.id)
        expired = item is not None and item.state == "cancelled"
        return render_template("public/rate_conflict.html", case=view, expired=expired), 409
    except PermissionDenied:
        return _unknown(view.tracking_code)
    return redirect(url_for("public.rated", code=view.tracking_code))


@bp.route("/track/<code>/rate/thanks")
@public
@track_miss_limit()
def rated(code: str) -> ResponseReturnValue:
    try:
        view = public_service().track(code)
    except NotFound:
        return _unknown(code)
    value, _default = _latest_rating(view)
    return render_template("public/rate_thanks.html", case=view, value=value)
