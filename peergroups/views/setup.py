"""First run: while no admin exists every page leads to /setup, which asks for the code the
server printed to its console (so a scanner cannot claim a fresh server)."""
import secrets
import sys

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale

from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import accounts
from ..accounts import start_session, tokens_equal
from ..extensions import limiter
from ..forms import (
    Form, email_field, language_field, name_field, organization_name_field, password_field, timezone_field,
)
from ..i18n import gettext as _, lazy_gettext as _l
from ..pages import render

bp = Blueprint("setup", __name__)
SETUP_OPEN_PATHS = ("/setup", "/healthz", "/static/")


def admin_exists():
    """True once an admin exists; cached, since an admin is never deleted."""
    if current_app.extensions.get("admin_exists"):
        return True
    exists = accounts.admin_exists()
    current_app.extensions["admin_exists"] = exists
    return exists


def setup_code():
    """The one-time code for this process, printed to the console the first time it is needed."""
    code = current_app.extensions.get("setup_code")
    if code is None:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
        current_app.extensions["setup_code"] = code
        print(f"\n  peergroups setup code: {code}\n  Open /setup in a browser and enter it.\n",
              file=sys.stderr, flush=True)
    return code


def redirect_to_setup():
    """Before each request: nothing but setup, health and static files until an admin exists."""
    if request.path.startswith(SETUP_OPEN_PATHS) or request.endpoint == "static":
        return None
    if admin_exists():
        return None
    return redirect(url_for("setup.setup"))


class SetupForm(Form):
    code = StringField(
        _l("Setup code"),
        validators=[DataRequired(message=_l("Please enter the setup code.")),
                    Length(max=40, message=_l("This code is too long."))],
    )
    organization = organization_name_field()
    language = language_field(_l("Default language"))
    timezone = timezone_field()
    name = name_field(_l("Your name"))
    email = email_field()
    password = password_field()

    def validate_code(self, field):
        def plain(code):
            return "".join(ch for ch in code.upper() if ch.isalnum())

        if not tokens_equal(plain(field.data), plain(setup_code())):
            raise ValidationError(_l("This code is not right. Check the server's console."))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def setup():
    if admin_exists():
        abort(404)
    setup_code()
    form = SetupForm()
    if request.method == "GET":
        form.language.data = form.language.data or str(get_locale())
    if form.validate_on_submit():
        user = accounts.set_up(
            {"name": form.organization.data.strip(), "default_locale": form.language.data,
             "timezone": form.timezone.data},
            {"email": form.email.data, "name": form.name.data.strip(), "password": form.password.data,
             "locale": form.language.data})
        if user is None:
            abort(404)
        current_app.extensions["admin_exists"] = True
        current_app.extensions.pop("setup_code", None)
        start_session(user)
        flash(_("Welcome! Your organization is ready. Next, invite your staff."), "success")
        return redirect(url_for("main.index"), 303)
    return render("setup/setup.html", form=form, status=422 if form.errors else 200)


def init_app(app):
    app.before_request(redirect_to_setup)
