"""The signed-in person's own account: name, language, password."""
from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required
from flask_limiter.util import get_remote_address

from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import devices
from ..accounts import (
    check_password, current_device_id, end_session, set_password, signed_in_devices, start_session, update_profile,
)
from ..extensions import limiter
from ..forms import Form, language_field, name_field, password_field
from ..i18n import gettext as _, lazy_gettext as _l
from ..pages import render

bp = Blueprint("account", __name__, url_prefix="/account")


class ProfileForm(Form):
    name = name_field(_l("Name"))
    locale = language_field()


class PasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password.")),
                    Length(max=200, message=_l("Please use at most %(max)d characters.", max=200))],
    )
    password = password_field(_l("New password"))

    def validate_current(self, field):
        if not check_password(current_user, field.data):
            g.wrong_current_password = True  # counts towards PASSWORD_CHECK_RATE_LIMIT
            raise ValidationError(_l("This is not your current password."))


def _password_check_key():
    return f"password-check:{current_user.get_id() or get_remote_address()}"


def _not_a_password_change():
    return request.form.get("form") != "password"


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_CHECK_RATE_LIMIT"], methods=["POST"],
               key_func=_password_check_key, exempt_when=_not_a_password_change,
               deduct_when=lambda response: bool(g.get("wrong_current_password")))
@login_required
def index():
    # Two forms on one page: only the one that was sent reads the request.
    sent = request.form.get("form") if request.method == "POST" else None
    profile = ProfileForm(prefix="profile", obj=current_user, **({} if sent == "profile" else {"formdata": None}))
    password = PasswordForm(prefix="password", **({} if sent == "password" else {"formdata": None}))
    if sent == "profile" and profile.validate_on_submit():
        update_profile(current_user.id, profile.name.data, profile.locale.data)
        session["lang"] = profile.locale.data
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("account.index"), 303)
    if sent == "password" and password.validate_on_submit():
        # Other devices are signed out; this one gets a fresh session with the new version, kept
        # signed in (with a new token) when it was.
        remembered = g.device.remember_hash is not None
        start_session(set_password(current_user, password.password.data), remember=remembered)
        flash(_("Your new password is saved. You were signed out everywhere else."), "success")
        return redirect(url_for("account.index"), 303)
    status = 422 if profile.errors or password.errors else 200
    return render("account/account.html", profile=profile, password=password, status=status,
                  devices=signed_in_devices(current_user), this_device=current_device_id())


@bp.post("/devices/<int:device_id>/sign-out")
@login_required
def sign_out_device(device_id):
    """Sign out one of my devices (this one too, when chosen): its session and remember-me end."""
    this_device = current_device_id()
    if not devices.end_one(current_user.id, device_id):
        abort(404)
    if device_id == this_device:
        end_session()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"), 303)
    flash(_("That device is signed out."), "success")
    return redirect(url_for("account.index"), 303)


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    devices.end_all(current_user.id)
    end_session()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("auth.login"), 303)

