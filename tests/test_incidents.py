"""The crisis path, incidents and supervision: one tap to the crisis lines and the escalation
checklist, incidents seen only by admins, supervisors and their recorder, every view and change
logged, overdue follow-ups on home pages, counts by category and month."""
import datetime

import pytest

from peergroups import crisis, incidents
from peergroups.models import CrisisLine, Incident, IncidentEvent, Supervision, utcnow

from . import factories
from .helpers import sign_in
from .routes import CONFIRMED

VALID = {"date": "2026-03-01", "time": "19:30", "category": "boundary", "what_happened": "Someone was followed home",
         "what_was_done": "Talked with both", "escalated_to": "Supervisor", "members": "Maria"}


@pytest.fixture
def meeting(app, login):
    user = login("facilitator")
    with app.app_context():
        group = factories.group(leads=[user], languages="es,en")
        return factories.meeting(group)


def test_someone_needs_help_now_shows_lines_in_the_meetings_languages_and_the_checklist(app, client, meeting):
    with app.app_context():
        CrisisLine.create(locale="", name="Lifeline", phone="988")
        CrisisLine.create(locale="es", name="Línea de la Vida", phone="800 911 2000")
        crisis.add_step("", "Stay with the person", "")
        crisis.add_step("", "Call the supervisor", "+1 555 0100")
        crisis.add_step("es", "Quédese con la persona", "")
    screen = client.get(f"/meetings/{meeting.id}?lang=en").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/help"' in screen and "Someone needs help now" in screen
    page = client.get(f"/meetings/{meeting.id}/help?lang=en").get_data(as_text=True)
    assert "Línea de la Vida" in page and "Lifeline" in page  # Spanish and English, the meeting's languages
    assert page.index("Stay with the person") < page.index("Call the supervisor")  # in order
    assert 'href="tel:+15550100"' in page and "Quédese" not in page
    assert f'href="/meetings/{meeting.id}/incidents/new"' in page  # "Record what happened"
    assert "Quédese con la persona" in client.get(f"/meetings/{meeting.id}/help?lang=es").get_data(as_text=True)


def test_an_admin_keeps_the_checklist(app, client, login):
    login("admin")
    bad = client.post("/admin/crisis-lines/steps", data={"step-locale": "", "step-text": "", "step-phone": "112"})
    assert bad.status_code == 422 and 'value="112"' in bad.get_data(as_text=True)
    assert client.post("/admin/crisis-lines/steps", data={"step-locale": "ar", "step-text": "ابق مع الشخص"}).status_code == 303
    with app.app_context():
        step = crisis.all_steps()[0]
        assert (step.locale, step.position) == ("ar", 1)
    assert client.post(f"/admin/crisis-lines/steps/{step.id}/delete").status_code == 200  # asks first
    assert client.post(f"/admin/crisis-lines/steps/{step.id}/delete", data=CONFIRMED).status_code == 303
    with app.app_context():
        assert crisis.all_steps() == []


@pytest.mark.parametrize("change, message", [
    ({"what_happened": "x" * 100_000}, "Please use at most 5000 characters."),
    ({"follow_up_on": "2020-01-01"}, "Please choose a follow-up date from today on."),
    ({"what_happened": ""}, "Please fill this in."),
    ({"category": "gossip"}, "Please choose one of the options."),
])
def test_bad_incidents_answer_422_keeping_input_and_saving_nothing(app, client, meeting, change, message):
    response = client.post(f"/meetings/{meeting.id}/incidents/new?lang=en", data={**VALID, **change})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and "Talked with both" in body
    with app.app_context():
        assert Incident.select().count() == 0


