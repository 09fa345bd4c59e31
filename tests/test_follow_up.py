"""Follow-up that leads to action: ways to reach each person not seen lately, and a note of each
contact, shown to the group's leaders only."""
import datetime
import re

import pytest

from peergroups import attendance
from peergroups.models import ContactNote

from . import factories


@pytest.fixture
def quiet(app):
    """A group whose member 'Gone quiet' came five weeks ago and not at the last three meetings."""
    today = datetime.date.today()
    with app.app_context():
        leader = factories.user(role="facilitator", email="lead@example.org")
        group = factories.group(leads=[leader])
        gone = factories.member(group, name="Gone quiet", phone="+1 (555) 010-0100", email="gq@example.org")
        plain = factories.member(group, name="No number")
        for weeks in range(5, 0, -1):
            meeting = factories.meeting(group, local_date=today - datetime.timedelta(weeks=weeks))
            if weeks == 5:
                attendance.set_mark(meeting, gone.id, "present", None)
                attendance.set_mark(meeting, plain.id, "present", None)
            attendance.close_meeting(meeting, None)
    return {"group": group, "gone": gone, "plain": plain, "leader": leader}


def sign_in_as(app, client, email):
    from peergroups.models import User

    from .helpers import sign_in

    with app.app_context():
        sign_in(client, User.get(User.email == email))


def note_contact(client, quiet, **fields):
    """Post the per-person contact form of 'Gone quiet' (its fields carry the person's prefix)."""
    group, gone = quiet["group"], quiet["gone"]
    data = {f"contact{gone.id}-{name}": value for name, value in fields.items()}
    return client.post(f"/groups/{group.id}/follow-up/{gone.id}/contacts", data=data)


def test_a_leader_gets_a_next_step_for_each_person(app, client, quiet):
    sign_in_as(app, client, "lead@example.org")
    page = client.get(f"/groups/{quiet['group'].id}/follow-up").get_data(as_text=True)
    assert 'href="tel:+15550100100"' in page and 'href="sms:+15550100100"' in page
    assert 'href="https://wa.me/15550100100"' in page and 'href="mailto:gq@example.org"' in page
    assert page.count('href="tel:') == 1  # "No number" gave none
    assert page.count("Note a contact") == 2


def _fields(page, member_id):
    """(name, id, label's for) of every field of one person's contact form."""
    form = re.search(rf'<form[^>]*follow-up/{member_id}/contacts".*?</form>', page, re.S).group(0)
    return (re.findall(r' name="(contact[^"]*)"', form), re.findall(r' id="(contact[^"]*)"', form),
            re.findall(r' for="(contact[^"]*)"', form))


def test_each_persons_form_is_their_own(app, client, quiet):
    """Everyone's empty form is rendered once and given each person's prefix: every name, id and
    label of a form is that person's, and a form with errors is rendered on its own, as typed."""
    sign_in_as(app, client, "lead@example.org")
    fields = ["contacted_on", "how", "outcome", "note"]
    page = client.get(f"/groups/{quiet['group'].id}/follow-up").get_data(as_text=True)
    for person in (quiet["gone"], quiet["plain"]):
        expected = [f"contact{person.id}-{name}" for name in fields]
        assert _fields(page, person.id) == (expected, expected, expected)
    assert f'value="{attendance.local_today(quiet["group"].timezone).isoformat()}"' in page
    page = note_contact(client, quiet, contacted_on="yesterday", how="call", outcome="reached").get_data(as_text=True)
    gone, plain = quiet["gone"].id, quiet["plain"].id
    assert 'value="yesterday"' in page and f'aria-describedby="contact{gone}-contacted_on-error"' in page
    assert _fields(page, plain)[0] == [f"contact{plain}-{name}" for name in fields]


def test_a_contact_is_noted_and_shown_to_leaders_only(app, client, quiet):
    sign_in_as(app, client, "lead@example.org")
    group, gone = quiet["group"], quiet["gone"]
    response = note_contact(client, quiet, contacted_on="2026-11-30", how="whatsapp", outcome="left_message",
                            note="Will try Friday")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#member-{gone.id}")
    page = client.get(f"/groups/{group.id}/follow-up").get_data(as_text=True)
    assert "WhatsApp on Nov 30, 2026 by" in page and "Left a message" in page and "Will try Friday" in page
    supervisor = app.test_client()
    with app.app_context():
        factories.user(role="supervisor", email="sup@example.org")
    sign_in_as(app, supervisor, "sup@example.org")
    seen = supervisor.get(f"/groups/{group.id}/follow-up").get_data(as_text=True)
    assert "Gone quiet" in seen and "Will try Friday" not in seen and "tel:" not in seen and "Note a contact" not in seen


def test_asked_not_to_be_contacted_hides_the_ways_to_reach_them(app, client, quiet):
    sign_in_as(app, client, "lead@example.org")
    note_contact(client, quiet, contacted_on="2026-11-30", how="call", outcome="stop")
    page = client.get(f"/groups/{quiet['group'].id}/follow-up").get_data(as_text=True)
    assert "Asked not to be contacted" in page and "tel:" not in page


def test_bad_input_is_explained_next_to_its_field_and_kept(app, client, quiet):
    sign_in_as(app, client, "lead@example.org")
    response = note_contact(client, quiet, contacted_on="yesterday", how="pigeon", outcome="reached", note="Kept words")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please enter a date like" in body and "Kept words" in body
    assert "<details open>" in body
    with app.app_context():
        assert ContactNote.select().count() == 0


def test_only_the_groups_own_members_and_leaders(app, client, quiet):
    sign_in_as(app, client, "lead@example.org")
    with app.app_context():
        stranger = factories.member(factories.group(), name="Elsewhere")
    assert client.post(f"/groups/{quiet['group'].id}/follow-up/{stranger.id}/contacts", data={}).status_code == 404


def test_the_kept_empty_form_follows_the_language_and_the_day(app, client, quiet, monkeypatch):
    """The empty form is kept per language and day (pages.kept_fragment): it starts at today's date
    in the group's time zone, tomorrow at tomorrow's, and its words are the page's language."""
    from peergroups.views import groups as view

    sign_in_as(app, client, "lead@example.org")
    url = f"/groups/{quiet['group'].id}/follow-up"
    gone = quiet["gone"].id
    monkeypatch.setattr(view.attendance, "local_today", lambda _zone: datetime.date(2026, 5, 15))
    assert f'id="contact{gone}-contacted_on" name="contact{gone}-contacted_on" type="date" value="2026-05-15"' \
        in client.get(url).get_data(as_text=True)
    assert ">How<" in client.get(url).get_data(as_text=True)
    assert ">Cómo<" in client.get(url + "?lang=es").get_data(as_text=True)
    monkeypatch.setattr(view.attendance, "local_today", lambda _zone: datetime.date(2026, 5, 16))
    assert 'value="2026-05-16"' in client.get(url + "?lang=es").get_data(as_text=True)
