"""Session cookies: the site's own, and on a survey link one of its own that nothing else shares.

Under /s/<token> the session holds the survey form's CSRF token and, once chosen, a language
(decisions.md, "Surveys"). It lives in its own cookie, sent back only to that link's pages and
expiring when the link closes, so it cannot follow a member around the site or outlive the survey.
A staff member's session cookie is neither read nor written there: opening a survey link on a
signed-in phone leaves that session exactly as it was."""
import datetime
import time

from flask import current_app, g, request
from itsdangerous import BadSignature
from flask.sessions import SecureCookieSessionInterface
from peewee import InterfaceError, OperationalError

from .extensions import login_manager
from .pages import address
from .security import is_survey_path
from .surveys import find_link

SURVEY_COOKIE = "survey"


def survey_token():
    """The token of the survey link this request is under (/s/<token> or below it), or None."""
    if not is_survey_path(request.path):
        return None
    return request.path[len("/s/"):].split("/", 1)[0] or None


CHECKED_KEPT = 512  # session cookies remembered as checked, per app (a few hundred bytes each)
_PLAIN = frozenset((str, int, float, bool, type(None)))


class CheckedCookies:
    """The session's serializer, remembering the cookies whose signature it has checked. A phone
    sends the same cookie with every request (it changes at most once a minute), and checking its
    signature and reading it again cost a thirtieth of a page. Only a cookie that was signed with
    the app's key and holds plain values (no list or dict that a request could change in place) is
    remembered, under its whole text; its age is checked again at every use, so it expires as
    before. A new key makes a new serializer, and forgets them all."""

    def __init__(self, serializer):
        self.serializer = serializer
        self.checked = {}

    def loads(self, value, max_age=None):
        found = self.checked.get(value)
        if found is not None and (max_age is None or 0 <= time.time() - found[1] <= max_age):
            return dict(found[0])
        data, signed = self.serializer.loads(value, max_age=max_age, return_timestamp=True)
        if type(data) is dict and all(type(item) in _PLAIN for item in data.values()):
            if len(self.checked) >= CHECKED_KEPT:
                self.checked.clear()
            self.checked[value] = (dict(data), signed.timestamp())
        return data

    def dumps(self, data):
        return self.serializer.dumps(data)


class LinkScopedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its own name, path and expiry on survey links."""

    def open_session(self, app, request):
        if survey_token():
            # Nobody is signed in on a survey page. Deciding it now (Flask-Login's own way of setting
            # the request's user) keeps it from loading one here: it would copy a staff member's
            # "remember me" id and its session-protection marks into the survey cookie.
            login_manager._update_request_context_with_user()
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        """Flask's serializer, made once per app and set of keys (Flask makes one for every request,
        which cost more than checking the cookie's signature), remembering the cookies it checked."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("peergroups_session_serializer")
        if kept is None or kept[0] != keys:
            serializer = super().get_signing_serializer(app)
            kept = (keys, serializer and CheckedCookies(serializer))
            app.extensions["peergroups_session_serializer"] = kept
        return kept[1]

    def get_cookie_name(self, app):
        return SURVEY_COOKIE if survey_token() else super().get_cookie_name(app)

    def get_cookie_path(self, app):
        # The link's own path, as the "answered" marker has it: /s/<token>/thanks gets it too.
        token = survey_token()
        return address("surveys.survey", token=token) if token else super().get_cookie_path(app)

    def get_expiration_time(self, app, session):
        token = survey_token()
        if token is None:
            return super().get_expiration_time(app, session)
        link = g.get("survey_link")  # the page's own (views/surveys._load), read once a request
        if link is None or link.token != token:
            try:
                link = find_link(token)  # a malformed token never reaches the database
            except (OperationalError, InterfaceError):  # the database is down: the 503 page still answers
                link = None
        # An unknown token gets a cookie that ends with the browser session; a closed link, one
        # that has already expired.
        return link.closes_at.replace(tzinfo=datetime.UTC) if link else None


def staff_browser():
    """Whether this browser carries a signed-in staff session (or a "remember me" cookie): such a
    browser answers no survey and accepts no agreement on a member's behalf."""
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return True
    raw = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    if not raw or serializer is None:
        return False
    try:
        return "_user_id" in serializer.loads(raw)
    except BadSignature:
        return False


def init_app(app):
    app.session_interface = LinkScopedSessionInterface()
