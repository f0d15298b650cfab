"""The residents' app API at ``/api/resident``: a phone verification code, then a short-lived token
(``Authorization: Bearer cgr_…``) that acts only on the reports filed with it (engine/public/resident_app.py).

Public routes (no staff account), each throttled per address (web/throttles.py); the token is checked here and
every case is looked up as the token's own, so another resident's tracking code answers 404 like a code that
does not exist. Only the Authorization header carries the token, which no cross-site form can add.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, Intake, ValidationError
from engine.cases.location import Location
from engine.public.resident_app import Resident, ResidentAppService
from web import services
from web.public.track import public_service
from web.access import public
from web.api.blueprint import api_error, bp
from web.api.params import number_param
from web.api.serialize import iso
from web.uploads import posted_files, receive_all

F = TypeVar("F", bound=Callable[..., Any])
BEARER_REALM = 'Bearer realm="casegrid-resident", error="invalid_token"'
TEXT_MAX = 4000


def residents() -> ResidentAppService:
    service: ResidentAppService = current_app.extensions["casegrid.resident_app"]
    return service


def _not_json() -> ResponseReturnValue | None:
    if request.method == "POST" and not request.is_json:
        return api_error(415, _("请求体必须是 JSON（Content-Type: application/json）"), error=_("不支持的内容类型"))
    return None


def resident_token(view: F) -> F:
    """Only a live resident token in ``Authorization: Bearer``: 401 otherwise; 415 for a JSON route's non-JSON POST
    (the report route takes multipart and checks its own)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        auth = request.authorization
        who = residents().authenticate(auth.token or "") if auth is not None and auth.type == "bearer" else None
        if who is None:
            response, status = api_error(401, _("请先用手机验证码登录（Authorization: Bearer 居民令牌）"))
            response.headers["WWW-Authenticate"] = BEARER_REALM
            return response, status
        if view.__name__ != "resident_report" and (refused := _not_json()) is not None:
            return refused
        g.resident = who
        return view(*args, **kwargs)

    return public(wrapper)  # type: ignore[return-value]


