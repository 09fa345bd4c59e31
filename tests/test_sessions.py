"""Session cookies: a survey link's session is its own cookie, sent only to that link and expiring
with it; the site's session is never read or written under /s/, so staff stay signed in."""
import datetime
import re
from http.cookies import SimpleCookie

import pytest

from peergroups import surveys
from peergroups.accounts import REMEMBER_COOKIE
from peergroups.attendance import local_today
from peergroups.db import database
from peergroups.models import SurveyResponse

from . import factories
from .helpers import make_app

GOOD = {"useful": "4", "respected": "5", "belong": "3", "hopeful": "2"}
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app(template_db, tmp_path):
    """CSRF on, as in production: the survey form must work with its own session."""
    app = make_app(template_db, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.organization()
        factories.user(role="admin", email="owner@example.org")
    yield app
    database.close()


@pytest.fixture
def link(app):
    with app.app_context():
        group = factories.group()
        meeting = factories.meeting(group, local_date=local_today(group.timezone))
        return surveys.open_link(meeting, 48)


def set_cookies(response):
    """{name: morsel} of every Set-Cookie header of a response."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        found.update(cookie)
    return found


def survey_form_token(client, token, **kwargs):
    response = client.get(f"/s/{token}", **kwargs)
    assert response.status_code == 200
    return response, CSRF_FIELD.search(response.get_data(as_text=True)).group(1)


def test_every_survey_cookie_is_scoped_to_the_link_and_expires_with_it(app, link):
    client = app.test_client()
    page, csrf = survey_form_token(client, link.token)
    answered = client.post(f"/s/{link.token}", data={**GOOD, "csrf_token": csrf})
    assert answered.status_code == 303
    thanks = client.get(f"/s/{link.token}/thanks?lang=es")  # a language choice is remembered too
    assert thanks.status_code == 200
    cookies = {}
    for response in (page, answered, thanks):
        for name, morsel in set_cookies(response).items():
            assert morsel["path"] == f"/s/{link.token}", name
            assert morsel["httponly"] and morsel["samesite"] == "Lax", name
            cookies[name] = morsel
    assert set(cookies) == {"survey", "answered"}  # never the site's session
    closes = link.closes_at.replace(tzinfo=datetime.UTC).strftime("%d %b %Y %H:%M:%S")
    assert all(closes in morsel["expires"] for morsel in cookies.values())
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    with app.app_context():
        assert SurveyResponse.select().count() == 1


def test_another_link_or_the_rest_of_the_site_never_gets_the_survey_session(app, link):
    client = app.test_client()
    survey_form_token(client, link.token)
    session = client.get_cookie("survey", path=f"/s/{link.token}")
    assert session is not None and session.path == f"/s/{link.token}"
    login = client.get("/login")  # elsewhere: the site's session, site-wide, as always
    assert set(set_cookies(login)) == {app.config["SESSION_COOKIE_NAME"]}
    assert set_cookies(login)[app.config["SESSION_COOKIE_NAME"]]["path"] == "/"
    with app.app_context():
        group = factories.group()
        other = surveys.open_link(factories.meeting(group, local_date=local_today(group.timezone)), 48)
    assert set_cookies(client.get(f"/s/{other.token}"))["survey"]["path"] == f"/s/{other.token}"


def test_the_survey_post_needs_the_token_of_its_own_session(app, link):
    client = app.test_client()
    survey_form_token(client, link.token)
    refused = client.post(f"/s/{link.token}", data=GOOD)
    assert refused.status_code == 400 and "This form has expired" in refused.get_data(as_text=True)
    # A token from the site's session (here: the login page's) is no good on the survey either.
    site_token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post(f"/s/{link.token}", data={**GOOD, "csrf_token": site_token}).status_code == 400
    with app.app_context():
        assert SurveyResponse.select().count() == 0


def test_a_closed_link_sets_a_cookie_that_is_already_gone(app, link):
    with app.app_context():
        surveys.close_link(link, now=datetime.datetime(2026, 1, 1))
    response = app.test_client().get(f"/s/{link.token}")
    assert response.status_code == 410
    assert "2026 00:00:00" in set_cookies(response)["survey"]["expires"]  # in the past: the browser drops it


def test_a_signed_in_staff_member_keeps_their_session_and_cannot_answer(app, link):
    """A staff browser is refused (issue 12: staff could pad their own group's results), and its
    session is neither read into nor changed by the survey's pages."""
    site_cookie = app.config["SESSION_COOKIE_NAME"]
    client = app.test_client()
    csrf = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"email": "owner@example.org", "password": factories.PASSWORD,
                                            "remember": "y", "csrf_token": csrf})
    assert signed_in.status_code == 303
    before = {name: client.get_cookie(name).value for name in (site_cookie, REMEMBER_COOKIE)}

    page = client.get(f"/s/{link.token}")
    assert page.status_code == 403 and "Sign out" not in page.get_data(as_text=True)
    refused = client.post(f"/s/{link.token}", data=GOOD)
    assert refused.status_code in (400, 403)  # no survey form token in this browser either
    for response in (page, refused):
        assert not set(set_cookies(response)) & {site_cookie, REMEMBER_COOKIE}
    assert {name: client.get_cookie(name).value for name in before} == before
    survey_session = client.get_cookie("survey", path=f"/s/{link.token}")
    if survey_session:  # the survey's cookie knows nothing of the staff member
        data = app.session_interface.get_signing_serializer(app).loads(survey_session.value)
        assert set(data) <= {"csrf_token", "lang"}
    assert client.get("/account/").status_code == 200  # still signed in
    with app.app_context():
        assert SurveyResponse.select().count() == 0


