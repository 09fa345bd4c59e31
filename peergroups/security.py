"""Security headers on every response, and the one rule that decides who may see what."""
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import login_manager

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def is_survey_path(path):
    return path.startswith("/s/")


def set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin on survey pages keeps the token on this site; strict-origin-when-cross-origin
    # elsewhere still sends the same-origin Referer that Flask-WTF checks over HTTPS.
    headers["Referrer-Policy"] = (
        "same-origin" if is_survey_path(request.path) else "strict-origin-when-cross-origin"
    )
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/"):
        # Private pages and survey answers must never sit in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
    return response


def role_labels():
    return {"admin": _l("Administrator"), "facilitator": _l("Facilitator"), "supervisor": _l("Supervisor")}


def role_name(role):
    return role_labels().get(role, role)


def nav_items():
    """The main navigation for the signed-in user's role."""
    items = [("main.index", _l("Home"))]
    if current_user.is_authenticated and current_user.role == "admin":
        items.append(("staff.index", _l("Staff")))
    items.append(("account.index", _l("Account")))
    return items


def require_role(*roles):
    """Sign in first; then 404 (not 403: do not reveal what exists) without one of roles."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(404)


def init_app(app):
    app.after_request(set_headers)
    app.jinja_env.globals["role_name"] = role_name
    app.jinja_env.globals["nav_items"] = nav_items