def _json_body() -> dict[str, Any]:
    """The JSON object posted; :class:`ValidationError` for anything else."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("请求体必须是 JSON 对象"), {})
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = False, most: int = TEXT_MAX) -> str:
    value = body.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("请求参数有误"), {name: _("应为文字")})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("请求参数有误"), {name: _("必填")})
    if len(value) > most:
        raise ValidationError(_("请求参数有误"), {name: _("最多 %(max)d 字", max=most)})
    return value


def _me() -> Resident:
    who: Resident = g.resident
    return who


@bp.route("/resident/codes", methods=["POST"])
@public
def resident_code() -> ResponseReturnValue:
    """Send a verification code to the phone (SMS through the notification senders)."""
    if (refused := _not_json()) is not None:
        return refused
    body = _json_body()
    residents().request_code(_text(body, "phone", required=True, most=40))
    return jsonify(sent=True, expires_in=600), 202


@bp.route("/resident/tokens", methods=["POST"])
@public
def resident_login() -> ResponseReturnValue:
    if (refused := _not_json()) is not None:
        return refused
    body = _json_body()
    issued = residents().verify(_text(body, "phone", required=True, most=40), _text(body, "code", required=True,
                                                                                   most=20))
    return jsonify(token=issued.token, token_type="Bearer", expires_at=iso(issued.expires_at)), 201


def _report_row(report: Any) -> dict[str, Any]:
    return {"tracking_code": report.tracking_code, "title": report.title, "category": report.category,
            "status": report.status, "outcome": report.outcome, "opened_at": iso(report.opened_at),
            "closed_at": iso(report.closed_at) if report.closed_at else None}


@bp.route("/resident/reports", methods=["GET"])
@resident_token
def resident_reports() -> ResponseReturnValue:
    return jsonify(reports=[_report_row(r) for r in residents().reports(_me())])


@bp.route("/resident/reports", methods=["POST"])
@resident_token
def resident_report() -> ResponseReturnValue:
    """File a report: ``multipart/form-data`` with the fields and up to REPORT_MAX_PHOTOS ``photo`` files."""
    if request.mimetype != "multipart/form-data":
        return api_error(415, _("请求体必须是 multipart/form-data"), error=_("不支持的内容类型"))
    form = {name: _text(request.form, name, most=TEXT_MAX) for name in
            ("category", "description", "address", "grid", "lat", "long", "follow", "privacy_mode")}
    location = Location(lat=number_param("lat", form["lat"]), long=number_param("long", form["long"]),
                        address=form["address"] or None)
    photos, problems = receive_all(posted_files("photo"), photos_only=True,
                                   most=int(current_app.config["REPORT_MAX_PHOTOS"]))
    if problems:
        raise ValidationError(_("照片未被接收"), {"photo": "；".join(problems)})
    intake = Intake(description=form["description"], category=form["category"], channel="resident_app",
                    grid_code=form["grid"] or None, privacy_mode=form["privacy_mode"] in ("1", "true"))
    code = residents().report(_me(), intake, location, evidence=photos, follow=form["follow"] in ("1", "true"),
                              link=url_for("public.track", _external=True))
    return jsonify(tracking_code=code), 201


def _view(code: str) -> dict[str, Any]:
    who = _me()
    residents().case_id(who, code)  # the token's own report, else 404
    case = public_service().track(code)
    return {"tracking_code": case.tracking_code, "title": case.title, "category": case.category,
            "status": case.status, "stage": case.stage, "opened_at": iso(case.opened_at),
            "outcome": case.outcome.kind if case.outcome else None, "can_rate": case.can_rate,
            "rate_until": iso(case.rate_until) if case.rate_until else None,
            "following": residents().following(who, code),
            "steps": [{"kind": step.kind, "at": iso(step.at)} for step in case.steps]}


@bp.route("/resident/reports/<code>", methods=["GET"])
@resident_token
def resident_report_detail(code: str) -> ResponseReturnValue:
    return jsonify(_view(code))


@bp.route("/resident/reports/<code>/information", methods=["POST"])
@resident_token
def resident_add_information(code: str) -> ResponseReturnValue:
    text = _text(_json_body(), "text", required=True)
    services.cases().add_information(text, residents().reporter(_me(), code))
    return jsonify(_view(code))


@bp.route("/resident/reports/<code>/rating", methods=["POST"])
@resident_token
def resident_rate(code: str) -> ResponseReturnValue:
    body = _json_body()
    rating, comment = _text(body, "rating", required=True, most=20), _text(body, "comment", most=500)
    actor = residents().reporter(_me(), code)
    item = public_service().rating_task(code)
    if item is None:
        raise ConflictError(_("这条报告现在没有待评价的结果"))
    services.cases().complete_task(item.id, {"rating": rating, "rating_comment": comment or None}, actor)
    return jsonify(_view(code))


@bp.route("/resident/reports/<code>/follow", methods=["POST"])
@resident_token
def resident_follow(code: str) -> ResponseReturnValue:
    """Consent to progress messages on the verified phone (``{"consent": true}``)."""
    if _json_body().get("consent") is not True:
        raise ValidationError(_("请求参数有误"), {"consent": _("接收通知须同意（consent: true）")})
    residents().follow(_me(), code, link=url_for("public.case", code=code, _external=True))
    return jsonify(_view(code))


@bp.route("/resident/reports/<code>/withdraw", methods=["POST"])
@resident_token
def resident_withdraw(code: str) -> ResponseReturnValue:
    """Withdraw consent: nothing more about this report is sent (messages waiting are cancelled)."""
    _json_body()
    residents().withdraw(_me(), code)
    return jsonify(_view(code))


@bp.route("/resident/volunteer", methods=["GET"])
@resident_token
def resident_volunteer() -> ResponseReturnValue:
    """A volunteer's own view (志愿者): the volunteers registered with the verified phone, their services with the
    grid worker's decision, and their points (社区积分) and time bank (时间银行) with every entry. Empty when the
    phone belongs to no volunteer."""
    pages = current_app.extensions["casegrid.field"].own_volunteer_records(_me().identity_id)
    return jsonify({"volunteers": [{
        "name": p.row.name, "grid": p.row.grid_code, "active": p.row.active,
        "hours_this_year": p.row.year_minutes / 60, "points": p.row.points, "time_bank_minutes": p.row.bank_minutes,
        "services": [{"served_on": s.served_on.isoformat(), "hours": s.minutes / 60, "description": s.description,
                      "status": s.status, "note": s.decision_note} for s in p.services],
        "ledger": [{"account": e.account, "amount": e.amount, "balance": e.balance, "reason": e.reason,
                    "at": iso(e.entered_at)} for e in p.ledger],
    } for p in pages]})
