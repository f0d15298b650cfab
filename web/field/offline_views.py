"""The grid worker's phone page that works without a network (入户走访 in stairwells and basements).

``/field/m`` is a small page whose script (``static/js/field_offline.js``) keeps captured visits in an
IndexedDB queue on the phone and posts them to ``/field/m/visits`` when the network is back. Each capture
carries a key made on the phone; the engine stores a capture once per key
(:attr:`engine.field.models.FieldVisit.client_key`), so a capture sent twice — the answer lost on the way back,
two tabs syncing at once — is one visit. A capture the server refuses stays in the queue with the reason shown.

The service worker (``/field/sw.js``, scope ``/field/m``) keeps the page and its script for offline use; it is
served from here rather than ``/static`` so that its scope may cover the page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from engine import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.calendar import china_date
from engine.field.visits import MAX_NEEDS, VisitInput
from web import services
from web.access import current_actor, roles
from web.field.blueprint import bp
from web.field.views import RECORDERS, field

WORKER_SCRIPT = Path(__file__).resolve().parents[1] / "static" / "js" / "field_sw.js"
#: The fields a capture may carry (anything else is refused: a newer phone script talking to an older server).
CAPTURE_FIELDS = {"client_key", "household_id", "visited_on", "met", "notes", "needs"}


@bp.route("/m")
@roles(*RECORDERS)
def phone() -> ResponseReturnValue:
    actor = current_actor()
    homes = [{"id": h.household_id, "label": f"{h.address} {h.head_name}"} for h in field().households(actor)]
    due = [{"household_id": d.household_id, "address": d.address, "due": d.due_day.isoformat()}
           for d in field().due_list(actor, limit=30)]
    today = china_date(services.cases().clock.now()).isoformat()
    response = current_app.make_response(render_template(
        "field/phone.html", data={"households": homes, "today": today}, due=due, today=today))
    response.headers["Cache-Control"] = "no-store"  # the service worker keeps its own copy for offline use
    return response


@bp.route("/sw.js")
@roles(*RECORDERS)
def service_worker() -> ResponseReturnValue:
    response = current_app.response_class(WORKER_SCRIPT.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/field/m"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _refused(status: int, message: str, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    return jsonify({"error": message, "field_errors": errors or {}}), status


@bp.route("/m/visits", methods=["POST"])
@roles(*RECORDERS)
def sync_visit() -> ResponseReturnValue:
    """One queued capture: 201 when stored now, 200 when its key was stored before (nothing new written)."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refused(400, "请求应为 JSON 对象")
    unknown = set(body) - CAPTURE_FIELDS
    if unknown:
        return _refused(400, "含有未知字段", {name[:40]: "未知字段" for name in sorted(unknown)[:5]})
    texts = {name: body.get(name, "") for name in ("client_key", "visited_on", "met", "notes")}
    if not all(isinstance(v, str) for v in texts.values()):
        return _refused(400, "字段类型有误", {n: "应为文字" for n, v in texts.items() if not isinstance(v, str)})
    needs = body.get("needs", [])
    if not isinstance(needs, list) or len(needs) > MAX_NEEDS or not all(isinstance(n, str) for n in needs):
        return _refused(400, "需求有误", {"needs": f"应为文字列表，最多 {MAX_NEEDS} 条"})
    household = body.get("household_id")
    if isinstance(household, str) and household.isdigit() and len(household) <= 9:
        household = int(household)
    if isinstance(household, bool) or not isinstance(household, int) or not 0 < household < 2**31:
        return _refused(400, "请选择住户", {"household_id": "请选择住户"})
    key = texts["client_key"].strip()
    if not key:
        return _refused(400, "缺少离线记录编号", {"client_key": "缺少离线记录编号"})
    data = VisitInput(household_id=household, visited_on=texts["visited_on"], met=texts["met"], notes=texts["notes"],
                      needs=needs, client_key=key)
    try:
        visit_id, new = field().record_visit(data, current_actor())
    except ValidationError as error:
        return _refused(400, error.message, error.field_errors)
    except PermissionDenied as error:
        return _refused(403, error.message)
    except NotFound as error:
        return _refused(404, error.message)
    except ConflictError as error:
        return _refused(409, error.message)
    return jsonify({"visit_id": visit_id, "new": new}), 201 if new else 200
