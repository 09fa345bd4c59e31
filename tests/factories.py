"""Small helpers that create rows for tests, with believable defaults."""
import itertools

from peergroups.accounts import hash_password
from peergroups.models import Organization, User

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
