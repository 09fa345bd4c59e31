"""A small organization with one user per role, the fixture data for matrix and page tests."""
from . import factories


def build_world():
    users = {role: factories.user(role=role) for role in ("admin", "facilitator", "supervisor")}
    world = {"users": users}
    return world


def fixture_texts(world):
    """Strings that come from data, not from the catalogs (names typed by people)."""
    texts = {u.name for u in world["users"].values()} | {u.email for u in world["users"].values()}
    from peergroups.models import Organization

    texts.add(Organization.current().name)
    return texts
