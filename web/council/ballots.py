"""The public voting pages: a household's personal link, and the published result (counts only)."""
from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, ValidationError
from web.access import public
from web.council.blueprint import council, vote_bp
from web.council.forms import BallotForm


@vote_bp.route("/<token>", methods=["GET", "POST"])
@public
def ballot(token: str) -> ResponseReturnValue:
    page = council().ballot(token)  # 404 for an unknown link
    form = BallotForm()
    if page.choice is not None or not page.is_open:
        status = 409 if form.is_submitted() else 200
        return render_template("council/ballot.html", page=page, form=None, refused=True), status
    if not form.is_submitted():
        return render_template("council/ballot.html", page=page, form=form, refused=False)
    if not form.validate():
        return render_template("council/ballot.html", page=page, form=form, refused=False), 400
    try:
        council().cast_online(token, form.choice.data)
    except (ConflictError, ValidationError) as error:
        return render_template("council/ballot.html", page=council().ballot(token), form=None, refused=True,
                               message=error.message), 409
    return render_template("council/ballot_done.html", page=council().ballot(token),
                           title=_("投票成功"))


@vote_bp.route("/result/<int:vote_id>")
@public
def result(vote_id: int) -> ResponseReturnValue:
    return render_template("council/result.html", result=council().published_result(vote_id))
