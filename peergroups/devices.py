"""Signed-in devices: the server's record of every signed-in browser (reads and writes).

A device row stands behind every session: the session cookie carries a random key, the row its
hash. Signing out deletes the row, so a copy of the cookie taken before stops working. "Keep me
signed in" adds a second random token (its own cookie), stored hashed, valid until a fixed time
(REMEMBER_DAYS after the password was typed, never extended), and replaced each time it is used.
Only the browser's family is kept ("Firefox on Android"): no address, no place, no full user agent."""
import datetime
import hashlib
import re
import secrets

from .db import Prepared
from .models import SignedInDevice, User, utcnow

# How often last_seen_at is written: a device used all day costs one UPDATE a minute, not one a request.
TOUCH_EVERY = datetime.timedelta(minutes=1)

_BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Opera", "Opera"), ("SamsungBrowser", "Samsung Internet"),
             ("Firefox", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chromium", "Chromium"),
             ("Chrome", "Chrome"), ("HeadlessChrome", "Chrome"), ("Safari", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_family(user_agent):
    """"Firefox on Android", or the part of it that is known, or "" (shown as "Unknown browser")."""
    text = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if re.search(rf"\b{mark}/", text)), "")
    system = next((name for mark, name in _SYSTEMS if mark in text), "")
    return " on ".join(part for part in (browser, system) if part)[:60]


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret():
    return secrets.token_urlsafe(32)


def start(user_id, browser, remember_until=None):
    """A new signed-in device: (row, session key, remember token or None)."""
    key = _secret()
    token = _secret() if remember_until else None
    now = utcnow()
    row = SignedInDevice.create(user=user_id, key_hash=_hash(key), remember_hash=token and _hash(token),
                                remember_until=remember_until if token else None, browser=browser,
                                signed_in_at=now, last_seen_at=now)
    return row, key, token


def find(key, user_id):
    """The device of this session key and person, with the person loaded, or None."""
    if not key:
        return None
    return _FIND.first(_hash(key), user_id)


_FIND = Prepared(lambda key_hash, user_id: SignedInDevice.select(SignedInDevice, User).join(User)
                 .where(SignedInDevice.key_hash == key_hash, SignedInDevice.user == user_id).limit(1))


def touch(device, now=None):
    now = now or utcnow()
    if now - device.last_seen_at >= TOUCH_EVERY:
        SignedInDevice.update(last_seen_at=now).where(SignedInDevice.id == device.id).execute()


def restore(token, now=None):
    """Sign a remembered device in again: (row, new session key, new remember token), or None when
    the token is unknown, replaced already or past its time. Both secrets are replaced; the
    remember-me deadline stays where it was."""
    if not token:
        return None
    now = now or utcnow()
    device = (SignedInDevice.select(SignedInDevice, User).join(User)
              .where(SignedInDevice.remember_hash == _hash(token)).first())
    if device is None:
        return None
    if device.remember_until <= now or not device.user.active:
        end(device.id)
        return None
    key, fresh = _secret(), _secret()
    replaced = (SignedInDevice.update(key_hash=_hash(key), remember_hash=_hash(fresh), signed_in_at=now,
                                      last_seen_at=now)
                .where(SignedInDevice.id == device.id, SignedInDevice.remember_hash == _hash(token)).execute())
    if replaced != 1:  # another request used this token a moment ago
        return None
    return device, key, fresh


def end(device_id):
    SignedInDevice.delete().where(SignedInDevice.id == device_id).execute()


def end_key(key):
    """Sign out the device of this session key (if any)."""
    if key:
        SignedInDevice.delete().where(SignedInDevice.key_hash == _hash(key)).execute()


def end_remembered(token):
    if token:
        SignedInDevice.delete().where(SignedInDevice.remember_hash == _hash(token)).execute()


def end_one(user_id, device_id):
    """Sign out one of this person's devices; False when it is not theirs (or gone)."""
    return bool(SignedInDevice.delete().where(SignedInDevice.id == device_id,
                                              SignedInDevice.user == user_id).execute())


def end_all(user_id, keep=None):
    """Sign out every device of this person, but `keep` (a device id) when given."""
    query = SignedInDevice.delete().where(SignedInDevice.user == user_id)
    if keep is not None:
        query = query.where(SignedInDevice.id != keep)
    query.execute()


def session_over(device, idle, absolute, now=None):
    """The server's own idle and absolute timeouts (timedeltas) of this device's session."""
    now = now or utcnow()
    return device.last_seen_at < now - idle - TOUCH_EVERY or device.signed_in_at < now - absolute


def _alive(idle, absolute, now):
    live_session = ((SignedInDevice.last_seen_at >= now - idle - TOUCH_EVERY)
                    & (SignedInDevice.signed_in_at >= now - absolute))
    return live_session | (SignedInDevice.remember_until > now)


def of_user(user_id, idle, absolute, now=None):
    """This person's devices that are signed in (a live session, or a remember-me token still
    good), the most recently seen first."""
    now = now or utcnow()
    return list(SignedInDevice.select().where(SignedInDevice.user == user_id, _alive(idle, absolute, now))
                .order_by(SignedInDevice.last_seen_at.desc(), SignedInDevice.id.desc()))


def forget_ended(user_id, idle, absolute, now=None):
    """Delete this person's rows whose session and remember-me have both ended."""
    now = now or utcnow()
    SignedInDevice.delete().where(SignedInDevice.user == user_id, ~_alive(idle, absolute, now)).execute()
