"""Groups, members, follow-up and the calendar feed."""
import datetime

import pytest

from peergroups import attendance
from peergroups.models import Attendance, Group, GroupFacilitator, GroupMember, Member

from . import factories
from .helpers import sign_in
from .routes import CONFIRMED

GROUP_FORM = {"name": "Tuesday Harbor", "description": "Open group", "language": "es", "languages": ["en", "es"],
              "repeat": "monthly", "weekday": "1", "ordinal": "2", "interval": "2", "start_time": "18:30",
              "duration": "90", "timezone": "America/Chicago", "starts_on": "", "location": "Church hall",
              "virtual_link": "", "topics": "Hope\n\nHonesty\n", "leads": [], "co_leads": []}


def test_admin_creates_a_monthly_group_with_facilitators(app, client, login):
    login("admin")
    with app.app_context():
        lead = factories.user(role="facilitator")
        co = factories.user(role="facilitator")
    data = {**GROUP_FORM, "leads": [str(lead.id)], "co_leads": [str(co.id)]}
    response = client.post("/groups/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        group = Group.get(Group.name == "Tuesday Harbor")
        roles = {f.user_id: f.lead for f in GroupFacilitator.select().where(GroupFacilitator.group == group)}
    assert (group.frequency, group.ordinal, group.weekday, group.languages) == ("monthly", 2, 1, "es,en")
    assert group.topic_list == ["Hope", "Honesty"]
    assert roles == {lead.id: True, co.id: False}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tuesday Harbor" in page and "Coming up" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"timezone": "Mars/Base"}, "timezone", "time zone"),
    ({"start_time": "25:99"}, "start_time", "time like 18:30"),
    ({"duration": "abc"}, "duration", "whole number"),
    ({"repeat": "weeks", "interval": "99"}, "interval", "whole number"),
    ({"language": "xx"}, "language", "language from the list"),
    ({"languages": ["en", "xx"]}, "languages", "one of the options"),
    ({"name": "x" * 10_000}, "name", "at most 120"),
    ({"virtual_link": "javascript:alert(1)"}, "virtual_link", "https://"),
    ({"repeat": "sometimes"}, "repeat", "one of the options"),
])
def test_group_form_bad_input_is_explained_and_kept(client, login, changes, field, message):
    login("admin")
    response = client.post("/groups/new", data={**GROUP_FORM, **changes})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and f'id="{field}-error"' in body
    assert "Church hall" in body  # nothing typed is lost


def test_facilitator_edits_own_group_but_not_its_facilitators(app, client, login):
    fac = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[fac])
        other = factories.user(role="facilitator")
    data = {**GROUP_FORM, "name": "Renamed", "leads": [str(other.id)]}
    assert client.post(f"/groups/{group.id}/edit", data=data).status_code == 303
    with app.app_context():
        assert Group.get_by_id(group.id).name == "Renamed"
        assert [f.user_id for f in GroupFacilitator.select().where(GroupFacilitator.group == group.id)] == [fac.id]


def test_archived_group_is_read_only_and_hidden(app, client, login):
    login("admin")
    with app.app_context():
        group = factories.group(name="Old group")
    client.post(f"/groups/{group.id}/archive", data=CONFIRMED)
    assert "Old group" not in client.get("/groups/").get_data(as_text=True)
    assert "Old group" in client.get("/groups/?archived=1").get_data(as_text=True)
    assert client.get(f"/groups/{group.id}/edit").status_code == 404
    client.post(f"/groups/{group.id}/archive", data=CONFIRMED)
    assert "Old group" in client.get("/groups/").get_data(as_text=True)


def test_group_page_shows_local_times_across_dst(app, client, login):
    login("admin")
    with app.app_context():
        group = factories.group(name="Berlin", timezone="Europe/Berlin", weekday=0,
                                start_time=datetime.time(19, 0), starts_on=datetime.date(2026, 1, 1))
    from peergroups.schedule import occurrences
    from peergroups.groups import schedule_of

    with app.app_context():
        found = occurrences(schedule_of(Group.get_by_id(group.id)), datetime.date(2026, 3, 23), datetime.date(2026, 4, 6))
    assert [o.starts_at_utc.hour for o in found] == [18, 17, 17]  # 19:00 local before and after the change


def test_members_contact_details_only_for_leaders_and_admins(app, client):
    with app.app_context():
        fac = factories.user(role="facilitator")
        supervisor = factories.user(role="supervisor")
        group = factories.group(leads=[fac])
        member = factories.member(group, name="Lina", phone="+1 555 0100", email="lina@example.org")
    for user, sees in ((fac, True), (supervisor, False)):
        sign_in(client, user)
        body = client.get(f"/members/{member.id}").get_data(as_text=True)
        assert ("+1 555 0100" in body) is sees and ("lina@example.org" in body) is sees