def test_a_survey_page_answers_503_when_the_database_is_down(tmp_path):
    from peergroups import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "AUTO_MIGRATE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": "sqlite:///" + str(tmp_path)})
    app.logger.disabled = True
    response = app.test_client().get("/s/abcdefgh1234")
    assert response.status_code == 503
    session = set_cookies(response)["survey"]
    assert session["path"] == "/s/abcdefgh1234" and not session["expires"]  # ends with the browser session
    database.close()


def test_a_new_secret_key_ends_sessions_unless_the_old_one_is_a_fallback(app):
    """The session serializer is made once per app and set of keys (sessions.py), so a key
    changed while the app runs still counts at the next request."""
    from .helpers import sign_in

    client = app.test_client()
    with app.app_context():
        user = factories.user(role="facilitator", email="keys@example.org")
    sign_in(client, user)
    assert client.get("/").status_code == 200
    old = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "a completely different secret"
    assert client.get("/").status_code == 302  # signed out: the cookie's signature no longer holds
    sign_in(client, user)
    assert client.get("/").status_code == 200
    app.secret_key = app.config["SECRET_KEY"] = "yet another secret"
    app.config["SECRET_KEY_FALLBACKS"] = ["a completely different secret", old]
    assert client.get("/").status_code == 200


# --- checked cookies (sessions.CheckedCookies) -----------------------------------------------


def counting_serializer(app, monkeypatch):
    """The app's session serializer, counting how often it really checks a signature."""
    serializer = app.session_interface.get_signing_serializer(app)
    checks, real = [], serializer.serializer.loads
    monkeypatch.setattr(serializer.serializer, "loads", lambda *a, **k: checks.append(1) or real(*a, **k))
    return serializer, checks


def test_a_session_cookie_is_checked_once_and_read_again_as_it_was(app, monkeypatch):
    serializer, checks = counting_serializer(app, monkeypatch)
    cookie = serializer.dumps({"_user_id": "1:1", "device": "key", "seen": 5})
    first = serializer.loads(cookie, max_age=3600)
    first["seen"] = 99  # a request changes its session...
    assert serializer.loads(cookie, max_age=3600) == {"_user_id": "1:1", "device": "key", "seen": 5}  # ...not this
    assert len(checks) == 1


def test_a_changed_cookie_is_refused_even_after_the_real_one_was_read(app, monkeypatch):
    from itsdangerous import BadSignature

    serializer, _checks = counting_serializer(app, monkeypatch)
    cookie = serializer.dumps({"_user_id": "1:1"})
    serializer.loads(cookie, max_age=3600)
    # A character of the payload changed (the signature's last one may carry only padding bits,
    # which decode the same: the test then failed now and then).
    at = 1 if cookie.startswith(".") else 0
    forged = cookie[:at] + ("A" if cookie[at] != "A" else "B") + cookie[at + 1:]
    with pytest.raises(BadSignature):
        serializer.loads(forged, max_age=3600)
    app.secret_key = "a new key"  # its serializer has not seen the cookie, and refuses it
    with pytest.raises(BadSignature):
        app.session_interface.get_signing_serializer(app).loads(cookie, max_age=3600)


def test_a_remembered_cookie_still_expires(app, monkeypatch):
    import time

    from itsdangerous import SignatureExpired

    serializer, checks = counting_serializer(app, monkeypatch)
    cookie = serializer.dumps({"_user_id": "1:1"})
    serializer.loads(cookie, max_age=60)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    with pytest.raises(SignatureExpired):
        serializer.loads(cookie, max_age=60)
    assert len(checks) == 2


def test_a_cookie_holding_a_list_is_checked_every_time(app, monkeypatch):
    serializer, checks = counting_serializer(app, monkeypatch)
    cookie = serializer.dumps({"_flashes": [("success", "Saved.")]})
    serializer.loads(cookie, max_age=3600)["_flashes"].clear()
    assert serializer.loads(cookie, max_age=3600) == {"_flashes": [("success", "Saved.")]}
    assert len(checks) == 2
