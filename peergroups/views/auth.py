"""Signing in and out."""
from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts import burn_password_check, check_password, start_session
from ..extensions import limiter
from ..forms import email_field
from ..models import User, utcnow
from ..pages import render

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Please enter your password.")),
            Length(max=1000, message=_l("This password is too long.")),
        ],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


def _login_email_key():
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _limit(), methods=["POST"])
@limiter.limit(lambda: _limit(), methods=["POST"], key_func=_login_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.email == form.email.data)
        if user is None:
            burn_password_check(form.password.data)
        if user is not None and user.active and check_password(user, form.password.data):
            start_session(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            user.save(only=["last_login_at"])
            return redirect(_safe_next(request.args.get("next")), 303)
        # One message for every failure: never reveal whether an email has an account.
        form.password.errors.append(_("The email or password is not right."))
    status = 422 if form.errors else 200
    return render("auth/login.html", form=form, status=status)


def _limit():
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target):
    """Only local paths, so a crafted link cannot send someone elsewhere after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), 303)
