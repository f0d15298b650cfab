"""GeoReport v2 operations. Each view is load → check → act, with the engine's rules and messages.

``service_request_id`` is the case's tracking code (never a database id);
times are Beijing time with their offset; requests carry no reporter data.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import Intake, PermissionDenied, ValidationError
from engine.calendar import CHINA_TZ
from engine.clock import as_utc
from engine.people.accounts import Account
from engine.people.roles import Role
from engine.cases.location import Location
from engine.public.georeport import STATUSES, GeoReportService, RequestFilter, ServiceDef, ServiceRequest
from web import services as engine_services
from web.access import public
from web.api.auth import tokens
from web.api.params import number_param
from web.open311.blueprint import bp
from web.open311.formats import FORMATS, respond
from web.uploads import posted_files, receive_all

#: Accounts whose API token may file requests: the grid workers who receive every new report.
SUBMITTERS = frozenset({Role.GRID_WORKER.value})
#: The attribute (``attribute[grid]``) each service asks for.
GRID_ATTRIBUTE = "grid"
#: 隐私保护模式, as the resident's own report form offers it: the request stays off the public pages and the
#: public Open311 listings (the staff see it as usual).
PRIVACY_ATTRIBUTE = "privacy_mode"
PRIVACY_VALUES = {"false": False, "true": True}
NAME_MAX = 40
FIELD_MAX = 4000
#: Tracking codes one listing may ask for at once.
MAX_IDS = 100



def route(path: str, **options: Any) -> Any:
    """Register ``path.json`` and ``path.xml`` for one view, which gets the format as ``fmt``.

    Two plain rules rather than a ``<fmt>`` converter: the suffix is part of GeoReport's paths,
    and every rule stays buildable without guessing a format.
    """
    def decorate(view: Any) -> Any:
        for fmt in FORMATS:
            bp.add_url_rule(f"{path}.{fmt}", view_func=view, defaults={"fmt": fmt}, **options)
        return view
    return decorate


def georeport() -> GeoReportService:
    service: GeoReportService = current_app.extensions["casegrid.georeport"]
    return service


def _local(moment: datetime | None) -> str | None:
    return as_utc(moment).astimezone(CHINA_TZ).isoformat(timespec="seconds") if moment is not None else None


def _service(s: ServiceDef) -> dict[str, Any]:
    return {"service_code": s.code, "service_name": s.name, "description": s.name, "metadata": True,
            "type": "realtime", "keywords": "", "group": ""}


def _request(r: ServiceRequest) -> dict[str, Any]:
    return {
        "service_request_id": r.id, "status": r.status, "status_notes": r.outcome, "service_name": r.service_name,
        "service_code": r.service_code, "description": r.description, "agency_responsible": r.agency,
        "service_notice": None, "requested_datetime": _local(r.requested_at),
        "updated_datetime": _local(r.updated_at), "expected_datetime": _local(r.expected_at),
        "address": r.address, "address_id": r.address_id, "zipcode": None, "lat": r.lat, "long": r.long,
        # The EXIF-free public copy, as on the tracking page (never the original); else the link the client gave.
        "media_url": url_for("public.case_photo", code=r.id, sha256=r.media_sha256, _external=True)
        if r.media_sha256 else r.media_link,
    }


#: What service discovery names as this endpoint's specification.
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


@route("/discovery")
@public
def discovery(fmt: str) -> ResponseReturnValue:
    """GeoReport's service discovery document: where the endpoint is, its formats, whom to ask for an api_key.

    ``changeset`` is when this server started: the service list and definitions are read live, and an
    administrator's change of categories or grids takes effect with the next start of the server at the latest
    for clients that cache them.
    """
    changeset = _local(current_app.extensions["casegrid.open311_started"])
    endpoint = {"specification": SPECIFICATION, "url": url_for("open311.discovery", fmt=fmt, _external=True)
                .rsplit("/", 1)[0], "changeset": changeset, "type": "production",
                "formats": ["text/xml", "application/json"]}
    return respond(fmt, "discovery", "", {"changeset": changeset, "contact": current_app.config["OPEN311_CONTACT"],
                                          "key_service": current_app.config["OPEN311_KEY_SERVICE"],
                                          "endpoints": [endpoint]},
                   item_names={"endpoints": "endpoint", "formats": "format"})


@route("/services")
@public
def service_list(fmt: str) -> ResponseReturnValue:
    return respond(fmt, "services", "service", [_service(s) for s in georeport().services()])


@route("/services/<code>")
@public
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    service = georeport().service(code)
    grids = engine_services.people().grids()
    attribute = {
        "variable": True, "code": GRID_ATTRIBUTE, "datatype": "singlevaluelist", "required": False,
        "datatype_description": _("所在网格（小区），不清楚可以不填"), "order": 1, "description": _("所在网格"),
        "values": [{"key": key, "name": name} for key, name in grids.items()],
    }
    privacy = {
        "variable": True, "code": PRIVACY_ATTRIBUTE, "datatype": "singlevaluelist", "required": False,
        "datatype_description": _("选“是”则该诉求不在公开页面和公开接口中显示；不填即为“否”"), "order": 2,
        "description": _("隐私保护模式"),
        "values": [{"key": "false", "name": _("否")}, {"key": "true", "name": _("是")}],
    }
    return respond(fmt, "service_definition", "", {"service_code": service.code, "attributes": [attribute, privacy]},
                   item_names={"attributes": "attribute", "values": "value"})


def _text_args(names: tuple[str, ...], source: Any) -> dict[str, str]:
    """The named parameters, trimmed; :class:`ValidationError` for text no database should store."""
    values = {name: (source.get(name) or "").strip() for name in names}
    # Control characters never get here: web/input_guard.py refuses them for every request.
    bad = {name: _("过长") for name, value in values.items() if len(value) > FIELD_MAX}
    if bad:
        raise ValidationError(_("请求参数有误"), bad)
    return values


def _submitter() -> Account:
    """The account behind ``api_key``: 403 (GeoReport's answer) when missing, unknown or not a grid worker's."""
    account = tokens().authenticate((request.form.get("api_key") or "").strip())
    if account is None or account.role not in SUBMITTERS:
        raise PermissionDenied(_("api_key 无效：请使用网格员账号的接口令牌"))
    return account


def _media() -> list[str]:
    """The photo posted as multipart ``media`` (FixMyStreet's Open311 extension), received before the case opens."""
    files = posted_files("media")
    if not files:
        return []
    hashes, problems = receive_all(files, photos_only=True, most=1)
    if problems:
        raise ValidationError(_("照片未被接收"), {"media": "；".join(problems)})
    return hashes


@route("/requests", methods=["POST"])
@public  # authenticated by api_key (an API token), not by the login session
def submit(fmt: str) -> ResponseReturnValue:
    account = _submitter()
    form = _text_args(("service_code", "description", "address_string", "address_id", "first_name", "last_name",
                       "phone", "lat", "long", f"attribute[{GRID_ATTRIBUTE}]", f"attribute[{PRIVACY_ATTRIBUTE}]",
                       "media_url"), request.form)
    name = f"{form['last_name']}{form['first_name']}"  # Chinese order: family name first
    if len(name) > NAME_MAX:
        raise ValidationError(_("请求参数有误"), {"first_name": _("姓名最多 %(max)d 字", max=NAME_MAX)})
    if not form["service_code"]:
        raise ValidationError(_("请求参数有误"), {"service_code": _("必填")})
    privacy = form[f"attribute[{PRIVACY_ATTRIBUTE}]"].lower() or "false"
    if privacy not in PRIVACY_VALUES:
        raise ValidationError(_("请求参数有误"), {f"attribute[{PRIVACY_ATTRIBUTE}]": _("应为 true 或 false")})
    location = Location(lat=number_param("lat", form["lat"]), long=number_param("long", form["long"]),
                        address=form["address_string"] or None, address_id=form["address_id"] or None)
    intake = Intake(description=form["description"], category="", channel="open311",
                    grid_code=form[f"attribute[{GRID_ATTRIBUTE}]"] or None, reporter_name=name or None,
                    reporter_phone=form["phone"] or None, privacy_mode=PRIVACY_VALUES[privacy])
    created = georeport().submit(form["service_code"], intake, location, account.actor, media=_media(),
                                 media_url=form["media_url"] or None)
    # ``reporter_url`` (our extension, only in this answer to the authenticated integration): the resident's
    # private link, which the integration hands to the resident; listings never carry it.
    return respond(fmt, "service_requests", "request",
                   [{"service_request_id": created.request.id, "service_notice": None, "account_id": None,
                     "reporter_url": url_for("public.mine", key=created.reporter_key, _external=True)}], 201)


def _moment(name: str, raw: str) -> datetime | None:
    """A W3C date-time; naive ones are UTC. Years far from now are refused: they only overflow date arithmetic."""
    if not raw:
        return None
    try:
        moment = as_utc(datetime.fromisoformat(raw))
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not 1970 <= moment.year <= 2200:
        raise ValidationError(_("请求参数有误"), {name: _("应为 W3C 日期时间，例如 2026-03-02T09:00:00+08:00")})
    return moment


def _statuses(raw: str) -> tuple[str, ...]:
    statuses = tuple(s.strip() for s in raw.split(",") if s.strip())
    if any(s not in STATUSES for s in statuses):
        raise ValidationError(_("请求参数有误"), {"status": _("应为 open 或 closed（可用逗号分隔）")})
    return statuses


@route("/requests")
@public
def request_list(fmt: str) -> ResponseReturnValue:
    args = _text_args(("service_request_id", "service_code", "start_date", "end_date", "status"), request.args)
    ids = [i.strip() for i in args["service_request_id"].split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        raise ValidationError(_("请求参数有误"), {"service_request_id": _("最多 %(max)d 个", max=MAX_IDS)})
    flt = RequestFilter(ids=ids,
                        service_code=args["service_code"] or None, start=_moment("start_date", args["start_date"]),
                        end=_moment("end_date", args["end_date"]), statuses=_statuses(args["status"]))
    return respond(fmt, "service_requests", "request", [_request(r) for r in georeport().requests(flt)])


@route("/requests/<code>")
@public
def request_detail(code: str, fmt: str) -> ResponseReturnValue:
    return respond(fmt, "service_requests", "request", [_request(georeport().request(code))])
