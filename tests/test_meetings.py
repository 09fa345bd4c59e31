"""Meetings and attendance: idempotent marks, history, undo, newcomers, closing, corrections."""
import datetime
import threading

import pytest
from werkzeug.serving import make_server

from peergroups import attendance
from peergroups.models import Attendance, AttendanceChange, GroupMember, Meeting, Member

from . import factories
from .helpers import in_turns_and_at_once, sign_in
from .routes import CONFIRMED


@pytest.fixture
def setup(app, login):
    with app.app_context():
        fac = factories.user(role="facilitator", name="Farah")
        group = factories.group(name="Harbor", leads=[fac])
        members = {name: factories.member(group, name=name) for name in ("Maria", "Bao", "Oksana", "Hodan")}
        meeting = factories.meeting(group)
    login(fac)
    return {"fac": fac, "group": group, "members": members, "meeting": meeting}


def marks(app, meeting):
    with app.app_context():
        return {a.member.name: a.state for a in Attendance.select().where(Attendance.meeting == meeting.id)}


def test_mark_is_idempotent_and_keeps_history(app, client, setup):
    meeting, maria = setup["meeting"], setup["members"]["Maria"]
    for _ in range(3):  # two phones tapping "present" at once never flip each other
        response = client.post(f"/meetings/{meeting.id}/marks", data={"member_id": maria.id, "state": "present"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"#member-{maria.id}")
    assert marks(app, meeting) == {"Maria": "present"}
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": maria.id, "state": "absent"})
    with app.app_context():
        history = [(c["previous"], c["state"], c["by"]) for c in reversed(attendance.history(meeting.id, maria.id))]
        mark = Attendance.get(Attendance.meeting == meeting.id)
    assert history == [(None, "present", setup["fac"].id), ("present", "absent", setup["fac"].id)]
    assert mark.by_id == setup["fac"].id and mark.at is not None


def test_htmx_mark_returns_the_row_and_the_count(client, setup):
    meeting, bao = setup["meeting"], setup["members"]["Bao"]
    response = client.post(f"/meetings/{meeting.id}/marks", data={"member_id": bao.id, "state": "present"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="member-{bao.id}"' in body and 'aria-pressed="true"' in body
    assert 'id="present-count"' in body and 'data-hx-swap-oob="true"' in body and "1 present" in body
    assert "HX-Request" in response.headers["Vary"]


def test_meeting_screen_full_page_and_search_fragment(client, setup):
    meeting = setup["meeting"]
    page = client.get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    fragment = client.get(f"/meetings/{meeting.id}?q=OKS", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<ul id="roster"') and "Oksana" in fragment and "Maria" not in fragment
    boosted = client.get(f"/meetings/{meeting.id}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_search_matches_any_script(app, client, setup):
    with app.app_context():
        factories.member(setup["group"], name="Олена")
    body = client.get(f"/meetings/{setup['meeting'].id}?q=олЕНА", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Олена" in body


def test_roster_puts_likely_attendees_first(app, client, setup):
    group, members = setup["group"], setup["members"]
    with app.app_context():
        for weeks in (3, 2, 1):
            past = factories.meeting(group, local_date=datetime.date.today() - datetime.timedelta(weeks=weeks),
                                     status="closed")
            attendance.set_mark(past, members["Oksana"].id, "present", None)
        rows = attendance.roster(Meeting.get_by_id(setup["meeting"].id), app.config["NEWCOMER_WINDOW_DAYS"])
    assert rows[0]["name"] == "Oksana"
    assert [r["name"] for r in rows[1:]] == ["Bao", "Hodan", "Maria"]


def test_undo_reverts_only_my_own_last_change(app, client, setup):
    meeting, m = setup["meeting"], setup["members"]
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Maria"].id, "state": "present"})
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Bao"].id, "state": "present"})
    other = app.test_client()
    with app.app_context():
        sign_in(other, factories.user(role="admin"))
    other.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Hodan"].id, "state": "present"})
    assert client.post(f"/meetings/{meeting.id}/undo").status_code == 303
    assert marks(app, meeting) == {"Maria": "present", "Hodan": "present"}
    client.post(f"/meetings/{meeting.id}/undo")
    assert marks(app, meeting) == {"Hodan": "present"}
    response = client.post(f"/meetings/{meeting.id}/undo", follow_redirects=True)
    assert "nothing of yours to undo" in response.get_data(as_text=True)
    assert marks(app, meeting) == {"Hodan": "present"}


def test_add_newcomer_creates_member_and_marks_present(app, client, setup):
    meeting = setup["meeting"]
    response = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "  Noor ", "locale": "ar"})
    assert response.status_code == 303
    with app.app_context():
        noor = Member.get(Member.name == "Noor")
        assert noor.locale == "ar" and noor.joined_on == meeting.local_date
        assert GroupMember.get(GroupMember.member == noor.id).group_id == setup["group"].id
        row = [r for r in attendance.roster(Meeting.get_by_id(meeting.id), app.config["NEWCOMER_WINDOW_DAYS"]) if r["id"] == noor.id][0]
    assert row["state"] == "present" and row["newcomer"]


def test_duplicate_newcomer_name_asks_first_and_keeps_input(app, client, setup):
    meeting = setup["meeting"]
    response = client.post(f"/meetings/{meeting.id}/newcomer", data={"name": "maria", "locale": "es"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has this name" in body and 'value="maria"' in body and "same_name_ok" in body
    confirmed = client.post(f"/meetings/{meeting.id}/newcomer",
                            data={"name": "maria", "locale": "es", "same_name_ok": "y"})
    assert confirmed.status_code == 303
    with app.app_context():
        assert Member.select().where(Member.name.in_(["Maria", "maria"])).count() == 2


@pytest.mark.parametrize("data, status", [
    ({"name": "", "locale": "en"}, 422),
    ({"name": "x" * 10_000, "locale": "en"}, 422),
    ({"name": "Ana", "locale": "tlh"}, 422),
])
def test_newcomer_bad_input(client, setup, data, status):
    response = client.post(f"/meetings/{setup['meeting'].id}/newcomer", data=data)
    assert response.status_code == status
    assert "<html" in response.get_data(as_text=True)


def test_marks_reject_other_groups_members_and_bad_values(app, client, setup):
    meeting = setup["meeting"]
    with app.app_context():
        outsider = factories.member(factories.group(), name="Outsider")
    assert client.post(f"/meetings/{meeting.id}/marks", data={"member_id": outsider.id, "state": "present"}).status_code == 404
    assert client.post(f"/meetings/{meeting.id}/marks", data={"member_id": "abc", "state": "present"}).status_code == 400
    assert client.post(f"/meetings/{meeting.id}/marks", data={"member_id": setup["members"]["Bao"].id,
                                                              "state": "toggle"}).status_code == 400
    assert client.post("/meetings/999999/marks", data={"member_id": 1, "state": "present"}).status_code == 404
    assert marks(app, meeting) == {}


def test_closing_writes_absences_and_stops_marks(app, client, setup):
    meeting, m = setup["meeting"], setup["members"]
    with app.app_context():
        late = factories.member(setup["group"], name="Joined later", joined_on=meeting.local_date + datetime.timedelta(days=7))
        archived = factories.member(setup["group"], name="Archived", archived=True)
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Maria"].id, "state": "present"})
    assert client.post(f"/meetings/{meeting.id}/close").status_code == 303
    states = marks(app, meeting)
    assert states == {"Maria": "present", "Bao": "absent", "Oksana": "absent", "Hodan": "absent"}
    with app.app_context():  # no mark at all, not even one under another name
        assert not Attendance.select().where(Attendance.member.in_([late.id, archived.id])).exists()
    refused = client.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Bao"].id, "state": "present"})
    assert refused.status_code == 409 and "Reopen" in refused.get_data(as_text=True)


def test_reopen_to_correct_from_a_paper_sheet(app, client, setup):
    meeting, m = setup["meeting"], setup["members"]
    client.post(f"/meetings/{meeting.id}/close")
    assert client.post(f"/meetings/{meeting.id}/reopen").status_code == 303
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": m["Bao"].id, "state": "present"})
    client.post(f"/meetings/{meeting.id}/close")
    assert marks(app, meeting)["Bao"] == "present"
    with app.app_context():
        history = [(c["previous"], c["state"]) for c in reversed(attendance.history(meeting.id, m["Bao"].id))]
    assert history == [(None, "absent"), ("absent", "present")]
    assert "Bao" in client.get(f"/meetings/{meeting.id}/history").get_data(as_text=True)


def test_meeting_left_open_is_closed_once_its_day_is_over(app, client, setup):
    with app.app_context():
        old = factories.meeting(setup["group"], local_date=datetime.date.today() - datetime.timedelta(days=3))
    client.get(f"/meetings/{old.id}")
    with app.app_context():
        assert Meeting.get_by_id(old.id).status == "closed"
    assert set(marks(app, old).values()) == {"absent"}


def test_cancel_only_without_attendance(app, client, setup):
    meeting = setup["meeting"]
    client.post(f"/meetings/{meeting.id}/marks", data={"member_id": setup["members"]["Bao"].id, "state": "present"})
    client.post(f"/meetings/{meeting.id}/cancel", data=CONFIRMED)
    with app.app_context():
        assert Meeting.get_by_id(meeting.id).status == "open"
        empty = factories.meeting(setup["group"])
    client.post(f"/meetings/{empty.id}/cancel", data=CONFIRMED)
    with app.app_context():
        assert Meeting.get_by_id(empty.id).status == "cancelled"
    refused = client.post(f"/meetings/{empty.id}/marks", data={"member_id": setup["members"]["Bao"].id, "state": "present"})
    assert refused.status_code == 409 and "cancelled" in refused.get_data(as_text=True)


def test_start_meeting_from_schedule_suggests_next_topic_and_reuses_it(app, client, setup):
    group = setup["group"]
    from peergroups.groups import upcoming

    with app.test_request_context():
        occurrence = upcoming(group, 1)[0]
    data = {"starts_at": occurrence.starts_at_utc.isoformat(), **CONFIRMED}  # on its day or not
    first = client.post(f"/groups/{group.id}/meetings", data=data)
    second = client.post(f"/groups/{group.id}/meetings", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        started = Meeting.get(Meeting.starts_at == occurrence.starts_at_utc)
    assert started.topic == "Gratitude" and started.local_date == occurrence.local_date
    assert client.post(f"/groups/{group.id}/meetings", data={"starts_at": "not-a-date"}).status_code == 400
    assert client.post(f"/groups/{group.id}/meetings", data={"starts_at": "2001-01-01T00:00:00"}).status_code == 404


def test_details_form_reminds_notes_are_not_clinical(client, setup):
    body = client.get(f"/meetings/{setup['meeting'].id}/details").get_data(as_text=True)
    assert "not clinical records" in body
    response = client.post(f"/meetings/{setup['meeting'].id}/details",
                           data={"topic": "Hope", "mode": "hybrid", "notes": "x" * 3000})
    assert response.status_code == 422 and "x" * 3000 in response.get_data(as_text=True)


@in_turns_and_at_once
def test_concurrent_marks_from_many_phones_lose_nothing(app, setup):
    """Threads against a real server: each marks a different member, many times, at once."""
    meeting, group = setup["meeting"], setup["group"]
    with app.app_context():
        people = [factories.member(group, name=f"Person {i}") for i in range(12)]
        user = factories.user(role="admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    errors = []

    def phone(person, final):
        client = app.test_client()
        sign_in(client, user)
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        for i in range(6):
            other = "absent" if final == "present" else "present"
            state = final if (5 - i) % 2 == 0 else other  # alternating, ending on `final`
            body = f"member_id={person.id}&state={state}"
            conn.request("POST", f"/meetings/{meeting.id}/marks", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                "Cookie": f"{cookie.key}={cookie.value}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        conn.close()

    finals = {p.id: ("present" if i % 2 else "absent") for i, p in enumerate(people)}
    threads = [threading.Thread(target=phone, args=(p, finals[p.id])) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    server.shutdown()
    thread.join(5)
    assert errors == []
    with app.app_context():
        stored = {a.member_id: a.state for a in Attendance.select().where(Attendance.meeting == meeting.id)}
        changes = AttendanceChange.select().where(AttendanceChange.meeting == meeting.id).count()
    assert stored == finals
    # Six alternating taps each, starting from no mark: six changes per person.
    assert changes == 6 * len(people)


@in_turns_and_at_once
def test_two_phones_marking_the_same_member_never_flip(app, setup):
    meeting, maria = setup["meeting"], setup["members"]["Maria"]
    with app.app_context():
        user = factories.user(role="admin")
    clients = [app.test_client() for _ in range(8)]
    for client in clients:
        sign_in(client, user)
    barrier = threading.Barrier(len(clients))

    def tap(client):
        barrier.wait()
        client.post(f"/meetings/{meeting.id}/marks", data={"member_id": maria.id, "state": "present"})

    threads = [threading.Thread(target=tap, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert marks(app, meeting) == {"Maria": "present"}
    with app.app_context():
        assert AttendanceChange.select().where(AttendanceChange.meeting == meeting.id).count() == 1
