"""Small helpers that create rows for tests, with believable defaults."""
import itertools

from datetime import timedelta

from peergroups.accounts import hash_password, new_token
from peergroups.models import Invite, Organization, User, utcnow

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def organization(**fields):
    existing = Organization.current()
    if existing:
        return existing
    return Organization.create(**{"name": "Test Peer Support", "default_locale": "en", **fields})


def user(role="admin", password=PASSWORD, **fields):
    n = next(_counter)
    values = {"email": f"{role}{n}@example.org", "name": f"{role.title()} {n}", "role": role, **fields}
    return User.create(password_hash=hash_password(password), **values)


def invite(kind="invite", email=None, role="facilitator", user=None, hours=24):
    """An invite or reset link; returns (invite, token)."""
    token, digest = new_token()
    row = Invite.create(kind=kind, token_hash=digest, email=email or f"new{next(_counter)}@example.org",
                        role=role if kind == "invite" else None, user=user,
                        expires_at=utcnow() + timedelta(hours=hours))
    return row, token
