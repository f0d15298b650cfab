"""Report an issue, one question per screen: category → where → what → contact → review → tracking code
and the reporter's private link (the only time its key is shown).

The answers wait in the signed session cookie between screens, so the browser's
back and forward buttons work and nothing is written before the last screen.
A logged-in grid worker uses the same screens to file on a resident's behalf.
"""
from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from engine import Actor, Intake, ValidationError
from web import services
from web.access import public
from web.navigation import current_language
from web.public.blueprint import bp
from web.public.forms import CategoryForm, ContactForm, SubmitForm, WhatForm, WhereForm
from web.public.limits import form_post_limit
from web.public.mine import remember_key
from web.wording import names_in_words

DRAFT = "public_report"
DONE = "public_report_code"
#: The new case's reporter key, for the done page's private link (the server keeps only its hash).
DONE_KEY = "public_report_key"

#: The screens in order; ``review`` submits. ``photos`` (:mod:`web.public.photos`) may be passed by.
STEPS = ("category", "where", "what", "photos", "contact", "review")
OPTIONAL = frozenset({"photos"})
FORMS: dict[str, type[FlaskForm]] = {"category": CategoryForm, "where": WhereForm, "what": WhatForm,
                                     "contact": ContactForm}
#: Which screen asks for each field (to send the resident back to the one the engine refused).
FIELD_STEP = {"category": "category", "grid_code": "where", "address": "where", "description": "what",
              "reporter_name": "contact", "reporter_phone": "contact", "channel": "category",
              "notify_contact": "contact", "notify_consent": "contact",
              "privacy_mode": "contact", "file": "photos"}

#: Who files an anonymous web report.
WEB_REPORTER = Actor("resident:web", "resident")


def for_resident() -> bool:
    """True unless a grid worker is filing on a resident's behalf."""
    return not (current_user.is_authenticated and current_user.role == "grid_worker")


def draft_photos() -> list[str]:
    """The SHA-256s of the photos received for the report being written (in the signed session)."""
    return list(load_draft().get("photos") or ())


def load_draft() -> dict[str, Any]:
    return dict(session.get(DRAFT) or {})


def save_draft(draft: dict[str, Any]) -> None:
    session[DRAFT] = draft


def step_url(step: str, **args: Any) -> str:
    if step == "category":
        return url_for("public.report", **args)
    if step == "photos":
        return url_for("public.report_photos", **args)
    return url_for("public.report_step", step=step, **args)


def first_missing(step: str, draft: dict[str, Any]) -> str | None:
    """The first earlier screen not yet answered (screens cannot be skipped by typing a URL; photos may be)."""
    done = set(draft.get("done", ()))
    return next((s for s in STEPS[:STEPS.index(step)] if s not in done and s not in OPTIONAL), None)


def next_step(step: str) -> str:
    return "review" if request.args.get("edit") else STEPS[STEPS.index(step) + 1]


def _form(step: str, draft: dict[str, Any]) -> FlaskForm:
    data = dict(draft)
    if step == "where":
        if "grid_code" not in data and not for_resident():
            data["grid_code"] = current_user.actor.grid_code or ""
        return WhereForm(data=data, grids=names_in_words(services.people().grids()))
    if step == "category":
        return CategoryForm(data=data, categories=services.people().categories())
    return FORMS[step](data=data)


def _screen(step: str) -> ResponseReturnValue:
    draft = load_draft()
    if (missing := first_missing(step, draft)) is not None:
        return redirect(step_url(missing))
    form = _form(step, draft)
    if form.validate_on_submit():
        draft.update({name: field.data for name, field in form._fields.items() if name != "csrf_token"})
        draft["done"] = sorted(set(draft.get("done", ())) | {step})
        save_draft(draft)
        return redirect(step_url(next_step(step)))
    back = None if step == "category" else step_url(STEPS[STEPS.index(step) - 1])
    return render_template(f"public/report_{step}.html", form=form, step=STEPS.index(step) + 1,
                           steps=len(STEPS), back=back, for_resident=for_resident()), 400 if form.errors else 200


@bp.route("/report", methods=["GET", "POST"])
@public
def report() -> ResponseReturnValue:
    if request.method == "GET" and request.args.get("new"):
        session.pop(DRAFT, None)
        session.pop(DONE_KEY, None)
    return _screen("category")


@bp.route("/report/<step>", methods=["GET", "POST"])
@public
def report_step(step: str) -> ResponseReturnValue:
    if step not in FORMS or step == "category":
        abort(404)
    return _screen(step)


def _intake(draft: dict[str, Any]) -> Intake:
    return Intake(
        description=draft.get("description") or "", category=draft.get("category") or "",
        channel="web" if for_resident() else "grid_visit", grid_code=draft.get("grid_code") or None,
        address=draft.get("address") or None, reporter_name=draft.get("name") or None,
        reporter_phone=draft.get("phone") or None, privacy_mode=bool(draft.get("privacy_mode")),
    )


@bp.route("/report/review", methods=["GET", "POST"])
@public
@form_post_limit()
def review() -> ResponseReturnValue:
    draft = load_draft()
    if (missing := first_missing("review", draft)) is not None:
        if request.method == "POST" and session.get(DONE):
            return redirect(url_for("public.report_done"))  # a second click on 提交: show the code again
        return redirect(step_url(missing))
    form, problems = SubmitForm(), {}
    if form.validate_on_submit():
        actor = WEB_REPORTER if for_resident() else current_user.actor
        try:
            account = current_user.username if current_user.is_authenticated and current_user.role == "resident" \
                else None  # a resident's own account: their 我的报告 lists it
            reported = services.cases().report(_intake(draft), actor, evidence=draft.get("photos") or (),
                                               account=account)
        except ValidationError as error:
            problems = {FIELD_STEP.get(name, "category"): message for name, message in error.field_errors.items()}
        else:
            # The consent was checked on the contact screen: the receipt carries the private link.
            services.notifications().subscribe(
                reported.case.id, draft.get("notify_contact") or "", bool(draft.get("notify_consent")),
                link=url_for("public.mine", key=reported.reporter_key, _external=True), locale=current_language())
            session.pop(DRAFT, None)
            session[DONE], session[DONE_KEY] = reported.case.tracking_code, reported.reporter_key
            remember_key(reported.reporter_key)
            return redirect(url_for("public.report_done"))
    grids = names_in_words(services.people().grids())
    return render_template("public/report_review.html", form=form, draft=draft, problems=problems,
                           grid=grids.get(draft.get("grid_code") or ""), step=len(STEPS), steps=len(STEPS),
                           back=step_url("contact"), for_resident=for_resident(),
                           photos=draft.get("photos") or ()), 400 if problems or form.errors else 200


@bp.route("/report/done")
@public
def report_done() -> ResponseReturnValue:
    code, key = session.get(DONE), session.get(DONE_KEY)
    if not code or not key:
        return redirect(url_for("public.report"))
    link = url_for("public.mine", key=key, _external=True)
    return render_template("public/report_done.html", code=code, link=link, for_resident=for_resident())
