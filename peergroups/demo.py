"""The demo organization behind `flask --app app demo`: believable, and the contract's accounts."""
from .accounts import hash_password
from .models import Organization, User

DEMO_STAFF = (
    ("admin@example.org", "Amina Yusuf", "admin", "en"),
    ("facilitator@example.org", "Diego Ramírez", "facilitator", "es"),
    ("supervisor@example.org", "Lan Nguyen", "supervisor", "en"),
)


class DemoRefused(Exception):
    pass


def build_demo(password, scale=1):
    if User.select().exists() or Organization.select().exists():
        raise DemoRefused("The database is not empty: the demo only fills a new database.")
    Organization.create(name="Riverside Peer Support", default_locale="en", timezone="America/Chicago")
    password_hash = hash_password(password)
    for email, name, role, locale in DEMO_STAFF:
        User.create(email=email, name=name, role=role, locale=locale, password_hash=password_hash)
    return f"Demo ready: {len(DEMO_STAFF)} staff accounts ({', '.join(e for e, *_ in DEMO_STAFF)})."
