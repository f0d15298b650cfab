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

import json
from pathlib import Path
from typing import Any

from flask import current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from engine import ConflictError, Intake, NotFound, PermissionDenied, ValidationError
from engine.calendar import china_date
from engine.cases.location import Location
from engine.field.visits import MAX_NEEDS, VisitInput
from web import services
from web.access import current_actor, roles
from web.field.blueprint import bp
from web.field.views import MAX_PHOTOS, RECORDERS, field
from web.security_headers import allow_location
from web.wording import org_words
from web.uploads import posted_files, receive_all

WORKER_SCRIPT = Path(__file__).resolve().parents[1] / "static" / "js" / "field_sw.js"
#: The fields a capture may carry (anything else is refused: a newer phone script talking to an older server).
CAPTURE_FIELDS = {"client_key", "household_id", "visited_on", "met", "notes", "needs"}
REPORT_FIELDS = {"client_key", "category", "description", "address", "lat", "long", "reporter_name", "reporter_phone"}
#: Fields that are not text: the household's id, the needs' list, a position's numbers.
NOT_TEXT = {"household_id", "needs", "lat", "long"}


@bp.route("/m")
@roles(*RECORDERS)
def phone() -> ResponseReturnValue:
    actor = current_actor()
    homes = [{"id": h.household_id, "label": f"{h.address} {h.head_name}"} for h in field().households(actor)]
    due = [{"household_id": d.household_id, "address": d.address, "due": d.due_day.isoformat()}
           for d in field().due_list(actor, limit=30)]
    today = china_date(services.cases().clock.now()).isoformat()
    categories = [{"value": c, "label": org_words(c)} for c in services.people().categories()]
    response = current_app.make_response(render_template(
        "field/phone.html", data={"households": homes, "today": today, "categories": categories,
                                  "username": actor.username},
        due=due, today=today))
    response.headers["Cache-Control"] = "no-store"  # the service worker keeps its own copy for offline use
    return allow_location(response)  # 使用手机定位 on a report


@bp.route("/sw.js")
@roles(*RECORDERS)
def service_worker() -> ResponseReturnValue:
    response = current_app.response_class(WORKER_SCRIPT.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/field/m"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _refused(status: int, message: str, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    return jsonify({"error": message, "field_errors": errors or {}}), status


def _capture(fields: set[str]) -> tuple[dict[str, Any], list[str], ResponseReturnValue | None]:
    """(the capture's fields, SHA-256s of its photos, None) — or the refusal. A capture without photos comes as
    a JSON object; one with photos as multipart: the JSON object in the part ``capture``, the photos in
    ``photos`` (each received by the evidence service before the transaction; content-addressed, so a capture
    sent again stores no photo twice)."""
    files: list[FileStorage] = []
    if request.mimetype == "multipart/form-data":
        files = posted_files("photos")
        text = request.form.get("capture", "")
        try:
            body: Any = json.loads(text) if len(text) <= 64 * 1024 else None
        except ValueError:
            body = None
    else:
        body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return {}, [], _refused(400, "请求应为 JSON 对象")
    unknown = set(body) - fields
    if unknown:
        return {}, [], _refused(400, "含有未知字段", {name[:40]: "未知字段" for name in sorted(unknown)[:5]})
    wrong = [name for name in fields - NOT_TEXT if not isinstance(body.get(name, ""), str)]
    if wrong:
        return {}, [], _refused(400, "字段类型有误", {name: "应为文字" for name in wrong})
    if not str(body.get("client_key", "")).strip():
        return {}, [], _refused(400, "缺少离线记录编号", {"client_key": "缺少离线记录编号"})
    photos, problems = receive_all(files, photos_only=True, most=MAX_PHOTOS)
    if problems:
        return {}, [], _refused(400, "照片未能上传", {"photos": "；".join(problems)})
    return body, photos, None


@bp.route("/m/visits", methods=["POST"])
@roles(*RECORDERS)
def sync_visit() -> ResponseReturnValue:
    """One queued capture: 201 when stored now, 200 when its key was stored before (nothing new written)."""
    body, photos, refused = _capture(CAPTURE_FIELDS)
    if refused is not None:
        return refused
    needs = body.get("needs", [])
    if not isinstance(needs, list) or len(needs) > MAX_NEEDS or not all(isinstance(n, str) for n in needs):
        return _refused(400, "需求有误", {"needs": f"应为文字列表，最多 {MAX_NEEDS} 条"})
    household = body.get("household_id")
    if isinstance(household, str) and household.isdigit() and len(household) <= 9:
        household = int(household)
    if isinstance(household, bool) or not isinstance(household, int) or not 0 < household < 2**31:
        return _refused(400, "请选择住户", {"household_id": "请选择住户"})
    data = VisitInput(household_id=household, visited_on=body.get("visited_on", ""), met=body.get("met", ""),
                      notes=body.get("notes", ""), needs=needs, photos=photos,
                      client_key=body["client_key"].strip())
    try:
        visit_id, new = field().record_visit(data, current_actor())
    except (ValidationError, PermissionDenied, NotFound, ConflictError) as error:
        return _engine_refusal(error)
    return jsonify({"visit_id": visit_id, "new": new}), 201 if new else 200


@bp.route("/m/reports", methods=["POST"])
@roles(*RECORDERS)
def sync_report() -> ResponseReturnValue:
    """One queued report (代居民登记 from the phone): 201 with the new case's tracking code, 200 with the same
    code when its key opened that case before."""
    body, photos, refused = _capture(REPORT_FIELDS)
    if refused is not None:
        return refused
    point = {name: body.get(name) for name in ("lat", "long")}
    bad = [name for name, value in point.items()
           if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)))]
    if bad:
        return _refused(400, "位置有误", {name: "应为数字" for name in bad})
    intake = Intake(description=body.get("description", ""), category=body.get("category", ""),
                    channel="grid_visit", address=body.get("address", "").strip()[:300] or None,
                    reporter_name=body.get("reporter_name", "").strip() or None,
                    reporter_phone=body.get("reporter_phone", "").strip() or None)
    location = Location(lat=point["lat"], long=point["long"])
    try:
        code, new = field().file_report(intake, body["client_key"].strip(), current_actor(), photos=photos,
                                        point=location)
    except (ValidationError, PermissionDenied, NotFound, ConflictError) as error:
        return _engine_refusal(error)
    return jsonify({"tracking_code": code, "new": new}), 201 if new else 200


def _engine_refusal(error: ValidationError | PermissionDenied | NotFound | ConflictError) -> ResponseReturnValue:
    status = next(code for kind, code in ((ValidationError, 400), (PermissionDenied, 403), (NotFound, 404),
                                          (ConflictError, 409)) if isinstance(error, kind))
    return _refused(status, error.message, error.field_errors if isinstance(error, ValidationError) else None)