def test_member_search_lists_only_visible_members(app, client, login):
    fac = login("facilitator")
    with app.app_context():
        mine = factories.group(leads=[fac])
        factories.member(mine, name="Zainab")
        factories.member(factories.group(), name="Zoran")
    body = client.get("/members/?q=z").get_data(as_text=True)
    assert "Zainab" in body and "Zoran" not in body
    fragment = client.get("/members/?q=zai", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<ul id="results"') and "Zainab" in fragment


def test_add_member_edit_and_archive(app, client, login):
    fac = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[fac])
    response = client.post(f"/members/groups/{group.id}", data={"name": "Amani", "locale": "so", "pronouns": "she/her",
                                                              "phone": "", "email": "bad", "joined_on": "2026-02-30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "valid email" in body and "date like" in body and "Amani" in body
    response = client.post(f"/members/groups/{group.id}", data={"name": "Amani", "locale": "so", "pronouns": "",
                                                              "phone": "", "email": "", "joined_on": "2026-02-03"})
    assert response.status_code == 303
    with app.app_context():
        amani = Member.get(Member.name == "Amani")
    assert amani.joined_on == datetime.date(2026, 2, 3)
    client.post(f"/members/{amani.id}/archive", data=CONFIRMED)
    with app.app_context():
        assert Member.get_by_id(amani.id).archived


def test_merge_moves_attendance_and_groups(app, client, login):
    login("admin")
    with app.app_context():
        g1, g2 = factories.group(), factories.group()
        a = factories.member(g1, name="Sam")
        b = factories.member(g2, name="Samuel")
        GroupMember.create(group=g2, member=a, joined_on=datetime.date(2025, 6, 1))
        meeting = factories.meeting(g2)
        attendance.set_mark(meeting, a.id, "present", None)
        attendance.set_mark(meeting, b.id, "absent", None)
        other = factories.meeting(g1, local_date=datetime.date(2026, 2, 1))
        attendance.set_mark(other, a.id, "present", None)
    assert client.post(f"/members/{a.id}/merge", data={"into": str(b.id)}).status_code == 303
    with app.app_context():
        states = {(m.meeting_id, m.state) for m in Attendance.select().where(Attendance.member == b.id)}
        groups = {gm.group_id: gm.joined_on for gm in GroupMember.select().where(GroupMember.member == b.id)}
        source = Member.get_by_id(a.id)
    assert states == {(meeting.id, "present"), (other.id, "present")}
    assert groups[g2.id] == datetime.date(2025, 6, 1) and g1.id in groups
    assert source.archived and source.merged_into_id == b.id
    assert client.post(f"/members/{b.id}/merge", data={"into": str(b.id)}).status_code == 400


def test_follow_up_lists(app, client, login):
    fac = login("facilitator")
    today = datetime.date.today()
    with app.app_context():
        group = factories.group(leads=[fac])
        regular = factories.member(group, name="Regular")
        gone = factories.member(group, name="Gone quiet")
        once = factories.member(group, name="Came once")
        for weeks in range(5, 0, -1):
            meeting = factories.meeting(group, local_date=today - datetime.timedelta(weeks=weeks), status="open")
            attendance.set_mark(meeting, regular.id, "present", None)
            if weeks == 5:
                attendance.set_mark(meeting, gone.id, "present", None)
            if weeks == 2:
                attendance.set_mark(meeting, once.id, "present", None)
            attendance.close_meeting(meeting, None)
    body = client.get(f"/groups/{group.id}/follow-up").get_data(as_text=True)
    not_seen, came_once = body.split("Newcomers who came once")
    came_once, waiting = came_once.split("Who needs a mentor")
    assert "Gone quiet" in not_seen and "Regular" not in not_seen
    assert "Came once" in came_once and "Regular" not in came_once
    assert "Regular" in waiting  # first came five weeks ago: still a newcomer, and without a mentor


def test_calendar_feed_is_private_and_revocable(app, client, login):
    fac = login("facilitator")
    with app.app_context():
        group = factories.group(name="Harbor, Tuesday; evenings", leads=[fac], location="Hall A\nBack door")
    assert client.post(f"/groups/{group.id}/calendar", data={"action": "renew"}).status_code == 303
    with app.app_context():
        token = Group.get_by_id(group.id).calendar_token
    assert len(token) >= 20
    feed = app.test_client().get(f"/calendar/{token}.ics")
    text = feed.get_data(as_text=True)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == 12
    assert "SUMMARY:Harbor\\, Tuesday\\; evenings" in text and "LOCATION:Hall A\\nBack door" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    client.post(f"/groups/{group.id}/calendar", data={"action": "off"})
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404


def test_member_joins_and_leaves_groups_keeping_history(app, client, login):
    fac = login("facilitator")
    with app.app_context():
        first, second = factories.group(leads=[fac]), factories.group(leads=[fac])
        foreign = factories.group()
        person = factories.member(first, name="Kofi")
    assert "Add to another group" in client.get(f"/members/{person.id}").get_data(as_text=True)
    assert client.post(f"/members/{person.id}/groups", data={"group_id": str(second.id)}).status_code == 303
    assert client.post(f"/members/{person.id}/groups", data={"group_id": str(foreign.id)}).status_code == 404
    assert client.post(f"/members/{person.id}/groups", data={"group_id": "x"}).status_code == 400
    with app.app_context():
        groups = {gm.group_id: gm.active for gm in GroupMember.select().where(GroupMember.member == person.id)}
    assert groups == {first.id: True, second.id: True}
    client.post(f"/members/{person.id}/groups/{first.id}/leave", data=CONFIRMED)
    with app.app_context():
        assert not GroupMember.get(GroupMember.member == person.id, GroupMember.group == first.id).active


def test_control_characters_are_dropped_from_every_form(app, client, login):
    login("admin")
    response = client.post("/groups/new", data={**GROUP_FORM, "name": "Night\x00 owls\x07", "topics": "A\x00\nB"})
    assert response.status_code == 303
    with app.app_context():
        group = Group.get(Group.name == "Night owls")
    assert group.topic_list == ["A", "B"]
    assert client.get("/calendar/abc%00def.ics").status_code == 404


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_schedule_dates_must_be_plausible(client, login, day):
    login("admin")
    response = client.post("/groups/new", data={**GROUP_FORM, "repeat": "weekly", "starts_on": day})
    assert response.status_code == 422 and "Please enter a date between" in response.get_data(as_text=True)


def test_leaders_and_languages_are_chosen_with_a_thumb(app, client, login):
    """Checkboxes, not a <select multiple> (which needs a modifier key or a long press)."""
    login("admin")
    with app.app_context():
        factories.user(role="facilitator", name="Kim")
    page = client.get("/groups/new").get_data(as_text=True)
    assert "multiple" not in page and page.count('type="checkbox" name="leads"') >= 1
    assert page.count('type="checkbox" name="languages"') == 10


def test_an_invite_is_for_a_facilitator_unless_changed(client, login):
    login("admin")
    page = client.get("/staff/invite").get_data(as_text=True)
    assert '<option selected value="facilitator">' in page or '<option value="facilitator" selected>' in page


def test_a_new_facilitators_empty_home_says_what_happens_next(client, login):
    login("facilitator")
    page = client.get("/").get_data(as_text=True)
    assert "You do not lead a group yet" in page and 'href="/account/"' in page and "No groups yet." not in page


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_times_show_in_one_short_format_without_seconds(app, client, login, lang):
    import re

    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user])
    page = client.get(f"/groups/{group.id}?lang={lang}").get_data(as_text=True)
    assert not re.search(r"\d:\d\d:\d\d", re.sub(r"<[^>]*>", " ", page))  # in what people read
    with app.app_context():
        from peergroups.groups import upcoming
        from peergroups.i18n import local_datetime

        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            shown = [str(local_datetime(o.starts_at_utc, group.timezone)) for o in upcoming(group)]
    assert all(when in page for when in shown)  # the start button and "Coming up" agree


