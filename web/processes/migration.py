"""Moving open cases to a newer version: the dry run first (also as a download), the cases the supervisor
ticks — none are ticked for them — then a confirmation naming how many move, then the move."""
from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.errors import ValidationError
from engine.cases.migration import CaseMigration
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


def _named(text: str, names: dict[str, str]) -> str:
    """``"<element id>: <reason>"`` with the element's name in front, as people know it."""
    element, sep, reason = text.partition(": ")
    return f"{names.get(element, element)}：{reason}" if sep else text


def _rows(plan: list[CaseMigration], names: dict[str, str]) -> list[dict[str, object]]:
    return [{"m": m, "active": [names.get(a, a) for a in m.active], "problems": [_named(p, names) for p in m.problems]}
            for m in plan]


@bp.route("/versions/<int:version_id>/migrate", methods=["GET", "POST"])
@roles(*EDITORS)
def migrate(version_id: int) -> ResponseReturnValue:
    to_id = _target(version_id)
    plan = processes().migration_plan(version_id, to_id)
    form = MigrationForm(movable=[(m.case_id, m.tracking_code) for m in plan if m.can_migrate])
    source, target = processes().version(version_id), processes().version(to_id)
    names = {**processes().element_names(to_id), **processes().element_names(version_id)}
    if request.method == "POST" and form.validate_on_submit():
        chosen = [m for m in plan if m.case_id in set(form.cases.data or [])]
        if request.form.get("confirmed") != "yes":
            return render_template("processes/migration_confirm.html", form=form, chosen=chosen, source=source,
                                   target=target)
        result = processes().migrate(version_id, to_id, current_actor(), case_ids=form.cases.data)
        if result.moved:
            flash(ngettext("已迁移 %(num)d 个案件：%(codes)s", "已迁移 %(num)d 个案件：%(codes)s",
                           len(result.moved), codes="、".join(result.moved)))
        for code, reason in result.refused.items():
            flash(_("案件 %(code)s 未迁移：%(reason)s", code=code, reason=reason), "error")
        return redirect(url_for("processes.migrate", version_id=version_id, to=to_id))
    return render_template("processes/migration.html", plan=plan, rows=_rows(plan, names), form=form, source=source,
                           target=target, labels=labels), 400 if form.errors else 200


@bp.route("/versions/<int:version_id>/migrate.csv")
@roles(*EDITORS)
def migration_report(version_id: int) -> ResponseReturnValue:
    """The dry run as a spreadsheet, to read (or pass round) before anything moves."""
    to_id = _target(version_id)
    plan = processes().migration_plan(version_id, to_id)
    source, target = processes().version(version_id), processes().version(to_id)
    names = {**processes().element_names(to_id), **processes().element_names(version_id)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("案件"), _("标题"), _("当前环节"), _("试运行结果"), _("原因")])
    for row in _rows(plan, names):
        m = row["m"]
        assert isinstance(m, CaseMigration)
        # A title starting with = + - @ would run as a formula in a spreadsheet: quote it.
        title = f"'{m.title}" if m.title[:1] in "=+-@" else m.title
        writer.writerow([m.tracking_code, title, "、".join(row["active"]),  # type: ignore[arg-type]
                         _("可以迁移") if m.can_migrate else _("不能迁移"), "；".join(row["problems"])])  # type: ignore[arg-type]
    filename = f"migration-{source.key}-v{source.version}-to-v{target.version}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}",
                             "Cache-Control": "private, no-store"})
