"""The meeting screen as people found it: the newcomer error in view and focused (htmx and no-JS),
one tap to add a name search did not find, undo that says what it undid, a roster that keeps
itself current on two phones."""
import re

import pytest

from peergroups.models import Attendance, Member

from . import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app, login):
    with app.app_context():
        fac = factories.user(role="facilitator", name="Farah")
        co = factories.user(role="facilitator", name="Chen")
        group = factories.group(name="Harbor", leads=[fac], co_leads=[co])
        members = {name: factories.member(group, name=name) for name in ("Maria", "Bao")}
        meeting = factories.meeting(group)
    login(fac)
    return {"fac": fac, "co": co, "group": group, "members": members, "meeting": meeting}


def name_input(body):
    return re.search(r'<input[^>]*id="name"[^>]*>', body).group(0)


def test_newcomer_error_without_javascript_lands_on_the_field_focused(client, world):
    meeting = world["meeting"]
    # The page comes back with the field focused (autofocus scrolls it into view; the browser test
    # checks it is in view at 360 px).
    response = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "  ", "locale": "ar"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in body
    field = name_input(body)
    assert "autofocus" in field and 'aria-invalid="true"' in field and "name-error" in field
    assert 'id="name-error"' in body and 'selected value="ar"' in body


def test_newcomer_error_with_htmx_is_swapped_in_place(client, world):
    meeting = world["meeting"]
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    form = page.split('id="newcomer"')[1].split("</form>")[0]
    assert f'data-hx-post="/meetings/{meeting.id}/newcomer"' in form and 'data-hx-target="#newcomer"' in form
    response = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "MARIA", "locale": "es"}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body
    assert body.lstrip().startswith('<details class="card" id="newcomer" open')
    field = name_input(body)
    assert 'value="MARIA"' in field and "autofocus" in field
    assert "already has this name" in body and 'selected value="es"' in body and "same_name_ok" in body


def test_newcomer_added_with_htmx_updates_the_roster_and_count(app, client, world):
    meeting = world["meeting"]
    response = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "Noor", "locale": "ar"}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    with app.app_context():
        noor = Member.get(Member.name == "Noor")
    assert f'id="member-{noor.id}"' in body and 'id="roster"' in body and "1 present" in body
    assert "Noor is added and marked present" in body
    assert 'value="Noor"' not in name_input(body)  # a fresh form for the next person


def test_search_that_finds_nobody_offers_one_tap_to_add_the_name(app, client, world):
    meeting = world["meeting"]
    body = client.get(f"/meetings/{meeting.id}?q=Noor", headers=HTMX).get_data(as_text=True)
    assert "Nobody with that name" in body
    one_tap = body.split("<form", 1)[1].split("</form>")[0]
    assert f'action="/meetings/{meeting.id}/newcomer' in one_tap and 'name="name" value="Noor"' in one_tap
    assert "Add <bdi>Noor</bdi> as a newcomer" in body
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', one_tap))
    added = client.post(f"/meetings/{meeting.id}/newcomer", data=fields)
    assert added.status_code == 303
    with app.app_context():
        noor = Member.get(Member.name == "Noor")
        assert Attendance.get(Attendance.member == noor.id).state == "present"


def test_undo_says_what_it_undid(client, world):
    meeting, bao = world["meeting"], world["members"]["Bao"]
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": bao.id, "state": "present"})
    undone = client.post(f"/meetings/{meeting.id}/undo")
    assert undone.headers["Location"].endswith(f"#member-{bao.id}")  # back to the row without JavaScript
    page = client.get(undone.headers["Location"]).get_data(as_text=True)
    assert "Undone: <bdi>Bao</bdi> is “Not marked” again." in page
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": bao.id, "state": "absent"})
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": bao.id, "state": "present"})
    response = client.post(f"/meetings/{meeting.id}/undo", headers=HTMX)
    body = response.get_data(as_text=True)
    message = body.split('id="meeting-message"')[1].split("</p>")[0]
    assert "Undone: <bdi>Bao</bdi> is “Absent” again." in message
    assert response.headers["HX-Trigger"] == f'{{"peergroups:changed": "member-{bao.id}"}}'


