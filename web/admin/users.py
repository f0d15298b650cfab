"""User accounts: list, create, edit, reset the password, disable or enable (never delete)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import ValidationError
from engine.people.accounts import Account
from engine.people.roles import is_integration
from web import services
from web.access import current_actor, roles
from web.admin.blueprint import bp
from web.admin.forms import ActiveForm, NewUserForm, PasswordForm, UserForm
from web.admin.support import admin_name, show_errors
from web.wording import names_in_words


def _choices(account: Account | None = None) -> dict[str, Any]:
    """Pick lists for the user form: active departments (and the user's own), every grid."""
    people = services.people()
    departments = people.departments()
    if account is not None and account.department_code and account.department_code not in departments:
        names = {d.code: d.name for d in people.organisation().departments}
        departments[account.department_code] = _("%(name)s（已停用）", name=names.get(account.department_code, ""))
    choices: dict[str, Any] = {"departments": names_in_words(departments), "grids": names_in_words(people.grids())}
    if account is not None and is_integration(account.role):
        choices["integration_role"] = account.role
    return choices


@bp.route("/users")
@roles("admin")
def users() -> ResponseReturnValue:
    people = services.people()
    org = people.organisation()
    return render_template("admin/users.html", accounts=people.accounts(under=current_actor().unit_path),
                           departments={d.code: d.name for d in org.departments},
                           grids={g.code: f"{g.community} / {g.name}" for g in org.grids})


@bp.route("/users/new", methods=["GET", "POST"])
@roles("admin")
def new_user() -> ResponseReturnValue:
    form = NewUserForm(**_choices())
    if form.validate_on_submit():
        try:
            account = services.people().create_account(
                form.username.data or "", form.display_name.data or "", form.role.data or "", form.password.data or "",
                department_code=form.department_code.data, grid_code=form.grid_code.data, by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已创建用户 %(name)s，可以登录了。", name=account.username))
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form), 400 if form.errors else 200


def _edit_page(account: Account, *, form: UserForm | None = None, password_form: PasswordForm | None = None,
               active_error: str | None = None) -> ResponseReturnValue:
    form = form or UserForm(**_choices(account), data={
        "display_name": account.display_name, "role": account.role,
        "department_code": account.department_code or "", "grid_code": account.grid_code or ""})
    password_form = password_form or PasswordForm(prefix="pw", formdata=None)
    failed = form.errors or password_form.errors or active_error
    return render_template("admin/edit_user.html", account=account, form=form, password_form=password_form,
                           active_form=ActiveForm(formdata=None), active_error=active_error,
                           integration=is_integration(account.role),
                           held=services.cases().held_work_items(account.username)), 400 if failed else 200


@bp.route("/users/<username>", methods=["GET", "POST"])
@roles("admin")
def edit_user(username: str) -> ResponseReturnValue:
    account = services.people().find_account(username, by=admin_name())
    form = UserForm(**_choices(account))
    if not form.is_submitted():
        return _edit_page(account)
    if form.validate():
        try:
            services.people().update_account(
                account.username, display_name=form.display_name.data or "", role=form.role.data or "",
                department_code=form.department_code.data, grid_code=form.grid_code.data, by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已保存用户 %(name)s 的信息。", name=account.username))
            return redirect(url_for("admin.edit_user", username=account.username))
    return _edit_page(account, form=form)


@bp.route("/users/<username>/password", methods=["POST"])
@roles("admin")
def reset_password(username: str) -> ResponseReturnValue:
    account = services.people().find_account(username, by=admin_name())
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.people().reset_password(account.username, form.password.data or "", by=admin_name())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("已为 %(name)s 设置新密码，请当面或电话告知本人。", name=account.username))
            return redirect(url_for("admin.edit_user", username=account.username))
    return _edit_page(account, password_form=form)


@bp.route("/users/<username>/active", methods=["POST"])
@roles("admin")
def set_user_active(username: str) -> ResponseReturnValue:
    account = services.people().find_account(username, by=admin_name())
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        account = services.people().set_account_active(account.username, form.value, by=admin_name())
    except ValidationError as exc:
        return _edit_page(account, active_error=_(exc.field_errors.get("active") or exc.message))
    flash(_("已启用账号 %(name)s。", name=account.username) if account.active
          else _("已停用账号 %(name)s：该用户不能再登录，历史记录保留。", name=account.username))
    return redirect(url_for("admin.edit_user", username=account.username))
