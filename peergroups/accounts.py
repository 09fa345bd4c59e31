"""Staff accounts: password hashing, single-use tokens, who is signed in and for how long."""
import datetime
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, session

from . import devices, turns
from .extensions import login_manager
from . import audit
from .db import write_transaction
from .i18n import lazy_gettext as _l
from .models import GroupFacilitator, Invite, User, utcnow
from .security import parse_id

# The few passwords that lead every leaked-password list; the length rule catches the rest.
COMMON_PASSWORDS = frozenset(
    """
    1234567890 12345678910 0123456789 1q2w3e4r5t 1qaz2wsx3edc qwertyuiop password1
    password12 password123 passw0rd12 iloveyou12 qwerty1234 qwerty12345 1234qwerty
    abcdefghij abcd123456 a1b2c3d4e5 football12 baseball12 princess12 sunshine12
    welcome123 letmein123 administrator admin12345 changeme123 trustno1234 monkey1234
    dragon1234 master1234 superman12 starwars12 0987654321 1111111111 0000000000
    9876543210 zxcvbnm123 asdfghjkl1 qazwsxedcr recovery12 recovery123
    """.split()
)
MIN_PASSWORD_LENGTH = 10


def password_hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password):
    with turns.aside():
        return password_hasher().hash(password)


def check_password(user, password):
    """Verify, and quietly upgrade the hash when the parameters were raised since."""
    hasher = password_hasher()
    try:
        with turns.aside():
            hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        user.save(only=["password_hash"])
    return True


_DUMMY = {}


def burn_password_check(password):
    """Spend the time of a real check, so a missing account is not revealed by speed."""
    hasher = password_hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(8))
    try:
        with turns.aside():
            hasher.verify(_DUMMY[key], password)
    except VerificationError:
        pass


def set_password(user, password):
    """Store a new hash and sign this person out everywhere (remembered devices included)."""
    User.update(password_hash=hash_password(password), session_version=User.session_version + 1).where(
        User.id == user.id
    ).execute()
    devices.end_all(user.id)
    # A reset link made before is for the old password: it stops.
    Invite.delete().where(Invite.kind == "reset", Invite.user == user.id, Invite.used_at.is_null()).execute()
    return User.get_by_id(user.id)


def password_problem(password):
    """A translated reason why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return _l("This password is too easy to guess. Please choose another.")
    return None


def new_token():
    """A random URL-safe token (192 bits) and the hash we store instead of it."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a, b):
    return hmac.compare_digest(a.encode(), b.encode())


REMEMBER_COOKIE = "peergroups_remember"


@login_manager.user_loader
def load_user(session_id):
    """Sessions carry "id:version" and the key of their device row (devices.py). A bumped version
    (role, password, deactivation) or a deleted row (signed out, on this device or from another)
    ends them, and so do the idle and absolute timeouts."""
    if g.get("db_down"):
        return None
    user_id, _sep, version = str(session_id).partition(":")
    if parse_id(user_id) is None or not version.isdigit():
        return None
    device = devices.find(session.get("device"), parse_id(user_id))
    if device is None:
        return None
    user = device.user
    if not user.active or user.session_version != int(version):
        return None
    if _expired() or devices.session_over(device, *_timeouts()):
        if device.remember_hash is None:
            devices.end(device.id)
        session.clear()
        return None
    now = int(time.time())
    if now - session.get("seen", 0) >= SEEN_EVERY:  # a cookie signed anew at most once a minute
        session["seen"] = now
    devices.touch(device)
    g.device = device
    return user


@login_manager.request_loader
def load_remembered(request):
    """No live session, but "keep me signed in" on this device: a fresh session from the token,
    which is replaced by a new one (its deadline unchanged). An unknown, used or expired token signs
    nobody in, and its cookie is dropped."""
    if g.get("db_down") or REMEMBER_COOKIE not in request.cookies:
        return None
    restored = devices.restore(request.cookies[REMEMBER_COOKIE])
    if restored is None:
        g.remember_cookie = None
        return None
    device, key, token = restored
    _fresh_session(device.user, key)
    session["_fresh"] = False  # typed no password: not enough to change it
    g.remember_cookie = (token, device.remember_until)
    g.device = device
    return device.user


