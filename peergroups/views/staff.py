"""Staff management for admins: invite by link, change roles, deactivate, reset passwords."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user

from wtforms import SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import AnyOf, ValidationError

from .. import accounts, audit
from ..forms import Form, email_field
from ..i18n import gettext as _, lazy_gettext as _l
from ..models import ROLES
from ..pages import ask_first, confirmed, render
from ..labels import ROLES as ROLE_NAMES
from ..security import require_role, visible_group_list
from ..sharing import public_url, qr_svg

bp = Blueprint("staff", __name__, url_prefix="/staff")


def role_field(default=None):
    return SelectField(
        _l("Role"),
        default=default,
        choices=[SelectChoice(role, label) for role, label in ROLE_NAMES.items()],
        validate_choice=False,
        validators=[AnyOf(ROLES, message=_l("Please choose a role from the list."))],
    )


class InviteForm(Form):
    email = email_field()
    role = role_field(default="facilitator")  # most people invited lead groups
    groups = SelectMultipleField(_l("Groups they will lead"), coerce=str, validate_choice=False)

    def chosen_groups(self):
        valid = {choice.value for choice in self.groups.choices}
        return [int(value) for value in self.groups.data or [] if value in valid]

    def validate_email(self, field):
        if accounts.email_taken(field.data):
            raise ValidationError(_l("There is already an account with this email."))


class RoleForm(Form):
    role = role_field()


@bp.before_request
def admins_only():
    require_role("admin")


@bp.get("/")
def index():
    return render("staff/index.html", users=accounts.staff(), invites=accounts.open_invites(), roles=ROLE_NAMES)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    form.groups.choices = [SelectChoice(str(group.id), group.name) for group in visible_group_list()]
    if form.validate_on_submit():
        token, invite = accounts.make_link("invite", form.email.data, current_user.id,
                                           timedelta(days=current_app.config["INVITE_DAYS"]), role=form.role.data,
                                           group_ids=form.chosen_groups() if form.role.data == "facilitator" else ())
        audit.record("invite", current_user.id, target_id=invite.id, detail=form.role.data)
        return _show_once(invite, public_url("auth.redeem_invite", token=token))
    return render("staff/invite.html", form=form, status=422 if form.errors else 200)


def _show_once(invite, url):
    """The new link, in the answer to the POST that made it and nowhere else: the token is stored
    hashed, and never in a cookie (the session cookie is signed, not encrypted: anyone holding it
    reads it). Lost, it is revoked and made again."""
    return render("staff/link.html", invite=invite, url=url, qr=qr_svg(url, _("QR code of the link")),
                  roles=ROLE_NAMES)


@bp.get("/links/<int:invite_id>")
def link(invite_id):
    invite = accounts.get_link(invite_id) or abort(404)
    return render("staff/link.html", invite=invite, url=None, qr=None, roles=ROLE_NAMES)


@bp.post("/links/<int:invite_id>/revoke")
def revoke(invite_id):
    invite = accounts.get_link(invite_id) or abort(404)
    if not confirmed():
        return ask_first(_("Revoke the link for %(email)s? It stops working at once.", email=invite.email),
                         _("Revoke"))
    accounts.revoke_link(invite.id)
    flash(_("The link no longer works."), "success")
    return redirect(url_for("staff.index"), 303)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def person(user_id):
    user = accounts.get_user(user_id) or abort(404)
    form = RoleForm(obj=user)
    if form.validate_on_submit():
        if form.role.data == user.role:
            return redirect(url_for("staff.person", user_id=user.id), 303)
        if accounts.change_account(user, role=form.role.data):
            audit.record("role_change", current_user.id, target_id=user.id, detail=form.role.data)
            flash(_("Role changed. %(name)s must sign in again.", name=user.name), "success")
            return redirect(url_for("staff.person", user_id=user.id), 303)
        form.role.errors.append(_("The organization needs at least one active administrator."))
    return render("staff/person.html", person=user, form=form, roles=ROLE_NAMES,
                  status=422 if form.errors else 200)


@bp.post("/<int:user_id>/active")
def toggle_active(user_id):
    user = accounts.get_user(user_id) or abort(404)
    if user.active and not confirmed():
        return ask_first(_("Deactivate %(name)s? They can no longer sign in until you reactivate them.",
                           name=user.name), _("Deactivate"))
    if not accounts.change_account(user, active=not user.active):
        flash(_("The organization needs at least one active administrator."), "error")
        return redirect(url_for("staff.person", user_id=user.id), 303)
    audit.record("deactivate" if user.active else "reactivate", current_user.id, target_id=user.id)
    if user.active:
        flash(_("%(name)s can no longer sign in.", name=user.name), "success")
    else:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("staff.person", user_id=user.id), 303)


@bp.post("/<int:user_id>/reset")
def reset_link(user_id):
    user = accounts.get_user(user_id) or abort(404)
    token, invite = accounts.make_link("reset", user.email, current_user.id,
                                       timedelta(hours=current_app.config["RESET_HOURS"]), user=user)
    audit.record("reset_link", current_user.id, target_id=user.id)
    return _show_once(invite, public_url("auth.redeem_reset", token=token))