def test_an_incident_is_seen_by_admins_supervisors_and_its_recorder_only_and_every_view_is_kept(app, client, meeting):
    form = client.get(f"/meetings/{meeting.id}/incidents/new?lang=en").get_data(as_text=True)
    assert "not anyone's health, diagnosis or story" in form
    response = client.post(f"/meetings/{meeting.id}/incidents/new", data={**VALID, "follow_up_on": "2099-01-01"})
    assert response.status_code == 303
    url = response.headers["Location"]
    assert "Someone was followed home" in client.get(url).get_data(as_text=True)
    with app.app_context():
        incident = Incident.get()
        assert incident.occurred_at == datetime.datetime(2026, 3, 2, 1, 30)  # 19:30 in Chicago, stored in UTC
        co_leader = factories.user(role="facilitator")
        factories.group(leads=[co_leader])
        from peergroups.models import GroupFacilitator
        GroupFacilitator.create(group=incident.group_id, user=co_leader, lead=False)
        supervisor = factories.user(role="supervisor")
    other = app.test_client()
    sign_in(other, co_leader)
    assert other.get(url).status_code == 404  # a co-facilitator of the same group: not theirs
    assert "Someone was followed home" not in other.get("/incidents/").get_data(as_text=True)
    sign_in(other, supervisor)
    assert other.post(url + "/notes", data={"text": "Called the facilitator"}).status_code == 303
    assert other.post(url + "/status", data={"status": "closed"}).status_code == 303
    assert other.post(url + "/status", data={"status": "closed"}).status_code == 303  # twice: one change
    assert client.post(url + "/notes", data={"text": "mine"}).status_code == 404  # the recorder reads, no review
    page = other.get(url + "?lang=en").get_data(as_text=True)
    assert "Called the facilitator" in page and "Closed" in page
    with app.app_context():
        actions = [(e.action, e.by_id) for e in IncidentEvent.select().order_by(IncidentEvent.id)]
    assert actions == [("created", incident.recorded_by_id), ("viewed", incident.recorded_by_id),
                       ("noted", supervisor.id), ("closed", supervisor.id), ("viewed", supervisor.id)]


def test_overdue_follow_ups_show_on_the_recorders_and_the_supervisors_home(app, client, meeting):
    with app.app_context():
        recorder = factories.user(role="facilitator")
        incidents.create({"group": meeting.group_id, "meeting": meeting.id, "occurred_at": utcnow(),
                          "category": "medical", "what_happened": "Fainted",
                          "follow_up_on": datetime.date.today() - datetime.timedelta(days=2)}, recorder.id)
        supervisor = factories.user(role="supervisor")
    assert "Follow-ups that are due" not in client.get("/?lang=en").get_data(as_text=True)  # not theirs
    for user in (recorder, supervisor):
        other = app.test_client()
        sign_in(other, user)
        assert "Follow-ups that are due" in other.get("/?lang=en").get_data(as_text=True)


def test_the_report_counts_incidents_by_category_and_month(app, client, login):
    login("supervisor")
    with app.app_context():
        group = factories.group()
        for when, category in ((datetime.datetime(2026, 1, 5), "safety"), (datetime.datetime(2026, 1, 20), "safety"),
                               (datetime.datetime(2026, 2, 1), "conflict")):
            incidents.create({"group": group.id, "occurred_at": when, "category": category,
                              "what_happened": "Private words"}, None)
        assert incidents.counts_by_category_and_month() == [("2026-02", "conflict", 1), ("2026-01", "safety", 2)]
    page = client.get("/incidents/report?lang=en").get_data(as_text=True)
    assert "2026-01" in page and "Safety concern" in page and "Private words" not in page


def test_supervision_check_ins_are_seen_by_both_and_overdue_ones_show_on_the_supervisors_home(app, client, login):
    supervisor = login("supervisor")
    with app.app_context():
        facilitator = factories.user(role="facilitator", name="Farah")
    assert "Farah" in client.get("/?lang=en").get_data(as_text=True)  # never supervised: due
    data = {"facilitator": str(facilitator.id), "date": datetime.date.today().isoformat(), "notes": "Boundaries talk",
            "next_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat()}
    assert client.post("/supervision/", data=data).status_code == 303
    assert "Supervision due" not in client.get("/?lang=en").get_data(as_text=True)
    assert client.post("/supervision/", data={**data, "facilitator": "999"}).status_code == 422
    other = app.test_client()
    sign_in(other, facilitator)
    assert "Boundaries talk" in other.get("/supervision/").get_data(as_text=True)
    with app.app_context():
        assert Supervision.get().supervisor_id == supervisor.id
