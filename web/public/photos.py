"""Photos on the resident's report (the screen after 发生了什么) and on the tracking page.

Each photo is received (streamed, hashed, checked, stored) when its screen is posted; the draft in the
signed session holds only their SHA-256s, and the review screen attaches them with the new case in one
transaction. The tracking page shows only the re-encoded copies without EXIF.
"""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug import Response

from engine import NotFound
from engine.errors import StorageUnavailable
from engine.evidence.content import FileRefused
from engine.evidence.service import PHOTOS, FileToSend
from web import services
from web.access import public
from web.extensions import limiter
from web.public.blueprint import bp
from web.public.forms import PhotosForm
from web.public.limits import track_miss_limit
from web.public.report import (
    STEPS,
    first_missing,
    for_resident,
    load_draft,
    next_step,
    save_draft,
    step_url,
)

#: Longest file name quoted back in a refusal.
NAME_SHOWN = 40


def _upload_limit() -> str:
    return current_app.config["EVIDENCE_UPLOAD_LIMIT"]


def max_photos() -> int:
    return int(current_app.config["REPORT_MAX_PHOTOS"])


def _receive(draft_photos: list[str]) -> list[str]:
    """Receive the posted photos into ``draft_photos``; the refusals, each naming its file."""
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    room = max_photos() - len(draft_photos)
    if len(files) > room:
        return [_("最多 %(max)d 张照片（已添加 %(held)d 张），请少选几张", max=max_photos(), held=len(draft_photos))]
    problems = []
    for upload in files:
        try:
            stored = services.evidence().receive(upload.stream, kinds=PHOTOS)
        except FileRefused as refused:
            problems.append(f"{(upload.filename or '')[:NAME_SHOWN]}：{_(refused.reason)}")
            continue
        except StorageUnavailable as outage:  # the draft keeps what it had; the resident may try again
            problems.append(_(outage.message))
            break
        if stored.sha256 not in draft_photos:
            draft_photos.append(stored.sha256)
    return problems


@bp.route("/report/photos", methods=["GET", "POST"])
@public
@limiter.limit(_upload_limit, methods=["POST"])
def report_photos() -> ResponseReturnValue:
    draft = load_draft()
    if (missing := first_missing("photos", draft)) is not None:
        return redirect(step_url(missing))
    form = PhotosForm()
    photos = list(draft.get("photos") or ())
    if form.validate_on_submit():
        if request.form.get("clear"):
            photos = []
            problems: list[str] = []
        else:
            problems = _receive(photos)
        draft["photos"] = photos
        draft["done"] = sorted(set(draft.get("done", ())) | {"photos"})
        save_draft(draft)
        if not problems and not request.form.get("clear"):
            return redirect(step_url(next_step("photos")))
        form.photos.errors = problems
    return render_template("public/report_photos.html", form=form, photos=photos, max_photos=max_photos(),
                           step=STEPS.index("photos") + 1, steps=len(STEPS), back=step_url("what"),
                           for_resident=for_resident()), 400 if form.photos.errors else 200


def send_public_copy(file: FileToSend) -> Response:
    """A public copy or thumbnail (EXIF-free), cached by the browser only."""
    response = send_file(file.open(), mimetype=file.media_type, max_age=0, conditional=True, etag=False)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/report/photos/<sha256>")
@public
def report_photo(sha256: str) -> ResponseReturnValue:
    """The thumbnail of a photo of the report being written: only to the session that uploaded it."""
    if sha256 not in (load_draft().get("photos") or ()):
        abort(404)
    try:
        return send_public_copy(services.evidence().draft_thumbnail(sha256))
    except NotFound:
        abort(404)


@bp.route("/track/<code>/photos/<sha256>")
@public
@track_miss_limit()
def case_photo(code: str, sha256: str) -> ResponseReturnValue:
    """A public copy (or its thumbnail) of the case's photos: never the original, never its EXIF."""
    try:
        return send_public_copy(services.evidence().public_file(code, sha256))
    except NotFound:
        abort(404)
