"""Everything that destroys or cancels asks first, on a page of its own (so it works without
JavaScript): the first POST changes nothing, the page's button sends the same form confirmed."""
import re

import pytest

from peergroups.db import database

from .helpers import sign_in
from .routes import CONFIRMED, ROUTES
from .world import build_world

ASKING = [(row[1], role) for row in ROUTES if len(row) > 3 and row[3] is CONFIRMED
          for role in ("admin", "facilitator") if row[2][role] == 303]


def dump():
    """Every row of every table, to show that nothing changed."""
    return {table: sorted(map(repr, database.execute_sql(f'SELECT * FROM "{table}"').fetchall()))
            for table in database.get_tables()}


@pytest.mark.parametrize("template, role", ASKING, ids=[f"{t} as {r}" for t, r in ASKING])
def test_a_destructive_button_asks_before_it_changes_anything(app, client, template, role):
    with app.app_context():
        world = build_world()
        sign_in(client, world["users"][role])
        before = dump()
    url = template.format(**world)
    page = client.post(url, data={"extra": "kept"}, headers={"Referer": "http://localhost/groups/"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Are you sure?" in body
    with app.app_context():
        assert dump() == before
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', body.split("<main")[1], re.S)
    assert form.group(1) == url
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    assert fields.pop("csrf_token") and fields == {"extra": "kept", "confirmed": "1"}
    assert 'href="http://localhost/groups/"' in body  # "No, go back" returns where the button was
    assert client.post(url, data=fields).status_code == 303


def test_back_never_leads_to_another_site(app, client, login):
    login("admin")
    with app.app_context():
        group = build_world()["group_a"]
    body = client.post(f"/groups/{group}/archive", headers={"Referer": "https://evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in body and 'href="/"' in body


def test_restoring_does_not_ask(app, client, login):
    login("admin")
    with app.app_context():
        group = build_world()["group_a"]
    assert client.post(f"/groups/{group}/archive", data=CONFIRMED).status_code == 303
    assert client.post(f"/groups/{group}/archive").status_code == 303  # restored at once


def test_cancelling_a_coming_meeting_asks_first(app, client, login):
    import datetime

    from peergroups.groups import upcoming
    from peergroups.models import Group, Meeting

    from . import factories

    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user], weekday=3, start_time=datetime.time(18, 30), timezone="Europe/Madrid")
        coming = upcoming(Group.get_by_id(group.id), 1)[0]
    form = {"starts_at": coming.starts_at_utc.isoformat(), "cancel": "1"}
    page = client.post(f"/groups/{group.id}/meetings", data=form)
    assert page.status_code == 200 and "Are you sure?" in page.get_data(as_text=True)
    with app.app_context():
        assert not Meeting.select().where(Meeting.group == group.id).exists()
    assert client.post(f"/groups/{group.id}/meetings", data={**form, "confirmed": "1"}).status_code == 303
    with app.app_context():
        assert Meeting.get(Meeting.group == group.id).status == "cancelled"
