"""Security headers on every response, and the one rule that decides who may see what."""
from flask import abort, request
from flask_login import current_user

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


def require_role(*roles):
    """404 (not 403: do not reveal what exists) unless the signed-in user has one of roles."""
    if not current_user.is_authenticated or current_user.role not in roles:
        abort(404)


def init_app(app):
    app.after_request(set_headers)
