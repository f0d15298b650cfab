"""Departments, grids and categories: one page to see them all, small forms to change them."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from engine.errors import NotFound, ValidationError
from web import services
from web.access import roles
from web.admin import forms
from web.admin.blueprint import bp
from web.admin.support import admin_name, show_errors


def _page(**given: FlaskForm) -> ResponseReturnValue:
    """The organisation page; a form passed in (bound, with its errors) replaces the blank one."""
    shown: dict[str, FlaskForm] = {
        "department_form": forms.DepartmentForm(prefix="dept", formdata=None),
        "grid_form": forms.GridForm(prefix="grid", formdata=None),
        "category_form": forms.CategoryForm(prefix="cat", formdata=None),
    } | given
    failed = any(form.errors for form in shown.values())
    return render_template("admin/organisation.html", org=services.people().organisation(),
                           report_processes=services.people().report_processes(), **shown), \
        400 if failed else 200


def _back(anchor: str) -> ResponseReturnValue:
    return redirect(url_for("admin.organisation", _anchor=anchor))


@bp.route("/organisation")
@roles("admin")
def organisation() -> ResponseReturnValue:
    return _page()


@bp.route("/departments", methods=["POST"])
@roles("admin")
def add_department() -> ResponseReturnValue:
    form = forms.DepartmentForm(prefix="dept")
    if form.validate_on_submit():
        try:
            entry = services.people().add_department(form.code.data or "", form.name.data or "",
                                                     name_en=form.name_en.data, by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已添加部门 %(name)s。", name=entry.name))
            return _back("departments")
    return _page(department_form=form)


def _department(code: str) -> Any:
    entry = next((d for d in services.people().organisation().departments if d.code == code), None)
    if entry is None:
        raise NotFound(_("部门 %(code)s 不存在", code=code))
    return entry


@bp.route("/departments/<code>", methods=["GET", "POST"])
@roles("admin")
def edit_department(code: str) -> ResponseReturnValue:
    department = _department(code)
    form = forms.RenameDepartmentForm(data={"name": department.name, "name_en": department.name_en})
    if form.validate_on_submit():
        try:
            services.people().rename_department(code, form.name.data or "", name_en=form.name_en.data,
                                                by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已保存部门 %(code)s 的名称。", code=code))
            return _back("departments")
    return render_template("admin/edit_department.html", department=department, form=form), \
        400 if form.errors else 200


@bp.route("/departments/<code>/active", methods=["POST"])
@roles("admin")
def set_department_active(code: str) -> ResponseReturnValue:
    form = forms.ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    entry = services.people().set_department_active(code, form.value, by=admin_name())
    flash(_("已启用部门 %(name)s。", name=entry.name) if entry.active
          else _("已停用部门 %(name)s：表单中不再出现，已有案件和用户不受影响。", name=entry.name))
    return _back("departments")


@bp.route("/grids", methods=["POST"])
@roles("admin")
def add_grid() -> ResponseReturnValue:
    form = forms.GridForm(prefix="grid")
    if form.validate_on_submit():
        try:
            entry = services.people().add_grid(form.code.data or "", form.name.data or "", form.community.data or "",
                                               name_en=form.name_en.data, community_en=form.community_en.data,
                                               by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已添加网格 %(name)s。", name=entry.name))
            return _back("grids")
    return _page(grid_form=form)


@bp.route("/grids/<code>", methods=["GET", "POST"])
@roles("admin")
def edit_grid(code: str) -> ResponseReturnValue:
    grid = next((g for g in services.people().organisation().grids if g.code == code), None)
    if grid is None:
        raise NotFound(_("网格 %(code)s 不存在", code=code))
    form = forms.EditGridForm(data={"name": grid.name, "community": grid.community, "name_en": grid.name_en,
                                    "community_en": grid.community_en})
    if form.validate_on_submit():
        try:
            services.people().update_grid(code, form.name.data or "", form.community.data or "",
                                          name_en=form.name_en.data, community_en=form.community_en.data,
                                          by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已保存网格 %(code)s。", code=code))
            return _back("grids")
    return render_template("admin/edit_grid.html", grid=grid, form=form), 400 if form.errors else 200


@bp.route("/categories", methods=["POST"])
@roles("admin")
def add_category() -> ResponseReturnValue:
    form = forms.CategoryForm(prefix="cat")
    if form.validate_on_submit():
        try:
            entry = services.people().add_category(form.name.data or "", name_en=form.name_en.data, by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已添加类别 %(name)s，居民和网格员现在可以选择它。", name=entry.name))
            return _back("categories")
    return _page(category_form=form)


@bp.route("/categories/change", methods=["POST"])
@roles("admin")
def change_category() -> ResponseReturnValue:
    """The buttons next to a category: activate, deactivate, move up, move down."""
    form = forms.CategoryActionForm()
    if not form.validate_on_submit():
        abort(400)
    people, name, action = services.people(), form.name.data or "", form.action.data
    if action in ("up", "down"):
        people.move_category(name, -1 if action == "up" else 1, by=admin_name())
    else:
        people.set_category_active(name, action == "activate", by=admin_name())
        flash(_("已启用类别 %(name)s。", name=name) if action == "activate"
              else _("已停用类别 %(name)s：新案件不能再选它，已有案件不受影响。", name=name))
    return _back("categories")


@bp.route("/categories/english", methods=["POST"])
@roles("admin")
def category_english() -> ResponseReturnValue:
    """A category's English name (blank: English pages show the Chinese one)."""
    form = forms.CategoryEnglishForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors) or _("类别信息有误"), "error")
        return _back("categories")
    try:
        entry = services.people().name_category_in_english(form.name.data or "", form.name_en.data, by=admin_name())
    except ValidationError as exc:
        flash("；".join(exc.field_errors.values()) or exc.message, "error")
        return _back("categories")
    flash(_("已保存类别 %(name)s 的英文名称。", name=entry.name) if entry.name_en
          else _("类别 %(name)s 不再有英文名称：英文界面显示中文名称。", name=entry.name))
    return _back("categories")


@bp.route("/categories/process", methods=["POST"])
@roles("admin")
def category_process() -> ResponseReturnValue:
    """Send a category's reports to a supervisor's process (or back to the civic loop)."""
    form = forms.CategoryProcessForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        entry = services.people().bind_category(form.name.data or "", form.process_key.data or None, by=admin_name())
    except ValidationError as exc:
        flash("；".join(exc.field_errors.values()) or exc.message, "error")
        return _back("categories")
    flash(_("类别 %(name)s 的反映将按流程“%(process)s”办理。", name=entry.name,
            process=services.people().report_processes().get(entry.process_key or "civic_loop", entry.process_key)))
    return _back("categories")
