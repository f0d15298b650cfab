"""A reporter stops the messages about their case, through their private link (never the tracking code)."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import NotFound
from engine.public import reporter_path
from web import services
from web.access import public
from web.auth.forms import EmptyForm
from web.errors import render_error
from web.notify.blueprint import bp
from web.public.limits import form_post_limit, track_miss_limit


@bp.route(reporter_path("<key>") + "/notifications", methods=["GET", "POST"])
@public
@track_miss_limit()
@form_post_limit()
def resident(key: str) -> ResponseReturnValue:
    try:
        case = services.cases().case(services.cases().reporter(key).tracking_code or "")
    except NotFound:
        return render_template("public/unknown_link.html"), 404
    notices = services.notifications()
    form = EmptyForm()
    withdrawn = False
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
        try:
            notices.withdraw(case.id)
            withdrawn = True
        except NotFound:  # never subscribed: nothing to stop
            withdrawn = True
    page = make_response(render_template("notify/resident.html", key=key, code=case.tracking_code, form=form,
                                         subscribed=notices.subscribed(case.id), withdrawn=withdrawn))
    # The page's address carries the key: keep it out of caches, search engines and referrers.
    page.headers.update({"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
                         "Referrer-Policy": "no-referrer"})
    return page
