"""Files for the API: a client uploads each file first (``POST /api/evidence``, multipart ``file``) and then
names it by SHA-256 in the completion's file field, as a hash or ``{"sha256": …, "purpose": …}``.

The upload is checked and stored outside any transaction; until a step attaches it, it is in no case
and is swept after a grace period (``casegrid evidence-sweep``).
"""
from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from engine.errors import ValidationError
from web import services
from web.api.auth import api_roles
from web.api.blueprint import bp
from web.api.views import WORKERS
from web.extensions import limiter
from web.uploads import posted_files


def _upload_limit() -> str:
    return current_app.config["EVIDENCE_UPLOAD_LIMIT"]


@bp.route("/evidence", methods=["POST"])
@api_roles(*WORKERS, multipart=True)
@limiter.limit(_upload_limit)
def upload_evidence() -> ResponseReturnValue:
    files = posted_files("file")
    if len(files) != 1:
        raise ValidationError("请上传一个文件", {"file": "请求应为 multipart/form-data，含一个名为 file 的文件"})
    stored = services.evidence().receive(files[0].stream)  # FileRefused / StorageUnavailable: the error handlers
    return jsonify(sha256=stored.sha256, size=stored.size, media_type=stored.media_type), 201
