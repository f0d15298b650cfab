"""Case search, the case page and its diagram: load and check access in the engine, then render."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.evidence.service import Variant
from web import services
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.cases import labels
from web.cases.blueprint import bp
from engine.errors import ValidationError
from web.cases.forms import CaseSearchForm, MessageForm
from web.cases.timeline import describe
from web.wording import names_in_words
from web.replica import cases_for_reading

#: Roles that may open case pages; which cases each sees is the engine's rule (``check_may_view``).
VIEWERS = ("grid_worker", "council", "department", "mediator", "supervisor", "auditor")
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic", "application/pdf": ".pdf"}
#: Who may give a reporter a new private link, having checked who they are (the engine checks the case too).
KEY_REISSUERS = ("grid_worker", "supervisor")


@bp.route("")
@roles(*VIEWERS)
def search() -> ResponseReturnValue:
    form = CaseSearchForm(formdata=request.args)
    if not form.validate():
        return render_template("cases/search.html", form=form, results=None, labels=labels), 400
    results = cases_for_reading().search_cases(current_actor(), text=form.q.data, status=form.status.data,
                                               page=form.page_number,
                                               page_size=current_app.config["INBOX_PAGE_SIZE"])
    return render_template("cases/search.html", form=form, results=results, labels=labels,
                           grids=names_in_words(services.people().grids()))


#: Who may deliver a message a case waits for (the engine checks it too).
MESSENGERS = ("supervisor",)


def _message_form(code: str, formdata: object = None) -> MessageForm | None:
    if current_actor().role not in MESSENGERS:
        return None
    names = services.cases().message_names(code, current_actor())
    return MessageForm(formdata=formdata, names=names) if names else None


def _detail(code: str, message_form: MessageForm | None, message_errors: list[str] | None = None,
            status: int = 200) -> ResponseReturnValue:
    page = services.cases().case_page(code, current_actor())
    evidence = services.evidence().gallery(code, current_actor())
    return render_template("cases/detail.html", page=page, labels=labels, describe=describe, evidence=evidence,
                           message_form=message_form, message_errors=message_errors), status


@bp.route("/<code>")
@roles(*VIEWERS)
def detail(code: str) -> ResponseReturnValue:
    return _detail(code, _message_form(code))


@bp.route("/<code>/messages", methods=["POST"])
@roles(*MESSENGERS)
def message(code: str) -> ResponseReturnValue:
    """A supervisor records a message the diagram waits for (材料已补齐 …); the case moves on from there."""
    form = _message_form(code, request.form)
    if form is None:
        services.cases().case_page(code, current_actor())  # 404 for an unknown case, as the page
        abort(409)
    if not form.validate_on_submit():
        return _detail(code, form, status=400)
    payload = form.payload()
    if form.content.errors:
        return _detail(code, form, status=400)
    try:
        services.cases().deliver_message(code, form.name.data or "", payload, current_actor())
    except ValidationError as exc:
        return _detail(code, form, list(exc.field_errors.values()) or [exc.message], status=400)
    flash(_("已发送消息“%(name)s”。", name=form.name.data))
    return redirect(url_for("cases.detail", code=code))


@bp.route("/<code>/files/<sha256>/<any(original,public,thumb):variant>")
@roles(*VIEWERS)
def evidence_file(code: str, sha256: str, variant: Variant) -> ResponseReturnValue:
    """A file attached to the case (the engine checks who may see the case and that the file is its own).

    Originals keep their EXIF (capture time, position: evidence) and are downloaded, never shown inline.
    """
    file = services.evidence().staff_file(code, sha256, variant, current_actor())
    response = send_file(file.open(), mimetype=file.media_type, as_attachment=variant == "original",
                         download_name=f"{code}-{sha256[:12]}{_SUFFIX.get(file.media_type, '')}", etag=False)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/<code>/diagram.xml")
@roles(*VIEWERS)
def diagram(code: str) -> ResponseReturnValue:
    xml = services.cases().case_diagram_xml(code, current_actor())
    return Response(xml, mimetype="application/xml",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})


@bp.route("/<code>/reporter-link", methods=["POST"])
@roles(*KEY_REISSUERS)
def reporter_link(code: str) -> ResponseReturnValue:
    """A new private link for the reporter (the old one stops working), shown on this answer only."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    key = services.cases().replace_reporter_key(code, current_actor())
    page = make_response(render_template("cases/reporter_link.html", code=code,
                                         link=url_for("public.mine", key=key, _external=True)))
    page.headers["Cache-Control"] = "no-store"
    return page
