"""A small organization with one user per role, the fixture data for matrix and page tests."""
from . import factories


def build_world():
    users = {role: factories.user(role=role) for role in ("admin", "facilitator", "supervisor")}
    invite, invite_token = factories.invite()
    _reset, reset_token = factories.invite(kind="reset", user=users["facilitator"], email=users["facilitator"].email)
    world = {
        "users": users,
        "user_id": users["facilitator"].id,
        "invite_id": invite.id,
        "invite_token": invite_token,
        "reset_token": reset_token,
    }
    return world


def fixture_texts(world):
    """Strings that come from data, not from the catalogs (names typed by people)."""
    texts = {u.name for u in world["users"].values()} | {u.email for u in world["users"].values()}
    from peergroups.models import Organization

    texts.add(Organization.current().name)
    texts |= {"Owner", "owner@example.org"}
    return texts
