"""Case search, the case page and its diagram: load and check access in the engine, then render."""
from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

from web import services
from web.access import current_actor, roles
from web.cases import labels
from web.cases.blueprint import bp
from web.cases.forms import CaseSearchForm
from web.cases.timeline import describe

#: Roles that may open case pages; which cases each sees is the engine's rule (``check_may_view``).
VIEWERS = ("grid_worker", "council", "department", "mediator", "supervisor", "auditor")


@bp.route("")
@roles(*VIEWERS)
def search() -> ResponseReturnValue:
    form = CaseSearchForm(formdata=request.args)
    if not form.validate():
        return render_template("cases/search.html", form=form, results=None, labels=labels), 400
    results = services.cases().search_cases(current_actor(), text=form.q.data, status=form.status.data,
                                            page=form.page_number,
                                            page_size=current_app.config["INBOX_PAGE_SIZE"])
    return render_template("cases/search.html", form=form, results=results, labels=labels,
                           grids=services.people().grids())


@bp.route("/<code>")
@roles(*VIEWERS)
def detail(code: str) -> ResponseReturnValue:
    page = services.cases().case_page(code, current_actor())
    return render_template("cases/detail.html", page=page, labels=labels, describe=describe)


@bp.route("/<code>/diagram.xml")
@roles(*VIEWERS)
def diagram(code: str) -> ResponseReturnValue:
    xml = services.cases().case_diagram_xml(code, current_actor())
    return Response(xml, mimetype="application/xml",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})