def test_a_facilitator_merges_only_within_their_own_groups(app, client, login):
    """Merging moves every membership and mark: a record also in a group the facilitator does not
    lead would move that group's roster and attendance. Only admins merge across groups."""
    fac = login("facilitator")
    with app.app_context():
        mine, theirs = factories.group(leads=[fac]), factories.group(name="Not mine")
        twice = factories.member(mine, name="Ana twice")
        GroupMember.create(group=theirs, member=twice, joined_on=datetime.date(2026, 1, 1))
        factories.present(factories.meeting(theirs, status="closed"), twice)
        kept = factories.member(mine, name="Ana")
    response = client.post(f"/members/{twice.id}/merge", data={"into": str(kept.id)})
    assert response.status_code == 422 and "only an administrator can merge" in response.get_data(as_text=True)
    with app.app_context():
        assert GroupMember.get(GroupMember.group == theirs.id).member_id == twice.id  # nothing moved
        assert Member.get_by_id(twice.id).merged_into is None
    assert client.post(f"/members/{kept.id}/merge", data={"into": str(twice.id)}).status_code == 422


@pytest.mark.parametrize("evil", ["Room 2\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:Free money",
                                  "Room 2\nEND:VEVENT", "Room 2\u2028END:VEVENT", "Room\x0b2\x1b"])
def test_calendar_text_cannot_inject_lines(evil):
    """RFC 5545: every line break in a text becomes \\n, control characters go, so a group's
    location or description can never start a new property or event."""
    import datetime as dt

    from peergroups.ical import calendar

    start = dt.datetime(2026, 3, 3, 18)
    feed = calendar("Harbor", [{"uid": "1@x", "starts": start, "ends": start, "summary": "Meeting",
                                "location": evil, "description": evil}], now=start)
    lines = feed.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1 and not any(line.startswith("SUMMARY:Free") for line in lines)
    assert all(ch not in line for line in lines for ch in "\r\n\x0b\x1b\u2028")
