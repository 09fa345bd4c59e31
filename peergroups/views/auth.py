"""Signing in and out."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from .. import accounts, throttle
from ..accounts import burn_password_check, check_password, end_session, start_session
from ..extensions import limiter
from ..forms import Form, email_field, language_field, name_field, password_field
from ..i18n import gettext as _, lazy_gettext as _l
from ..pages import render, render_error

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Please enter your password.")),
            Length(max=1000, message=_l("This password is too long.")),
        ],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


def _failed(response):
    """Only failed attempts count towards the limits."""
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=throttle.address_key, deduct_when=_failed)
@limiter.limit(lambda: _limit(), methods=["POST"], key_func=throttle.pair_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        throttle.slow_down(form.email.data)
        user = accounts.find_by_email(form.email.data)
        # One password check for every attempt, whatever the account (none, deactivated, real):
        # the time of the answer tells nothing.
        if user is None:
            burn_password_check(form.password.data)
        elif check_password(user, form.password.data) and user.active:
            start_session(user, remember=form.remember.data)
            accounts.record_sign_in(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        throttle.record_failure(form.email.data)
        # One message for every failure: never reveal whether an email has an account.
        form.password.errors.append(_("The email or password is not right."))
    status = 422 if form.errors else 200
    return render("auth/login.html", form=form, status=status)


def _limit():
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target):
    """Only a local path, so a crafted link cannot send someone elsewhere after signing in.

    Printable ASCII only: browsers drop tabs and line breaks inside a URL (`/%09/evil.example`
    becomes `//evil.example`), a line break cannot go into a header, and a backslash counts as a
    slash. Anything else goes home."""
    text = target or ""
    if (text.startswith("/") and not text.startswith("//")
            and all(0x21 <= ord(char) <= 0x7E and char != "\\" for char in text)):
        parts = urlsplit(text)
        if not parts.scheme and not parts.netloc:
            return text
    return url_for("main.index")


@bp.post("/logout")
def logout():
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), 303)


class JoinForm(Form):
    name = name_field(_l("Your name"))
    language = language_field()
    password = password_field()


class NewPasswordForm(Form):
    password = password_field(_l("New password"))


def _link_gone():
    return render_error(
        404, _("This link does not work any more"),
        _("It has expired or was already used. Please ask your coordinator for a new link."),
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _limit(), methods=["POST"])
def redeem_invite(token):
    invite = accounts.usable_link(token, "invite")
    if invite is None:
        return _link_gone()
    form = JoinForm()
    if request.method == "GET":
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        user = accounts.join(invite, form.name.data, form.language.data, form.password.data)
        if user is None:
            return _link_gone()
        start_session(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("main.index"), 303)
    return render("auth/join.html", form=form, invite=invite, status=422 if form.errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _limit(), methods=["POST"])
def redeem_reset(token):
    invite = accounts.usable_link(token, "reset")
    if invite is None or invite.user is None or not invite.user.active:
        return _link_gone()
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset(invite, form.password.data)
        if user is None:
            return _link_gone()
        start_session(user)
        flash(_("Your new password is saved."), "success")
        return redirect(url_for("main.index"), 303)
    return render("auth/reset.html", form=form, person=invite.user, status=422 if form.errors else 200)
