"""Archived means read-only everywhere: once group_a is archived, its facilitator can change
nothing of it through any route (meetings, marks, pairings, members, surveys, follow-up)."""
import pytest

from peergroups.models import Group

from .routes import FACILITATOR, ROUTES
from .test_access import request_as
from .world import build_world

GROUP_A_THINGS = ("{group_a}", "{meeting_a}", "{pairing_a}", "{member_a}", "{member_a2}", "{newcomer_a}",
                  "{mentor_a}")
WRITES = [(row[1], row[3] if len(row) > 3 else None) for row in ROUTES
          if row[0] == "POST" and row[2][FACILITATOR] != 404 and not row[1].startswith(("/s/", "/incidents"))
          and any(thing in row[1] or thing in str(row[3:]) for thing in GROUP_A_THINGS)]


@pytest.fixture
def world(app):
    with app.app_context():
        world = build_world()
        Group.update(archived=True).where(Group.id == world["group_a"]).execute()
        return world


@pytest.mark.parametrize("template, data", WRITES, ids=[f"{t} {sorted(d.values()) if d else ''}" for t, d in WRITES])
def test_an_archived_groups_facilitator_changes_nothing(app, client, world, template, data):
    assert request_as(client, world, FACILITATOR, "POST", template, data).status_code == 404