def test_the_message_lives_in_the_pinned_bar(client, world):
    """Whatever was scrolled to, what undo or a newcomer says shows in the bar that stays on screen."""
    page = client.get(f"/meetings/{world['meeting'].id}").get_data(as_text=True)
    bar = page.split('class="meeting-bar"')[1].split("</div>\n")[0]
    assert 'id="meeting-message"' in bar


def poll_url(body):
    roster = re.search(r'<ul id="roster"[^>]*>', body).group(0)
    assert 'data-hx-trigger="every 5s"' in roster and 'data-hx-include="#q"' in roster
    return re.search(r'data-hx-get="([^"]+)"', roster).group(1).replace("&amp;", "&")


def test_the_roster_keeps_itself_current_with_a_cheap_poll(app, client, world):
    meeting, maria = world["meeting"], world["members"]["Maria"]
    url = poll_url(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "since=" in url
    unchanged = client.get(url, headers=HTMX)
    assert unchanged.status_code == 204 and unchanged.get_data() == b""  # nothing changed: nothing sent
    with app.app_context():  # the co-facilitator's phone marks Maria
        from peergroups import attendance
        attendance.set_mark(meeting, maria.id, "present", world["co"].id)
    changed = client.get(url, headers=HTMX)
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and "<html" not in body
    assert f'id="member-{maria.id}"' in body and 'aria-pressed="true"' in body
    assert 'id="present-count"' in body and "1 present" in body and 'data-hx-swap-oob="true"' in body
    assert client.get(poll_url(body), headers=HTMX).status_code == 204  # the new cursor is current
    # Without htmx the same address is simply the page.
    assert "<html" in client.get(url).get_data(as_text=True)


def test_closing_on_another_phone_reaches_the_poll(app, client, world):
    meeting = world["meeting"]
    with app.app_context():
        from peergroups import attendance
        Attendance.delete().execute()
        url = poll_url(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
        attendance.close_meeting(meeting, world["co"].id)
    body = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "data-hx-trigger" not in body and 'class="mark readonly"' in body


def _newcomer_fields(page):
    form = page.split('id="newcomer"')[1].split("</form>")[0]
    return form[form.index('<div class="field'):]


def test_the_empty_newcomer_form_is_rendered_once_per_language_and_default(app, client, world, monkeypatch):
    """The empty form's fields are kept (pages.kept_fragment) for the page's language and the group's
    first language, and nothing else: a form with errors or a typed name is rendered as it is."""
    from peergroups.models import Group

    meeting = world["meeting"]
    rendered = []
    real = app.jinja_env.globals["kept_fragment"]

    def counting(*key, caller):  # the newcomer form's renders (the menu is kept the same way)
        return real(*key, caller=lambda: (key[0] == "newcomer" and rendered.append(key)) or caller())

    monkeypatch.setitem(app.jinja_env.globals, "kept_fragment", counting)
    first = _newcomer_fields(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert _newcomer_fields(client.get(f"/meetings/{meeting.id}").get_data(as_text=True)) == first
    assert len(rendered) == 1 and 'selected value="en"' in first and ">Name<" in first
    spanish = _newcomer_fields(client.get(f"/meetings/{meeting.id}?lang=es").get_data(as_text=True))
    assert ">Nombre<" in spanish and len(rendered) == 2
    with app.app_context():
        Group.update(languages="fa,en").where(Group.id == world["group"].id).execute()
    persian_first = _newcomer_fields(client.get(f"/meetings/{meeting.id}?lang=es").get_data(as_text=True))
    assert 'selected value="fa"' in persian_first and len(rendered) == 3
    failed = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "MARIA", "locale": "es"}, headers=HTMX)
    assert 'value="MARIA"' in failed.get_data(as_text=True) and len(rendered) == 3
