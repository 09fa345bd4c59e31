"""Sign-in that holds against a determined attacker (issue 15): where `next` may lead, sign-out
that ends the session on the server, remember-me tokens, brute force, equal cost of refusals,
signed-in devices, and single-use links."""
import re
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from peergroups import accounts, devices, throttle
from peergroups.db import database
from peergroups.accounts import REMEMBER_COOKIE, set_password
from peergroups.models import SignedInDevice, SurveyLink, User, utcnow

from . import factories
from .helpers import make_app

GOOD = {"email": "owner@example.org", "password": factories.PASSWORD}


# --- (1) `next` leads only to a local path ----------------------------------------------------

@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "%0a", "/x%0d%0aSet-Cookie:%20a=b",
    "//evil.example", "/\\evil.example", "\\\\evil.example", "/%5cevil.example", "https://evil.example/",
    "javascript:alert(1)", "http:/evil.example", "%20//evil.example", "/ /evil.example", "/%00",
    "/%E2%80%AE/evil.example",
])
def test_next_goes_home_unless_it_is_a_local_path(client, target):
    response = client.post(f"/login?next={target}", data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/account/", "/groups/?page=2", "/members/3#notes"])
def test_next_keeps_a_local_path(client, target):
    response = client.post("/login", query_string={"next": target}, data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == target


# --- (2) signing out ends the session on the server --------------------------------------------

def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def browser_with(app, **cookies):
    """A new browser holding copies of these cookies (an attacker who copied them)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client):
    assert client.post("/login", data=GOOD).status_code == 303
    name = app.config["SESSION_COOKIE_NAME"]
    stolen = cookie(client, name)
    assert browser_with(app, **{name: stolen}).get("/account/").status_code == 200
    assert client.post("/logout").status_code == 303
    assert browser_with(app, **{name: stolen}).get("/account/").status_code == 302


# --- (3) keep me signed in: a per-device token, hashed, bounded, rotated, revoked ----------------

def remembered_sign_in(app):
    client = app.test_client()
    assert client.post("/login", data={**GOOD, "remember": "y"}).status_code == 303
    return client, cookie(client, REMEMBER_COOKIE)


def test_remember_me_is_a_random_token_per_device_stored_hashed(app):
    phone, phone_token = remembered_sign_in(app)
    laptop, laptop_token = remembered_sign_in(app)
    assert phone_token and laptop_token and phone_token != laptop_token
    assert len(phone_token) >= 40
    with app.app_context():
        rows = list(SignedInDevice.select())
        stored = {value for row in rows for value in (row.key_hash, row.remember_hash)}
        assert len(rows) == 2
        assert phone_token not in stored and laptop_token not in stored
        for row in rows:
            # its own lifetime, REMEMBER_DAYS (30) from the sign-in with a password
            assert timedelta(days=29) < row.remember_until - utcnow() <= timedelta(days=30)
    # Flask-Login's own remember cookie (365 days, the same on every device) is never set.
    assert cookie(phone, "remember_token") is None


def test_remember_me_cookie_lasts_remember_days(app):
    client = app.test_client()
    response = client.post("/login", data={**GOOD, "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER_COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    expires = parsedate_to_datetime(header.split("Expires=", 1)[1].split(";", 1)[0]).replace(tzinfo=None)
    assert timedelta(days=29) < expires - utcnow() <= timedelta(days=30, minutes=1)


def test_remember_me_signs_in_again_after_the_session_ended_and_is_rotated(app):
    _client, token = remembered_sign_in(app)
    returning = browser_with(app, **{REMEMBER_COOKIE: token})  # the session cookie is gone
    assert returning.get("/account/").status_code == 200
    rotated = cookie(returning, REMEMBER_COOKIE)
    assert rotated and rotated != token
    # The used token is spent: a copy taken before is worth nothing.
    assert browser_with(app, **{REMEMBER_COOKIE: token}).get("/account/").status_code == 302
    assert browser_with(app, **{REMEMBER_COOKIE: rotated}).get("/account/").status_code == 200


def test_sign_out_revokes_that_devices_remember_me_only(app):
    phone, phone_token = remembered_sign_in(app)
    _laptop, laptop_token = remembered_sign_in(app)
    assert phone.post("/logout").status_code == 303
    assert cookie(phone, REMEMBER_COOKIE) is None
    assert browser_with(app, **{REMEMBER_COOKIE: phone_token}).get("/account/").status_code == 302
    assert browser_with(app, **{REMEMBER_COOKIE: laptop_token}).get("/account/").status_code == 200


def test_remember_me_ends_after_its_lifetime_and_timeouts_still_hold(app):
    client, token = remembered_sign_in(app)
    with app.app_context():
        SignedInDevice.update(remember_until=utcnow() - timedelta(seconds=1)).execute()
    # 300 days later, or one second past the lifetime: signed out
    assert browser_with(app, **{REMEMBER_COOKIE: token}).get("/account/").status_code == 302
    # The session itself still times out when idle, remembered or not.
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["IDLE_TIMEOUT_MINUTES"] * 60 - 5
    assert client.get("/account/").status_code == 302


def test_a_new_password_revokes_every_remembered_device(app, client):
    _phone, token = remembered_sign_in(app)
    with app.app_context():
        set_password(User.get(User.email == "owner@example.org"), "another long passphrase")
    assert browser_with(app, **{REMEMBER_COOKIE: token}).get("/account/").status_code == 302


# --- (4) brute force is bounded, and a stranger cannot lock the owner out ----------------------

def attempt(app, address, email="owner@example.org", password="wrong password 1"):
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def test_a_stranger_cannot_lock_the_owner_out(app):
    for n in range(30):  # from many addresses: more failures than any per-address limit allows
        assert attempt(app, f"203.0.113.{n}").status_code == 422
    for _ in range(10):  # and ten from one more
        attempt(app, "198.51.100.9")
    owner = attempt(app, "192.0.2.1", password=factories.PASSWORD)
    assert owner.status_code == 303  # slowed down, never refused


def test_guesses_are_limited_per_account_and_address(app):
    for _ in range(10):
        assert attempt(app, "198.51.100.9").status_code == 422
    assert attempt(app, "198.51.100.9", password=factories.PASSWORD).status_code == 429
    assert attempt(app, "198.51.100.9", email="someone@example.org").status_code == 422  # other accounts
    assert attempt(app, "192.0.2.1", password=factories.PASSWORD).status_code == 303  # the owner elsewhere


def test_guesses_are_limited_per_address_across_accounts(app):
    limit = int(app.config["LOGIN_ADDRESS_RATE_LIMIT"].split()[0])
    for n in range(limit):
        assert attempt(app, "198.51.100.9", email=f"user{n}@example.org").status_code == 422
    assert attempt(app, "198.51.100.9", password=factories.PASSWORD).status_code == 429
    assert attempt(app, "192.0.2.1", password=factories.PASSWORD).status_code == 303


def test_failures_on_one_account_slow_every_attempt_on_it_down(app):
    with app.test_request_context():
        assert throttle.delay("owner@example.org") == 0
    for n in range(app.config["LOGIN_SLOWDOWN_AFTER"] + 3):
        attempt(app, f"203.0.113.{n}")
    with app.test_request_context():
        slowed = throttle.delay("owner@example.org")
        assert 0 < slowed <= app.config["LOGIN_SLOWDOWN_MAX_SECONDS"]
        assert throttle.delay("OWNER@example.org ") == slowed  # the account, however it is typed
        assert throttle.delay("someone@example.org") == 0
        # the slow-down grows with the failures, up to its ceiling
        assert throttle.seconds_for(app.config["LOGIN_SLOWDOWN_AFTER"] - 1, 8.0) == 0
        assert 0 < throttle.seconds_for(app.config["LOGIN_SLOWDOWN_AFTER"], 8.0) < \
            throttle.seconds_for(app.config["LOGIN_SLOWDOWN_AFTER"] + 2, 8.0) <= 8.0
        assert throttle.seconds_for(1000, 8.0) == 8.0


def test_the_current_password_check_on_the_account_page_is_limited(app, client, login):
    login("facilitator", email="fac@example.org")
    limit = int(app.config["PASSWORD_CHECK_RATE_LIMIT"].split()[0])

    def change(current):
        return client.post("/account/", data={"form": "password", "password-current": current,
                                              "password-password": "a brand new passphrase"})

    for n in range(limit):
        assert change(f"guess number {n}").status_code == 422
    assert change(factories.PASSWORD).status_code == 429
    # the rest of the page still works
    saved = client.post("/account/", data={"form": "profile", "profile-name": "Fac", "profile-locale": "en"})
    assert saved.status_code == 303


# --- (5) every refused sign-in costs one password hash check ------------------------------------

@pytest.fixture
def hash_checks(monkeypatch):
    from argon2 import PasswordHasher

    calls = []
    real = PasswordHasher.verify

    def counted(self, hash, password):
        calls.append((self.time_cost, self.memory_cost))
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


@pytest.mark.parametrize("email, password", [
    ("owner@example.org", factories.PASSWORD),  # signs in
    ("owner@example.org", "wrong password 1"),
    ("gone@example.org", factories.PASSWORD),  # deactivated, right password
    ("gone@example.org", "wrong password 1"),
    ("ghost@example.org", "wrong password 1"),  # no such account
])
def test_every_sign_in_costs_one_password_hash_check(app, client, hash_checks, email, password):
    with app.app_context():
        factories.user(role="supervisor", email="gone@example.org", active=False)
    hash_checks.clear()
    client.post("/login", data={"email": email, "password": password})
    assert hash_checks == [(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"])]


# --- (6) the account page lists signed-in devices; sign out one, or everywhere -----------------

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")


def signed_in_with(app, user_agent, remember=False):
    client = app.test_client()
    data = {**GOOD, "remember": "y"} if remember else GOOD
    response = client.post("/login", data=data, headers={"User-Agent": user_agent},
                           environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert response.status_code == 303
    return client


@pytest.mark.parametrize("agent, family", [
    (FIREFOX_ANDROID, "Firefox on Android"), (CHROME_WINDOWS, "Chrome on Windows"),
    (SAFARI_IPHONE, "Safari on iPhone"), ("curl/8.5", ""), ("", ""),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36",
     "Chrome on Linux"),
])
def test_only_the_browser_family_is_kept(agent, family):
    assert devices.browser_family(agent) == family


def test_the_account_page_lists_signed_in_devices_without_a_place(app):
    phone = signed_in_with(app, FIREFOX_ANDROID, remember=True)
    signed_in_with(app, CHROME_WINDOWS)
    page = phone.get("/account/").get_data(as_text=True)
    assert "Firefox on Android" in page and "Chrome on Windows" in page
    assert "This device" in page and "Sign out everywhere" in page and "Last used" in page
    assert "192.0.2.77" not in page
    with app.app_context():
        columns = set(SignedInDevice._meta.columns)
        stored = [str(getattr(row, name)) for row in SignedInDevice.select() for name in columns]
    assert not [value for value in stored if "192.0.2" in value or "Mozilla" in value]
    assert not {"ip", "address", "user_agent", "place", "location"} & columns


def test_signing_out_one_device_from_another(app):
    phone = signed_in_with(app, FIREFOX_ANDROID, remember=True)
    laptop = signed_in_with(app, CHROME_WINDOWS)
    with app.app_context():
        phone_device = SignedInDevice.get(SignedInDevice.browser == "Firefox on Android")
    token = cookie(phone, REMEMBER_COOKIE)
    response = laptop.post(f"/account/devices/{phone_device.id}/sign-out")
    assert response.status_code == 303 and response.headers["Location"] == "/account/"
    assert phone.get("/account/").status_code == 302
    assert browser_with(app, **{REMEMBER_COOKIE: token}).get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200


def test_nobody_signs_out_someone_elses_device(app, login, client):
    phone = signed_in_with(app, FIREFOX_ANDROID)
    login("facilitator", email="fac@example.org")
    with app.app_context():
        phone_device = SignedInDevice.get(SignedInDevice.browser == "Firefox on Android")
    assert client.post(f"/account/devices/{phone_device.id}/sign-out").status_code == 404
    assert phone.get("/account/").status_code == 200


def test_sign_out_everywhere(app):
    phone = signed_in_with(app, FIREFOX_ANDROID, remember=True)
    laptop = signed_in_with(app, CHROME_WINDOWS)
    token = cookie(phone, REMEMBER_COOKIE)
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    for client in (phone, laptop, browser_with(app, **{REMEMBER_COOKIE: token})):
        assert client.get("/account/").status_code == 302
    with app.app_context():
        assert SignedInDevice.select().count() == 0


def test_devices_whose_session_ended_are_not_listed(app):
    phone = signed_in_with(app, FIREFOX_ANDROID)
    laptop = signed_in_with(app, CHROME_WINDOWS)
    with app.app_context():
        SignedInDevice.update(last_seen_at=utcnow() - timedelta(days=2)).where(
            SignedInDevice.browser == "Firefox on Android").execute()
    page = laptop.get("/account/").get_data(as_text=True)
    assert "Chrome on Windows" in page and "Firefox on Android" not in page
    assert phone.get("/account/").status_code == 302


# --- (7) tokens and links ------------------------------------------------------------------------

def session_data(app, client):
    value = cookie(client, app.config["SESSION_COOKIE_NAME"])
    return app.session_interface.get_signing_serializer(app).loads(value) if value else {}


def test_invite_and_reset_tokens_never_sit_in_a_cookie(app, client, login):
    login("admin")
    with app.app_context():
        person = factories.user(role="facilitator", email="forgot@example.org")
    made = [client.post("/staff/invite", data={"email": "new@example.org", "role": "supervisor"}),
            client.post(f"/staff/{person.id}/reset")]
    for response, kind in zip(made, ("invite", "reset")):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f"/{kind}/" in page  # shown once, right away
        token = re.search(rf'value="https?://[^"]+/{kind}/([^"]+)"', page).group(1)
        every_cookie = "".join(str(c.value) for c in client._cookies.values())
        assert token not in every_cookie and token not in str(session_data(app, client))
    assert "share_links" not in session_data(app, client)


def test_a_reset_link_stops_when_the_password_changes_or_a_newer_link_is_made(app, client, login):
    admin = login("admin")
    with app.app_context():
        person = factories.user(role="facilitator", email="forgot@example.org")
        first, _row = accounts.make_link("reset", person.email, admin.id, timedelta(hours=24), user=person)
        second, _row = accounts.make_link("reset", person.email, admin.id, timedelta(hours=24), user=person)
    assert client.get(f"/reset/{first}").status_code == 404  # a newer link was made
    assert client.get(f"/reset/{second}").status_code == 200
    with app.app_context():
        set_password(User.get_by_id(person.id), "changed it myself meanwhile")
    assert client.get(f"/reset/{second}").status_code == 404


def test_links_stop_when_their_maker_is_no_longer_an_active_admin(app, client):
    with app.app_context():
        maker = factories.user(role="admin", email="maker@example.org")
        person = factories.user(role="facilitator", email="forgot@example.org")
        invite, _row = accounts.make_link("invite", "new@example.org", maker.id, timedelta(days=7), role="admin")
        reset, _row = accounts.make_link("reset", person.email, maker.id, timedelta(hours=24), user=person)
    assert client.get(f"/invite/{invite}").status_code == 200
    assert client.get(f"/reset/{reset}").status_code == 200
    with app.app_context():
        accounts.change_account(User.get_by_id(maker.id), active=False)
    assert client.get(f"/invite/{invite}").status_code == 404
    joined = client.post(f"/invite/{invite}", data={"name": "X", "language": "en",
                                                    "password": "a long safe passphrase"})
    assert joined.status_code == 404
    assert client.get(f"/reset/{reset}").status_code == 404
    with app.app_context():
        assert not User.select().where(User.email == "new@example.org").exists()


def test_demo_survey_tokens_are_random_per_install(template_db, tmp_path):
    tokens = []
    for n in range(2):
        (tmp_path / str(n)).mkdir()
        app = make_app(template_db, tmp_path / str(n))
        result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-pass-123"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            tokens.append({link.token for link in SurveyLink.select()})
            assert all(len(token) >= 12 for token in tokens[-1])
        database.close()
    assert tokens[0] and not tokens[0] & tokens[1]


def test_an_old_365_day_remember_cookie_signs_nobody_in_and_is_dropped(app):
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        owner = User.get(User.email == "owner@example.org")
        legacy = encode_cookie(owner.get_id())  # what Flask-Login's remember-me used to set
    old = browser_with(app, remember_token=legacy)
    response = old.get("/account/")
    assert response.status_code == 302
    assert cookie(old, "remember_token") is None
    # beside a good token of ours, it does not get in the way
    _client, token = remembered_sign_in(app)
    both = browser_with(app, remember_token=legacy, **{REMEMBER_COOKIE: token})
    assert both.get("/account/").status_code == 200


def test_a_new_password_keeps_this_device_signed_in_as_it_was(app):
    phone, token = remembered_sign_in(app)
    _laptop, laptop_token = remembered_sign_in(app)
    changed = phone.post("/account/", data={"form": "password", "password-current": factories.PASSWORD,
                                            "password-password": "a brand new passphrase"})
    assert changed.status_code == 303
    assert phone.get("/account/").status_code == 200
    renewed = cookie(phone, REMEMBER_COOKIE)
    assert renewed and renewed != token  # still kept signed in, with a new token
    for old in (token, laptop_token):
        assert browser_with(app, **{REMEMBER_COOKIE: old}).get("/account/").status_code == 302
    assert browser_with(app, **{REMEMBER_COOKIE: renewed}).get("/account/").status_code == 200


def test_the_devices_are_in_the_page_not_its_title(app):
    page = signed_in_with(app, FIREFOX_ANDROID).get("/account/").get_data(as_text=True)
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Signed-in devices" not in title and page.count("Sign out everywhere") == 1


def test_a_plain_sign_in_sets_the_session_cookie_only(app, client):
    response = client.post("/login", data=GOOD)
    names = [header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")]
    assert names == [app.config["SESSION_COOKIE_NAME"]]


def test_an_unchanged_session_is_not_signed_and_sent_again(app, client, login):
    """Within a minute of the last stamp a page sends no session cookie (signing it again costs
    every request); an older stamp is renewed, so the idle timeout still counts from activity."""
    login()
    assert client.get("/account/").status_code == 200
    response = client.get("/account/")
    assert response.status_code == 200 and "peergroups_session" not in response.headers.get("Set-Cookie", "")
    stale = int(time.time()) - accounts.SEEN_EVERY - 5
    with client.session_transaction() as session:
        session["seen"] = stale
    response = client.get("/account/")
    assert "peergroups_session" in response.headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        assert session["seen"] > stale
