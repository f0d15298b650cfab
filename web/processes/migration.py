"""Moving open cases to a newer version: the dry run first, then the cases the supervisor ticks."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.errors import ValidationError
from web.access import current_actor, roles
from web.processes import labels
from web.processes.blueprint import EDITORS, bp
from web.processes.forms import MigrationForm
from web.processes.support import processes


def _target(version_id: int) -> int:
    """The version to move to: ``?to=`` if given, else the newest published version of the process."""
    raw = request.args.get("to", "")
    if raw:
        if not raw.isdigit():
            raise ValidationError(_("迁移目标有误"), {"to": _("版本编号必须是数字")})
        return int(raw)
    source = processes().version(version_id)
    newer = [v for v in processes().versions(source.key) if v.status == "published" and v.version > source.version]
    if not newer:
        raise ValidationError(_("迁移目标有误"), {"to": _("没有比它更新的已发布版本")})
    return newer[0].id


@bp.route("/versions/<int:version_id>/migrate", methods=["GET", "POST"])
@roles(*EDITORS)
def migrate(version_id: int) -> ResponseReturnValue:
    to_id = _target(version_id)
    plan = processes().migration_plan(version_id, to_id)
    form = MigrationForm(movable=[(m.case_id, m.tracking_code) for m in plan if m.can_migrate])
    if request.method == "POST" and form.validate_on_submit():
        result = processes().migrate(version_id, to_id, current_actor(), case_ids=form.cases.data)
        if result.moved:
            flash(ngettext("已迁移 %(num)d 个案件：%(codes)s", "已迁移 %(num)d 个案件：%(codes)s",
                           len(result.moved), codes="、".join(result.moved)))
        for code, reason in result.refused.items():
            flash(_("案件 %(code)s 未迁移：%(reason)s", code=code, reason=reason), "error")
        return redirect(url_for("processes.migrate", version_id=version_id, to=to_id))
    if request.method == "GET":
        form.cases.data = [m.case_id for m in plan if m.can_migrate]
    source, target = processes().version(version_id), processes().version(to_id)
    return render_template("processes/migration.html", plan=plan, form=form, source=source, target=target,
                           labels=labels), 400 if form.errors else 200
