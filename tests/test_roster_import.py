"""Adding people outside a meeting: the "Add a member" links and a roster imported from a CSV file,
previewed row by row, then added all together or not at all."""
import io

import pytest

from peergroups.models import GroupMember, Member

from . import factories
from .routes import CONFIRMED


def upload(client, text, group=None, encoding="utf-8-sig"):
    url = f"/members/import?group={group.id}" if group else "/members/import"
    return client.post(url, data={"file": (io.BytesIO(text.encode(encoding)), "roster.csv")},
                       content_type="multipart/form-data")


def confirm(client, preview, group=None):
    """Send the preview's confirmation form back, with the file's text it carries."""
    import html
    import re

    roster = html.unescape(re.search(r'name="roster" type="hidden" value="([^"]*)"', preview).group(1))
    url = f"/members/import?group={group.id}" if group else "/members/import"
    return client.post(url, data={"roster": roster, **CONFIRMED})


def names(app, group):
    with app.app_context():
        return sorted(m.name for m in Member.active_in(group.id))


@pytest.fixture
def harbor(app, login):
    user = login("facilitator")
    with app.app_context():
        group = factories.group(name="Harbor", leads=[user], languages="es,en")
        factories.member(group, name="Ana")
        factories.group(name="Not mine")
    return group


def test_the_group_and_members_pages_offer_to_add_people(app, client, harbor):
    page = client.get(f"/groups/{harbor.id}").get_data(as_text=True)
    assert f"/members/groups/{harbor.id}/new" in page and f"/members/import?group={harbor.id}" in page
    assert "/members/new" in client.get("/members/").get_data(as_text=True)
    assert client.get("/members/new").headers["Location"].endswith(f"/members/groups/{harbor.id}/new")


def test_a_roster_is_previewed_then_added_whole(app, client, harbor):
    text = "Name;Pronouns;Phone;Email;Language\nBea;she/her;+1 555 0100;bea@example.org;es-MX\nCarl;;;;\n"
    preview = upload(client, text, harbor)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Bea" in body and "Add 2 people" in body
    assert names(app, harbor) == ["Ana"]  # nothing yet
    done = confirm(client, body, harbor)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/groups/{harbor.id}")
    assert names(app, harbor) == ["Ana", "Bea", "Carl"]
    with app.app_context():
        bea, carl = Member.get(Member.name == "Bea"), Member.get(Member.name == "Carl")
    assert (bea.pronouns, bea.phone, bea.email, bea.locale) == ("she/her", "+1 555 0100", "bea@example.org", "es")
    assert carl.locale == "es"  # no language given: the group's first


def test_one_bad_row_adds_no_one_and_says_where(app, client, harbor):
    text = "name,email,language,groups\nDee,,,\n,x@example.org,,\nEd,not-an-email,,\nFay,,klingon,\nGus,,,Not mine\n"
    preview = upload(client, text, harbor)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 422 and "4 rows need a change" in body
    for line in ("Line 3", "Line 4", "Line 5", "Line 6"):
        assert line in body
    assert "klingon" in body and "No group of yours is called" in body and 'name="confirmed"' not in body
    forged = client.post(f"/members/import?group={harbor.id}", data={"roster": text, **CONFIRMED})
    assert forged.status_code == 422
    assert names(app, harbor) == ["Ana"]


def test_duplicates_are_skipped_not_doubled(app, client, harbor):
    body = upload(client, "name\nANA\nHal\nhal\n", harbor).get_data(as_text=True)
    assert "Add 1 person" in body and body.count("Already in <bdi>Harbor</bdi>") == 2
    assert confirm(client, body, harbor).status_code == 303
    assert names(app, harbor) == ["Ana", "Hal"]


def test_an_admin_puts_people_in_several_groups_by_name(app, client, login):
    login("admin")
    with app.app_context():
        north, south = factories.group(name="North"), factories.group(name="South")
    body = upload(client, "alias,groups\nIvy,north; SOUTH\n").get_data(as_text=True)
    assert confirm(client, body).status_code == 303
    assert names(app, north) == ["Ivy"] and names(app, south) == ["Ivy"]
    with app.app_context():
        assert GroupMember.select().count() == 2
    missing = upload(client, "name\nJo\n").get_data(as_text=True)
    assert "Which group?" in missing  # no group column and no group chosen


@pytest.mark.parametrize("data, message", [
    ("name\nZoë\n".encode("latin-1"), "not UTF-8 text"),
    (b"alias-less,phone\nx,1\n", "at least a \"name\" column"),
    (b"name\n\n", "names no one"),
    (b"name\n" + b"a" * 200_000, "could not be understood"),  # a cell past the CSV reader's limit
])
def test_a_file_that_cannot_be_read_gets_a_clear_message(app, client, harbor, data, message):
    response = client.post(f"/members/import?group={harbor.id}", data={"file": (io.BytesIO(data), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True).replace("&#34;", '"')


def test_lines_ended_by_a_carriage_return_alone_are_lines(client, harbor):
    """Old spreadsheets end lines with a carriage return alone; one inside a pasted cell made the
    CSV reader fail (a 500 found by the fuzz test)."""
    response = upload(client, "name\rIvy\rBo\r", harbor)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ivy" in body and "Bo" in body