def _timeouts():
    config = current_app.config
    return timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]), timedelta(hours=config["ABSOLUTE_TIMEOUT_HOURS"])


def signed_in_devices(user):
    """The person's signed-in devices for the account page, this one marked by current_device_id()."""
    return devices.of_user(user.id, *_timeouts())


# The idle timeout counts from the last request within a minute: an unchanged session is not
# signed and sent again with every response.
SEEN_EVERY = 60


def _expired():
    now = int(time.time())
    config = current_app.config
    idle = now - session.get("seen", now) > config["IDLE_TIMEOUT_MINUTES"] * 60
    absolute = now - session.get("signed_in", now) > config["ABSOLUTE_TIMEOUT_HOURS"] * 3600
    return idle or absolute


def _fresh_session(user, key):
    """A new session (no fixation) for this device key, stamped for the idle and absolute timeouts."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    now = int(time.time())
    session["signed_in"] = now
    session["seen"] = now
    session["device"] = key
    session["_user_id"] = user.get_id()
    session["_fresh"] = True


def start_session(user, remember=False):
    """Sign in on this device: a device row on the server, a fresh session, and with `remember` a
    remember-me token of its own (REMEMBER_DAYS). The previous device row of this browser, if any,
    is signed out first."""
    from flask import request
    from flask_login import login_user

    devices.end_key(session.get("device"))
    devices.end_remembered(request.cookies.get(REMEMBER_COOKIE))
    devices.forget_ended(user.id, *_timeouts())
    until = utcnow() + timedelta(days=current_app.config["REMEMBER_DAYS"]) if remember else None
    device, key, token = devices.start(user.id, devices.browser_family(request.headers.get("User-Agent")), until)
    _fresh_session(user, key)
    login_user(user)
    g.device = device
    g.remember_cookie = (token, until) if remember else None
    return device


def end_session():
    """Sign out this device: its row goes (the session and remember-me token with it)."""
    from flask import request
    from flask_login import logout_user

    devices.end_key(session.get("device"))
    devices.end_remembered(request.cookies.get(REMEMBER_COOKIE))
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.remember_cookie = None


def current_device_id():
    device = g.get("device")
    return device.id if device is not None else None


LEGACY_REMEMBER_COOKIE = "remember_token"  # Flask-Login's, 365 days, set before issue 15


def _remember_cookie(response):
    """Write or drop the remember-me cookie when this request changed it (and drop the old kind)."""
    from flask import request

    from .security import is_survey_path

    if is_survey_path(request.path):  # survey pages never touch the site's cookies
        return response
    config = current_app.config
    options = dict(path="/", httponly=True, samesite=config["REMEMBER_COOKIE_SAMESITE"],
                   secure=config.get("REMEMBER_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"]))
    if LEGACY_REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(LEGACY_REMEMBER_COOKIE, **options)
    if "remember_cookie" not in g:
        return response
    if g.remember_cookie is None:
        if REMEMBER_COOKIE in request.cookies:  # nothing to drop otherwise
            response.delete_cookie(REMEMBER_COOKIE, **options)
    else:
        token, until = g.remember_cookie
        response.set_cookie(REMEMBER_COOKIE, token, expires=until.replace(tzinfo=datetime.UTC), **options)
    return response


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # "strong" logs phones out when they switch between Wi-Fi and mobile data.
    login_manager.session_protection = "basic"
    app.after_request(_remember_cookie)


# Staff accounts and their single-use links (invites and password resets): the reads and writes of
# views/staff.py, views/auth.py, views/account.py and views/setup.py.

def find_by_email(email):
    return User.get_or_none(User.email == email)


def email_taken(email):
    return User.select().where(User.email == email).exists()


def admin_exists():
    return User.select().where(User.role == "admin").exists()


def staff():
    """Every account, the active ones first, by name."""
    return list(User.select().order_by(User.active.desc(), User.name))


def get_user(user_id):
    return User.get_or_none(User.id == user_id)


def record_sign_in(user):
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    audit.record("sign_in", user.id, target_id=user.id)


def update_profile(user_id, name, locale):
    User.update(name=name, locale=locale).where(User.id == user_id).execute()


def create_user(email, name, role, password, locale=None):
    return User.create(email=email, name=name, role=role, locale=locale, password_hash=hash_password(password))


def set_up(organization, admin):
    """The first run: the organization's settings ({column: value}) and its first administrator
    (create_user's arguments). None when an admin exists already (two set-ups at once)."""
    from .organization import save_settings

    with write_transaction():
        if admin_exists():
            return None
        save_settings(organization)
        return create_user(role="admin", **admin)


def open_invites():
    """Invites not used yet and not expired, newest first."""
    return list(Invite.select().where(Invite.kind == "invite", Invite.used_at.is_null(), Invite.expires_at > utcnow())
                .order_by(Invite.created_at.desc()))


def get_link(invite_id):
    return Invite.get_or_none(Invite.id == invite_id)


def make_link(kind, email, created_by, lifetime, role=None, user=None, group_ids=()):
    """A new single-use link ("invite" or "reset"): (the token to hand over, the row). Only the
    token's hash is stored. An invite may name groups the new facilitator will lead."""
    token, digest = new_token()
    if kind == "reset":  # only the newest reset link of a person works
        Invite.delete().where(Invite.kind == "reset", Invite.user == user, Invite.used_at.is_null()).execute()
    invite = Invite.create(kind=kind, token_hash=digest, email=email, role=role, user=user, created_by=created_by,
                           expires_at=utcnow() + lifetime, group_ids=",".join(str(int(i)) for i in group_ids))
    return token, invite


def revoke_link(invite_id):
    return bool(Invite.delete().where(Invite.id == invite_id).execute())


def usable_link(token, kind):
    """The unused, unexpired link of this kind for this token, or None."""
    digest = token_hash(token)
    invite = Invite.get_or_none(Invite.token_hash == digest, Invite.kind == kind)
    if invite is None or not tokens_equal(invite.token_hash, digest):
        return None
    if invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    # A link works only while whoever made it may still make it: an active administrator.
    maker = invite.created_by
    if maker is None or not maker.active or maker.role != "admin":
        return None
    return invite


def _claim(invite):
    """Mark the link used; False when another request used it first (single use, even at once)."""
    claimed = Invite.update(used_at=utcnow()).where(Invite.id == invite.id, Invite.used_at.is_null())
    return claimed.execute() == 1


def join(invite, name, locale, password):
    """The account an invite was for; None when the link was used meanwhile or the email is taken."""
    with write_transaction():
        if email_taken(invite.email) or not _claim(invite):
            return None
        user = create_user(invite.email, name, invite.role, password, locale=locale)
        if invite.role == "facilitator":  # groups still there and not archived
            for group in invite.groups:
                GroupFacilitator.create(group=group.id, user=user.id, lead=True)
        return user


def reset(invite, password):
    """Set the password a reset link was for; None when the link was used meanwhile."""
    with write_transaction():
        if not _claim(invite):
            return None
        return set_password(invite.user, password)


def change_account(user, **changes):
    """Apply changes and end every session of that person at once. Refused (False) when it would
    leave the organization without an active administrator."""
    with write_transaction():
        fresh = User.get_by_id(user.id)
        stays_admin = changes.get("role", fresh.role) == "admin" and changes.get("active", fresh.active)
        if fresh.role == "admin" and fresh.active and not stays_admin:
            others = User.select().where(User.role == "admin", User.active, User.id != fresh.id)
            if not others.exists():
                return False
        changes["session_version"] = User.session_version + 1
        User.update(**changes).where(User.id == fresh.id).execute()
        devices.end_all(fresh.id)
    return True
