"""The reporter's private link (``/my/<key>``): their case's progress, and the actions only the reporter may take.

The key is the secret handed out once when the issue was reported; the public tracking code
never opens these pages. An unknown key is a 404 that counts against the tracking budget, so
keys cannot be guessed faster than codes.
"""
from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, NotFound, ValidationError
from flask_login import current_user

from engine.public import PublicCase, reporter_path
from engine.public.my_reports import MAX_KEYS
from web import services
from web.access import public
from web.public.blueprint import bp
from web.auth.forms import EmptyForm
from web.public.forms import InformationForm, RatingForm
from web.public.limits import form_post_limit, track_miss_limit
from web.public.track import latest_rating, public_service


def _private(response: ResponseReturnValue, status: int = 200) -> Response:
    """A page that carries the key in its address: kept out of caches and search engines."""
    page = make_response(response, status)
    page.headers["Cache-Control"] = "no-store"
    page.headers["X-Robots-Tag"] = "noindex, nofollow"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


def _not_found() -> ResponseReturnValue:
    return render_template("public/unknown_link.html"), 404


def _mine(key: str) -> PublicCase | None:
    try:
        return public_service().mine(key)
    except NotFound:
        return None


#: Session key of the private links opened in this browser (我的报告 lists their reports).
MY_KEYS = "my_keys"


def remember_key(key: str) -> None:
    """This browser holds the private link ``key``: 我的报告 lists its report (the newest links first)."""
    kept = [k for k in session.get(MY_KEYS, []) if isinstance(k, str) and k != key]
    session[MY_KEYS] = [key, *kept][:MAX_KEYS]


def _resident_account() -> str | None:
    return current_user.username if current_user.is_authenticated and current_user.role == "resident" else None


@bp.route("/my")
@public
def my_reports() -> ResponseReturnValue:
    """我的报告: the reports of the logged-in resident and of the private links opened in this browser."""
    account, keys = _resident_account(), [k for k in session.get(MY_KEYS, []) if isinstance(k, str)]
    reports = public_service().my_reports(username=account, keys=keys) if account or keys else []
    return _private(render_template("public/my_reports.html", reports=reports, account=account, known=bool(keys)))


@bp.route(reporter_path("<key>"))
@public
@track_miss_limit()
def mine(key: str) -> ResponseReturnValue:
    view = _mine(key)
    if view is None:
        return _not_found()
    remember_key(key)
    return _private(render_template("public/case.html", case=view, key=key, added=request.args.get("added") == "1"))


@bp.route(reporter_path("<key>") + "/add", methods=["GET", "POST"])
@public
@track_miss_limit()
@form_post_limit()
def mine_add(key: str) -> ResponseReturnValue:
    """The reporter adds to their open case (recorded for the staff; not published)."""
    view = _mine(key)
    if view is None:
        return _not_found()
    form = InformationForm()
    if form.validate_on_submit():
        try:
            services.cases().add_information(form.text.data, services.cases().reporter(key))
        except ValidationError as error:
            form.text.errors = [*form.text.errors, *error.field_errors.values()]
        except ConflictError as error:
            form.text.errors = [*form.text.errors, error.message]
        except NotFound:
            return _not_found()
        else:
            return redirect(url_for("public.mine", key=key, added=1))
    return _private(render_template("public/add_information.html", case=view, form=form,
                                    back=url_for("public.mine", key=key)), 400 if form.errors else 200)


@bp.route(reporter_path("<key>") + "/rate", methods=["GET", "POST"])
@public
@track_miss_limit()
@form_post_limit()
def mine_rate(key: str) -> ResponseReturnValue:
    view = _mine(key)
    if view is None:
        return _not_found()
    back = url_for("public.mine", key=key)
    form = RatingForm()
    if form.validate_on_submit():
        return _submit_rating(key, view, form)
    if request.method == "GET":
        item = public_service().rating_task(view.tracking_code)
        if item is None:
            value, default = latest_rating(view)
            return _private(render_template("public/rate_nothing.html", case=view, value=value, default=default,
                                            back=back))
        form.item.data = str(item.id)
    return _private(render_template("public/rate.html", case=view, form=form, back=back),
                    400 if form.errors else 200)


def _submit_rating(key: str, view: PublicCase, form: RatingForm) -> ResponseReturnValue:
    item_id = form.item_id()
    item = public_service().rating_task(view.tracking_code, item_id) if item_id is not None else None
    if item is None:
        return _not_found()
    answer = {"rating": form.rating.data, "rating_comment": form.rating_comment.data or None}
    try:
        services.cases().complete_task(item.id, answer, services.cases().reporter(key))
    except ConflictError:
        # Double click, a second tab, or the 7 days ran out meanwhile: say which, never fail.
        item = public_service().rating_task(view.tracking_code, item.id)
        expired = item is not None and item.state == "cancelled"
        return _private(render_template("public/rate_conflict.html", case=view, expired=expired,
                                        back=url_for("public.mine", key=key)), 409)
    except NotFound:
        return _not_found()
    return redirect(url_for("public.mine_rated", key=key))


@bp.route(reporter_path("<key>") + "/rate/thanks")
@public
@track_miss_limit()
def mine_rated(key: str) -> ResponseReturnValue:
    view = _mine(key)
    if view is None:
        return _not_found()
    value, _default = latest_rating(view)
    return _private(render_template("public/rate_thanks.html", case=view, value=value,
                                    back=url_for("public.mine", key=key)))


@bp.route(reporter_path("<key>") + "/erase", methods=["GET", "POST"])
@public
@track_miss_limit()
@form_post_limit()
def mine_erase(key: str) -> ResponseReturnValue:
    """The reporter asks for their personal data (name, phone, subscription address) to be deleted (PIPL Art. 47).

    Holding the private link is the identity check; a closed case's data is erased at once (its data key is
    destroyed; the case's record stays and still verifies), an open case's only after it closes.
    """
    view = _mine(key)
    if view is None:
        return _not_found()
    form = EmptyForm()
    error = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            error, status = _("表单已过期或缺少安全令牌，请刷新页面后重试。"), 400
        else:
            try:
                public_service().erase_my_data(key)
            except ConflictError as exc:
                error, status = exc.message, 409
            except NotFound:
                return _not_found()
    erased = public_service().my_data_erased(key)
    return _private(render_template("public/erase.html", case=view, key=key, form=form, erased=erased, error=error,
                                    back=url_for("public.mine", key=key)), status)
