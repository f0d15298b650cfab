"""Files posted with a form (a task's ``file``/``photo`` fields, the agreement's scans, the API and Open311):
each is received — streamed, hashed, checked, stored — before the step's transaction opens, and a refusal
is put next to its field. A refused file is not stored; files of the same post that were accepted stay
unattached (swept later) when the step is refused, so the person can send the form again.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from engine.errors import StorageUnavailable
from engine.evidence.content import FileRefused
from engine.evidence.service import PHOTOS
from web import services

#: Longest file name quoted back in a refusal.
NAME_SHOWN = 40
#: Endpoints whose posts may carry files: their body limit is that of the files, not the app's.
UPLOAD_ENDPOINTS = {"public.report_photos", "inbox.task", "mediation.session", "mediation.agreement_signature",
                    "api.upload_evidence", "open311.submit", "field.new_visit", "field.import_households",
                    "field.sync_visit", "field.sync_report",
                    "council.record", "council.add_minutes"}


def posted_files(name: str) -> list[FileStorage]:
    """The files posted under ``name`` (a browser sends one empty part for an untouched file input)."""
    return [f for f in request.files.getlist(name) if f and f.filename]


def receive_all(files: Sequence[FileStorage], *, photos_only: bool, most: int) -> tuple[list[str], list[str]]:
    """(SHA-256s of the accepted files, refusals each naming its file); nothing is received past ``most``."""
    if len(files) > most:
        return [], [_("最多 %(max)d 个文件，这次选了 %(count)d 个", max=most, count=len(files))]
    hashes: list[str] = []
    problems: list[str] = []
    for upload in files:
        try:
            stored = services.evidence().receive(upload.stream, kinds=PHOTOS if photos_only else None)
        except FileRefused as refused:
            problems.append(f"{(upload.filename or '')[:NAME_SHOWN]}：{_(refused.reason)}")
            continue
        except StorageUnavailable as outage:
            problems.append(_(outage.message))
            break
        if stored.sha256 not in hashes:
            hashes.append(stored.sha256)
    return hashes, problems


def allow_upload_bodies() -> None:
    """A form with files may be as large as its files (the app's limit stays for every other request)."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        files = int(current_app.config["REPORT_MAX_PHOTOS"])
        request.max_content_length = files * int(current_app.config["EVIDENCE_MAX_FILE_BYTES"]) + 1024 * 1024


def init_app(app: Flask) -> None:
    # First of all: the input guard and the CSRF check read the body before the view.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_upload_bodies)
